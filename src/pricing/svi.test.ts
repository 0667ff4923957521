import { describe, expect, it } from 'vitest';
import { type SviParams, sviImpliedVol, sviMinimumVariance, sviTotalVariance, validateSvi } from './svi.ts';

// a = 0.04, b = 0.4, ρ = −0.4, m = 0.1, σ = 0.2 (chosen so that √((k − m)² + σ²) is round at
// k − m = ±0.15: √(0.0225 + 0.04) = 0.25).
const P: SviParams = { a: 0.04, b: 0.4, rho: -0.4, m: 0.1, sigma: 0.2 };

describe('raw SVI', () => {
  it('matches hand-computed total variances', () => {
    // k = m: w = a + b·σ = 0.04 + 0.4·0.2 = 0.12
    expect(sviTotalVariance(P, 0.1)).toBeCloseTo(0.12, 15);
    // k − m = +0.15: w = 0.04 + 0.4·(−0.4·0.15 + 0.25) = 0.04 + 0.4·0.19 = 0.116
    expect(sviTotalVariance(P, 0.25)).toBeCloseTo(0.116, 15);
    // k − m = −0.15: w = 0.04 + 0.4·(0.06 + 0.25) = 0.164
    expect(sviTotalVariance(P, -0.05)).toBeCloseTo(0.164, 15);
    // far wings are asymptotically linear: w ≈ a + b·(ρ ± 1)·(k − m)
    expect(sviTotalVariance(P, 100.1)).toBeCloseTo(0.04 + 0.4 * 0.6 * 100, 3);
  });

  it('gives the implied vol √(w/T)', () => {
    // T = 0.5, k = −0.05: σ = √(0.164/0.5) = √0.328 = 0.572712842531054
    expect(sviImpliedVol(P, -0.05, 0.5)).toBeCloseTo(0.572712842531054, 14);
    expect(() => sviImpliedVol(P, 0, 0)).toThrow(/timeYears/);
  });

  it('has its minimum a + b·σ·√(1 − ρ²) at k = m − ρσ/√(1 − ρ²)', () => {
    const s = Math.sqrt(1 - 0.16);
    const kMin = 0.1 + (0.4 * 0.2) / s;
    expect(sviMinimumVariance(P)).toBeCloseTo(0.04 + 0.4 * 0.2 * s, 15); // 0.1133150...
    expect(sviTotalVariance(P, kMin)).toBeCloseTo(sviMinimumVariance(P), 14);
    for (const dk of [-1e-3, 1e-3])
      expect(sviTotalVariance(P, kMin + dk)).toBeGreaterThan(sviMinimumVariance(P));
  });

  it('validates parameters with a typed error naming the parameter', () => {
    expect(validateSvi(P)).toEqual({ ok: true, value: P });
    const param = (patch: Partial<SviParams>) => {
      const r = validateSvi({ ...P, ...patch });
      return r.ok ? 'ok' : `${r.error.reason}:${r.error.param}`;
    };
    expect(param({ b: -0.1 })).toBe('bad-svi:b');
    expect(param({ rho: 1 })).toBe('bad-svi:rho');
    expect(param({ rho: -1.2 })).toBe('bad-svi:rho');
    expect(param({ sigma: 0 })).toBe('bad-svi:sigma');
    expect(param({ m: Number.NaN })).toBe('bad-svi:m');
    expect(param({ a: Number.POSITIVE_INFINITY })).toBe('bad-svi:a');
    // a = −0.1, b = 0.4, σ = 0.2, ρ = 0: minimum −0.1 + 0.08 = −0.02 < 0
    expect(param({ a: -0.1, rho: 0 })).toBe('bad-svi:a');
    // a = −0.08: minimum exactly 0 is allowed
    expect(param({ a: -0.08, rho: 0 })).toBe('ok');
    const r = validateSvi({ ...P, a: -0.1, rho: 0 });
    expect(!r.ok && r.error.message).toMatch(/minimum total variance/);
  });
});
