import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { EngineEvent } from '../../domain/events.ts';
import { GENESIS_HASH } from '../audit/audit-chain.ts';
import type { ChainHead } from '../audit/audit-log.ts';
import type {
  LedgerBalanceRow,
  QuarantinedRow,
  SeriesName,
  SeriesPoint,
  Store,
  StoreBatch,
  StoredKey,
  StoredSnapshot,
} from './store.ts';
import { type ApiKeyRow, checkBatchShape, keyFromRow, storeError } from './store-common.ts';

/** Bumped when a table changes; a database written by a newer build is refused. */
const SCHEMA_VERSION = '1';

// STRICT tables: SQLite refuses a value of the wrong type instead of storing it as given.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS journal(idx INTEGER PRIMARY KEY, event TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS audit(seq INTEGER PRIMARY KEY, line TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS quarantine(
  id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL, reason TEXT NOT NULL,
  raw TEXT NOT NULL, source TEXT NOT NULL, received_us INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS series(
  id INTEGER PRIMARY KEY, series TEXT NOT NULL, key TEXT NOT NULL,
  ts_us INTEGER NOT NULL, value TEXT NOT NULL) STRICT;
CREATE INDEX IF NOT EXISTS series_by_key ON series(series, key, ts_us);
CREATE TABLE IF NOT EXISTS snapshots(
  events INTEGER PRIMARY KEY, state_hash TEXT NOT NULL, state_json TEXT NOT NULL,
  created_us INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS ledger_balances(
  account TEXT NOT NULL, currency TEXT NOT NULL, units TEXT NOT NULL, scale INTEGER NOT NULL,
  PRIMARY KEY(account, currency)) STRICT;
CREATE TABLE IF NOT EXISTS api_keys(
  id TEXT PRIMARY KEY, salt_hex TEXT NOT NULL, hash_hex TEXT NOT NULL, scopes TEXT NOT NULL,
  label TEXT, created_us INTEGER NOT NULL, revoked_us INTEGER) STRICT;
`;

/** Snapshots kept: the latest, and one to fall back on if it does not restore. */
const KEEP_SNAPSHOTS = 2;

type Int = bigint;

/** With defaultSafeIntegers every INTEGER comes back as a bigint; all of ours fit in a double. */
function num(v: Int): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`stored integer ${v} is not a safe integer`);
  return n;
}

/** Integers are bound as bigints so SQLite never sees a double. */
function int(n: number, what: string): bigint {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} must be a safe integer, got ${n}`);
  return BigInt(n);
}

