import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVE_SHARED, SHARED_DIR, SHARED_MISSING } from '../../test/shared-data.ts';
import type { BarEvent, DepthProfileEvent, Level } from '../domain/events.ts';
import { MarketFile } from '../io/market-file.ts';
import {
  type BarContext,
  BTC_SYNTHETIC_BOOK,
  type ContextBar,
  depthScaleFromVolume,
  fitSyntheticBook,
  type SyntheticBookParams,
  syntheticBook,
  trailingBarContext,
} from './synthetic-book.ts';

const P = BTC_SYNTHETIC_BOOK;
const D = P.depth;
const ctx = (rv: number, mid = 100_000, quoteVolumePerMinute = 0): BarContext => ({
  mid,
  rvPerMinute: rv,
  quoteVolumePerMinute,
});
const sum = (levels: readonly Level[]) => levels.reduce((s, [, q]) => s + q, 0);
/** Size of the bids priced within x of mid (one tick of slack: prices are rounded outward). */
const bidsWithin = (levels: readonly Level[], mid: number, x: number, tick: number) =>
  sum(levels.filter(([p]) => p >= mid * (1 - x) - tick * 1.000001));
const asksWithin = (levels: readonly Level[], mid: number, x: number, tick: number) =>
  sum(levels.filter(([p]) => p <= mid * (1 + x) + tick * 1.000001));

describe('syntheticBook: shape', () => {
  const cases: [string, BarContext, number][] = [
    ['calm, perp tick', ctx(D.rvRef), 0.1],
    ['rv 0 (warm-up)', ctx(0), 0.1],
    ['medium, spot tick', ctx(1e-3, 5_123.45), 0.01],
    ['crisis', ctx(5e-3, 31_000), 0.01],
    ['crash minute, coarse tick', ctx(2e-2, 30_000), 1],
    ['tick of 1 bp', ctx(D.rvRef, 1_000), 0.1],
  ];
  it.each(cases)('%s: sorted, uncrossed, on ticks, positive sizes, covers ±5 %', (_, c, tick) => {
    const { bids, asks } = syntheticBook(c, P, tick);
    expect(bids.length).toBeGreaterThan(5);
    expect(asks.length).toBeGreaterThan(5);
    for (let j = 1; j < bids.length; j++) expect(bids[j]![0]).toBeLessThan(bids[j - 1]![0]);
    for (let j = 1; j < asks.length; j++) expect(asks[j]![0]).toBeGreaterThan(asks[j - 1]![0]);
    expect(bids[0]![0]).toBeLessThan(asks[0]![0]);
    expect(bids[0]![0]).toBeLessThan(c.mid);
    expect(asks[0]![0]).toBeGreaterThan(c.mid);
    for (const [p, q] of [...bids, ...asks]) {
      expect(q).toBeGreaterThan(0);
      expect(Number.isFinite(q)).toBe(true);
      expect(p).toBeGreaterThan(0);
      expect(Math.abs(p / tick - Math.round(p / tick))).toBeLessThan(1e-6);
    }
    expect(bids[bids.length - 1]![0]).toBeLessThanOrEqual(c.mid * 0.95);
    expect(asks[asks.length - 1]![0]).toBeGreaterThanOrEqual(c.mid * 1.05);
    // Symmetric model: both sides hold the same total.
    expect(sum(bids)).toBeCloseTo(sum(asks), 6);
  });

  it('the spread is at least one tick and follows the rule max(tick, s₀ · (rv/rvRef)^k), rounded outward', () => {
    const mid = 100_000;
    const tick = 0.1;
    // rv = 4 × rvRef: rule 1 bp × 4 = 4 bp = 40 → touch at ±20, rounded outward to the tick.
    const { bids, asks } = syntheticBook(ctx(4 * D.rvRef, mid), P, tick);
    const spread = asks[0]![0] - bids[0]![0];
    expect(spread).toBeGreaterThanOrEqual(40 - 1e-9);
    expect(spread).toBeLessThanOrEqual(40 + 2 * tick + 1e-9);
    // A tick much wider than the rule: spread of at least one tick.
    const wide = syntheticBook(ctx(D.rvRef, 100), P, 1);
    expect(wide.asks[0]![0] - wide.bids[0]![0]).toBeGreaterThanOrEqual(1);
  });
});

