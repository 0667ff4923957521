import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openSqliteStore } from '../src/io/store/sqlite-store.ts';
import { Heartbeat } from '../src/runtime/heartbeat.ts';
import { buildApp } from '../src/server/app.ts';
import { createKey, KeyVerifier } from '../src/server/auth/api-keys.ts';
import { ServiceMetrics } from '../src/server/metrics.ts';
import { planReplay, type ReplayPlan } from '../src/server/replay.ts';
import { EngineService } from '../src/server/service.ts';

/**
 * What the service costs on top of the engine (issue 8): the same recorded episode — the
 * population backtest's inputs on the bundled 2021-05-19 crash, 11:00–15:00 UTC, 1 000 accounts —
 * applied (1) by the engine alone with the backtest's heartbeats, (2) through `EngineService` on
 * SQLite (WAL, synchronous=FULL; one transaction per batch of 500 with journal, audit, read
 * models, ledger balances), and (3) over HTTP: `POST /v1/events` on a listening fastify server,
 * batches of 500 as JSON. Rates are inputs per second; the ratios are what persistence and the
 * HTTP hop cost against the engine in the same run.
 */

const SAMPLE = 'data/samples/btc_usdt_binance_spot_1m_2021-05-19.csv';
const BATCH = 500;

export async function benchService(
  log: (line: string) => void,
): Promise<{ name: string; opsPerSec: number }[]> {
  const plan = await planReplay({
    files: [SAMPLE],
    policy: 'backstop',
    accounts: 1_000,
    seed: 1,
    fromUs: Date.UTC(2021, 4, 19, 11) * 1000,
    toUs: Date.UTC(2021, 4, 19, 15) * 1000,
  });
  const n = plan.inputs.length;
  log(`  ${n} recorded inputs`);

  const engineOnly = () => {
    const e = plan.makeEngine({});
    const beat = new Heartbeat(plan.heartbeatUs);
    const t = performance.now();
    for (const ev of plan.inputs) {
      for (const tsUs of beat.due(ev.tsUs)) e.handle({ kind: 'timer', tsUs });
      e.handle(ev);
    }
    return n / ((performance.now() - t) / 1e3);
  };

  const withStore = async (http: boolean) => {
    const dir = mkdtempSync(join(tmpdir(), 'backstop-bench-'));
    const store = await openSqliteStore(dir);
    await store.init();
    const service = await open(store, plan);
    let rate: number;
    if (!http) {
      const t = performance.now();
      for (let i = 0; i < n; i += BATCH)
        await service.ingest(
          plan.inputs.slice(i, i + BATCH).map((event) => ({ ok: true as const, event })),
          'bench',
        );
      rate = n / ((performance.now() - t) / 1e3);
    } else {
      const app = await buildApp({
        service,
        store,
        keys: new KeyVerifier(store),
        metrics: new ServiceMetrics(() => service),
        venueClockUs: () => 0,
        dashboardDir: null,
        logger: false,
        ingestRateLimit: { max: 1_000_000, timeWindowMs: 1_000 },
        replay: () => null,
      });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      const { key } = await createKey(store, ['ingest'], 'bench', 1);
      const bodies = [];
      for (let i = 0; i < n; i += BATCH)
        bodies.push(JSON.stringify({ events: plan.inputs.slice(i, i + BATCH) }));
      const t = performance.now();
      for (const body of bodies) {
        const r = await fetch(`${url}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body,
        });
        if (r.status !== 200) throw new Error(`ingest answered ${r.status}: ${await r.text()}`);
        await r.arrayBuffer();
      }
      rate = n / ((performance.now() - t) / 1e3);
      await app.close();
    }
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    return rate;
  };

  const engineRate = engineOnly();
  const storeRate = await withStore(false);
  const httpRate = await withStore(true);
  log(
    `  engine ${Math.round(engineRate)}/s, service+SQLite ${Math.round(storeRate)}/s, HTTP ${Math.round(httpRate)}/s`,
  );
  return [
    { name: 'engine alone, inputs/s', opsPerSec: engineRate },
    { name: 'service on SQLite (batches of 500), inputs/s', opsPerSec: storeRate },
    { name: 'POST /v1/events (batches of 500), inputs/s', opsPerSec: httpRate },
    { name: 'ratio engine / service on SQLite', opsPerSec: engineRate / storeRate },
    { name: 'ratio engine / HTTP ingest', opsPerSec: engineRate / httpRate },
  ];
}

const open = (store: Awaited<ReturnType<typeof openSqliteStore>>, plan: ReplayPlan) =>
  EngineService.open({
    store,
    makeEngine: plan.makeEngine,
    heartbeatUs: plan.heartbeatUs,
    snapshotEvery: 10_000,
  });
