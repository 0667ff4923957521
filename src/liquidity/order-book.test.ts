import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BookSide, type Level, OrderBook, type WalkResult } from './order-book.ts';

/** bids 100×1, 99×2, 98×5; asks 101×1, 102×3 */
function handBook(): OrderBook {
  const book = new OrderBook('TEST');
  const r = book.applyBatch(
    true,
    [
      [99, 2],
      [100, 1],
      [98, 5],
    ],
    [
      [102, 3],
      [101, 1],
    ],
  );
  expect(r).toEqual({ ok: true });
  return book;
}

/** The whole logical state as raw bytes: counts, then each side's [price, size] doubles best first. */
function bookBytes(book: OrderBook): Uint8Array {
  const flat = [
    book.levelCount('bid'),
    book.levelCount('ask'),
    ...book.levels('bid', Number.POSITIVE_INFINITY).flat(),
    ...book.levels('ask', Number.POSITIVE_INFINITY).flat(),
  ];
  return new Uint8Array(Float64Array.from(flat).buffer);
}

/** |a − b| within 1e-9 relative (or absolute near zero); nulls must match. */
function close(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  if (a === b) return true;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function walkClose(a: WalkResult, b: WalkResult): boolean {
  return (
    a.requested === b.requested &&
    a.complete === b.complete &&
    close(a.filledBase, b.filledBase) &&
    close(a.filledQuote, b.filledQuote) &&
    close(a.avgPrice, b.avgPrice) &&
    close(a.worstPrice, b.worstPrice) &&
    close(a.slippageBps, b.slippageBps)
  );
}

describe('OrderBook on a hand-built book', () => {
  it('reports the touch, mid and spread', () => {
    const book = handBook();
    expect(book.bestBid()).toBe(100);
    expect(book.bestAsk()).toBe(101);
    expect(book.bestBidSize()).toBe(1);
    expect(book.bestAskSize()).toBe(1);
    expect(book.isCrossed()).toBe(false);
    expect(book.levelCount('bid')).toBe(3);
    expect(book.levelCount('ask')).toBe(2);
    // mid = (100 + 101) / 2 = 100.5
    expect(book.mid()).toBe(100.5);
    // spread = (101 − 100) / 100.5 × 1e4 = 99.50248756… bps
    expect(book.spreadBps()).toBeCloseTo(99.50248756218906, 10);
    expect(book.levels('bid', 10)).toEqual([
      [100, 1],
      [99, 2],
      [98, 5],
    ]);
    expect(book.levels('ask', 1)).toEqual([[101, 1]]);
    expect(book.levels('ask', 0)).toEqual([]);
  });

  it('sums quote depth within bps of mid, bounds inclusive', () => {
    const book = handBook();
    // bid limit 100.5 × (1 − 0.01) = 99.495 → only level 100 (99 < 99.495): 100×1 = 100
    expect(book.depthWithinBps('bid', 100)).toBe(100);
    // 150 bps: limit 100.5 × 0.985 = 98.9925 → levels 100, 99: 100×1 + 99×2 = 298
    expect(book.depthWithinBps('bid', 150)).toBe(298);
    // bid limit 100.5 × 0.98 = 98.49 → still 100, 99 = 298; 300 bps: 97.485 → + 98×5 = 788
    expect(book.depthWithinBps('bid', 200)).toBe(298);
    expect(book.depthWithinBps('bid', 300)).toBe(788);
    // ask limit 100.5 × 1.01 = 101.505 → 101×1 = 101; 200 bps: 102.51 → 101 + 102×3 = 407
    expect(book.depthWithinBps('ask', 100)).toBe(101);
    expect(book.depthWithinBps('ask', 200)).toBe(407);
    // 0 bps: limit = mid, no level sits at mid
    expect(book.depthWithinBps('bid', 0)).toBe(0);
    // inclusive: 50 bps of mid 100 is exactly 99.5 (bids 100 and 99.5 with an ask at 100.0+ would
    // move the mid, so check on a book whose mid is exactly 100: bid 99.5, ask 100.5)
    const b2 = new OrderBook('T2');
    b2.applyBatch(false, [[99.5, 2]], [[100.5, 1]]);
    // mid 100; 50 bps → limit 100 × 0.995 = 99.5, included: 99.5 × 2 = 199
    expect(b2.depthWithinBps('bid', 50)).toBe(199);
    // ask limit 100 × 1.005 = 100.49999999999999 in floats (1.005 is below its decimal), so the
    // 100.5 level is just outside; a bound is inclusive up to float rounding of mid × (1 ± bps/1e4)
    expect(b2.depthWithinBps('ask', 50.0001)).toBe(100.5);
  });

  it('walks a market sell of 250 quote into the bids', () => {
    const w = handBook().walkSellQuote(250);
    // level 100×1: 100 quote, 1 base, 150 left; level 99×2 holds 198 ≥ 150 → 150/99 = 50/33 base
    // filledBase = 1 + 50/33 = 83/33 = 2.5151…; filledQuote = 250
    expect(w.requested).toBe(250);
    expect(w.filledQuote).toBe(250);
    expect(w.filledBase).toBeCloseTo(83 / 33, 12);
    // avg = 250 / (83/33) = 8250/83 = 99.39759036…
    expect(w.avgPrice).toBeCloseTo(8250 / 83, 10);
    expect(w.worstPrice).toBe(99);
    // slippage = (100.5 − 8250/83) / 100.5 × 1e4 = (91.5/83)/100.5 × 1e4 = 109.6925013… bps
    expect(w.slippageBps).toBeCloseTo(109.69250134867829, 8);
    expect(w.complete).toBe(true);
  });

  it('walks a market buy past the end of the asks and reports what filled', () => {
    const w = handBook().walkBuyQuote(1000);
    // asks hold 101×1 + 102×3 = 407 quote, 4 base; avg 407/4 = 101.75; worst 102
    expect(w.filledQuote).toBe(407);
    expect(w.filledBase).toBe(4);
    expect(w.avgPrice).toBe(101.75);
    expect(w.worstPrice).toBe(102);
    // slippage = (101.75 − 100.5) / 100.5 × 1e4 = 124.3781… bps
    expect(w.slippageBps).toBeCloseTo(124.37810945273633, 8);
    expect(w.complete).toBe(false);
  });

  it('walks a buy that ends exactly on a level boundary', () => {
    // 101 quote is exactly the first ask level: 1 base at 101, complete
    const w = handBook().walkBuyQuote(101);
    expect(w).toEqual({
      requested: 101,
      filledBase: 1,
      filledQuote: 101,
      avgPrice: 101,
      worstPrice: 101,
      // (101 − 100.5) / 100.5 × 1e4 = 49.75124… bps
      slippageBps: expect.closeTo(49.75124378109453, 8),
      complete: true,
    });
  });

  it('walks zero as an empty, complete, free fill and rejects negative or NaN requests', () => {
    const w = handBook().walkSellQuote(0);
    expect(w).toEqual({
      requested: 0,
      filledBase: 0,
      filledQuote: 0,
      avgPrice: null,
      worstPrice: null,
      slippageBps: 0,
      complete: true,
    });
    expect(() => handBook().walkSellQuote(-1)).toThrow(RangeError);
    expect(() => handBook().walkBuyQuote(Number.NaN)).toThrow(RangeError);
    // Infinity walks the whole side: bids 100 + 198 + 490 = 788 quote, 8 base
    const all = handBook().walkSellQuote(Number.POSITIVE_INFINITY);
    expect(all.filledQuote).toBe(788);
    expect(all.filledBase).toBe(8);
    expect(all.complete).toBe(false);
  });

  it('has no mid, spread or depth with one side empty; walks then have no slippage', () => {
    const book = new OrderBook('X');
    expect(book.mid()).toBeNull();
    expect(book.spreadBps()).toBeNull();
    expect(book.bestBid()).toBeNull();
    expect(book.bestAskSize()).toBeNull();
    book.setLevel('bid', 10, 2);
    expect(book.mid()).toBeNull();
    expect(book.depthWithinBps('bid', 1e4)).toBe(0);
    const w = book.walkSellQuote(10);
    // 10 quote at 10 = 1 base; no mid → no slippage
    expect(w.filledBase).toBe(1);
    expect(w.slippageBps).toBeNull();
    expect(book.walkBuyQuote(10)).toMatchObject({ filledQuote: 0, avgPrice: null, complete: false });
  });

  it('setLevel updates, removes and ignores removal of absent levels', () => {
    const book = handBook();
    book.setLevel('bid', 99, 7);
    book.setLevel('ask', 101, 0);
    book.setLevel('ask', 150, 0);
    expect(book.levels('bid', 9)).toEqual([
      [100, 1],
      [99, 7],
      [98, 5],
    ]);
    expect(book.levels('ask', 9)).toEqual([[102, 3]]);
    expect(() => book.setLevel('bid', Number.NaN, 1)).toThrow(RangeError);
    expect(() => book.setLevel('bid', 0, 1)).toThrow(RangeError);
    expect(() => book.setLevel('ask', 5, -1)).toThrow(RangeError);
    expect(() => book.setLevel('ask', 5, Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('OrderBook.applyBatch', () => {
  it('rejects a crossed batch and leaves the book byte-for-byte unchanged', () => {
    const book = handBook();
    const before = bookBytes(book);
    // touches existing levels, removes one, inserts some, then crosses: bid 101.5 ≥ ask 101
    const r = book.applyBatch(
      false,
      [
        [99, 4],
        [98, 0],
        [97, 3],
        [99, 0],
        [101.5, 2],
      ],
      [
        [102, 0],
        [103, 1],
      ],
    );
    expect(r).toEqual({ ok: false, bestBid: 101.5, bestAsk: 101 });
    expect(bookBytes(book)).toEqual(before);
    expect(book.isCrossed()).toBe(false);
  });

  it('rejects a crossed reset batch and restores the old book; an uncrossed reset replaces it', () => {
    const book = handBook();
    const before = bookBytes(book);
    expect(book.applyBatch(true, [[50, 1]], [[49, 1]])).toEqual({ ok: false, bestBid: 50, bestAsk: 49 });
    expect(bookBytes(book)).toEqual(before);
    expect(book.applyBatch(true, [[50, 1]], [])).toEqual({ ok: true });
    expect(book.levels('bid', 9)).toEqual([[50, 1]]);
    expect(book.levelCount('ask')).toBe(0);
    // the spare ladders swap back and forth: a second reset cycle still works
    expect(book.applyBatch(true, [[60, 2]], [[61, 2]])).toEqual({ ok: true });
    expect(book.applyBatch(true, [[70, 1]], [[61, 1]])).toMatchObject({ ok: false });
    expect(book.levels('bid', 9)).toEqual([[60, 2]]);
    expect(book.levels('ask', 9)).toEqual([[61, 2]]);
  });

  it('reset with no levels clears, and clear() empties the book', () => {
    const book = handBook();
    expect(book.applyBatch(true, [], [])).toEqual({ ok: true });
    expect(book.levelCount('bid') + book.levelCount('ask')).toBe(0);
    const b2 = handBook();
    b2.clear();
    expect(b2.mid()).toBeNull();
    expect(b2.levels('ask', 5)).toEqual([]);
  });

  it('restores the prior state when a level in the batch is invalid, then throws', () => {
    const book = handBook();
    const before = bookBytes(book);
    expect(() => book.applyBatch(false, [[99, 9]], [[Number.NaN, 1]])).toThrow(RangeError);
    expect(bookBytes(book)).toEqual(before);
    expect(() => book.applyBatch(true, [[99, 9]], [[101, -1]])).toThrow(RangeError);
    expect(bookBytes(book)).toEqual(before);
  });

  it('grows past its initial capacity and back down', () => {
    const book = new OrderBook('BIG');
    const n = 5000;
    // visit 0..n−1 in a scrambled order (7919 is prime, coprime with 5000)
    for (let i = 0; i < n; i++) book.setLevel('bid', 1 + ((i * 7919) % n), 1);
    expect(book.levelCount('bid')).toBe(n);
    const lv = book.levels('bid', n);
    expect(lv[0]).toEqual([n, 1]);
    expect(lv[n - 1]).toEqual([1, 1]);
    expect(book.applyBatch(false, [[n + 10, 1]], [])).toEqual({ ok: true });
    for (let i = 0; i < n; i++) book.setLevel('bid', 1 + i, 0);
    expect(book.levels('bid', 9)).toEqual([[n + 10, 1]]);
  });
});

// ---- property tests against a naive reference ----

/** Naive reference: a Map per side, sorted on every query. */
class RefBook {
  bids = new Map<number, number>();
  asks = new Map<number, number>();

  sorted(side: BookSide): Level[] {
    const m = side === 'bid' ? this.bids : this.asks;
    const out = [...m.entries()].filter(([, s]) => s > 0);
    out.sort((a, b) => (side === 'bid' ? b[0] - a[0] : a[0] - b[0]));
    return out;
  }

  /** Returns whether the batch was accepted (uncrossed); a crossed batch leaves the maps as they were. */
  apply(reset: boolean, bids: readonly Level[], asks: readonly Level[]): boolean {
    const nb = reset ? new Map<number, number>() : new Map(this.bids);
    const na = reset ? new Map<number, number>() : new Map(this.asks);
    for (const [p, s] of bids) s > 0 ? nb.set(p, s) : nb.delete(p);
    for (const [p, s] of asks) s > 0 ? na.set(p, s) : na.delete(p);
    const bb = Math.max(...nb.keys());
    const ba = Math.min(...na.keys());
    if (nb.size > 0 && na.size > 0 && bb >= ba) return false;
    this.bids = nb;
    this.asks = na;
    return true;
  }

  best(side: BookSide): number | null {
    return this.sorted(side)[0]?.[0] ?? null;
  }

  mid(): number | null {
    const b = this.best('bid');
    const a = this.best('ask');
    return b === null || a === null ? null : (b + a) / 2;
  }

  depth(side: BookSide, bps: number): number {
    const mid = this.mid();
    if (mid === null) return 0;
    const inside = this.sorted(side).filter(([p]) =>
      side === 'bid' ? p >= mid * (1 - bps / 1e4) : p <= mid * (1 + bps / 1e4),
    );
    return inside.reduce((s, [p, q]) => s + p * q, 0);
  }

  walk(side: BookSide, notional: number): WalkResult {
    const mid = this.mid();
    let base = 0;
    let quote = 0;
    let worst: number | null = null;
    for (const [p, s] of this.sorted(side)) {
      if (notional === 0) break;
      const partial = p * s >= notional - quote;
      const take = partial ? (notional - quote) / p : s;
      base += take;
      quote += take * p;
      worst = p;
      if (partial) break;
    }
    const complete = notional === 0 || this.sorted(side).reduce((t, [p, s]) => t + p * s, 0) >= notional;
    const avg = base > 0 ? quote / base : null;
    const dir = side === 'ask' ? 1 : -1;
    const slip = notional === 0 ? 0 : avg === null || mid === null ? null : (dir * (avg - mid) * 1e4) / mid;
    return {
      requested: notional,
      filledBase: base,
      filledQuote: quote,
      avgPrice: avg,
      worstPrice: worst,
      slippageBps: slip,
      complete,
    };
  }
}

// Prices on a 0.5 tick grid; bid and ask ranges overlap on 25..35 so some batches cross.
const size = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 40 }).map((x) => x * 0.25) },
);
const bidLevel = fc.tuple(
  fc.integer({ min: 1, max: 70 }).map((t) => t * 0.5),
  size,
);
const askLevel = fc.tuple(
  fc.integer({ min: 50, max: 140 }).map((t) => t * 0.5),
  size,
);
const batch = fc.record({
  reset: fc.integer({ min: 0, max: 15 }).map((x) => x === 0),
  bids: fc.array(bidLevel, { maxLength: 8 }),
  asks: fc.array(askLevel, { maxLength: 8 }),
});
const batches = fc.array(batch, { minLength: 1, maxLength: 40 });

function build(seq: readonly { reset: boolean; bids: Level[]; asks: Level[] }[]): OrderBook {
  const book = new OrderBook('P');
  for (const b of seq) book.applyBatch(b.reset, b.bids, b.asks);
  return book;
}

describe('OrderBook properties', () => {
  it('is never crossed and its levels stay strictly sorted after any batch sequence', () => {
    fc.assert(
      fc.property(batches, (seq) => {
        const book = new OrderBook('P');
        for (const b of seq) {
          book.applyBatch(b.reset, b.bids, b.asks);
          if (book.isCrossed()) return false;
          const bids = book.levels('bid', Number.POSITIVE_INFINITY);
          const asks = book.levels('ask', Number.POSITIVE_INFINITY);
          for (let i = 1; i < bids.length; i++) if (!(bids[i - 1]![0] > bids[i]![0])) return false;
          for (let i = 1; i < asks.length; i++) if (!(asks[i - 1]![0] < asks[i]![0])) return false;
          if ([...bids, ...asks].some(([, s]) => !(s > 0))) return false;
        }
        return true;
      }),
      { seed: 20251010, numRuns: 300 },
    );
  });

  it('agrees with a naive Map reference on levels, touch, depth and walks', () => {
    const bpsList = [0, 10, 50, 100, 500, 3000, 1e4];
    const notionals = [0, 1, 7.25, 50, 333, 2000, 1e6];
    fc.assert(
      fc.property(batches, (seq) => {
        const book = new OrderBook('P');
        const ref = new RefBook();
        for (const b of seq) {
          const accepted = ref.apply(b.reset, b.bids, b.asks);
          const r = book.applyBatch(b.reset, b.bids, b.asks);
          expect(r.ok).toBe(accepted);
          for (const side of ['bid', 'ask'] as const) {
            expect(book.levels(side, Number.POSITIVE_INFINITY)).toEqual(ref.sorted(side));
            for (const bps of bpsList)
              expect(close(book.depthWithinBps(side, bps), ref.depth(side, bps))).toBe(true);
          }
          expect(book.bestBid()).toBe(ref.best('bid'));
          expect(book.bestAsk()).toBe(ref.best('ask'));
          expect(book.mid()).toBe(ref.mid());
          for (const n of notionals) {
            expect(walkClose(book.walkSellQuote(n), ref.walk('bid', n))).toBe(true);
            expect(walkClose(book.walkBuyQuote(n), ref.walk('ask', n))).toBe(true);
          }
        }
      }),
      { seed: 77, numRuns: 200 },
    );
  });

  it('depthWithinBps is non-decreasing in bps', () => {
    fc.assert(
      fc.property(
        batches,
        fc.array(fc.double({ min: 0, max: 2e4, noNaN: true }), { minLength: 2 }),
        (seq, raw) => {
          const book = build(seq);
          const bpsSorted = [...raw].sort((a, b) => a - b);
          for (const side of ['bid', 'ask'] as const) {
            let prev = -1;
            for (const bps of bpsSorted) {
              const d = book.depthWithinBps(side, bps);
              if (d < prev) return false;
              prev = d;
            }
          }
          return true;
        },
      ),
      { seed: 4242, numRuns: 300 },
    );
  });

  it('walk fill and slippage are non-decreasing in the requested notional', () => {
    // Notionals from 1e-6 up: requested 0 is defined as slippage 0 (no trade), while any positive
    // request pays at least the half spread, so 0 is left out of the slippage monotonicity.
    fc.assert(
      fc.property(
        batches,
        fc.array(fc.double({ min: 1e-6, max: 5000, noNaN: true }), { minLength: 2 }),
        (seq, raw) => {
          const book = build(seq);
          const sizes = [...raw].sort((a, b) => a - b);
          for (const walk of [(n: number) => book.walkSellQuote(n), (n: number) => book.walkBuyQuote(n)]) {
            let prevQuote = -1;
            let prevSlip = Number.NEGATIVE_INFINITY;
            for (const n of sizes) {
              const w = walk(n);
              if (w.filledQuote < prevQuote * (1 - 1e-12)) return false;
              prevQuote = Math.max(prevQuote, w.filledQuote);
              if (w.slippageBps !== null) {
                // a larger order only adds worse levels; allow float noise of 1e-9 bps
                if (w.slippageBps < prevSlip - 1e-9) return false;
                prevSlip = Math.max(prevSlip, w.slippageBps);
              }
            }
          }
          return true;
        },
      ),
      { seed: 9001, numRuns: 300 },
    );
  });
});
