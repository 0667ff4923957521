import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../core/rng.ts';
import { type AdlCandidate, allocateAdl, bitmexScore, effectiveLeverage, rankForAdl } from './adl.ts';

/** bigint min (Math.min does not take bigint). */
const minB = (a: bigint, b: bigint): bigint => (b < a ? b : a);

// Longs opposite a bankrupt short. notional = size × mark.
const A: AdlCandidate = {
  account: 'A',
  side: 'long',
  size: 10n,
  entryPrice: 100,
  markPrice: 110,
  accountValue: 220,
};
const B: AdlCandidate = {
  account: 'B',
  side: 'long',
  size: 10n,
  entryPrice: 100,
  markPrice: 110,
  accountValue: 1100,
};
const C: AdlCandidate = {
  account: 'C',
  side: 'long',
  size: 5n,
  entryPrice: 120,
  markPrice: 110,
  accountValue: 550,
};
const D: AdlCandidate = {
  account: 'D',
  side: 'long',
  size: 10n,
  entryPrice: 50,
  markPrice: 110,
  accountValue: 1100,
};
const S: AdlCandidate = {
  account: 'S',
  side: 'short',
  size: 10n,
  entryPrice: 100,
  markPrice: 90,
  accountValue: 300,
};
const all = [A, B, C, D, S];
const ids = (r: { account: string }[]) => r.map((x) => x.account);

describe('rankForAdl', () => {
  it('bitmex: PnL% × leverage in profit, PnL% / leverage in loss', () => {
    // A: 0.1 × (1100/220 = 5) = 0.5; B: 0.1 × 1 = 0.1; C: −10/120 / 1; D: 1.2 × 1 = 1.2
    const r = rankForAdl(all, 'bitmex', { against: 'short' });
    expect(ids(r)).toEqual(['D', 'A', 'B', 'C']);
    expect(r.map((x) => x.score)).toEqual([
      expect.closeTo(1.2, 12),
      expect.closeTo(0.5, 12),
      expect.closeTo(0.1, 12),
      expect.closeTo(-1 / 12, 12),
    ]);
    expect(r.map((x) => x.rank)).toEqual([1, 2, 3, 4]);
  });

  it('bitmex effective leverage from the bankruptcy price: |MV| / (MV − BV), signed by side', () => {
    const long = { ...A, bankruptcyPrice: 99 }; // 1100 / (1100 − 990) = 10
    const short = { ...S, bankruptcyPrice: 100 }; // |−900| / (−900 + 1000) = 9
    expect(effectiveLeverage(long)).toBeCloseTo(10, 12);
    expect(effectiveLeverage(short)).toBeCloseTo(9, 12);
    expect(bitmexScore(long)).toBeCloseTo(1.0, 12); // 0.1 × 10
    expect(bitmexScore(short)).toBeCloseTo(0.9, 12); // (100 − 90)/100 × 9
  });

  it('hyperliquid: (mark / entry) × (notional / account value)', () => {
    // A: 1.1 × 5 = 5.5; D: 2.2 × 1 = 2.2; B: 1.1; C: 110/120 = 0.9167
    const r = rankForAdl(all, 'hyperliquid', { against: 'short' });
    expect(ids(r)).toEqual(['A', 'D', 'B', 'C']);
    expect(r[0]?.score).toBeCloseTo(5.5, 12);
    expect(r[3]?.score).toBeCloseTo(110 / 120, 12);
    // short S: notional 900 / 300 = 3; side-aware entry/mark = 100/90; literal mark/entry = 0.9
    expect(rankForAdl([S], 'hyperliquid')[0]?.score).toBeCloseTo(10 / 3, 12);
    expect(rankForAdl([S], 'hyperliquid', { hyperliquidPriceRatio: 'literal' })[0]?.score).toBeCloseTo(
      2.7,
      12,
    );
  });

  it('ties break by account id, independent of input order', () => {
    const b2 = { ...B, account: 'B2' };
    expect(ids(rankForAdl([b2, B], 'bitmex'))).toEqual(['B', 'B2']);
    expect(ids(rankForAdl([B, b2], 'bitmex'))).toEqual(['B', 'B2']);
  });

  it('dydx-random: ids sorted then rotated to a seeded start; reproducible', () => {
    const start = new SeededRng(42).nextInt(0, 3);
    const sorted = ['A', 'B', 'C', 'D'];
    const expected = sorted.map((_, i) => sorted[(start + i) % 4]);
    const r1 = rankForAdl([D, C, B, A, S], 'dydx-random', { seed: 42, against: 'short' });
    const r2 = rankForAdl([A, B, C, D], 'dydx-random', { seed: 42 });
    expect(ids(r1)).toEqual(expected);
    expect(ids(r2)).toEqual(expected);
    const starts = new Set(
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(
        (seed) => ids(rankForAdl([A, B, C, D], 'dydx-random', { seed }))[0],
      ),
    );
    expect(starts.size).toBeGreaterThan(1);
    expect(() => rankForAdl([A], 'dydx-random')).toThrow(/seed/);
  });

  it('pro-rata lists by size desc then id; bad candidates are refused', () => {
    expect(ids(rankForAdl([C, D, A, B], 'pro-rata'))).toEqual(['A', 'B', 'D', 'C']);
    expect(() => rankForAdl([{ ...A, size: 0n }], 'bitmex')).toThrow();
    expect(() => rankForAdl([A, A], 'bitmex')).toThrow(/duplicate/);
    expect(() => rankForAdl([{ ...A, entryPrice: 0 }], 'bitmex')).toThrow();
  });
});

