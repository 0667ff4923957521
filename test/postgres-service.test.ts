import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openPostgresStore } from '../src/io/store/postgres-store.ts';
import { openSqliteStore } from '../src/io/store/sqlite-store.ts';
import type { Store } from '../src/io/store/store.ts';
import { planReplay, type ReplayPlan } from '../src/server/replay.ts';
import { EngineService } from '../src/server/service.ts';

// provided by test/postgres-setup.ts; null only outside CI when no server could be started
const url = inject('pgUrl');
const schema = `backstop_svc${process.pid}_${Date.now().toString(36)}`;
const storeUrl = () => {
  const u = new URL(url as string);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.href;
};
const SAMPLE = 'data/samples/btc_usdt_binance_spot_1m_2021-05-19.csv';

const open = (store: Store, plan: ReplayPlan) =>
  EngineService.open({
    store,
    makeEngine: plan.makeEngine,
    heartbeatUs: plan.heartbeatUs,
    snapshotEvery: 700,
  });
async function feed(s: EngineService, plan: ReplayPlan, from: number, to: number) {
  for (let i = from; i < to; i += 400)
    await s.ingest(
      plan.inputs.slice(i, Math.min(to, i + 400)).map((event) => ({ ok: true as const, event })),
      'replay',
    );
}

describe.skipIf(!url)(
  url
    ? 'the service on PostgreSQL'
    : 'the service on PostgreSQL — SKIPPED: no PostgreSQL (see test/postgres-setup.ts)',
  () => {
    let admin: pg.Client;
    let plan: ReplayPlan;
    const dir = mkdtempSync(join(tmpdir(), 'backstop-pgsvc-'));
    beforeAll(async () => {
      admin = new pg.Client({ connectionString: url as string });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      plan = await planReplay({
        files: [SAMPLE],
        policy: 'backstop',
        accounts: 200,
        seed: 7,
        fromUs: Date.UTC(2021, 4, 19, 12, 30) * 1000,
        toUs: Date.UTC(2021, 4, 19, 13, 30) * 1000,
      });
    }, 120_000);
    afterAll(async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
      rmSync(dir, { recursive: true, force: true });
    });

    it('restarts at the same state, and ends exactly where the SQLite service ends', async () => {
      let store = await openPostgresStore(storeUrl());
      await store.init();
      let s = await open(store, plan);
      const cut = Math.floor(plan.inputs.length / 2);
      await feed(s, plan, 0, cut);
      const before = { hash: s.stateHash(), head: s.auditHead, events: s.events };
      await store.close();
      store = await openPostgresStore(storeUrl());
      await store.init();
      s = await open(store, plan);
      expect(s.restoredFrom).not.toBeNull();
      expect({ hash: s.stateHash(), head: s.auditHead, events: s.events }).toEqual(before);
      await feed(s, plan, cut, plan.inputs.length);

      const lite = await openSqliteStore(dir);
      await lite.init();
      const l = await open(lite, plan);
      await feed(l, plan, 0, plan.inputs.length);
      expect(s.stateHash()).toBe(l.stateHash());
      expect(s.auditHead).toEqual(l.auditHead);
      expect(await store.readAudit(0, 1_000_000)).toEqual(await lite.readAudit(0, 1_000_000));
      expect(await store.readLedger(null)).toEqual(await lite.readLedger(null));
      await store.close();
      await lite.close();
    }, 180_000);
  },
);
