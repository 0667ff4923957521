import { Bench } from 'tinybench';
import type { Level } from '../src/domain/events.ts';
import { OrderBook } from '../src/liquidity/order-book.ts';

const STREAM_LENGTH = 200_000;
/** Updates applied before any timing (and again after each wrap), so both books start at working depth. */
const WARM_UPDATES = 20_000;
/** Updates per timed task call: each call continues the stream where the last one stopped. */
const CHUNK = 2_000;
const TICK = 0.5;
/** Quotes sit 1..WINDOW_TICKS ticks from the centre: ~1000 slots per side, about half of them live. */
const WINDOW_TICKS = 1_000;
const DEPTH_BPS = 25;

interface Update {
  readonly isBid: boolean;
  readonly price: number;
  readonly size: number;
  /** The same update as a one-level batch, built up front so the timed loop allocates nothing. */
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

/** Tiny 32-bit LCG (Numerical Recipes constants): deterministic, no dependency. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 4_294_967_296;
  };
}

/**
 * 200 000 single-level L2 updates: a centre random-walking on a 0.5 tick grid around 60 000,
 * levels placed 1..1000 ticks either side, size 0 (removal) half the time. An update that would
 * cross the book is preceded by removals of the levels it crosses, so the stream applied in
 * order from an empty book never crosses (the removals count toward the 200 000).
 */
function makeStream(): Update[] {
  const rand = lcg(20_251_010);
  const shadow = new OrderBook('GEN'); // tracks the book the stream builds, to avoid crossing
  const out: Update[] = [];
  const push = (isBid: boolean, price: number, size: number): void => {
    const level: Level = [price, size];
    out.push({ isBid, price, size, bids: isBid ? [level] : [], asks: isBid ? [] : [level] });
    shadow.setLevel(isBid ? 'bid' : 'ask', price, size);
  };
  let centreTicks = 120_000; // 60 000 / 0.5
  while (out.length < STREAM_LENGTH) {
    const step = rand();
    if (step < 0.05) centreTicks -= 1;
    else if (step > 0.95) centreTicks += 1;
    const isBid = rand() < 0.5;
    const offset = 1 + Math.floor(rand() * WINDOW_TICKS);
    const price = (isBid ? centreTicks - offset : centreTicks + offset) * TICK;
    const size = rand() < 0.5 ? 0 : Math.round(rand() * 400) / 100 + 0.01;
    if (size > 0) {
      // clear the opposite side up to and including `price`
      for (;;) {
        const opp = isBid ? shadow.bestAsk() : shadow.bestBid();
        if (opp === null || (isBid ? opp > price : opp < price) || out.length >= STREAM_LENGTH) break;
        push(!isBid, opp, 0);
      }
    }
    if (out.length < STREAM_LENGTH) push(isBid, price, size);
  }
  return out;
}

/** The baseline: a plain array of [price, size] per side, re-sorted with Array#sort after every update. */
class NaiveBook {
  bids: [number, number][] = [];
  asks: [number, number][] = [];

  clear(): void {
    this.bids = [];
    this.asks = [];
  }

  set(isBid: boolean, price: number, size: number): void {
    const side = isBid ? this.bids : this.asks;
    const i = side.findIndex((l) => l[0] === price);
    if (i >= 0) {
      if (size > 0) side[i]![1] = size;
      else side.splice(i, 1);
    } else if (size > 0) {
      side.push([price, size]);
    }
    if (isBid) side.sort((a, b) => b[0] - a[0]);
    else side.sort((a, b) => a[0] - b[0]);
  }

  mid(): number | null {
    const b = this.bids[0];
    const a = this.asks[0];
    return b && a ? (b[0] + a[0]) / 2 : null;
  }

  spreadBps(): number | null {
    const b = this.bids[0];
    const a = this.asks[0];
    return b && a ? ((a[0] - b[0]) / ((a[0] + b[0]) / 2)) * 1e4 : null;
  }

