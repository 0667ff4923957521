import { performance } from 'node:perf_hooks';
import type { BookDeltaEvent, BookSnapshotEvent, Level } from '../src/domain/events.ts';
import { defaultEngineConfig, Engine } from '../src/engine/engine.ts';
import { LiquidityMonitor, type MonitorClose } from '../src/liquidity/monitor.ts';
import { defaultMonitorConfig } from '../src/liquidity/monitor-config.ts';
import { type LiquidityView, OrderBook } from '../src/liquidity/order-book.ts';
import { NaiveBook } from './naive-book.ts';

const INSTRUMENT = 'BTC-PERP';
/** 2026-01-01T00:00:00Z in µs: on a second boundary, so 1 s intervals close every ~1000 events. */
const T0_US = 1_767_225_600_000_000;
const TICK = 0.5;
/** Quotes sit 1..WINDOW_TICKS ticks from the centre: 1000 slots per side, about half of them live. */
const WINDOW_TICKS = 1_000;
const CENTRE_TICKS = 120_000; // 60 000 / 0.5
/**
 * Events applied untimed after the snapshot in every repetition: ~250 s of event time, so the
 * timed part sees the monitor in its steady state (240-interval stress history and 60-interval
 * realized-vol window full, past the 30-interval stress warm-up).
 */
const WARM_EVENTS = 250_000;
/** Events timed per repetition (≈60 s of event time, ≈60 monitor interval closes). */
const TIMED_EVENTS = 60_000;
/** Timed repetitions; one more runs first as a JIT warm-up (and correctness check) and is not counted. */
const REPS = 5;
const SEED = 60_000_2026;

/** Tiny 32-bit LCG (Numerical Recipes constants): deterministic, no dependency. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 4_294_967_296;
  };
}

interface Stream {
  readonly snapshot: BookSnapshotEvent;
  readonly deltas: readonly BookDeltaEvent[];
  /** Level updates in the deltas, including the removals that keep the book uncrossed. */
  readonly levelUpdates: number;
  readonly crossRemovals: number;
}

/**
 * A snapshot (each of the 1000 price slots per side live with probability ½) followed by
 * `count` book-delta events for BTC-PERP. Each delta carries 1–3 level updates: a side, a price
 * 1..1000 ticks (0.5) from a centre random-walking around 60 000 (±1 tick with probability
 * 5 % each per event), size 0 (removal) half the time, else 0.01–4.01. A level that would cross
 * the book is preceded in the same batch by removals of the opposite levels it crosses, so the
 * stream applied in order never crosses. Event time advances 0.5–1.5 ms (mean 1 ms) per event.
 */
function makeStream(count: number): Stream {
  const rand = lcg(SEED);
  const size = (): number => Math.round(rand() * 400) / 100 + 0.01;
  const shadow = new OrderBook('GEN'); // the book the stream builds, to keep it uncrossed
  let centre = CENTRE_TICKS;
  let tsUs = T0_US;

  const snapBids: Level[] = [];
  const snapAsks: Level[] = [];
  for (let offset = 1; offset <= WINDOW_TICKS; offset++) {
    if (rand() < 0.5) snapBids.push([(centre - offset) * TICK, size()]);
    if (rand() < 0.5) snapAsks.push([(centre + offset) * TICK, size()]);
  }
  if (!shadow.applyBatch(true, snapBids, snapAsks).ok) throw new Error('bench snapshot crossed');
  const snapshot: BookSnapshotEvent = {
    kind: 'book-snapshot',
    tsUs,
    instrument: INSTRUMENT,
    bids: snapBids,
    asks: snapAsks,
  };

  const deltas: BookDeltaEvent[] = [];
  let levelUpdates = 0;
  let crossRemovals = 0;
  for (let n = 0; n < count; n++) {
    tsUs += 500 + Math.floor(rand() * 1_001);
    const step = rand();
    if (step < 0.05) centre -= 1;
    else if (step > 0.95) centre += 1;
    const bids: Level[] = [];
    const asks: Level[] = [];
    const levels = 1 + Math.floor(rand() * 3);
    for (let j = 0; j < levels; j++) {
      const isBid = rand() < 0.5;
      const offset = 1 + Math.floor(rand() * WINDOW_TICKS);
      const price = (isBid ? centre - offset : centre + offset) * TICK;
      const sz = rand() < 0.5 ? 0 : size();
      if (sz > 0) {
        // Remove the opposite levels this one would cross, earlier in the same batch.
        for (;;) {
          const opp = isBid ? shadow.bestAsk() : shadow.bestBid();
          if (opp === null || (isBid ? opp > price : opp < price)) break;
          (isBid ? asks : bids).push([opp, 0]);
          shadow.setLevel(isBid ? 'ask' : 'bid', opp, 0);
          crossRemovals++;
          levelUpdates++;
        }
      }
      (isBid ? bids : asks).push([price, sz]);
      shadow.setLevel(isBid ? 'bid' : 'ask', price, sz);
      levelUpdates++;
    }
    deltas.push({ kind: 'book-delta', tsUs, instrument: INSTRUMENT, reset: false, bids, asks });
  }
  return { snapshot, deltas, levelUpdates, crossRemovals };
}