describe('syntheticBook: depth against the model formula, by hand', () => {
  const mid = 100_000;
  const tick = 0.1;

  it('inside the fitted range: depth within 1 % = A₁ · (rv/rvRef)^β', () => {
    const rv = 3.5e-4; // between rvRef (2.59e-4) and rvHigh (4.03e-4)
    const expected = 2161.502517734036 * (3.5e-4 / 0.000259103632060598) ** -0.18398904046177794;
    const { bids, asks } = syntheticBook(ctx(rv, mid), P, tick);
    expect(Math.abs(bidsWithin(bids, mid, 0.01, tick) / expected - 1)).toBeLessThan(1e-9);
    expect(Math.abs(asksWithin(asks, mid, 0.01, tick) / expected - 1)).toBeLessThan(1e-9);
  });

  it('beyond the fitted range: the assumed stress elasticity −1 applies above rvHigh', () => {
    const rvHigh = 0.00040254533700744444;
    const rv = 10 * rvHigh;
    const expected = 2161.502517734036 * (rvHigh / 0.000259103632060598) ** -0.18398904046177794 * 10 ** -1;
    const { bids, asks } = syntheticBook(ctx(rv, mid), P, tick);
    expect(Math.abs(bidsWithin(bids, mid, 0.01, tick) / expected - 1)).toBeLessThan(1e-9);
    expect(Math.abs(asksWithin(asks, mid, 0.01, tick) / expected - 1)).toBeLessThan(1e-9);
    // The 5 % edge, and the whole side out to 10 % (linear continuation with the 4–5 % band's density).
    const f = expected / 2161.502517734036;
    expect(Math.abs(bidsWithin(bids, mid, 0.05, tick) / (7555.572891295707 * f) - 1)).toBeLessThan(1e-9);
    const at10 = 7555.572891295707 + 5 * (7555.572891295707 - 6686.976236827083);
    expect(Math.abs(sum(bids) / (at10 * f) - 1)).toBeLessThan(1e-9);
    expect(bids[bids.length - 1]![0]).toBe(90_000);
  });

  it('below rvLow (and rv 0) the book is held at its rvLow depth', () => {
    const expected =
      2161.502517734036 * (0.0001659175434962153 / 0.000259103632060598) ** -0.18398904046177794;
    for (const rv of [0, 1e-5, 0.0001659175434962153]) {
      const { bids } = syntheticBook(ctx(rv, mid), P, tick);
      expect(Math.abs(bidsWithin(bids, mid, 0.01, tick) / expected - 1)).toBeLessThan(1e-9);
    }
  });

  it('an optional volume rule only thins the book: min(1, (v/vRef)^δ)', () => {
    const p: SyntheticBookParams = {
      ...P,
      depth: { ...D, volume: { refQuotePerMinute: 1e6, elasticity: 0.5 } },
    };
    const base = bidsWithin(syntheticBook(ctx(D.rvRef, mid), P, tick).bids, mid, 0.01, tick);
    const at = (v: number) => bidsWithin(syntheticBook(ctx(D.rvRef, mid, v), p, tick).bids, mid, 0.01, tick);
    expect(at(0)).toBeCloseTo(base, 9); // unknown volume
    expect(at(4e6)).toBeCloseTo(base, 9); // capped at 1
    expect(at(0.25e6) / base).toBeCloseTo(0.5, 12);
    // BTC_SYNTHETIC_BOOK has no volume rule.
    expect(bidsWithin(syntheticBook(ctx(D.rvRef, mid, 1e9), P, tick).bids, mid, 0.01, tick)).toBeCloseTo(
      base,
      9,
    );
  });
});

describe('syntheticBook: stress', () => {
  const mid = 100_000;
  const tick = 0.1;
  const rvs = [D.rvRef, D.rvHigh, 1e-3, 5e-3, 2e-2];
  const books = rvs.map((rv) => syntheticBook(ctx(rv, mid), P, tick));

  it('higher rv → wider spread and less depth within 1 % and 5 % (inside and beyond the fitted range)', () => {
    for (let j = 1; j < books.length; j++) {
      const a = books[j - 1]!;
      const b = books[j]!;
      expect(b.asks[0]![0] - b.bids[0]![0]).toBeGreaterThan(a.asks[0]![0] - a.bids[0]![0]);
      for (const x of [0.01, 0.05]) {
        expect(bidsWithin(b.bids, mid, x, tick)).toBeLessThan(bidsWithin(a.bids, mid, x, tick));
        expect(asksWithin(b.asks, mid, x, tick)).toBeLessThan(asksWithin(a.asks, mid, x, tick));
      }
    }
  });

  it('a liquidation sale of 300 BTC finds liquidity within 5 % at 50 bp/min rv, slippage growing with rv', () => {
    const walk = (bids: readonly Level[], qty: number) => {
      let left = qty;
      let quote = 0;
      let worst = Number.NaN;
      for (const [p, q] of bids) {
        const take = Math.min(q, left);
        quote += take * p;
        left -= take;
        worst = p;
        if (left <= 0) break;
      }
      return { complete: left <= 0, avgBps: ((mid - quote / (qty - left)) / mid) * 1e4, worst };
    };
    const slips = books.slice(0, 4).map((b) => walk(b.bids, 300));
    for (const s of slips) expect(s.complete).toBe(true);
    expect(slips[3]!.worst).toBeGreaterThan(mid * 0.95);
    for (let j = 1; j < slips.length; j++) expect(slips[j]!.avgBps).toBeGreaterThan(slips[j - 1]!.avgBps);
  });
});