  depthWithinBps(isBid: boolean, bps: number): number {
    const mid = this.mid();
    if (mid === null) return 0;
    let sum = 0;
    if (isBid) {
      const limit = mid * (1 - bps / 1e4);
      for (const [p, s] of this.bids) {
        if (p < limit) break;
        sum += p * s;
      }
    } else {
      const limit = mid * (1 + bps / 1e4);
      for (const [p, s] of this.asks) {
        if (p > limit) break;
        sum += p * s;
      }
    }
    return sum;
  }
}

/**
 * Updates per second of OrderBook (applyBatch one level at a time) against a naive re-sorting
 * array book, each followed by reads of mid, spread and depth within 25 bps on both sides.
 * Rows: the two throughputs, then `ratio order-book/naive` whose `opsPerSec` is the speed-up
 * factor (not a rate). About 2 × (0.2 s warmup + 2 s) of timing plus the stream build.
 */
export async function benchOrderBook(): Promise<{ name: string; opsPerSec: number }[]> {
  const stream = makeStream();
  let sink = 0; // consumes the reads so they cannot be optimised away

  const book = new OrderBook('BENCH');
  let bookAt = stream.length;
  const bookChunk = (): void => {
    const end = bookAt + CHUNK;
    for (let i = bookAt; i < end; i++) {
      const u = stream[i]!;
      const r = book.applyBatch(false, u.bids, u.asks);
      if (!r.ok) throw new Error(`bench stream crossed at update ${i}`);
      sink += (book.mid() ?? 0) + (book.spreadBps() ?? 0);
      sink += book.depthWithinBps('bid', DEPTH_BPS) + book.depthWithinBps('ask', DEPTH_BPS);
    }
    bookAt = end;
  };
  const bookRewind = (): void => {
    if (bookAt + CHUNK <= stream.length) return;
    book.clear();
    for (let i = 0; i < WARM_UPDATES; i++) {
      const u = stream[i]!;
      book.applyBatch(false, u.bids, u.asks);
    }
    bookAt = WARM_UPDATES;
  };

  const naive = new NaiveBook();
  let naiveAt = stream.length;
  const naiveChunk = (): void => {
    const end = naiveAt + CHUNK;
    for (let i = naiveAt; i < end; i++) {
      const u = stream[i]!;
      naive.set(u.isBid, u.price, u.size);
      sink += (naive.mid() ?? 0) + (naive.spreadBps() ?? 0);
      sink += naive.depthWithinBps(true, DEPTH_BPS) + naive.depthWithinBps(false, DEPTH_BPS);
    }
    naiveAt = end;
  };
  const naiveRewind = (): void => {
    if (naiveAt + CHUNK <= stream.length) return;
    naive.clear();
    for (let i = 0; i < WARM_UPDATES; i++) {
      const u = stream[i]!;
      naive.set(u.isBid, u.price, u.size);
    }
    naiveAt = WARM_UPDATES;
  };

  const bench = new Bench({
    name: 'order book updates',
    time: 2_000,
    iterations: 5,
    warmupTime: 200,
    warmupIterations: 2,
    throws: true,
  });
  bench.add('order-book applyBatch + reads', bookChunk, { async: false, beforeEach: bookRewind });
  bench.add('naive re-sort + reads', naiveChunk, { async: false, beforeEach: naiveRewind });
  await bench.run();
  // Reading the sink keeps the reads observable (and catches a NaN from either book).
  if (!Number.isFinite(sink)) throw new Error(`bench reads produced ${sink}`);

  const rows = bench.tasks.map((task) => {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`bench task ${task.name} ended ${r.state}`);
    return { name: task.name, opsPerSec: (CHUNK * 1000) / r.period };
  });
  const [fast, slow] = rows as [(typeof rows)[number], (typeof rows)[number]];
  return [...rows, { name: 'ratio order-book/naive', opsPerSec: fast.opsPerSec / slow.opsPerSec }];
}
