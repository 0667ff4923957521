import type { Decision } from '../domain/decisions.ts';
import type { EngineEvent } from '../domain/events.ts';
import type { Engine, EngineSinks, EngineState } from '../engine/engine.ts';
import { formatRecord, GENESIS_HASH, sealRecord } from '../io/audit/audit-chain.ts';
import type { ChainHead } from '../io/audit/audit-log.ts';
import { stateHash } from '../io/journal/journaled-engine.ts';
import type { LedgerBalanceRow, QuarantineInput, SeriesName, Store, StoreBatch } from '../io/store/store.ts';
import type { MonitorClose } from '../liquidity/monitor.ts';
import { Heartbeat } from '../runtime/heartbeat.ts';
import { StreamHub, type StreamMessage } from './stream-hub.ts';
import { fundBalances, fundRows, priceRows } from './views.ts';

/** One ingested item: an event that passed the wire schema, or an input refused before the engine. */
export type IngestItem =
  | { readonly ok: true; readonly event: EngineEvent }
  | { readonly ok: false; readonly quarantine: QuarantineInput };

export interface IngestResult {
  /** Events journaled and applied (timers raised by the heartbeat included). */
  readonly applied: number;
  readonly decisions: readonly Decision[];
}

export interface ServiceOptions {
  readonly store: Store;
  /** Builds a fresh engine with the service's config (again after a failed commit). */
  readonly makeEngine: (sinks: EngineSinks) => Engine;
  /** Heartbeat period in µs: timers at every boundary the venue clock passes (ADR 0007). */
  readonly heartbeatUs: number;
  /** A snapshot is stored with the batch that crosses each multiple of this many events (0: never). */
  readonly snapshotEvery: number;
  /** Wall clock (µs) for when an input was received and a snapshot written; never used by the engine. */
  readonly wallUs?: () => number;
  /** Called after each stored batch (metrics). */
  readonly onCommitted?: (c: CommittedBatch) => void;
}

export interface CommittedBatch {
  readonly applied: number;
  readonly decisions: readonly Decision[];
  /** Inputs quarantined by this batch (wire and engine rejections). */
  readonly rejected: number;
  /** Wall seconds the engine spent on the batch (re-margin and decisions, without the store). */
  readonly engineSeconds: number;
}

/** Counters the metrics endpoint reads. */
export interface ServiceCounters {
  events: number;
  rejected: number;
  decisionsByKind: Map<string, number>;
  batches: number;
  commitFailures: number;
  /** Wall seconds of each batch's re-margin and decisions (engine work, without the store). */
  lastBatchSeconds: number;
}

/** Snapshot payload: the engine state plus the heartbeat's position, so timers continue exactly. */
interface ServiceSnapshot {
  readonly engine: EngineState;
  readonly heartbeatLastUs: number | null;
}

const PAGE = 5_000;
/**
 * A clock tick after a long silence (a feed down for hours, or events stamped far in the past)
 * raises at most this many timers, the latest ones: time jumps, as it would on the next event.
 */
const MAX_CATCH_UP_TIMERS = 60;

/**
 * The engine as a service (docs/adr/0008-service-store.md). Batches are applied one at a time,
 * in arrival order: the heartbeat's timers are inserted before each event as in `runLoop`, so a
 * batch stream gives the same decisions as the backtest runner on the same inputs. Each batch's
 * journal entries, audit records, quarantined inputs and read-model points are stored by one
 * atomic `commit` before anything is acknowledged or streamed. If the commit fails, the
 * in-memory engine is ahead of the store; it is rebuilt from the store before the next batch.
 */
export class EngineService {
  readonly hub = new StreamHub();
  readonly counters: ServiceCounters = {
    events: 0,
    rejected: 0,
    decisionsByKind: new Map(),
    batches: 0,
    commitFailures: 0,
    lastBatchSeconds: 0,
  };
  private queue: Promise<unknown> = Promise.resolve();
  private pendingMonitor: MonitorClose[] = [];
  private replaying = false;
  private lastFund = new Map<string, bigint>();
  private lastPriceSecond = new Map<string, number>();
  private stale = false;
  private pendingLedger: { key: string; currency: string; amount: bigint }[] = [];
  /** Why the latest snapshot was not used on the last restore (then the whole journal was replayed). */
  snapshotRejected: string | null = null;

  private constructor(
    private readonly o: ServiceOptions,
    public engine: Engine,
    private heartbeat: Heartbeat,
    private eventCount: number,
    private head: ChainHead,
    /** Where the restore began: a snapshot's event count, or null for a full replay. */
    readonly restoredFrom: number | null,
  ) {}

