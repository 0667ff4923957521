import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Decision } from '../src/domain/decisions.ts';
import type { EngineEvent, TradeEvent } from '../src/domain/events.ts';
import { defaultEngineConfig, Engine } from '../src/engine/engine.ts';
import { MarketFile } from '../src/io/market-file.ts';
import { defaultMonitorConfig } from '../src/liquidity/monitor-config.ts';
import type { EventSource, SourceItem } from '../src/runtime/merge.ts';
import { runLoop } from '../src/runtime/run-loop.ts';
import { BACKTEST_MARGIN, BACKTEST_PERP, entryEvents, MARKET_MAKER } from '../src/sim/backtest.ts';
import { DEFAULT_POPULATION, makePopulation } from '../src/sim/population.ts';
import { resolvePolicy } from '../src/sim/run-files.ts';
import {
  BTC_SYNTHETIC_BOOK,
  type ContextBar,
  syntheticBook,
  trailingBarContext,
} from '../src/sim/synthetic-book.ts';

/**
 * A tick-level day through the engine configured as the backtest venue, with 100 000 accounts.
 *
 * Venue: BACKTEST_PERP (linear USDC perp), BACKTEST_MARGIN (±5 % grid, IM 5 %, MM 2.5 %), the
 * `backstop` policy preset (policy engine, liquidity monitor at its default 1 s interval,
 * liquidator with the full waterfall, reserve desk, circuit breaker, price guards). Accounts:
 * `makePopulation(DEFAULT_POPULATION, accounts, seed 1)` with every entry at the start — each
 * trader deposits notional / leverage USDC and opens its position against a market maker at the
 * first trade's price, as `runBacktest` does (deposit, fill, market-maker fill).
 *
 * Events (our choice, documented in docs/performance.md): every Binance aggTrade becomes a
 * `trade` event on the perp (it feeds the monitor's volume, trade count and realized vol). At
 * most once per second — at the first trade of each new UTC second of event time, as a real venue's
 * 1 s index cadence would — a second source emits, at that trade's time, a synthetic book
 * snapshot around the trade price (`syntheticBook` + BTC_SYNTHETIC_BOOK, rv from the trailing 60
 * one-minute closes of the trades, no look-ahead) so the liquidator has a book to walk, and an
 * `index-price` for BTC at the trade price, which is what re-margins the venue. Seconds without
 * a trade get neither (the price did not change). The two sources are merged by `runLoop` (the
 * loop backtest and live share) from in-memory async iterables; the data is read and the events
 * built before the clock starts, so reading and gunzipping the file are not timed.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHARED_DAY = path.resolve(
  ROOT,
  '..',
  'shared',
  'data',
  'orderbook',
  'btcusdc_binance_spot_aggtrades_2025-10-04.csv.gz',
);
const BUNDLED_SLICE = path.join(
  ROOT,
  'data',
  'samples',
  'btcusdc_binance_spot_aggtrades_2025-10-04_0000-0159.csv.gz',
);

/** Index price and synthetic book at most once per this many µs (a real venue's index cadence). */
const INDEX_EVERY_US = 1_000_000;
const MINUTE_US = 60_000_000;
const HOUR_US = 3_600_000_000;
/** Trailing one-minute closes the synthetic book's realized vol is taken over (as the backtest: 60 min). */
const RV_WINDOW_MINUTES = 60;
const SEED = 1;

export interface TickDayOptions {
  readonly accounts?: number;
  readonly baselineAccounts?: number;
  /**
   * Hours of the data measured, from its first trade. Default DEFAULT_HOURS, or the environment
   * variable BENCH_DAY_HOURS (e.g. 24 for the whole shared day, about 35 min with 100 000
   * accounts on a 2-core machine).
   */
  readonly hours?: number;
  /** Data file; default: the shared full day if present, else the bundled 2-hour slice. */
  readonly file?: string;
}

/**
 * Hours measured by default: the first hour of the file. With 100 000 accounts the engine costs
 * about 62 ms of wall per second of data that has a trade (two O(accounts) scans, see
 * docs/performance.md), so the whole day (33 240 such seconds) would take about 35 min, far over
 * the bench's budget; one hour (1 651 such seconds) takes about 100 s.
 */
const DEFAULT_HOURS = 1;