/** A position or page size: SQLite reads a negative LIMIT as "no limit", so refuse it here. */
function nat(n: number, what: string): bigint {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be an integer ≥ 0, got ${n}`);
  return BigInt(n);
}

type KeyRow = ApiKeyRow<Int>;
const keyOf = (r: KeyRow): StoredKey => keyFromRow(r, num);

/** Every statement, prepared once after the tables exist. */
function prepare(db: Database.Database) {
  return {
    count: db.prepare<[], Int>('SELECT coalesce(max(idx) + 1, 0) FROM journal').pluck(),
    events: db
      .prepare<[Int, Int], string>('SELECT event FROM journal WHERE idx >= ? ORDER BY idx LIMIT ?')
      .pluck(),
    addEvent: db.prepare<[Int, string]>('INSERT INTO journal(idx, event) VALUES (?, ?)'),
    head: db.prepare<[], { seq: Int; line: string }>('SELECT seq, line FROM audit ORDER BY seq DESC LIMIT 1'),
    audit: db
      .prepare<[Int, Int], string>('SELECT line FROM audit WHERE seq > ? ORDER BY seq LIMIT ?')
      .pluck(),
    addAudit: db.prepare<[Int, string]>('INSERT INTO audit(seq, line) VALUES (?, ?)'),
    quarantine: db.prepare<
      [Int, Int],
      { id: Int; code: string; reason: string; raw: string; source: string; received_us: Int }
    >('SELECT * FROM quarantine WHERE id > ? ORDER BY id LIMIT ?'),
    addQuarantine: db.prepare<[string, string, string, string, Int]>(
      'INSERT INTO quarantine(code, reason, raw, source, received_us) VALUES (?, ?, ?, ?, ?)',
    ),
    // the newest `limit` rows, turned back to oldest first
    series: db.prepare<[string, string, Int, Int], { ts_us: Int; value: string }>(
      `SELECT ts_us, value FROM (
         SELECT id, ts_us, value FROM series WHERE series = ? AND key = ? AND ts_us >= ?
         ORDER BY ts_us DESC, id DESC LIMIT ?)
       ORDER BY ts_us, id`,
    ),
    // units as decimal text: an exact bigint can pass SQLite's 64-bit INTEGER
    ledger: db.prepare<
      [string | null, string | null],
      { account: string; currency: string; units: string; scale: Int }
    >('SELECT * FROM ledger_balances WHERE ? IS NULL OR account = ? ORDER BY account, currency'),
    putLedger: db.prepare<[string, string, string, Int]>(
      `INSERT INTO ledger_balances(account, currency, units, scale) VALUES (?, ?, ?, ?)
       ON CONFLICT(account, currency) DO UPDATE SET units = excluded.units, scale = excluded.scale`,
    ),
    dropLedger: db.prepare<[string, string]>(
      'DELETE FROM ledger_balances WHERE account = ? AND currency = ?',
    ),
    addSeries: db.prepare<[string, string, Int, string]>(
      'INSERT INTO series(series, key, ts_us, value) VALUES (?, ?, ?, ?)',
    ),
    snapshot: db.prepare<[], { events: Int; state_hash: string; state_json: string; created_us: Int }>(
      'SELECT * FROM snapshots ORDER BY events DESC LIMIT 1',
    ),
    addSnapshot: db.prepare<[Int, string, string, Int]>(
      `INSERT INTO snapshots(events, state_hash, state_json, created_us) VALUES (?, ?, ?, ?)
       ON CONFLICT(events) DO UPDATE SET state_hash = excluded.state_hash,
         state_json = excluded.state_json, created_us = excluded.created_us`,
    ),
    pruneSnapshots: db.prepare<[Int]>(
      'DELETE FROM snapshots WHERE events NOT IN (SELECT events FROM snapshots ORDER BY events DESC LIMIT ?)',
    ),
    addKey: db.prepare<[string, string, string, string, string | null, Int, Int | null]>(
      `INSERT INTO api_keys(id, salt_hex, hash_hex, scopes, label, created_us, revoked_us)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    key: db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE id = ?'),
    keys: db.prepare<[], KeyRow>('SELECT * FROM api_keys ORDER BY created_us, id'),
    revoke: db.prepare<[Int, string]>(
      'UPDATE api_keys SET revoked_us = ? WHERE id = ? AND revoked_us IS NULL',
    ),
  };
}

type Statements = ReturnType<typeof prepare>;

