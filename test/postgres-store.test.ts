import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openStore } from '../src/io/store/open-store.ts';
import { openPostgresStore } from '../src/io/store/postgres-store.ts';
import type { StoreBatch } from '../src/io/store/store.ts';
import { describeStoreContract } from '../src/io/store/store-contract.ts';

// provided by test/postgres-setup.ts; null only outside CI when no server could be started
const url = inject('pgUrl');

// every run gets its own schema, so runs against a shared BACKSTOP_TEST_PG_URL do not collide
const schema = `backstop_t${process.pid}_${Date.now().toString(36)}`;
function storeUrl(): string {
  const u = new URL(url!);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.href;
}

const title = url
  ? 'PostgresStore'
  : 'PostgresStore — SKIPPED: no PostgreSQL (install postgresql or set BACKSTOP_TEST_PG_URL)';

describe.skipIf(!url)(title, () => {
  let admin: pg.Client;
  const reset = async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.query(`CREATE SCHEMA ${schema}`);
  };
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: storeUrl() });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  describeStoreContract(
    'contract',
    () => openPostgresStore(storeUrl()),
    reset,
    async (table) =>
      Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n),
  );

  describe('transactions', () => {
    const batch = (first: number, value = '"ok"'): StoreBatch => ({
      firstEventIndex: first,
      events: [{ kind: 'timer', tsUs: 1_767_225_600_000_000 + first }],
      audit: [],
      quarantine: [{ code: 'BAD_JSON', reason: 'r', raw: '{\u0000', source: 'ws:x', receivedUs: 2 }],
      series: [{ series: 'fund', key: 'USDT', tsUs: 3, value }],
      snapshot: { events: first + 1, stateHash: 'h', stateJson: '{}', createdUs: 5 },
    });
    const rows = async () => {
      const r = await admin.query<Record<string, string>>(
        `SELECT (SELECT count(*) FROM journal) j, (SELECT count(*) FROM quarantine) q,
                (SELECT count(*) FROM series) s, (SELECT count(*) FROM snapshots) n`,
      );
      return r.rows[0];
    };

    it('rolls back a commit that fails midway and keeps the pool usable', async () => {
      await reset();
      const store = await openPostgresStore(storeUrl());
      try {
        await store.init();
        await store.commit(batch(0));
        // the trigger fires on the series insert, after the journal and quarantine rows went in
        await admin.query(`CREATE FUNCTION ${schema}.boom() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN IF NEW.value = '"boom"' THEN RAISE EXCEPTION 'boom refused'; END IF; RETURN NEW; END $$`);
        await admin.query(
          `CREATE TRIGGER boom BEFORE INSERT ON series FOR EACH ROW EXECUTE FUNCTION ${schema}.boom()`,
        );
        // more failures than the pool has connections: a leaked or aborted connection would hang or fail later
        for (let i = 0; i < 6; i++) {
          await expect(store.commit(batch(1, '"boom"'))).rejects.toThrow(/boom refused/);
          await expect(store.commit(batch(5))).rejects.toThrow(/STORE_CONFLICT/);
        }
        expect(await rows()).toEqual({ j: '1', q: '1', s: '1', n: '1' });
        await store.commit(batch(1));
        expect(await rows()).toEqual({ j: '2', q: '2', s: '2', n: '2' });
        expect((await store.readQuarantine(0, 10)).map((r) => r.raw)).toEqual(['{\u0000', '{\u0000']);
      } finally {
        await store.close();
      }
    });

    it('lets exactly one of two racing writers append at the same index', async () => {
      await reset();
      const [a, b] = [await openPostgresStore(storeUrl()), await openPostgresStore(storeUrl())];
      try {
        await a.init();
        await b.init();
        for (let i = 0; i < 10; i++) {
          const results = await Promise.allSettled([a.commit(batch(i)), b.commit(batch(i))]);
          expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
          const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
          expect(String(lost.reason)).toMatch(/STORE_CONFLICT/);
        }
        expect(await a.eventCount()).toBe(10);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('openStore picks Postgres for a postgres URL', async () => {
      const store = await openStore({ dataDir: '/nonexistent', store: storeUrl() });
      try {
        expect(store.kind).toBe('postgres');
      } finally {
        await store.close();
      }
    });
  });
});