interface RunResult {
  readonly seconds: number;
  readonly closes: MonitorClose[];
  readonly transitions: number;
  readonly bidLevels: number;
  readonly askLevels: number;
}

const engineConfig = () => defaultEngineConfig({ monitor: defaultMonitorConfig(1_000_000, 1_000_000) });

/** The engine under test: `Engine.handle` per event (validation, OrderBook, monitor, tier decisions). */
function runEngine(stream: Stream): RunResult {
  const closes: MonitorClose[] = [];
  const engine = new Engine(engineConfig(), { onMonitorClose: (c) => closes.push(c) });
  const { deltas } = stream;
  let transitions = engine.handle(stream.snapshot).length;
  for (let i = 0; i < WARM_EVENTS; i++) transitions += engine.handle(deltas[i]!).length;
  const end = WARM_EVENTS + TIMED_EVENTS;
  const t0 = performance.now();
  for (let i = WARM_EVENTS; i < end; i++) transitions += engine.handle(deltas[i]!).length;
  const seconds = (performance.now() - t0) / 1e3;
  if (engine.stats.rejected !== 0) throw new Error(`engine rejected ${engine.stats.rejected} bench events`);
  const book = engine.books.get(INSTRUMENT);
  if (!book) throw new Error('engine has no bench book');
  return {
    seconds,
    closes,
    transitions,
    bidLevels: book.levelCount('bid'),
    askLevels: book.levelCount('ask'),
  };
}

/**
 * The baseline: NaiveBook (re-sorted arrays) driving the same LiquidityMonitor, as the engine
 * would. The untimed warm-up only has to build the monitor's history, so it runs on an
 * OrderBook (the rows are the same either way); the naive book takes over from an exact copy of
 * that book for the timed events.
 */
