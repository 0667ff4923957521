import type { EngineEvent } from '../../domain/events.ts';
import type { ChainHead } from '../audit/audit-log.ts';

/**
 * The service's persistence (docs/adr/0008-service-store.md): one interface, two back ends —
 * SQLite (better-sqlite3, WAL; the embedded default) and PostgreSQL (pg). Both keep the same
 * tables with the same meaning, so a test suite runs unchanged against either.
 *
 * Everything a batch of ingested events changes is written by ONE `commit`, in one database
 * transaction: the journal entries, the audit records they caused, quarantined inputs, read-model
 * rows and (sometimes) an engine snapshot. Either all of it is stored or none of it is, so after a
 * crash the journal and the audit log always agree: restoring the latest snapshot and replaying the
 * journal after it gives the state the last acknowledged batch left, and the audit chain continues
 * from its stored head with nothing written twice.
 *
 * Money in read models is a decimal string of exact units (never a float); times are integer
 * microseconds since the epoch (UnixMicros).
 */
export interface Store {
  /** 'sqlite' or 'postgres' (shown by /ready and the logs). */
  readonly kind: 'sqlite' | 'postgres';
  /** Creates the tables when missing (idempotent). Must be called once before anything else. */
  init(): Promise<void>;
  /** Writes a batch atomically (see the type). Throws if the database refuses it: then nothing was stored. */
  commit(batch: StoreBatch): Promise<void>;
  /** Number of journaled events (the next event gets index = this count). */
  eventCount(): Promise<number>;
  /** Journaled events with index ≥ `from` (0-based, in journal order), at most `limit`. */
  readEvents(from: number, limit: number): Promise<EngineEvent[]>;
  /** The most recent snapshot, or null when none was ever written. */
  latestSnapshot(): Promise<StoredSnapshot | null>;
  /** The audit chain's head: seq and hash of the last record (0 / 64 zeros when empty). */
  auditHead(): Promise<ChainHead>;
  /** Audit lines (exactly as `formatRecord` wrote them) with seq > `afterSeq`, in seq order, at most `limit`. */
  readAudit(afterSeq: number, limit: number): Promise<string[]>;
  /** Quarantined inputs, newest last, with id > `afterId`, at most `limit`. */
  readQuarantine(afterId: number, limit: number): Promise<QuarantinedRow[]>;
  /**
   * The ledger balances read model: one row per (account, currency) with a non-zero balance, in
   * exact units; `account` null for every account. Sorted by account, then currency. Σ units per
   * currency is 0 (the external account holds the other side of every deposit).
   */
  readLedger(account: string | null): Promise<LedgerBalanceRow[]>;
  /** Read-model series, oldest first: rows with tsUs ≥ `sinceUs`, at most `limit` (the newest `limit` if more). */
  readSeries(series: SeriesName, key: string, sinceUs: number, limit: number): Promise<SeriesPoint[]>;

  // API keys (only hashes are ever stored)
  insertKey(k: StoredKey): Promise<void>;
  /** The key with this id, revoked or not; null when unknown. */
  findKey(id: string): Promise<StoredKey | null>;
  listKeys(): Promise<StoredKey[]>;
  /** Marks the key revoked at `revokedUs`; false when no such key (or already revoked). */
  revokeKey(id: string, revokedUs: number): Promise<boolean>;

  close(): Promise<void>;
}

/** What one ingest batch writes (all in one transaction). */
export interface StoreBatch {
  /**
   * Events to append to the journal, in order. The store checks that the journal holds exactly
   * `firstEventIndex` events before appending (an optimistic guard against two writers).
   */
  readonly firstEventIndex: number;
  readonly events: readonly EngineEvent[];
  /** Audit records, already sealed and formatted (`formatRecord`), with their seq, in seq order. */
  readonly audit: readonly { readonly seq: number; readonly line: string }[];
  /** Inputs refused by validation or by the engine, kept with their reason. */
  readonly quarantine: readonly QuarantineInput[];
  /** Read-model points to append (charts that survive a restart). */
  readonly series: readonly (SeriesPoint & { readonly series: SeriesName; readonly key: string })[];
  /** Ledger balances posted to by this batch (upserts; units 0 deletes the row). */
  readonly ledger?: readonly LedgerBalanceRow[];
  /** A snapshot of the engine after the first `events` journaled events (events includes this batch). */
  readonly snapshot?: StoredSnapshot;
}

export interface LedgerBalanceRow {
  /** The ledger account key (`trader:alice`, `insurance-fund`, `external`, …). */
  readonly account: string;
  readonly currency: string;
  /** Exact balance in units of 10^-scale, as a decimal integer string. */
  readonly units: string;
  readonly scale: number;
}

export interface StoredSnapshot {
  /** Journaled events the state covers. */
  readonly events: number;
  /** `stateHash` of the engine at that point (checked again after restoring). */
  readonly stateHash: string;
  /** `JSON.stringify(engine.exportState())`. */
  readonly stateJson: string;
  readonly createdUs: number;
}

export interface QuarantineInput {
  /** Stable error code (BAD_FIELD, BAD_JSON, DUPLICATE_EVENT, …). */
  readonly code: string;
  /** Human reason naming the value (and the JSON pointer for wire errors). */
  readonly reason: string;
  /** The input as received (JSON text or the raw line). */
  readonly raw: string;
  /** Where it came from: `http:<keyId>`, `ws:<feed>`, `replay:<file>:<line>`. */
  readonly source: string;
  readonly receivedUs: number;
}

export interface QuarantinedRow extends QuarantineInput {
  readonly id: number;
}

/**
 * Read-model series:
 * - `monitor`: key = instrument, value = the MonitorRow JSON of a closed interval;
 * - `fund`: key = currency, value = `{balance, drawdownFrac}` (balance a decimal string);
 * - `tier`: key = 'backstop' or an instrument, value = `{from, to, reason}`;
 * - `prices`: key = instrument, value = `{tsUs, instrument, mark, index, mid}` (≤ 1 a second);
 * - `decisions`: key = decision kind, value = the decision JSON.
 */
export type SeriesName = 'monitor' | 'fund' | 'tier' | 'prices' | 'decisions';
export const SERIES_NAMES: readonly SeriesName[] = ['monitor', 'fund', 'tier', 'prices', 'decisions'];

export interface SeriesPoint {
  readonly tsUs: number;
  /** JSON text. */
  readonly value: string;
}

export type Scope = 'read' | 'ingest' | 'operator' | 'governance';
export const SCOPES: readonly Scope[] = ['read', 'ingest', 'operator', 'governance'];

export interface StoredKey {
  /** Public id, e.g. `k_3f9a…` (shown in logs and the audit log; not secret). */
  readonly id: string;
  /** Random salt, hex. */
  readonly saltHex: string;
  /** scrypt(secret, salt) hex. */
  readonly hashHex: string;
  readonly scopes: readonly Scope[];
  readonly label: string | null;
  readonly createdUs: number;
  readonly revokedUs: number | null;
}