class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private stmts: Statements | null = null;
  private readonly commitTx: (batch: StoreBatch) => void;

  constructor(private readonly db: Database.Database) {
    // IMMEDIATE: take the write lock before reading the journal length, so the check and the
    // append cannot interleave with another writer's
    const tx = db.transaction((batch: StoreBatch) => this.write(batch));
    this.commitTx = (batch) => tx.immediate(batch);
  }

  private get s(): Statements {
    if (!this.stmts) throw new Error('SqliteStore: init() was not called');
    return this.stmts;
  }

  async init(): Promise<void> {
    this.db
      .transaction(() => {
        this.db.exec(SCHEMA);
        const v = this.db
          .prepare<[], string>("SELECT value FROM meta WHERE key = 'schema_version'")
          .pluck()
          .get();
        if (v === undefined) {
          this.db.prepare("INSERT INTO meta(key, value) VALUES ('schema_version', ?)").run(SCHEMA_VERSION);
        } else if (v !== SCHEMA_VERSION) {
          throw new Error(`${this.db.name}: store schema version ${v}, this build reads ${SCHEMA_VERSION}`);
        }
      })
      .immediate();
    this.stmts = prepare(this.db);
  }

  async commit(batch: StoreBatch): Promise<void> {
    checkBatchShape(batch);
    this.commitTx(batch);
  }

  /** The body of the commit transaction: any throw rolls all of it back. */
  private write(batch: StoreBatch): void {
    const s = this.s;
    const count = num(s.count.get()!);
    if (count !== batch.firstEventIndex) {
      throw storeError(
        'STORE_CONFLICT',
        `batch starts at event ${batch.firstEventIndex}, but the journal holds ${count}`,
      );
    }
    const headSeq = this.headSeq();
    const firstSeq = batch.audit[0]?.seq;
    if (firstSeq !== undefined && firstSeq !== headSeq + 1) {
      throw storeError(
        'STORE_CONFLICT',
        `audit batch starts at seq ${firstSeq}, but the stored head is ${headSeq}`,
      );
    }
    batch.events.forEach((e, i) => {
      s.addEvent.run(int(count + i, 'event index'), JSON.stringify(e));
    });
    for (const a of batch.audit) s.addAudit.run(int(a.seq, 'audit seq'), a.line);
    for (const q of batch.quarantine) {
      s.addQuarantine.run(q.code, q.reason, q.raw, q.source, int(q.receivedUs, 'receivedUs'));
    }
    for (const p of batch.series) s.addSeries.run(p.series, p.key, int(p.tsUs, 'series tsUs'), p.value);
    for (const l of batch.ledger ?? []) {
      const units = BigInt(l.units);
      if (units === 0n) s.dropLedger.run(l.account, l.currency);
      else s.putLedger.run(l.account, l.currency, units.toString(), BigInt(l.scale));
    }
    const snap = batch.snapshot;
    if (snap) {
      s.addSnapshot.run(
        int(snap.events, 'snapshot events'),
        snap.stateHash,
        snap.stateJson,
        int(snap.createdUs, 'createdUs'),
      );
      s.pruneSnapshots.run(BigInt(KEEP_SNAPSHOTS));
    }
  }

  private headSeq(): number {
    const row = this.s.head.get();
    return row ? num(row.seq) : 0;
  }

  async eventCount(): Promise<number> {
    return num(this.s.count.get()!);
  }

  async readEvents(from: number, limit: number): Promise<EngineEvent[]> {
    return this.s.events
      .all(nat(from, 'from'), nat(limit, 'limit'))
      .map((text) => JSON.parse(text) as EngineEvent);
  }

  async latestSnapshot(): Promise<StoredSnapshot | null> {
    const r = this.s.snapshot.get();
    if (!r) return null;
    return {
      events: num(r.events),
      stateHash: r.state_hash,
      stateJson: r.state_json,
      createdUs: num(r.created_us),
    };
  }

  async auditHead(): Promise<ChainHead> {
    const row = this.s.head.get();
    if (!row) return { seq: 0, hash: GENESIS_HASH };
    return { seq: num(row.seq), hash: (JSON.parse(row.line) as { hash: string }).hash };
  }

  async readAudit(afterSeq: number, limit: number): Promise<string[]> {
    return this.s.audit.all(nat(afterSeq, 'afterSeq'), nat(limit, 'limit'));
  }

  async readQuarantine(afterId: number, limit: number): Promise<QuarantinedRow[]> {
    return this.s.quarantine.all(nat(afterId, 'afterId'), nat(limit, 'limit')).map((r) => ({
      id: num(r.id),
      code: r.code,
      reason: r.reason,
      raw: r.raw,
      source: r.source,
      receivedUs: num(r.received_us),
    }));
  }

  async readLedger(account: string | null): Promise<LedgerBalanceRow[]> {
    return this.s.ledger.all(account, account).map((r) => ({
      account: r.account,
      currency: r.currency,
      units: r.units,
      scale: num(r.scale),
    }));
  }

  async readSeries(series: SeriesName, key: string, sinceUs: number, limit: number): Promise<SeriesPoint[]> {
    return this.s.series
      .all(series, key, int(sinceUs, 'sinceUs'), nat(limit, 'limit'))
      .map((r) => ({ tsUs: num(r.ts_us), value: r.value }));
  }

  async insertKey(k: StoredKey): Promise<void> {
    this.s.addKey.run(
      k.id,
      k.saltHex,
      k.hashHex,
      JSON.stringify(k.scopes),
      k.label,
      int(k.createdUs, 'createdUs'),
      k.revokedUs === null ? null : int(k.revokedUs, 'revokedUs'),
    );
  }

  async findKey(id: string): Promise<StoredKey | null> {
    const r = this.s.key.get(id);
    return r ? keyOf(r) : null;
  }

  async listKeys(): Promise<StoredKey[]> {
    return this.s.keys.all().map(keyOf);
  }

  async revokeKey(id: string, revokedUs: number): Promise<boolean> {
    return this.s.revoke.run(int(revokedUs, 'revokedUs'), id).changes > 0;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/**
 * The embedded store: `dir/backstop.db` (dir created when missing). WAL with synchronous=FULL,
 * so a commit that returned survives a power loss, and readers never block the writer.
 */
export async function openSqliteStore(dir: string): Promise<Store> {
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, 'backstop.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // a second process (e.g. a CLI reading the store) waits for the lock instead of failing
    db.pragma('busy_timeout = 5000');
    db.defaultSafeIntegers(true);
  } catch (e) {
    db.close();
    throw e;
  }
  return new SqliteStore(db);
}