function runNaive(stream: Stream): RunResult {
  const closes: MonitorClose[] = [];
  const warmBook = new OrderBook('WARM');
  const book = new NaiveBook();
  let view: LiquidityView = warmBook;
  const monitor = new LiquidityMonitor(engineConfig().monitor, (id) => (id === INSTRUMENT ? view : null));
  let transitions = 0;
  const advance = (tsUs: number): void => {
    for (const c of monitor.advanceTo(tsUs)) {
      closes.push(c);
      if (c.transition) transitions++;
    }
  };
  const { snapshot, deltas } = stream;
  advance(snapshot.tsUs);
  warmBook.applyBatch(true, snapshot.bids, snapshot.asks);
  monitor.onBookUpdate(snapshot.instrument, snapshot.tsUs);
  for (let i = 0; i < WARM_EVENTS; i++) {
    const e = deltas[i]!;
    advance(e.tsUs);
    if (!warmBook.applyBatch(e.reset, e.bids, e.asks).ok) throw new Error(`bench stream crossed at ${i}`);
    monitor.onBookUpdate(e.instrument, e.tsUs);
  }
  book.apply(
    true,
    warmBook.levels('bid', Number.POSITIVE_INFINITY),
    warmBook.levels('ask', Number.POSITIVE_INFINITY),
  );
  view = book;

  const end = WARM_EVENTS + TIMED_EVENTS;
  const t0 = performance.now();
  for (let i = WARM_EVENTS; i < end; i++) {
    const e = deltas[i]!;
    advance(e.tsUs);
    book.apply(e.reset, e.bids, e.asks);
    monitor.onBookUpdate(e.instrument, e.tsUs);
  }
  const seconds = (performance.now() - t0) / 1e3;
  return {
    seconds,
    closes,
    transitions,
    bidLevels: book.levelCount('bid'),
    askLevels: book.levelCount('ask'),
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Both runs must see the same book through the same monitor: identical rows and transitions. */
function assertSameCloses(a: readonly MonitorClose[], b: readonly MonitorClose[]): void {
  if (a.length !== b.length) throw new Error(`engine closed ${a.length} intervals, baseline ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    const x = JSON.stringify([a[i]!.row, a[i]!.transition]);
    const y = JSON.stringify([b[i]!.row, b[i]!.transition]);
    if (x !== y) throw new Error(`interval ${i}: engine and baseline monitor rows differ\n${x}\n${y}`);
  }
}

/** One line about the workload, from the first repetition. */
function describe(stream: Stream, eng: RunResult): string {
  const { deltas } = stream;
  const intervalUs = engineConfig().monitor.intervalUs;
  const timedFrom = deltas[WARM_EVENTS - 1]!.tsUs;
  const timedCloses = eng.closes.filter((c) => c.row.tsUs + intervalUs > timedFrom).length;
  const stress = eng.closes.map((c) => c.row.stressIndex).filter((x): x is number => x !== null);
  const stressRange =
    stress.length > 0
      ? `${Math.min(...stress).toFixed(2)}..${Math.max(...stress).toFixed(2)}`
      : 'never computed';
  return (
    `engine bench: snapshot + ${deltas.length} deltas (${WARM_EVENTS} warm-up + ${TIMED_EVENTS} timed), ` +
    `${(stream.levelUpdates / deltas.length).toFixed(2)} level updates/event ` +
    `(${stream.crossRemovals} cross-avoiding removals), book at end ${eng.bidLevels} bids / ${eng.askLevels} asks; ` +
    `${eng.closes.length} interval closes (${timedCloses} in the timed part); ${eng.transitions} tier changes ` +
    `(stress index range ${stressRange}, first tier entered at ${engineConfig().monitor.tiers.enter[0]}); ` +
    'engine and baseline monitor rows identical'
  );
}

/**
 * Book-delta events per second through `Engine.handle` (OrderBook + LiquidityMonitor + tier
 * machine) against the naive re-sorting book driving the same LiquidityMonitor. Each of
 * REPS + 1 repetitions builds both fresh, feeds the snapshot and WARM_EVENTS untimed, then times
 * TIMED_EVENTS; the engine and baseline alternate which runs first. The first repetition is a
 * JIT warm-up and correctness check (identical monitor rows) and is not counted. Rows: the
 * median rate of each, then `ratio engine/naive`, the median of the per-repetition ratios (a
 * factor, not a rate). About 20 s on a 2-core machine, most of it in the baseline's timed part.
 */
export async function benchEngine(
  log: (line: string) => void = () => {},
): Promise<{ name: string; opsPerSec: number }[]> {
  const stream = makeStream(WARM_EVENTS + TIMED_EVENTS);
  const engineRates: number[] = [];
  const naiveRates: number[] = [];
  const ratios: number[] = [];
  for (let rep = 0; rep <= REPS; rep++) {
    let eng: RunResult;
    let nai: RunResult;
    if (rep % 2 === 0) {
      eng = runEngine(stream);
      nai = runNaive(stream);
    } else {
      nai = runNaive(stream);
      eng = runEngine(stream);
    }
    if (rep === 0) {
      assertSameCloses(eng.closes, nai.closes);
      if (eng.bidLevels !== nai.bidLevels || eng.askLevels !== nai.askLevels) {
        throw new Error('engine and baseline books ended with different level counts');
      }
      log(describe(stream, eng));
    }
    const er = TIMED_EVENTS / eng.seconds;
    const nr = TIMED_EVENTS / nai.seconds;
    const line = `engine ${Math.round(er)}/s, naive ${Math.round(nr)}/s, ratio ${(er / nr).toFixed(2)}`;
    if (rep === 0) {
      log(`  warm-up rep (not counted): ${line}`);
      continue;
    }
    engineRates.push(er);
    naiveRates.push(nr);
    ratios.push(er / nr);
    log(`  rep ${rep}/${REPS}: ${line}`);
  }
  return [
    { name: 'engine.handle book-delta (book+monitor+tiers)', opsPerSec: median(engineRates) },
    { name: 'naive re-sort book + same monitor', opsPerSec: median(naiveRates) },
    { name: 'ratio engine/naive', opsPerSec: median(ratios) },
  ];
}
