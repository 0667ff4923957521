import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import WebSocket from 'ws';
import type { Policy } from '../backstop/policy/policy.ts';
import { defaultEngineConfig, Engine, type EngineSinks } from '../engine/engine.ts';
import { ccxtFeedSource, loadCcxtExchange } from '../io/feeds/ccxt-feed.ts';
import { jsonFeedSource } from '../io/feeds/json-feed.ts';
import { openStore } from '../io/store/open-store.ts';
import type { Store } from '../io/store/store.ts';
import { loadVenueInstruments } from '../io/venue-file.ts';
import { defaultMonitorConfig } from '../liquidity/monitor-config.ts';
import { underlyingOf } from '../margin/market.ts';
import { gridPreset } from '../margin/portfolio/presets/index.ts';
import type { EventSource } from '../runtime/merge.ts';
import { backtestEngine } from '../sim/backtest.ts';
import { resolvePolicy } from '../sim/run-files.ts';
import { buildApp } from './app.ts';
import { KeyVerifier } from './auth/api-keys.ts';
import type { FeedConfig, ServeConfig } from './config.ts';
import { pumpFeed } from './feed-pump.ts';
import { ServiceMetrics } from './metrics.ts';
import { planReplay, ReplayPump } from './replay.ts';
import { EngineService } from './service.ts';

/** The built dashboard shipped with the package (npm run build:dashboard). */
export const DEFAULT_DASHBOARD_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/dashboard');

export interface RunningServer {
  readonly url: string;
  readonly service: EngineService;
  readonly store: Store;
  readonly replay: ReplayPump | null;
  /** Graceful stop: no new requests, the replay stopped, queued batches stored, the store closed. */
  close(): Promise<void>;
}

/**
 * Starts `backstop serve` (docs/operations.md): opens the store, restores the engine (latest
 * snapshot + journal tail), serves the API, the stream and the dashboard, and — in replay mode —
 * feeds the recording; live, it raises heartbeats on the wall clock.
 */
export async function startServer(config: ServeConfig): Promise<RunningServer> {
  const logger = pino({ level: config.logLevel, redact: ['req.headers.authorization', 'key'] });
  const plan = config.replay
    ? await planReplay({
        files: config.replay.files,
        policy: config.policy,
        accounts: config.replay.accounts,
        seed: config.replay.seed,
        ...(config.replay.fromUs === undefined ? {} : { fromUs: config.replay.fromUs }),
        ...(config.replay.toUs === undefined ? {} : { toUs: config.replay.toUs }),
      })
    : null;
  const policy = plan?.policy ?? resolvePolicy(config.policy);
  const monitorUs = config.monitorIntervalMs * 1_000;
  const makeEngine = plan?.makeEngine ?? liveEngine(config, policy, monitorUs);
  // the store last: a bad venue, policy or replay file stops the start before anything is opened
  const store = await openStore({
    dataDir: config.dataDir,
    ...(config.store ? { store: config.store } : {}),
  });
  await store.init();
  let service: EngineService | null = null;
  const metrics = new ServiceMetrics(() => service);
  service = await EngineService.open({
    store,
    makeEngine,
    heartbeatUs: plan?.heartbeatUs ?? config.heartbeatMs * 1_000,
    snapshotEvery: config.snapshotEvery,
    onCommitted: (b) => metrics.onCommitted(b),
  });
  const svc = service;
  logger.info(
    { store: store.kind, events: svc.events, restoredFrom: svc.restoredFrom, stateHash: svc.stateHash() },
    'engine restored',
  );
  let pump: ReplayPump | null = null;
  if (plan && config.replay) {
    const at = await ReplayPump.resumePosition((from, limit) => store.readEvents(from, limit));
    pump = new ReplayPump(svc, plan, config.replay.speed, at);
  }
  const dashboardDir = config.dashboardDir ?? DEFAULT_DASHBOARD_DIR;
  if (!existsSync(dashboardDir))
    logger.warn({ dashboardDir }, 'no dashboard build: run npm run build:dashboard');
  const app = await buildApp({
    service: svc,
    store,
    keys: new KeyVerifier(store),
    metrics,
    venueClockUs: () => pump?.clockUs() ?? Date.now() * 1_000,
    dashboardDir,
    logger,
    ingestRateLimit: config.ingestRateLimit,
    replay: () => pump?.status() ?? null,
  });
  const address = await app.listen({ port: config.port, host: config.host });
  logger.info({ url: address, replay: pump?.status() ?? null }, 'backstop serving');
  pump?.start();
  // live heartbeats: the wall clock closes monitor intervals and paces the liquidator on a quiet feed
  const beat = pump
    ? null
    : setInterval(
        () => {
          svc
            .heartbeatTo(Date.now() * 1_000)
            .catch((e) => logger.error({ err: e }, 'heartbeat batch failed'));
        },
        Math.max(50, Math.floor(config.heartbeatMs / 4)),
      );
  const feeds = await Promise.all(config.feeds.map((f) => openFeed(f)));
  const pumps = feeds.map((f) =>
    pumpFeed(f.source, svc, (e) =>
      logger.error({ err: e, feed: f.source.name }, 'feed batch not stored'),
    ).then(() => logger.warn({ feed: f.source.name }, 'feed ended')),
  );
  let closing: Promise<void> | null = null;
  return {
    url: address,
    service: svc,
    store,
    replay: pump,
    close() {
      closing ??= (async () => {
        pump?.stop();
        if (beat) clearInterval(beat);
        await Promise.all(feeds.map((f) => f.stop()));
        await Promise.all(pumps);
        await app.close();
        await svc.drain();
        await store.close();
        logger.info({ events: svc.events, stateHash: svc.stateHash() }, 'backstop stopped');
      })();
      return closing;
    },
  };
}

/** Opens one configured feed: a JSON WebSocket (the wire events of docs/formats.md) or ccxt pro. */
async function openFeed(f: FeedConfig): Promise<{ source: EventSource; stop(): Promise<void> }> {
  if (f.type === 'ws-json') {
    const socket = new WebSocket(f.url);
    const { source } = jsonFeedSource(socket, { name: f.name });
    return {
      source,
      async stop() {
        socket.close();
        await source.closed;
      },
    };
  }
  const exchange = await loadCcxtExchange(f.exchange);
  const feed = ccxtFeedSource(exchange, f.subscriptions, { name: f.name ?? `ccxt:${f.exchange}` });
  return { source: feed.source, stop: () => feed.stop() };
}

/**
 * The live venue's engine: the configured instruments margined by a grid preset per underlying,
 * or the backtest venue when none is configured (docs/operations.md, "Venue").
 */
function liveEngine(config: ServeConfig, policy: Policy, monitorUs: number): (sinks: EngineSinks) => Engine {
  const venue = config.venue;
  if (!venue) return (sinks) => backtestEngine(policy, monitorUs, sinks);
  const instruments = loadVenueInstruments(venue.instruments);
  // fail at start, not on the first event, when the preset has no parameters for an underlying
  for (const i of instruments) if (i.kind !== 'index') gridPreset(venue.marginModel, underlyingOf(i));
  return (sinks) =>
    new Engine(
      defaultEngineConfig({
        instruments,
        monitor: defaultMonitorConfig(monitorUs, 1_000_000),
        margin: { modelFor: (u) => gridPreset(venue.marginModel, u), defaultVol: 0.6 },
        policy,
      }),
      sinks,
    );
}