describe('syntheticBook: bad input', () => {
  it('throws a RangeError', () => {
    expect(() => syntheticBook(ctx(1e-3, 0), P, 0.1)).toThrow(RangeError);
    expect(() => syntheticBook(ctx(Number.NaN), P, 0.1)).toThrow(RangeError);
    expect(() => syntheticBook(ctx(-1e-3), P, 0.1)).toThrow(RangeError);
    expect(() => syntheticBook(ctx(1e-3, 100_000, -1), P, 0.1)).toThrow(RangeError);
    expect(() => syntheticBook(ctx(1e-3), P, 0)).toThrow(RangeError);
    expect(() =>
      syntheticBook(ctx(1e-3), { ...P, depth: { ...D, depthAtRef: [1, 2, 3, 3, 4] } }, 0.1),
    ).toThrow(RangeError);
  });
});

describe('trailingBarContext', () => {
  const min = 60_000_000;
  const closes = [100, 101, 100.5, 102, 101, 103, 104, 102.5];
  const bars: ContextBar[] = closes.map((close, j) => ({
    tsUs: j * min,
    close,
    quoteVolume: 1000 * (j + 1),
  }));

  it('uses the returns ending at bars i − window … i − 1, sample sd (N − 1), per minute', () => {
    const c = trailingBarContext(bars, 6, 3, 1);
    const r = [Math.log(102 / 100.5), Math.log(101 / 102), Math.log(103 / 101)];
    const m = (r[0]! + r[1]! + r[2]!) / 3;
    const sd = Math.sqrt(((r[0]! - m) ** 2 + (r[1]! - m) ** 2 + (r[2]! - m) ** 2) / 2);
    expect(c.rvPerMinute).toBeCloseTo(sd, 15);
    expect(c.mid).toBe(103);
    expect(c.quoteVolumePerMinute).toBeCloseTo((4000 + 5000 + 6000) / 3, 9);
  });

  it('has no look-ahead: changing bar i or i + 1 does not change the context of bar i', () => {
    const i = 5;
    const before = trailingBarContext(bars, i, 4, 1);
    const changed = bars.map((b, j) => (j >= i ? { ...b, close: b.close * 1.5, quoteVolume: 1e12 } : b));
    expect(trailingBarContext(changed, i, 4, 1)).toEqual(before);
    // …while bar i − 1 does change it.
    const prev = bars.map((b, j) => (j === i - 1 ? { ...b, close: b.close * 1.01 } : b));
    expect(trailingBarContext(prev, i, 4, 1)).not.toEqual(before);
  });

  it('scales bar-level vol to per minute by √barMinutes and skips returns across gaps', () => {
    const five = bars.map((b, j) => ({ ...b, tsUs: j * 5 * min }));
    expect(trailingBarContext(five, 6, 3, 5).rvPerMinute).toBeCloseTo(
      trailingBarContext(bars, 6, 3, 1).rvPerMinute / Math.sqrt(5),
      15,
    );
    expect(trailingBarContext(five, 6, 3, 5).quoteVolumePerMinute).toBeCloseTo(5000 / 5, 9);
    // A gap before bar 4: the return 102 → 101 is left out.
    const gap = bars.map((b, j) => (j >= 4 ? { ...b, tsUs: b.tsUs + 30 * min } : b));
    const r = [Math.log(102 / 100.5), Math.log(103 / 101)];
    const m = (r[0]! + r[1]!) / 2;
    expect(trailingBarContext(gap, 6, 3, 1).rvPerMinute).toBeCloseTo(
      Math.sqrt((r[0]! - m) ** 2 + (r[1]! - m) ** 2),
      15,
    );
  });

  it('warm-up: fewer than 2 returns → rv 0; unknown volume → 0; bar 0 takes its open', () => {
    const noVol = bars.map((b) => ({ ...b, quoteVolume: null }));
    expect(trailingBarContext(noVol, 1, 10, 1)).toEqual({
      mid: 100,
      rvPerMinute: 0,
      quoteVolumePerMinute: 0,
    });
    expect(trailingBarContext(bars, 2, 10, 1).rvPerMinute).toBe(0);
    expect(() => trailingBarContext(bars, 0, 10, 1)).toThrow(RangeError); // no open
    expect(trailingBarContext([{ ...bars[0]!, open: 99.5 }], 0, 10, 1)).toEqual({
      mid: 99.5,
      rvPerMinute: 0,
      quoteVolumePerMinute: 0,
    });
    expect(() => trailingBarContext(bars, 9, 10, 1)).toThrow(RangeError);
    expect(() => trailingBarContext(bars, 3, 1, 1)).toThrow(RangeError);
  });

  it('takes BarEvents as they are: quote volume = base volume × close', () => {
    const events: BarEvent[] = closes.map((close, j) => ({
      kind: 'bar',
      instrument: 'BTC',
      tsUs: j * min,
      open: close,
      high: close,
      low: close,
      close,
      volume: j === 2 ? null : 2,
      trades: null,
    }));
    const c = trailingBarContext(events, 4, 3, 1);
    expect(c.quoteVolumePerMinute).toBeCloseTo((2 * 101 + 2 * 102) / 2, 9);
    expect(c.rvPerMinute).toBeCloseTo(trailingBarContext(bars, 4, 3, 1).rvPerMinute, 15);
  });
});