interface DayData {
  readonly file: string;
  /** Human label for rows and notes: which data, which window. */
  readonly label: string;
  readonly trades: readonly TradeEvent[];
  /** Book snapshot + index price pairs, at the trade that opened each new second. */
  readonly derived: readonly EngineEvent[];
  readonly firstUs: number;
  readonly lastUs: number;
  readonly readerRejected: number;
  /** The whole file: trades, seconds with a trade (= index events), first to last trade (s). */
  readonly fileTrades: number;
  readonly fileIndexSeconds: number;
  readonly fileSpanS: number;
}

const iso = (us: number): string => new Date(us / 1000).toISOString().replace('.000Z', 'Z');

/**
 * Reads the whole file (for the day's totals) and keeps the trades of the first `hours` from the
 * first trade; builds the derived events (synthetic book + index price) for those.
 */
async function loadDay(file: string, hours: number, sourceName: string): Promise<DayData> {
  const f = await MarketFile.open(file, { instrument: BACKTEST_PERP.id });
  const trades: TradeEvent[] = [];
  let readerRejected = 0;
  let endUs = Number.POSITIVE_INFINITY;
  let fileTrades = 0;
  let fileIndexSeconds = 0;
  let lastSecond = Number.NaN;
  let fileLastUs = Number.NaN;
  for await (const item of f.items()) {
    if (!item.ok) {
      readerRejected++;
      continue;
    }
    const e = item.event;
    if (e.kind !== 'trade') throw new Error(`${file}: expected aggTrades, got a ${e.kind} event`);
    if (fileTrades === 0) endUs = e.tsUs + hours * HOUR_US;
    fileTrades++;
    fileLastUs = e.tsUs;
    const second = Math.floor(e.tsUs / INDEX_EVERY_US);
    if (second !== lastSecond) fileIndexSeconds++;
    lastSecond = second;
    if (e.tsUs < endUs) trades.push(e);
  }
  if (trades.length < 2) throw new Error(`${file}: fewer than two trades`);

  const derived: EngineEvent[] = [];
  const minutes: ContextBar[] = [];
  let minuteStart = Math.floor(trades[0]!.tsUs / MINUTE_US) * MINUTE_US;
  let minuteClose = trades[0]!.price;
  let minuteVolume = 0;
  let ctx = { rvPerMinute: 0, quoteVolumePerMinute: 0 };
  let nextIndexUs = Number.NEGATIVE_INFINITY;
  for (const t of trades) {
    const m = Math.floor(t.tsUs / MINUTE_US) * MINUTE_US;
    if (m !== minuteStart) {
      // one bar per elapsed minute (a quiet minute repeats the last close), then the context from them
      for (let s = minuteStart; s < m; s += MINUTE_US) {
        minutes.push({ tsUs: s, close: minuteClose, volume: s === minuteStart ? minuteVolume : 0 });
      }
      minuteStart = m;
      minuteVolume = 0;
      const c = trailingBarContext(minutes, minutes.length, RV_WINDOW_MINUTES, 1);
      ctx = { rvPerMinute: c.rvPerMinute, quoteVolumePerMinute: c.quoteVolumePerMinute };
    }
    minuteClose = t.price;
    minuteVolume += t.qty;
    if (t.tsUs < nextIndexUs) continue;
    nextIndexUs = (Math.floor(t.tsUs / INDEX_EVERY_US) + 1) * INDEX_EVERY_US;
    const book = syntheticBook({ ...ctx, mid: t.price }, BTC_SYNTHETIC_BOOK, BACKTEST_PERP.tickSize);
    derived.push({
      kind: 'book-snapshot',
      instrument: BACKTEST_PERP.id,
      tsUs: t.tsUs,
      bids: book.bids,
      asks: book.asks,
    });
    derived.push({ kind: 'index-price', instrument: 'BTC', tsUs: t.tsUs, price: t.price });
  }
  const firstUs = trades[0]!.tsUs;
  const lastUs = trades[trades.length - 1]!.tsUs;
  const spanH = (lastUs - firstUs) / HOUR_US;
  const whole = lastUs === fileLastUs;
  const label = `${sourceName}${whole ? '' : ` first ${hours} h`}: ${iso(firstUs).slice(0, 10)} ${iso(firstUs).slice(11, 16)}–${iso(lastUs).slice(11, 16)} UTC, ${spanH.toFixed(2)} h`;
  return {
    file,
    label,
    trades,
    derived,
    firstUs,
    lastUs,
    readerRejected,
    fileTrades,
    fileIndexSeconds,
    fileSpanS: (fileLastUs - firstUs) / 1e6,
  };
}

