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
    {
      store: store.kind,
      events: svc.events,
      restoredFrom: svc.restoredFrom,
      snapshotRejected: svc.snapshotRejected,
      stateHash: svc.stateHash(),
    },
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
  const onFeedError = (feed: string) => (e: unknown) =>
    logger.error({ err: e, feed }, 'feed batch not stored');
  const feeds = await Promise.all(
    config.feeds.map((f) =>
      openFeed(f, svc, onFeedError, (feed, info) => logger.warn({ feed, ...info }, 'feed ended')),
    ),
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
        await app.close();
        await svc.drain();
        await store.close();
        logger.info({ events: svc.events, stateHash: svc.stateHash() }, 'backstop stopped');
      })();
      return closing;
    },
  };
}

interface RunningFeed {
  /** Stops the feed and resolves once its last batch is stored. */
  stop(): Promise<void>;
}

/** The wait before reconnecting a ws-json feed: 1 s, doubling per failed attempt, at most 30 s. */
export const reconnectDelayMs = (attempt: number): number =>
  Math.min(30_000, 1_000 * 2 ** Math.max(0, attempt - 1));

/**
 * Runs one configured feed into the service. A ws-json feed (engine events in their wire form,
 * docs/formats.md) reconnects after its socket closes — 1 s, doubling to 30 s, reset by a
 * connection that delivered messages — and names each connection's messages `<name>#<k>` after
 * the first, so quarantine rows stay unambiguous. A ccxt feed retries inside the adapter.
 */
async function openFeed(
  f: FeedConfig,
  svc: EngineService,
  onError: (feed: string) => (e: unknown) => void,
  onEnd: (feed: string, info: Record<string, unknown>) => void,
): Promise<RunningFeed> {
  if (f.type === 'ws-json') {
    let stopped = false;
    let socket: WebSocket | null = null;
    let wake: () => void = () => {};
    const run = (async () => {
      let attempt = 0;
      for (let k = 1; !stopped; k++) {
        const name = k === 1 ? f.name : `${f.name}#${k}`;
        const ws = new WebSocket(f.url);
        socket = ws;
        const feed = jsonFeedSource(ws, { name });
        await pumpFeed(feed.source, svc, onError(name));
        attempt = feed.counters.messages > 0 ? 1 : attempt + 1;
        if (stopped) break;
        const delayMs = reconnectDelayMs(attempt);
        onEnd(name, { messages: feed.counters.messages, reconnectInMs: delayMs });
        await new Promise<void>((r) => {
          const t = setTimeout(r, delayMs);
          wake = () => {
            clearTimeout(t);
            r();
          };
        });
      }
    })();
    return {
      async stop() {
        stopped = true;
        wake();
        (socket as WebSocket | null)?.close();
        await run;
      },
    };
  }
  const exchange = await loadCcxtExchange(f.exchange);
  const name = f.name ?? `ccxt:${f.exchange}`;
  const feed = ccxtFeedSource(exchange, f.subscriptions, { name });
  const run = pumpFeed(feed.source, svc, onError(name)).then(() => onEnd(name, {}));
  return {
    async stop() {
      await feed.stop();
      await run;
    },
  };
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