describe('allocateAdl', () => {
  const ranked = rankForAdl(all, 'bitmex', { against: 'short' }); // D10, A10, B10, C5
  const pricing = { basis: 'bankruptcy' as const, bankruptcyPrice: 111n, markPrice: 110n };

  it('rank: closes from the top, each position in full before the next, at the chosen price', () => {
    const r = allocateAdl(ranked, 15n, 'rank', pricing);
    expect(r.fills.map((f) => [f.account, f.size, f.price, f.basis])).toEqual([
      ['D', 10n, 111n, 'bankruptcy'],
      ['A', 5n, 111n, 'bankruptcy'],
    ]);
    expect([r.closed, r.unfilled]).toEqual([15n, 0n]);
    const m = allocateAdl(ranked, 40n, 'rank', { ...pricing, basis: 'mark' });
    expect([m.closed, m.unfilled, m.fills.length, m.fills[0]?.price]).toEqual([35n, 5n, 4, 110n]);
    expect(allocateAdl(ranked, 0n, 'rank', pricing).fills).toEqual([]);
  });

  it('pro-rata: exact integer shares by largest remainder', () => {
    const seven = allocateAdl(ranked, 7n, 'pro-rata', pricing);
    expect(seven.fills.map((f) => [f.account, f.size])).toEqual([
      ['D', 2n],
      ['A', 2n],
      ['B', 2n],
      ['C', 1n],
    ]);
    // 8 × (10,10,10,5)/35 = 2.29, 2.29, 2.29, 1.14 → floors 7, the extra lot to the first top remainder
    const eight = allocateAdl(ranked, 8n, 'pro-rata', pricing);
    expect(eight.fills.map((f) => [f.account, f.size])).toEqual([
      ['D', 3n],
      ['A', 2n],
      ['B', 2n],
      ['C', 1n],
    ]);
  });

  it('property: Σ fills = min(quantity, Σ sizes), nobody above their size, both modes', () => {
    const cand = fc.array(fc.bigInt({ min: 1n, max: 10n ** 12n }), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(
        cand,
        fc.bigInt({ min: 0n, max: 10n ** 13n }),
        fc.constantFrom('rank' as const, 'pro-rata' as const),
        (sizes, q, mode) => {
          const cs = sizes.map((size, i) => ({ ...A, account: `t${i}`, size, entryPrice: 100 + i }));
          const r = allocateAdl(rankForAdl(cs, 'bitmex'), q, mode, pricing);
          const total = sizes.reduce((s, x) => s + x, 0n);
          const want = minB(q, total);
          expect(r.fills.reduce((s, f) => s + f.size, 0n)).toBe(want);
          expect(r.closed + r.unfilled).toBe(q);
          for (const f of r.fills)
            expect(f.size <= (cs.find((c) => c.account === f.account)?.size ?? 0n)).toBe(true);
        },
      ),
      { seed: 20240611, numRuns: 300 },
    );
  });
});