  /** Opens the service on a store: the latest snapshot, then the journal after it. */
  static async open(o: ServiceOptions): Promise<EngineService> {
    const s = new EngineService(
      o,
      null as unknown as Engine,
      new Heartbeat(o.heartbeatUs),
      0,
      {
        seq: 0,
        hash: GENESIS_HASH,
      },
      null,
    );
    const from = await s.restore();
    (s as { restoredFrom: number | null }).restoredFrom = from;
    return s;
  }

  private async restore(): Promise<number | null> {
    const store = this.o.store;
    this.pendingMonitor = [];
    this.engine = this.o.makeEngine({ onMonitorClose: (c) => this.onMonitorClose(c) });
    this.heartbeat = new Heartbeat(this.o.heartbeatUs);
    const snap = await store.latestSnapshot();
    let count = 0;
    let from: number | null = null;
    this.snapshotRejected = null;
    if (snap) {
      try {
        const payload = JSON.parse(snap.stateJson) as ServiceSnapshot;
        this.engine.restoreState(payload.engine);
        const hash = stateHash(this.engine);
        if (hash !== snap.stateHash)
          throw new Error(`it restores to state hash ${hash}, not ${snap.stateHash}`);
        this.heartbeat.restore(payload.heartbeatLastUs);
        count = snap.events;
        from = snap.events;
      } catch (e) {
        // the journal holds every event: a snapshot that does not restore costs a full replay,
        // never the state
        this.snapshotRejected = `snapshot at ${snap.events} events: ${(e as Error).message}`;
        this.engine = this.o.makeEngine({ onMonitorClose: (c) => this.onMonitorClose(c) });
        this.heartbeat = new Heartbeat(this.o.heartbeatUs);
      }
    }
    this.replaying = true;
    try {
      for (;;) {
        const events = await store.readEvents(count, PAGE);
        for (const e of events) {
          this.heartbeat.replayed(e);
          this.engine.handle(e);
        }
        count += events.length;
        if (events.length < PAGE) break;
      }
    } finally {
      this.replaying = false;
      this.pendingMonitor = [];
    }
    this.eventCount = count;
    this.head = await store.auditHead();
    // the ledger read model: from here on each batch stores the balances it posted to; a new
    // store also gets the balances the engine was built with (the policy's opening deposits)
    const opening = this.engine.ledger.takeChanges();
    this.pendingLedger = count === 0 && snap === null ? opening : [];
    this.lastFund = fundBalances(this.engine);
    this.stale = false;
    return from;
  }

  /** Journaled events so far. */
  get events(): number {
    return this.eventCount;
  }

  get auditHead(): ChainHead {
    return this.head;
  }

  stateHash(): string {
    return stateHash(this.engine);
  }

  private onMonitorClose(c: MonitorClose): void {
    if (!this.replaying) this.pendingMonitor.push(c);
  }