/** An in-memory source: what a file or a feed yields, without the I/O. */
function memorySource(name: string, rank: number, events: readonly EngineEvent[]): EventSource {
  return {
    name,
    rank,
    items: {
      async *[Symbol.asyncIterator](): AsyncGenerator<SourceItem> {
        for (const event of events) yield { ok: true, event };
      },
    },
  };
}

const sourcesOf = (d: DayData): EventSource[] => [
  memorySource('trades', 0, d.trades),
  memorySource('index+book', 1, d.derived),
];

/** The merged stream as an array, in runLoop's order (trades rank 0 before derived rank 1 at equal times). */
function mergedArray(d: DayData): EngineEvent[] {
  const out: EngineEvent[] = [];
  let i = 0;
  let j = 0;
  const { trades, derived } = d;
  while (i < trades.length || j < derived.length) {
    const t = trades[i];
    const x = derived[j];
    if (t !== undefined && (x === undefined || t.tsUs <= x.tsUs)) {
      out.push(t);
      i++;
    } else {
      out.push(x as EngineEvent);
      j++;
    }
  }
  return out;
}

/** The backtest venue with `accounts` traders opened at `t0` at `price`; returns the engine and setup seconds. */
function openVenue(accounts: number, t0: number, price: number): { engine: Engine; seconds: number } {
  const engine = new Engine(
    defaultEngineConfig({
      instruments: [BACKTEST_PERP],
      monitor: defaultMonitorConfig(),
      margin: { modelFor: () => BACKTEST_MARGIN, defaultVol: 0.6 },
      policy: resolvePolicy('backstop'),
    }),
  );
  const traders = makePopulation({ ...DEFAULT_POPULATION, accounts, seed: SEED }, 1);
  const ccy = BACKTEST_PERP.settlementCurrency;
  const started = performance.now();
  let rejected = 0;
  const handle = (e: EngineEvent) => {
    for (const d of engine.handle(e)) if (d.kind === 'input-rejected') rejected++;
  };
  handle({ kind: 'index-price', instrument: 'BTC', tsUs: t0, price });
  handle({
    kind: 'transfer',
    eventId: 'mm-deposit',
    account: MARKET_MAKER,
    currency: ccy,
    amount: '10000000000',
    tsUs: t0,
  });
  let seq = 0;
  for (const tr of traders) {
    const entry = entryEvents(tr, price, t0, seq + 1);
    if (entry.length > 0) seq++;
    for (const e of entry) handle(e);
  }
  const seconds = (performance.now() - started) / 1e3;
  if (rejected !== 0) throw new Error(`tick day: the engine rejected ${rejected} setup events`);
  return { engine, seconds };
}

interface DayRun {
  readonly seconds: number;
  readonly events: number;
  readonly decisions: number;
  readonly kinds: ReadonlyMap<string, number>;
  readonly remargins: number;
  readonly skipped: number;
  readonly peakRss: number;
  /** sha256 of the engine's `stateSummary()` after the day: equal engines, equal hashes. */
  readonly stateHash: string;
}

const rss = (): number => process.memoryUsage().rss;

function countKinds(kinds: Map<string, number>, d: Decision): void {
  kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1);
}

/** Nothing rejected, every ledger currency sums to zero; returns the state hash. */
function checkEngine(engine: Engine, what: string): string {
  if (engine.stats.rejected !== 0)
    throw new Error(`${what}: engine rejected ${engine.stats.rejected} events`);
  for (const { currency } of engine.ledger.currencies()) {
    if (engine.ledger.total(currency) !== 0n)
      throw new Error(`${what}: ledger does not conserve ${currency}`);
  }
  return createHash('sha256').update(JSON.stringify(engine.stateSummary())).digest('hex').slice(0, 16);
}

/** The day through `runLoop` (the backtest/live loop) on a freshly opened venue. */
async function viaRunLoop(d: DayData, accounts: number): Promise<DayRun & { setupSeconds: number }> {
  const { engine, seconds: setupSeconds } = openVenue(accounts, d.firstUs, d.trades[0]!.price);
  const before = { ...engine.margin.counters };
  const kinds = new Map<string, number>();
  let peakRss = rss();
  const t = performance.now();
  const summary = await runLoop(engine, sourcesOf(d), {
    onDecision: (x) => countKinds(kinds, x),
    onProgress: (n) => {
      if (n % 1_000 === 0) peakRss = Math.max(peakRss, rss());
    },
  });
  const seconds = (performance.now() - t) / 1e3;
  peakRss = Math.max(peakRss, rss());
  if (summary.rejected !== 0) throw new Error(`tick day: ${summary.rejected} rejected inputs`);
  const { remargins, skipped } = engine.margin.counters;
  return {
    setupSeconds,
    seconds,
    events: summary.events,
    decisions: summary.decisions,
    kinds,
    remargins: remargins - before.remargins,
    skipped: skipped - before.skipped,
    peakRss,
    stateHash: checkEngine(engine, `tick day, ${accounts} accounts`),
  };
}