describe('depthScaleFromVolume', () => {
  const bars = (vols: (number | null)[], close = 1_000_000) =>
    vols.map((v, k) => ({ tsUs: k * 60_000_000, close, volume: v }));

  it('median quote volume per minute of the lead bars over the fitted market, by hand', () => {
    // lead = first half: base volumes 1, 2, 3, 4, 100 at 1 000 000 → median 3 M / min; 3 / 14
    expect(depthScaleFromVolume(bars([1, 2, 3, 4, 100, 9, 9, 9, 9, 9]), 1, 0.5)).toBeCloseTo(3 / 14, 12);
    // 5-minute bars: the same bars carry a fifth of the volume per minute; even count → mean of middle two
    expect(depthScaleFromVolume(bars([2, 4, 6, 8]), 5, 1)).toBeCloseTo(1_000_000 / 14_000_000, 12);
    // unknown volumes are left out: median of 7 and 7
    expect(depthScaleFromVolume(bars([null, 7, 7, null]), 1, 1)).toBeCloseTo(0.5, 12);
  });

  it('is clamped to [0.01, 1] and is 1 without any volume', () => {
    expect(depthScaleFromVolume(bars([0.001, 0.001]), 1, 1)).toBe(0.01);
    expect(depthScaleFromVolume(bars([1_000, 1_000]), 1, 1)).toBe(1);
    expect(depthScaleFromVolume(bars([null, null]), 1, 1)).toBe(1);
  });
});

describe.skipIf(!HAVE_SHARED)(
  `synthetic book fit on shared data (${HAVE_SHARED ? SHARED_DIR : SHARED_MISSING})`,
  () => {
    it('re-running the fit reproduces BTC_SYNTHETIC_BOOK and the R² of docs/synthetic-book.md', async () => {
      const file = await MarketFile.open(
        join(SHARED_DIR, 'data/orderbook/btcusdt_binance_usdm_bookdepth_2025-10-10_0000-1159.csv.gz'),
      );
      const snapshots: DepthProfileEvent[] = [];
      for await (const item of file.items()) {
        if (item.ok && item.event.kind === 'depth-profile') snapshots.push(item.event);
      }
      expect(file.stats.rejected).toBe(0);
      const fit = fitSyntheticBook(snapshots);
      const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
      expect(fit.depth.bandEdges).toEqual(D.bandEdges);
      for (let k = 0; k < D.depthAtRef.length; k++) {
        expect(rel(fit.depth.depthAtRef[k]!, D.depthAtRef[k]!)).toBeLessThan(1e-9);
      }
      for (const key of ['rvRef', 'rvLow', 'rvHigh', 'rvElasticity'] as const) {
        expect(rel(fit.depth[key], D[key])).toBeLessThan(1e-9);
      }
      expect(fit.snapshots).toMatchObject({ total: 1439, incomplete: 0, used: 1317 });
      expect(fit.observations).toBe(13_170);
      // As printed in docs/synthetic-book.md (4 decimals).
      expect(fit.r2.toFixed(4)).toBe('0.7106');
      expect(fit.r2Within.toFixed(4)).toBe('0.0165');
      expect(fit.se.rvElasticityHac.toFixed(4)).toBe('0.0469');
    });
  },
);