  /**
   * Applies a batch and stores it; resolves once it is committed. Batches queue behind each
   * other. Rejects when the store refused the batch (nothing of it was kept; the engine is
   * rebuilt from the store before the next batch).
   */
  ingest(items: readonly IngestItem[], source: string, clockUs?: number): Promise<IngestResult> {
    const run = this.queue.then(() => this.apply(items, source, clockUs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs `fn` between batches (reads that must see one consistent state). */
  exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Waits for the queued batches (graceful shutdown). */
  async drain(): Promise<void> {
    await this.queue;
  }

  /**
   * Heartbeats on a quiet feed: timers for the boundaries the venue clock (`nowUs`: the wall
   * clock live, the replay clock in a replay) has passed since the last event. They are
   * journaled like any event. Nothing happens before the first event.
   */
  heartbeatTo(nowUs: number): Promise<IngestResult> {
    return this.ingest([], 'heartbeat', nowUs);
  }

  private async apply(items: readonly IngestItem[], source: string, clockUs?: number): Promise<IngestResult> {
    if (this.stale) await this.restore();
    const wallUs = this.o.wallUs ?? (() => Date.now() * 1000);
    const started = performance.now();
    const journal: EngineEvent[] = [];
    const decisions: Decision[] = [];
    const quarantine: QuarantineInput[] = [];
    const audit: { seq: number; line: string }[] = [];
    const series: StoreBatch['series'][number][] = [];
    const messages: StreamMessage[] = [];
    let head = this.head;
    const handle = (e: EngineEvent) => {
      journal.push(e);
      for (const d of this.engine.handle(e)) {
        decisions.push(d);
        const record = sealRecord({ seq: head.seq + 1, tsUs: d.tsUs, prevHash: head.hash, decision: d });
        head = { seq: record.seq, hash: record.hash };
        audit.push({ seq: record.seq, line: formatRecord(record) });
        if (d.kind === 'input-rejected') {
          quarantine.push({
            code: d.code,
            reason: d.reason,
            raw: JSON.stringify(e),
            source,
            receivedUs: wallUs(),
          });
        }
      }
    };
    for (const item of items) {
      if (!item.ok) {
        quarantine.push(item.quarantine);
        continue;
      }
      const e = item.event;
      for (const tsUs of this.heartbeat.due(e.tsUs)) handle({ kind: 'timer', tsUs });
      handle(e);
      for (const p of priceRows(this.engine, e, this.lastPriceSecond)) {
        messages.push({ topic: 'prices', data: p });
        series.push({ series: 'prices', key: p.instrument, tsUs: p.tsUs, value: JSON.stringify(p) });
      }
    }
    // a clock tick: the boundaries before now (only once an event has set the heartbeat going,
    // so the heartbeat's state always follows from the journal)
    if (clockUs !== undefined && this.heartbeat.last !== null) {
      for (const tsUs of this.heartbeat.due(clockUs, MAX_CATCH_UP_TIMERS)) handle({ kind: 'timer', tsUs });
    }
    this.counters.lastBatchSeconds = (performance.now() - started) / 1000;
    if (journal.length === 0 && quarantine.length === 0) return { applied: 0, decisions: [] };

    const point = (name: SeriesName, key: string, tsUs: number, value: unknown) =>
      series.push({ series: name, key, tsUs, value: JSON.stringify(value) });
    for (const c of this.pendingMonitor) {
      point('monitor', c.row.instrument, c.row.tsUs, c.row);
      messages.push({ topic: 'monitor', data: c.row });
    }
    this.pendingMonitor = [];
    for (const d of decisions) {
      messages.push({ topic: 'decisions', data: d });
      if (d.kind === 'tier-change') {
        const t = { tsUs: d.tsUs, scope: d.scope, from: d.from, to: d.to, reason: d.reason };
        point('tier', d.scope, d.tsUs, t);
        messages.push({ topic: 'tiers', data: t });
      }
    }
    const nowUs = this.engine.timeUs;
    // the rows (whose peak walks the fund's balance path) only when a balance moved
    const balances = fundBalances(this.engine);
    const moved = [...balances].some(([ccy, units]) => this.lastFund.get(ccy) !== units);
    for (const f of moved ? fundRows(this.engine) : []) {
      if (this.lastFund.get(f.currency) === balances.get(f.currency)) continue;
      this.lastFund.set(f.currency, balances.get(f.currency) as bigint);
      const p = { tsUs: nowUs, currency: f.currency, balance: f.balance, drawdownFrac: f.drawdownFrac };
      point('fund', f.currency, nowUs, p);
      messages.push({ topic: 'fund', data: p });
    }

    const ledger = new Map<string, LedgerBalanceRow>();
    for (const c of [...this.pendingLedger, ...this.engine.ledger.takeChanges()]) {
      const scale = this.engine.ledger.scale(c.currency);
      ledger.set(`${c.key}\u0000${c.currency}`, {
        account: c.key,
        currency: c.currency,
        units: c.amount.toString(),
        scale,
      });
    }

    const first = this.eventCount;
    const count = first + journal.length;
    const every = this.o.snapshotEvery;
    const due = every > 0 && Math.floor(count / every) > Math.floor(first / every);
    const batch: StoreBatch = {
      firstEventIndex: first,
      events: journal,
      audit,
      quarantine,
      series,
      ledger: [...ledger.values()],
      ...(due
        ? {
            snapshot: {
              events: count,
              stateHash: stateHash(this.engine),
              stateJson: JSON.stringify({
                engine: this.engine.exportState(),
                heartbeatLastUs: this.heartbeat.last,
              } satisfies ServiceSnapshot),
              createdUs: wallUs(),
            },
          }
        : {}),
    };
    try {
      await this.o.store.commit(batch);
    } catch (e) {
      this.counters.commitFailures++;
      this.stale = true;
      throw e;
    }
    this.eventCount = count;
    this.head = head;
    this.pendingLedger = [];
    this.counters.batches++;
    this.counters.events += journal.length;
    this.counters.rejected += quarantine.length;
    for (const d of decisions)
      this.counters.decisionsByKind.set(d.kind, (this.counters.decisionsByKind.get(d.kind) ?? 0) + 1);
    this.o.onCommitted?.({
      applied: journal.length,
      decisions,
      rejected: quarantine.length,
      engineSeconds: this.counters.lastBatchSeconds,
    });
    this.hub.publish(messages);
    return { applied: journal.length, decisions };
  }
}
