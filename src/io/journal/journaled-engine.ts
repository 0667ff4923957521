import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { Decision } from '../../domain/decisions.ts';
import type { EngineEvent } from '../../domain/events.ts';
import type { Engine, EngineState } from '../../engine/engine.ts';
import { canonicalJson } from '../audit/canonical-json.ts';
import { Journal, type TornTail } from './journal.ts';

/** SHA-256 of the engine's canonical state summary: equal for engines fed the same events. */
export function stateHash(engine: Engine): string {
  return createHash('sha256').update(canonicalJson(engine.stateSummary())).digest('hex');
}

const FORMAT = 'backstop-engine-snapshot';

/** A snapshot file: the engine state after the first `events` journaled events. */
interface SnapshotFile {
  readonly format: typeof FORMAT;
  readonly version: 1;
  readonly events: number;
  /** `stateHash` of the engine the state came from: checked again after restoring it. */
  readonly stateHash: string;
  /** SHA-256 of `JSON.stringify(state)`: a damaged file is detected before it is used. */
  readonly stateSha256: string;
  readonly state: EngineState;
}

/** Where a restart began: a snapshot (and which file), or the start of the journal. */
export interface RestartReport {
  readonly fromSnapshot: { readonly file: string; readonly events: number } | null;
  /** Snapshot files that could not be used, with why (then an older one, or a full replay). */
  readonly rejectedSnapshots: readonly { readonly file: string; readonly reason: string }[];
}

export interface JournaledEngineOptions {
  /** fsync after every journal append and every snapshot write. */
  readonly sync?: boolean;
  /** Write a snapshot every this many events (absent or 0: never). */
  readonly snapshotEvery?: number;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * An engine whose inputs are journaled before they are applied (docs/concepts/journal.md).
 * Every `snapshotEvery` events the engine's whole state is written to `<journal>.snapshot`
 * (atomically: a temporary file renamed into place; the previous one kept as
 * `<journal>.snapshot.prev`). Opening restores the latest snapshot that verifies — checksum,
 * event count within the journal, state hash after restoring — and replays only the journal's
 * tail; without a usable snapshot it replays the whole journal. A torn final journal record is
 * truncated and reported. Either way the engine resumes exactly where the last acknowledged
 * event left it: nothing lost, nothing applied twice.
 */
export class JournaledEngine {
  private count: number;

  private constructor(
    readonly engine: Engine,
    private readonly journal: Journal<EngineEvent>,
    private readonly path: string,
    private readonly options: JournaledEngineOptions,
    /** Events replayed from the journal on open (the tail after the snapshot). */
    readonly replayed: number,
    readonly tornTail: TornTail | null,
    readonly restart: RestartReport,
  ) {
    this.count = (restart.fromSnapshot?.events ?? 0) + replayed;
  }

  /** `makeEngine` builds a fresh engine with the run's config (called again if a snapshot fails). */
  static open(path: string, makeEngine: () => Engine, options: JournaledEngineOptions = {}): JournaledEngine {
    const every = options.snapshotEvery ?? 0;
    if (!Number.isSafeInteger(every) || every < 0) {
      throw new RangeError(`snapshotEvery must be an integer ≥ 0, got ${every}`);
    }
    const { journal, records, tornTail } = Journal.open<EngineEvent>(path, options);
    const rejected: { file: string; reason: string }[] = [];
    for (const file of [`${path}.snapshot`, `${path}.snapshot.prev`]) {
      if (!existsSync(file)) continue;
      const engine = makeEngine();
      const r = restoreSnapshot(file, engine, records.length);
      if ('reason' in r) {
        rejected.push({ file, reason: r.reason });
        continue;
      }
      const events = r.events;
      for (const e of records.slice(events)) engine.handle(e);
      return new JournaledEngine(engine, journal, path, options, records.length - events, tornTail, {
        fromSnapshot: { file, events },
        rejectedSnapshots: rejected,
      });
    }
    const engine = makeEngine();
    for (const e of records) engine.handle(e);
    return new JournaledEngine(engine, journal, path, options, records.length, tornTail, {
      fromSnapshot: null,
      rejectedSnapshots: rejected,
    });
  }

  /** Events applied so far (from the snapshot and the journal). */
  get eventCount(): number {
    return this.count;
  }

  /** Journals the event, then applies it; writes a snapshot when one is due. */
  handle(e: EngineEvent): Decision[] {
    this.journal.append(e);
    const out = this.engine.handle(e);
    this.count++;
    const every = this.options.snapshotEvery ?? 0;
    if (every > 0 && this.count % every === 0) this.snapshot();
    return out;
  }

  /** Writes a snapshot of the current state now. */
  snapshot(): void {
    const state = this.engine.exportState();
    const stateText = JSON.stringify(state);
    const file: Omit<SnapshotFile, 'state'> = {
      format: FORMAT,
      version: 1,
      events: this.count,
      stateHash: stateHash(this.engine),
      stateSha256: sha256(stateText),
    };
    // the state goes last, as already-serialized text (no second stringify of a large object)
    const text = `${JSON.stringify(file).slice(0, -1)},"state":${stateText}}\n`;
    const current = `${this.path}.snapshot`;
    const tmp = `${current}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, text);
      if (this.options.sync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (existsSync(current)) renameSync(current, `${current}.prev`);
    renameSync(tmp, current);
  }

  close(): void {
    this.journal.close();
  }
}

/** Restores `file` into `engine`: the events it covers, or why it cannot be used. */
function restoreSnapshot(
  file: string,
  engine: Engine,
  journaled: number,
): { events: number } | { reason: string } {
  let snap: SnapshotFile;
  try {
    snap = JSON.parse(readFileSync(file, 'utf8')) as SnapshotFile;
  } catch (err) {
    return { reason: `not JSON: ${(err as Error).message}` };
  }
  if (snap?.format !== FORMAT || snap.version !== 1) return { reason: 'not a version 1 engine snapshot' };
  if (!Number.isSafeInteger(snap.events) || snap.events < 0 || snap.events > journaled) {
    return { reason: `snapshot after ${snap.events} events, but the journal holds ${journaled}` };
  }
  if (sha256(JSON.stringify(snap.state)) !== snap.stateSha256) return { reason: 'state checksum mismatch' };
  try {
    engine.restoreState(snap.state);
  } catch (err) {
    return { reason: `state does not restore: ${(err as Error).message}` };
  }
  if (stateHash(engine) !== snap.stateHash) return { reason: 'state hash after restore differs' };
  return { events: snap.events };
}
