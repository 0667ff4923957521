import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore } from './open-store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store, StoreBatch } from './store.ts';
import { describeStoreContract } from './store-contract.ts';

const base = mkdtempSync(join(tmpdir(), 'backstop-sqlite-store-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

let n = 0;
let dir = '';
/** Reads the database file directly, on a connection of its own. */
function peek<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(join(dir, 'backstop.db'), { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

describeStoreContract(
  'SqliteStore',
  () => openSqliteStore(dir),
  async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = join(base, `store-${n++}`, 'nested'); // openSqliteStore must create missing parents
  },
  async (table) => peek((db) => db.prepare<[], number>(`SELECT count(*) FROM ${table}`).pluck().get()!),
);

describe('SqliteStore specifics', () => {
  let store: Store | null = null;
  afterEach(async () => {
    await store?.close();
    store = null;
  });

  it('keeps backstop.db in WAL mode', async () => {
    dir = join(base, `wal-${n++}`);
    store = await openSqliteStore(dir);
    await store.init();
    await store.init(); // idempotent
    expect(existsSync(join(dir, 'backstop.db'))).toBe(true);
    expect(peek((db) => db.pragma('journal_mode', { simple: true }))).toBe('wal');
    expect(
      peek((db) => db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get()),
    ).toBe('1');
  });

  it('refuses a database written by a newer schema', async () => {
    dir = join(base, `schema-${n++}`);
    store = await openSqliteStore(dir);
    await store.init();
    await store.close();
    const w = new Database(join(dir, 'backstop.db'));
    w.prepare("UPDATE meta SET value = '2' WHERE key = 'schema_version'").run();
    w.close();
    store = await openSqliteStore(dir);
    await expect(store.init()).rejects.toThrow(/schema version 2, this build reads 1/);
  });

  it('rolls back a commit the database refuses midway', async () => {
    dir = join(base, `midway-${n++}`);
    store = await openSqliteStore(dir);
    await store.init();
    const good: StoreBatch = {
      firstEventIndex: 0,
      events: [{ kind: 'timer', tsUs: 1 }],
      audit: [],
      quarantine: [{ code: 'BAD_JSON', reason: 'r', raw: '{', source: 'ws:x', receivedUs: 2 }],
      series: [{ series: 'fund', key: 'USDT', tsUs: 3, value: '"ok"' }],
    };
    await store.commit(good);
    // a trigger refuses the series row: journal, quarantine and the first series row are already written
    const w = new Database(join(dir, 'backstop.db'));
    w.exec(`CREATE TRIGGER boom BEFORE INSERT ON series WHEN NEW.value = '"boom"'
            BEGIN SELECT RAISE(ABORT, 'boom refused'); END`);
    const bad: StoreBatch = {
      ...good,
      firstEventIndex: 1,
      series: [good.series[0]!, { series: 'fund', key: 'USDT', tsUs: 4, value: '"boom"' }],
      snapshot: { events: 2, stateHash: 'h', stateJson: '{}', createdUs: 5 },
    };
    await expect(store.commit(bad)).rejects.toThrow(/boom refused/);
    const rows = (t: string) => peek((db) => db.prepare(`SELECT count(*) FROM ${t}`).pluck().get());
    expect([rows('journal'), rows('quarantine'), rows('series'), rows('snapshots')]).toEqual([1, 1, 1, 0]);
    expect(await store.eventCount()).toBe(1);
    w.exec('DROP TRIGGER boom');
    w.close();
    await store.commit(bad);
    expect(await store.eventCount()).toBe(2);
  });

  it('openStore: SQLite unless a postgres URL; anything else is refused', async () => {
    dir = join(base, `open-${n++}`);
    store = await openStore({ dataDir: dir });
    expect(store.kind).toBe('sqlite');
    await store.close();
    store = await openStore({ dataDir: dir, store: 'sqlite' });
    expect(store.kind).toBe('sqlite');
    await expect(openStore({ dataDir: dir, store: 'postgress://x' })).rejects.toThrow(/postgres:\/\//);
  });
});
