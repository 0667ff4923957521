import { describe, expect, it } from 'vitest';
import { BackstopError } from '../core/errors.ts';
import { DepthProfile } from '../liquidity/depth-profile.ts';
import { OrderBook } from '../liquidity/order-book.ts';
import {
  bangiaExogenous,
  endogenousLiquidityCost,
  exogenousLiquidityCost,
  liquidityAdjustedVar,
} from './liquidity-var.ts';

/** Bids 100×10, 99×20, 98×50; asks 101×10, 102×20, 103×50: mid 100.5, spread 1/100.5 = 99.5 bps. */
function book(): OrderBook {
  const b = new OrderBook('T');
  b.applyBatch(
    true,
    [
      [100, 10],
      [99, 20],
      [98, 50],
    ],
    [
      [101, 10],
      [102, 20],
      [103, 50],
    ],
  );
  return b;
}

describe('Bangia exogenous liquidity', () => {
  it('by hand', () => {
    // spreads 0.001, 0.002, 0.003, 0.002: mean 0.002; deviations −0.001, 0, 0.001, 0 → sd = √(2e-6/3) = 8.16497e-4
    // k = 3: ½(0.002 + 3·8.16497e-4) = 0.00222474
    const c = exogenousLiquidityCost([0.001, 0.002, 0.003, 0.002], 3);
    expect(c.meanSpread).toBeCloseTo(0.002, 15);
    expect(c.sdSpread).toBeCloseTo(8.16497e-4, 9);
    expect(c.cost).toBeCloseTo(0.00222474487, 11);
    expect(bangiaExogenous(0.05, [0.001, 0.002, 0.003, 0.002], 3)).toBeCloseTo(0.05222474487, 11);
    // k defaults to 3; k = 0 is the mean half spread
    expect(bangiaExogenous(0.05, [0.001, 0.002, 0.003, 0.002])).toBeCloseTo(0.05222474487, 11);
    expect(bangiaExogenous(0.05, [0.001, 0.002, 0.003, 0.002], 0)).toBeCloseTo(0.051, 15);
  });

  it('rejects bad spreads and k', () => {
    expect(() => exogenousLiquidityCost([0.001])).toThrow(/at least 2 relative spreads/);
    expect(() => exogenousLiquidityCost([0.001, -0.001])).toThrow(/relative spread 1 must be finite and ≥ 0/);
    expect(() => exogenousLiquidityCost([0.001, 0.002], -1)).toThrow(/k must be finite and ≥ 0/);
    expect(() => bangiaExogenous(Number.NaN, [0.001, 0.002])).toThrow(BackstopError);
  });
});

