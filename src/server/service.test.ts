import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyRecords } from '../io/audit/audit-chain.ts';
import { MemoryAuditSink } from '../io/audit/audit-log.ts';
import { openSqliteStore } from '../io/store/sqlite-store.ts';
import type { Store, StoreBatch } from '../io/store/store.ts';
import { runBacktest } from '../sim/backtest.ts';
import { backtestConfig } from '../sim/run-files.ts';
import { planReplay, type ReplayPlan, ReplayPump } from './replay.ts';
import { EngineService } from './service.ts';
import { fundRows } from './views.ts';

const SAMPLE = 'data/samples/btc_usdt_binance_spot_1m_2021-05-19.csv';
const FROM_US = Date.UTC(2021, 4, 19, 12, 30) * 1000;
const TO_US = Date.UTC(2021, 4, 19, 14, 30) * 1000;

/** Feeds the recording to a service in batches of `size` inputs. */
async function feed(s: EngineService, plan: ReplayPlan, from: number, to: number, size: number) {
  for (let i = from; i < to; i += size) {
    const batch = plan.inputs.slice(i, Math.min(to, i + size)).map((event) => ({ ok: true as const, event }));
    await s.ingest(batch, 'replay');
  }
}

const ledgerRows = async (store: Store) =>
  (await store.readLedger(null)).map((r) => [r.account, r.currency, r.units]);
const engineLedger = (s: EngineService) =>
  s.engine.ledger.balances().map((b) => [b.key, b.currency, b.amount.toString()]);

const open = (store: Store, plan: ReplayPlan, snapshotEvery: number) =>
  EngineService.open({ store, makeEngine: plan.makeEngine, heartbeatUs: plan.heartbeatUs, snapshotEvery });

