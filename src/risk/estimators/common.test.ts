import { describe, expect, it } from 'vitest';
import { BackstopError } from '../../core/errors.ts';
import { empiricalVarEs, mixSeed, quantileType7, resolve } from './common.ts';

describe('quantileType7 (numpy.quantile default, R type 7)', () => {
  it('interpolates linearly between order statistics', () => {
    const x = [1, 2, 3, 4, 10];
    // h = (5 − 1)·p: p = 0.5 → x₂ = 3; p = 0.9 → h = 3.6 → 4 + 0.6·6 = 7.6; p = 0.1 → 1 + 0.4·1 = 1.4
    expect(quantileType7(x, 0.5)).toBe(3);
    expect(quantileType7(x, 0.9)).toBeCloseTo(7.6, 14);
    expect(quantileType7(x, 0.1)).toBeCloseTo(1.4, 14);
    expect(quantileType7(x, 0)).toBe(1);
    expect(quantileType7(x, 1)).toBe(10);
    expect(quantileType7([5], 0.3)).toBe(5);
  });

  it('empirical ES includes ties at VaR', () => {
    // losses 0.01, 0.02, 0.02, 0.02: at 0.5 the quantile is 0.02 and all three 0.02s are in the tail
    const r = empiricalVarEs([-0.01, -0.02, -0.02, -0.02], 0.5);
    expect(r.var).toBeCloseTo(0.02, 15);
    expect(r.es).toBeCloseTo(0.02, 15);
  });
});

describe('resolve (shared validation)', () => {
  it('names each bad field', () => {
    const w = [0.01, -0.01];
    const cases: [Parameters<typeof resolve>[2], RegExp][] = [
      [{ confidence: 1, horizonDays: 1 }, /confidence must be in \(0, 1\), got 1/],
      [{ confidence: Number.NaN, horizonDays: 1 }, /confidence/],
      [{ confidence: 0.99, horizonDays: 0 }, /horizonDays must be an integer ≥ 1, got 0/],
      [{ confidence: 0.99, horizonDays: 2.5 }, /horizonDays/],
      [{ confidence: 0.99, horizonDays: 1, returnKind: 'pct' as never }, /'log' or 'simple'/],
    ];
    for (const [cfg, msg] of cases) {
      expect(() => resolve('x', w, cfg, 1)).toThrow(msg);
      expect(() => resolve('x', w, cfg, 1)).toThrow(BackstopError);
    }
    expect(() => resolve('x', w, { confidence: 0.99, horizonDays: 1 }, 3)).toThrow(
      /at least 3 returns in the window, got 2/,
    );
    expect(() =>
      resolve('x', [0.01, Number.POSITIVE_INFINITY], { confidence: 0.99, horizonDays: 1 }, 1),
    ).toThrow(/return 1 must be finite/);
  });
});

describe('mixSeed', () => {
  it('is deterministic, 32-bit, and separates neighbouring seeds and indices', () => {
    expect(mixSeed(1, 5)).toBe(mixSeed(1, 5));
    const seen = new Set<number>();
    for (let s = 0; s < 20; s++) for (let i = 0; i < 20; i++) seen.add(mixSeed(s, i));
    expect(seen.size).toBe(400);
    for (const v of seen) expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
    expect(mixSeed(2 ** 40, 0)).not.toBe(mixSeed(0, 0));
  });
});
