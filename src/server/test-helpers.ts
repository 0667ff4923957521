import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { EngineEvent } from '../domain/events.ts';
import { openSqliteStore } from '../io/store/sqlite-store.ts';
import type { Scope, Store } from '../io/store/store.ts';
import { backtestEngine } from '../sim/backtest.ts';
import { resolvePolicy } from '../sim/run-files.ts';
import { buildApp } from './app.ts';
import { createKey, KeyVerifier } from './auth/api-keys.ts';
import { ServiceMetrics } from './metrics.ts';
import { EngineService } from './service.ts';

export const T0_US = Date.UTC(2026, 0, 1) * 1_000;
export const MINUTE_US = 60_000_000;

/** A service on a fresh SQLite store in a temp dir, with one key per scope (and one with all). */
export async function testService(
  options: {
    snapshotEvery?: number;
    dir?: string;
    logger?: FastifyBaseLogger;
    ingestRateLimit?: { max: number; timeWindowMs: number };
  } = {},
) {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'backstop-svc-'));
  const store: Store = await openSqliteStore(dir);
  await store.init();
  let service: EngineService | null = null;
  const metrics = new ServiceMetrics(() => service);
  const policy = resolvePolicy('backstop');
  service = await EngineService.open({
    store,
    makeEngine: (sinks) => backtestEngine(policy, MINUTE_US, sinks),
    heartbeatUs: 1_000_000,
    snapshotEvery: options.snapshotEvery ?? 0,
    onCommitted: (b) => metrics.onCommitted(b),
  });
  const svc = service;
  let clockUs = T0_US;
  const app = await buildApp({
    service: svc,
    store,
    keys: new KeyVerifier(store),
    metrics,
    venueClockUs: () => clockUs,
    dashboardDir: null,
    logger: options.logger ?? false,
    ingestRateLimit: options.ingestRateLimit ?? { max: 1_000, timeWindowMs: 1_000 },
    replay: () => null,
  });
  const keys: Record<Scope | 'all', string> = {} as never;
  for (const s of ['read', 'ingest', 'operator', 'governance'] as const) {
    keys[s] = (await createKey(store, [s], s, 1)).key;
  }
  keys.all = (await createKey(store, ['read', 'ingest', 'operator', 'governance'], 'all', 1)).key;
  return {
    dir,
    store,
    service: svc,
    app,
    keys,
    setClock: (us: number) => {
      clockUs = us;
    },
    async close(remove = true) {
      await app.close();
      await svc.drain();
      await store.close();
      if (remove) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A small venue day: the index at 50 000, a trader depositing 10 000 USDC and buying 1 BTC from
 * the market maker (who deposits 1 000 000), then one-minute index prints.
 */
export function openingEvents(): EngineEvent[] {
  const t = T0_US;
  return [
    { kind: 'index-price', instrument: 'BTC', tsUs: t, price: 50_000 },
    {
      kind: 'transfer',
      eventId: 'dep-mm',
      account: 'market-maker',
      currency: 'USDC',
      amount: '1000000',
      tsUs: t,
    },
    { kind: 'transfer', eventId: 'dep-alice', account: 'alice', currency: 'USDC', amount: '10000', tsUs: t },
    {
      kind: 'fill',
      eventId: 'f-alice',
      account: 'alice',
      instrument: 'BTC-USDC-PERP',
      qtyContracts: 1,
      price: 50_000,
      fee: '0',
      tsUs: t,
    },
    {
      kind: 'fill',
      eventId: 'f-mm',
      account: 'market-maker',
      instrument: 'BTC-USDC-PERP',
      qtyContracts: -1,
      price: 50_000,
      fee: '0',
      tsUs: t,
    },
  ];
}