describe('EngineService: one atomic commit per batch, restart at the same state', () => {
  let plan: ReplayPlan;
  let backtestAudit: string;
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'backstop-svc-'));
    dirs.push(d);
    return d;
  };
  beforeAll(async () => {
    plan = await planReplay({
      files: [SAMPLE],
      policy: 'backstop',
      accounts: 300,
      seed: 3,
      fromUs: FROM_US,
      toUs: TO_US,
    });
    // the population backtest's own decisions on the same window (its audit, in memory)
    const sink = new MemoryAuditSink();
    runBacktest({
      ...backtestConfig(
        { accounts: 300, seed: 3, impact: true, depthScale: 'auto' },
        await barsOf(),
        'backstop',
        plan.policy,
        sink,
      ),
    });
    backtestAudit = sink.text;
  }, 120_000);
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const barsOf = async () =>
    (await import('../sim/run-files.ts')).windowBars({ files: [SAMPLE], fromUs: FROM_US, toUs: TO_US });

  it('the recording is worth the test: a crash window with liquidations and a backstop tier change', () => {
    expect(plan.inputs.length).toBeGreaterThan(1_500);
    expect(backtestAudit).toContain('"kind":"liquidation-order"');
    expect(backtestAudit).toContain('"kind":"tier-change"');
  });

  it('the service fed the recording in batches takes the backtest decisions, record for record', async () => {
    const store = await openSqliteStore(tmp());
    await store.init();
    const s = await open(store, plan, 0);
    await feed(s, plan, 0, plan.inputs.length, 777);
    const lines = await store.readAudit(0, 1_000_000);
    // the backtest ends with engine.finish() (closing the open monitor interval); the service keeps running
    const finished = backtestAudit.split('\n').filter((l) => l !== '');
    expect(lines).toEqual(finished.slice(0, lines.length));
    expect(finished.length - lines.length).toBeLessThanOrEqual(2);
    expect(verifyRecords(lines).ok).toBe(true);
    // the fund read model follows the fund: its last point is the engine's balance
    const usdc = fundRows(s.engine).find((f) => f.currency === 'USDC');
    const last = await store.readSeries('fund', 'USDC', 0, 1);
    expect(last).toHaveLength(1);
    expect(JSON.parse((last[0] as { value: string }).value).balance).toBe(usdc?.balance);
    await store.close();
  }, 120_000);

  it('restart (snapshot + journal tail, or the whole journal) resumes at the same state hash and audit head', async () => {
    const whole = await openSqliteStore(tmp());
    await whole.init();
    const a = await open(whole, plan, 0);
    await feed(a, plan, 0, plan.inputs.length, 500);
    const expected = { hash: a.stateHash(), head: a.auditHead, events: a.events };

    for (const snapshotEvery of [0, 1_000]) {
      const dir = tmp();
      let store = await openSqliteStore(dir);
      await store.init();
      let s = await open(store, plan, snapshotEvery);
      const cut = Math.floor(plan.inputs.length * 0.55);
      await feed(s, plan, 0, cut, 500);
      const before = { hash: s.stateHash(), head: s.auditHead, events: s.events };
      await store.close();
      // no graceful anything: a new process opens the same directory
      store = await openSqliteStore(dir);
      await store.init();
      s = await open(store, plan, snapshotEvery);
      expect({ hash: s.stateHash(), head: s.auditHead, events: s.events }).toEqual(before);
      // a snapshot is stored with the batch that crosses each 1 000 events
      if (snapshotEvery === 0) expect(s.restoredFrom).toBeNull();
      else expect(before.events - (s.restoredFrom as number)).toBeLessThan(1_000 + 500);
      await feed(s, plan, cut, plan.inputs.length, 500);
      // heartbeats continue exactly: same timers, so the same decisions as the run never stopped
      expect({ hash: s.stateHash(), head: s.auditHead, events: s.events }).toEqual(expected);
      // and the ledger read model written across the restart is the engine's ledger
      expect(await ledgerRows(store)).toEqual(engineLedger(s));
      await store.close();
    }
    await whole.close();
  }, 180_000);

  it('a snapshot that does not restore costs a full replay, never the state', async () => {
    const dir = tmp();
    let store = await openSqliteStore(dir);
    await store.init();
    let s = await open(store, plan, 500);
    await feed(s, plan, 0, 1_500, 250);
    const before = { hash: s.stateHash(), head: s.auditHead, events: s.events };
    await store.close();
    // damage the stored snapshot's state behind the store's back
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(join(dir, 'backstop.db'));
    db.prepare(`UPDATE snapshots SET state_json = replace(state_json, '"nowUs"', '"nowUS"')`).run();
    db.close();
    store = await openSqliteStore(dir);
    await store.init();
    s = await open(store, plan, 500);
    expect(s.restoredFrom).toBeNull();
    expect(s.snapshotRejected).toMatch(/^snapshot at \d+ events: /);
    expect({ hash: s.stateHash(), head: s.auditHead, events: s.events }).toEqual(before);
    await store.close();
  }, 120_000);

  it('a commit the store refuses leaves nothing behind; the engine is rebuilt from the store', async () => {
    const inner = await openSqliteStore(tmp());
    await inner.init();
    let failNext = false;
    const commit = async (b: StoreBatch) => {
      if (failNext) {
        failNext = false;
        throw new Error('disk full');
      }
      return inner.commit(b);
    };
    const store = new Proxy(inner, {
      get: (t, k) => {
        if (k === 'commit') return commit;
        const v = Reflect.get(t, k);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
    const s = await open(store, plan, 0);
    await feed(s, plan, 0, 1_000, 500);
    const kept = { hash: s.stateHash(), events: s.events, head: s.auditHead };
    failNext = true;
    await expect(
      s.ingest(
        plan.inputs.slice(1_000, 1_500).map((event) => ({ ok: true as const, event })),
        'replay',
      ),
    ).rejects.toThrow('disk full');
    expect(await inner.eventCount()).toBe(kept.events);
    expect(await inner.auditHead()).toEqual(kept.head);
    // the same batch again: applied once, as if the failure never happened
    await feed(s, plan, 1_000, 2_000, 500);
    const ref = await openSqliteStore(tmp());
    await ref.init();
    const r = await open(ref, plan, 0);
    await feed(r, plan, 0, 2_000, 500);
    expect(s.stateHash()).toBe(r.stateHash());
    expect(s.auditHead).toEqual(r.auditHead);
    expect(await ledgerRows(inner)).toEqual(engineLedger(s));
    await inner.close();
    await ref.close();
  }, 120_000);

  it('a replay pump resumes after the last replayed input in the journal', async () => {
    const store = await openSqliteStore(tmp());
    await store.init();
    const s = await open(store, plan, 0);
    const at = () => ReplayPump.resumePosition((from, limit) => store.readEvents(from, limit));
    expect(await at()).toBe(0);
    await feed(s, plan, 0, 1_234, 1_234);
    expect(await at()).toBe(1_234);
    expect(s.events).toBeGreaterThan(1_234); // heartbeat timers are journaled too, and not counted
    await store.close();
  });
});