/** The same day through `engine.handle` in a plain loop (no merge, no async), then `finish`. */
function viaHandle(d: DayData, events: readonly EngineEvent[], accounts: number): DayRun {
  const { engine } = openVenue(accounts, d.firstUs, d.trades[0]!.price);
  const before = { ...engine.margin.counters };
  const kinds = new Map<string, number>();
  let decisions = 0;
  const t = performance.now();
  for (const e of events) {
    for (const x of engine.handle(e)) {
      decisions++;
      countKinds(kinds, x);
    }
  }
  for (const x of engine.finish()) {
    decisions++;
    countKinds(kinds, x);
  }
  const seconds = (performance.now() - t) / 1e3;
  const { remargins, skipped } = engine.margin.counters;
  return {
    seconds,
    events: events.length,
    decisions,
    kinds,
    remargins: remargins - before.remargins,
    skipped: skipped - before.skipped,
    peakRss: rss(),
    stateHash: checkEngine(engine, `tick day direct, ${accounts} accounts`),
  };
}

/** runLoop + mergeSources alone: the same sources into an engine that does nothing. */
async function loopAlone(d: DayData): Promise<number> {
  const noop = { handle: () => [], finish: () => [] } as unknown as Engine;
  const t = performance.now();
  const s = await runLoop(noop, sourcesOf(d));
  return s.events / ((performance.now() - t) / 1e3);
}

const fmtKinds = (k: ReadonlyMap<string, number>): string =>
  [...k]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ') || 'none';