describe('endogenous liquidity cost through the book', () => {
  it('long 25 sells 2512.5 quote into the bids', () => {
    // N = 25 × 100.5 = 2512.5: 10 at 100 (1000), then 1512.5/99 = 15.2778 at 99;
    // base 25.2778, avg = 2512.5/25.2778 = 99.395604; cost = (100.5 − 99.395604)/100.5 = 0.010989011
    const c = endogenousLiquidityCost(25, book(), 'long');
    expect(c.reference).toBe(100.5);
    expect(c.notionalQuote).toBeCloseTo(2512.5, 12);
    expect(c.avgPrice).toBeCloseTo(99.3956044, 6);
    expect(c.cost).toBeCloseTo(0.010989011, 9);
    expect(c.complete).toBe(true);
    expect(c.unfilledQuote).toBe(0);
  });

  it('short 25 buys from the asks', () => {
    // 10 at 101 (1010), then 1502.5/102 = 14.7304 at 102: avg 101.595639, cost 0.010901883
    const c = endogenousLiquidityCost(25, book(), 'short');
    expect(c.avgPrice).toBeCloseTo(101.595639, 6);
    expect(c.cost).toBeCloseTo(0.010901883, 9);
  });

  it('an exhausted book charges the remainder at the penalty (conservative)', () => {
    // long 100: N = 10 050, the bids hold 7880 (80 base, avg 98.5, walk cost 2/100.5 = 0.0199005);
    // w = 7880/10050 = 0.7840796; worst 98 is 2.49 % from mid < 25 % → rate 0.25
    // cost = 0.7840796·0.0199005 + 0.2159204·0.25 = 0.0695837
    const c = endogenousLiquidityCost(100, book(), 'long');
    expect(c.complete).toBe(false);
    expect(c.filledQuote).toBeCloseTo(7880, 9);
    expect(c.unfilledQuote).toBeCloseTo(2170, 9);
    expect(c.unfilledRate).toBe(0.25);
    expect(c.cost).toBeCloseTo(0.0695836737, 9);
    // a lower penalty is floored at the deepest level's distance, 2.5/100.5
    const d = endogenousLiquidityCost(100, book(), 'long', { unfilledPenaltyFrac: 0 });
    expect(d.unfilledRate).toBeCloseTo(2.5 / 100.5, 15);
  });

  it('one-sided book: needs a reference price; an empty side costs the penalty', () => {
    const b = new OrderBook('T');
    b.applyBatch(true, [], [[101, 10]]);
    expect(() => endogenousLiquidityCost(1, b, 'long')).toThrow(/no mid .* pass referencePrice/);
    const c = endogenousLiquidityCost(1, b, 'long', { referencePrice: 100 });
    expect(c.filledQuote).toBe(0);
    expect(c.cost).toBe(0.25);
  });

  it('a zero position costs nothing; bad input is rejected', () => {
    expect(endogenousLiquidityCost(0, book(), 'long').cost).toBe(0);
    expect(() => endogenousLiquidityCost(-1, book(), 'long')).toThrow(/positionBase must be finite and ≥ 0/);
    expect(() => endogenousLiquidityCost(1, book(), 'sell' as never)).toThrow(
      /side must be 'long' or 'short'/,
    );
    expect(() => endogenousLiquidityCost(1, book(), 'long', { unfilledPenaltyFrac: 2 })).toThrow(
      /unfilledPenaltyFrac must be in \[0, 1\]/,
    );
  });

  it('works on a DepthProfile', () => {
    // mid 100 (see depth-profile.test.ts); long 3 → N = 300: 198 quote (2 base) in the −1 % band, then 102 of the
    // −2 % band's 294 quote (3·102/294 = 1.0408 base): avg 300/3.0408 = 98.657718, cost 0.0134228
    const dp = new DepthProfile('T', [
      { pct: 2, depthBase: 3, notionalQuote: 304 },
      { pct: -1, depthBase: 2, notionalQuote: 198 },
      { pct: 1, depthBase: 1, notionalQuote: 101 },
      { pct: -2, depthBase: 5, notionalQuote: 492 },
    ]);
    expect(endogenousLiquidityCost(3, dp, 'long').cost).toBeCloseTo(0.0134228188, 9);
  });
});

describe('liquidityAdjustedVar', () => {
  it('returns the parts; either term alone is added in full', () => {
    const spreads = [0.001, 0.002, 0.003, 0.002];
    const exo = liquidityAdjustedVar({ marketVar: 0.05, exogenous: { spreads } });
    expect(exo.exogenous).toBeCloseTo(0.00222474487, 11);
    expect(exo.endogenous).toBe(0);
    expect(exo.spreadOverlap).toBe(0);
    expect(exo.total).toBeCloseTo(0.05222474487, 11);
    const endo = liquidityAdjustedVar({
      marketVar: 0.05,
      endogenous: { positionBase: 25, view: book(), side: 'long' },
    });
    expect(endo.total).toBeCloseTo(0.05 + 0.010989011, 9);
    expect(endo.exogenousDetail).toBeNull();
  });

  it('with both, the current half spread is counted once', () => {
    // current half spread ½ · 1/100.5 = 0.0049751
    // calm history: exogenous 0.0022247 < half spread → overlap 0.0022247, total = VaR + endogenous
    const calm = liquidityAdjustedVar({
      marketVar: 0.05,
      exogenous: { spreads: [0.001, 0.002, 0.003, 0.002] },
      endogenous: { positionBase: 25, view: book(), side: 'long' },
    });
    expect(calm.spreadOverlap).toBeCloseTo(0.00222474487, 11);
    expect(calm.total).toBeCloseTo(0.05 + 0.010989011, 9);
    // stressed history: spreads 0.010, 0.012, 0.014, 0.012 → ½(0.012 + 3·0.0016330) = 0.0084495 > half spread
    // total = 0.05 + 0.0109890 + 0.0084495 − 0.0049751 = 0.0644634
    const stressed = liquidityAdjustedVar({
      marketVar: 0.05,
      exogenous: { spreads: [0.01, 0.012, 0.014, 0.012], k: 3 },
      endogenous: { positionBase: 25, view: book(), side: 'long' },
    });
    expect(stressed.exogenous).toBeCloseTo(0.0084494897, 9);
    expect(stressed.spreadOverlap).toBeCloseTo(0.5 / 100.5, 12);
    expect(stressed.total).toBeCloseTo(0.05 + 0.010989011 + 0.0084494897 - 0.5 / 100.5, 9);
    expect(stressed.total).toBeGreaterThanOrEqual(0.05 + Math.max(stressed.exogenous, stressed.endogenous));
  });
});
