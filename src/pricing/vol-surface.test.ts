import { describe, expect, it } from 'vitest';
import { strikePointsSlice, type VolSliceInput, VolSurface } from './vol-surface.ts';

// Slice 1, T = 0.25: vols 0.6, 0.5, 0.55 at k = −0.2, 0, 0.2 → w = σ²T = 0.09, 0.0625, 0.075625.
const FRONT: VolSliceInput = {
  kind: 'points',
  timeYears: 0.25,
  logMoneyness: [-0.2, 0, 0.2],
  volsAnnual: [0.6, 0.5, 0.55],
};
// Slice 2, T = 1: a flat 40 % vol → w = 0.16 at every k.
const BACK: VolSliceInput = { kind: 'points', timeYears: 1, logMoneyness: [0], volsAnnual: [0.4] };

const build = (slices: VolSliceInput[]) => {
  const r = VolSurface.create(slices);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe('VolSurface', () => {
  it('interpolates a points slice linearly in total variance and holds it flat outside', () => {
    const s = build([FRONT]);
    expect(s.totalVariance(-0.2, 0.25)).toBeCloseTo(0.09, 15);
    expect(s.totalVariance(-0.1, 0.25)).toBeCloseTo((0.09 + 0.0625) / 2, 15); // 0.07625
    expect(s.totalVariance(0.15, 0.25)).toBeCloseTo(0.0625 + 0.75 * (0.075625 - 0.0625), 15); // 0.07234375
    expect(s.totalVariance(-1, 0.25)).toBeCloseTo(0.09, 15); // flat left
    expect(s.totalVariance(3, 0.25)).toBeCloseTo(0.075625, 15); // flat right
    expect(s.impliedVol(0, 0.25)).toBeCloseTo(0.5, 15);
  });

  it('interpolates linearly in total variance across expiries at fixed k', () => {
    const s = build([BACK, FRONT]); // unsorted input is sorted
    expect(s.expiriesYears).toEqual([0.25, 1]);
    // T = 0.5, k = −0.1: w = 0.07625 + (0.16 − 0.07625)·(0.5 − 0.25)/(1 − 0.25) = 0.07625 + 0.08375/3
    //   = 0.104166666…; σ = √(w/0.5) = √0.208333… = 0.456435464587638
    expect(s.totalVariance(-0.1, 0.5)).toBeCloseTo(0.07625 + 0.08375 / 3, 15);
    expect(s.impliedVol(-0.1, 0.5)).toBeCloseTo(0.456435464587638, 14);
    // At the expiries themselves the slices are returned.
    expect(s.totalVariance(0, 1)).toBeCloseTo(0.16, 15);
  });

  it('extrapolates flat forward variance before the first expiry and flat vol after the last', () => {
    const s = build([FRONT, BACK]);
    // T = 0.1 < 0.25: w = 0.0625·0.1/0.25 = 0.025, σ = 0.5 (the first slice's)
    expect(s.totalVariance(0, 0.1)).toBeCloseTo(0.025, 15);
    expect(s.impliedVol(0, 0.1)).toBeCloseTo(0.5, 15);
    expect(s.impliedVol(-0.2, 0)).toBeCloseTo(0.6, 15); // T = 0: the limit
    expect(s.totalVariance(0, 0)).toBe(0);
    // T = 2 > 1: w = 0.16·2 = 0.32, σ = 0.4 (the last slice's)
    expect(s.totalVariance(0.3, 2)).toBeCloseTo(0.32, 15);
    expect(s.impliedVol(0.3, 2)).toBeCloseTo(0.4, 15);
  });

  it('mixes SVI and points slices and reads strikes through ln(K/F)', () => {
    const svi = { a: 0.04, b: 0.4, rho: -0.4, m: 0.1, sigma: 0.2 };
    const s = build([
      { kind: 'svi', timeYears: 0.5, params: svi },
      strikePointsSlice({
        timeYears: 1,
        forward: 100,
        strikes: [90, 100, 110],
        volsAnnual: [0.5, 0.45, 0.42],
      }),
    ]);
    // SVI slice at k = −0.05 (hand value 0.164, see svi.test.ts); via a strike K = F·e^(−0.05).
    expect(s.totalVariance(-0.05, 0.5)).toBeCloseTo(0.164, 14);
    expect(s.impliedVolAtStrike(100 * Math.exp(-0.05), 100, 0.5)).toBeCloseTo(Math.sqrt(0.164 / 0.5), 14);
    // T = 0.75, k = 0: SVI w(0) = 0.04 + 0.4·(−0.4·(−0.1) + √(0.01 + 0.04)) = 0.145442719099992,
    // points w(0) = 0.45²·1 = 0.2025, halfway in T: (0.145442719099992 + 0.2025)/2 = 0.173971359549996
    expect(s.totalVariance(0, 0.75)).toBeCloseTo(0.173971359549996, 14);
  });

  it('refuses bad surfaces with a typed reason', () => {
    const reason = (slices: VolSliceInput[]) => {
      const r = VolSurface.create(slices);
      return r.ok ? 'ok' : r.error.reason;
    };
    expect(reason([])).toBe('no-slices');
    expect(reason([{ ...BACK, timeYears: 0 }])).toBe('bad-expiry');
    expect(reason([BACK, { ...FRONT, timeYears: 1 }])).toBe('duplicate-expiry');
    expect(reason([{ kind: 'svi', timeYears: 1, params: { a: 0, b: -1, rho: 0, m: 0, sigma: 0.1 } }])).toBe(
      'bad-svi',
    );
    expect(reason([{ ...FRONT, volsAnnual: [0.5, 0.5] }])).toBe('bad-points');
    expect(reason([{ ...FRONT, logMoneyness: [0, -0.2, 0.2] }])).toBe('bad-points');
    expect(reason([{ ...FRONT, volsAnnual: [0.5, -0.1, 0.5] }])).toBe('bad-points');
    expect(reason([strikePointsSlice({ timeYears: 1, forward: 100, strikes: [0], volsAnnual: [0.5] })])).toBe(
      'bad-points',
    );
  });

  it('refuses bad queries', () => {
    const s = build([FRONT]);
    expect(() => s.totalVariance(Number.NaN, 1)).toThrow(/logMoneyness/);
    expect(() => s.totalVariance(0, -1)).toThrow(/timeYears/);
    expect(() => s.impliedVolAtStrike(0, 100, 1)).toThrow(/strike/);
  });
});
