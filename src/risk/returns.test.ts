import { describe, expect, it } from 'vitest';
import { BackstopError } from '../core/errors.ts';
import { overlappingReturns, returnsFromPrices } from './returns.ts';

describe('returnsFromPrices', () => {
  it('log and simple returns by hand', () => {
    // 100 → 110 → 99: ln 1.1 = 0.0953102, ln 0.9 = −0.1053605; simple 0.10, −0.10
    const log = returnsFromPrices([100, 110, 99]);
    expect(log).toHaveLength(2);
    expect(log[0]).toBeCloseTo(0.0953102, 7);
    expect(log[1]).toBeCloseTo(-0.1053605, 7);
    const simple = returnsFromPrices([100, 110, 99], 'simple');
    expect(simple[0]).toBeCloseTo(0.1, 14);
    expect(simple[1]).toBeCloseTo(-0.1, 14);
    expect(returnsFromPrices([100])).toEqual([]);
    expect(returnsFromPrices([])).toEqual([]);
  });

  it('rejects a price ≤ 0 or non-finite, naming the index', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      try {
        returnsFromPrices([100, 101, bad, 102]);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(BackstopError);
        expect((e as BackstopError).code).toBe('BAD_ARGUMENT');
        expect((e as BackstopError).message).toMatch(/price 2/);
      }
    }
    expect(() => returnsFromPrices([1, 2], 'pct' as never)).toThrow(/'log' or 'simple'/);
  });
});

describe('overlappingReturns', () => {
  it('sums log returns over h consecutive days', () => {
    const r = [0.01, -0.02, 0.03, 0.005];
    const o = overlappingReturns(r, 2);
    // 0.01 − 0.02, −0.02 + 0.03, 0.03 + 0.005
    expect(o).toHaveLength(3);
    expect(o[0]).toBeCloseTo(-0.01, 15);
    expect(o[1]).toBeCloseTo(0.01, 15);
    expect(o[2]).toBeCloseTo(0.035, 15);
    expect(overlappingReturns(r, 4)[0]).toBeCloseTo(0.025, 15);
    expect(overlappingReturns(r, 5)).toEqual([]);
    expect(overlappingReturns(r, 1)).toEqual(r);
  });

  it('compounds simple returns, matching prices', () => {
    const prices = [100, 104, 97, 99, 120];
    const r = returnsFromPrices(prices, 'simple');
    const o = overlappingReturns(r, 3, 'simple');
    // 3-day simple returns straight from the prices: 99/100 − 1, 120/104 − 1
    expect(o).toHaveLength(2);
    expect(o[0]).toBeCloseTo(-0.01, 14);
    expect(o[1]).toBeCloseTo(120 / 104 - 1, 14);
    // and the log path gives ln(P_{t+h}/P_t)
    const lo = overlappingReturns(returnsFromPrices(prices), 3);
    expect(lo[1]).toBeCloseTo(Math.log(120 / 104), 14);
  });

  it('rejects bad h and bad returns', () => {
    expect(() => overlappingReturns([0.01], 0)).toThrow(/h must be an integer ≥ 1/);
    expect(() => overlappingReturns([0.01], 1.5)).toThrow(BackstopError);
    expect(() => overlappingReturns([0.01, Number.NaN], 1)).toThrow(/return 1 must be finite/);
    expect(() => overlappingReturns([0.01, -1], 1, 'simple')).toThrow(/simple return 1 must be > −1/);
  });
});