const sameKinds = (a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean =>
  a.size === b.size && [...a].every(([k, n]) => b.get(k) === n);

const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;
const kAccounts = (n: number): string => (n % 1000 === 0 ? `${n / 1000}k` : String(n));

/**
 * Rows: setup rate (accounts opened per second), events per second through `runLoop` with
 * 100 000 accounts (the headline) and the multiple of real time (data span ÷ wall time), the
 * same stream with 1 000 accounts through `runLoop` and through `engine.handle` directly (their
 * decisions by kind and their state hashes must agree: a determinism check), the 1k/100k ratio,
 * and `runLoop` alone with a no-op engine. Re-margins done and skipped by the state band,
 * decisions, state hash, peak RSS and a projection to the whole file go to the log.
 */
export async function benchTickDay(
  log: (line: string) => void = () => {},
  o: TickDayOptions = {},
): Promise<{ name: string; opsPerSec: number }[]> {
  const accounts = o.accounts ?? 100_000;
  const baseline = o.baselineAccounts ?? 1_000;
  const envHours = process.env.BENCH_DAY_HOURS;
  const hours = o.hours ?? (envHours ? Number(envHours) : DEFAULT_HOURS);
  if (!(hours > 0)) throw new Error(`tick day: hours must be > 0, got ${hours}`);
  const file = path.resolve(o.file ?? (existsSync(SHARED_DAY) ? SHARED_DAY : BUNDLED_SLICE));
  const sourceName =
    file === SHARED_DAY
      ? 'shared full day'
      : file === BUNDLED_SLICE
        ? 'bundled 2 h slice (no ../shared)'
        : path.basename(file);
  const d = await loadDay(file, hours, sourceName);
  const spanS = (d.lastUs - d.firstUs) / 1e6;
  const indexEvents = d.derived.length / 2;
  const stream = mergedArray(d);
  log(
    `tick day: ${path.relative(process.cwd(), d.file)} [${d.label}]: ${d.trades.length} trades + ${indexEvents} index prices ` +
      `and ${indexEvents} synthetic book snapshots (≤ 1 per ${INDEX_EVERY_US / 1e6} s) = ${stream.length} events ` +
      `over ${spanS.toFixed(0)} s; the file holds ${d.fileTrades} trades, ${d.fileIndexSeconds} seconds with a trade ` +
      `over ${(d.fileSpanS / 3600).toFixed(2)} h; reader rejected ${d.readerRejected}`,
  );

  const loopRate = await loopAlone(d);

  // JIT warm-up on the first quarter of the stream (not counted), then the baseline both ways
  viaHandle(d, stream.slice(0, stream.length >> 2), baseline);
  const small = await viaRunLoop(d, baseline);
  const direct = viaHandle(d, stream, baseline);
  if (
    small.decisions !== direct.decisions ||
    !sameKinds(small.kinds, direct.kinds) ||
    small.stateHash !== direct.stateHash
  ) {
    throw new Error(
      `tick day: runLoop and engine.handle disagree with ${baseline} accounts: ` +
        `${fmtKinds(small.kinds)} (state ${small.stateHash}) vs ${fmtKinds(direct.kinds)} (state ${direct.stateHash})`,
    );
  }
  const smallRate = small.events / small.seconds;
  const directRate = direct.events / direct.seconds;
  log(
    `  ${baseline} accounts: runLoop ${small.seconds.toFixed(2)} s, ${Math.round(smallRate)} events/s ` +
      `(${(spanS / small.seconds).toFixed(0)}× real time); engine.handle direct ${Math.round(directRate)} events/s; ` +
      `decisions ${small.decisions} (${fmtKinds(small.kinds)}), state ${small.stateHash}, identical both ways; ` +
      `re-margins ${small.remargins}, skipped by the state band ${small.skipped}`,
  );

  const big = await viaRunLoop(d, accounts);
  const bigRate = big.events / big.seconds;
  const multiple = spanS / big.seconds;
  const maxRss = process.resourceUsage().maxRSS * 1024;
  const perIndexMs = (1e3 * big.seconds) / indexEvents;
  log(
    `  ${accounts} accounts: setup ${big.setupSeconds.toFixed(1)} s (${Math.round(accounts / big.setupSeconds)} accounts/s); ` +
      `day ${big.seconds.toFixed(1)} s wall for ${spanS.toFixed(0)} s of data = ${multiple.toFixed(1)}× real time, ` +
      `${Math.round(bigRate)} events/s via runLoop, ${perIndexMs.toFixed(1)} ms of wall per index second`,
  );
  log(
    `  ${accounts} accounts: decisions ${big.decisions} (${fmtKinds(big.kinds)}), state ${big.stateHash}; ` +
      `re-margins ${big.remargins}, skipped by the state band ${big.skipped} ` +
      `(${((100 * big.skipped) / Math.max(1, big.skipped + big.remargins)).toFixed(1)} % of account visits); ` +
      `peak RSS ${mib(big.peakRss)} sampled during the run (process max RSS so far ${mib(maxRss)})`,
  );
  if (d.fileIndexSeconds > indexEvents) {
    const projected = perIndexMs * d.fileIndexSeconds * 1e-3;
    log(
      `  projection, not measured: the whole file (${d.fileIndexSeconds} index seconds) at ${perIndexMs.toFixed(1)} ms ` +
        `each ≈ ${projected.toFixed(0)} s wall ≈ ${(d.fileSpanS / projected).toFixed(0)}× real time with ${accounts} accounts`,
    );
  }
  log(`  runLoop + merge alone (no-op engine): ${Math.round(loopRate)} events/s`);

  const tag = `[${d.label}]`;
  const bigK = kAccounts(accounts);
  const smallK = kAccounts(baseline);
  return [
    {
      name: `tick day setup: ${bigK} accounts opened (deposit+fill+MM fill) accounts/s`,
      opsPerSec: accounts / big.setupSeconds,
    },
    { name: `tick day ${tag} ${bigK} accounts, runLoop events/s`, opsPerSec: bigRate },
    { name: `ratio tick day ${bigK} accounts, × real time (data span / wall)`, opsPerSec: multiple },
    { name: `tick day ${smallK} accounts, runLoop events/s`, opsPerSec: smallRate },
    {
      name: `ratio tick day ${smallK} accounts, × real time (data span / wall)`,
      opsPerSec: spanS / small.seconds,
    },
    {
      name: `ratio tick day events/s ${smallK} / ${bigK} accounts (cost of more accounts)`,
      opsPerSec: smallRate / bigRate,
    },
    { name: `tick day ${smallK} accounts, engine.handle direct events/s`, opsPerSec: directRate },
    {
      name: `ratio tick day direct engine.handle / runLoop (${smallK} accounts: loop overhead)`,
      opsPerSec: directRate / smallRate,
    },
    { name: 'tick day runLoop + merge alone (no-op engine) events/s', opsPerSec: loopRate },
  ];
}
