import { describe, expect, it } from 'vitest';
import { normalVar } from './normal.ts';

// Two returns ±0.02/√2: mean 0, sample sd (N − 1) √((2 · 0.0002)/1) = 0.02.
const a = 0.02 / Math.SQRT2;
const W = [a, -a];
// Tables: Φ⁻¹(0.99) = 2.326348, φ(2.326348) = 0.026652; Φ⁻¹(0.95) = 1.644854, φ(1.644854) = 0.103136.

describe('parametric normal', () => {
  it('μ = 0, σ = 0.02 at 99 %', () => {
    const r = normalVar(W, { confidence: 0.99, horizonDays: 1 });
    expect(r.mean).toBeCloseTo(0, 15);
    expect(r.sd).toBeCloseTo(0.02, 15);
    expect(r.var).toBeCloseTo(2.326348 * 0.02, 7); // 0.04652696
    expect(r.es).toBeCloseTo((0.026652 / 0.01) * 0.02, 6); // 0.0533043
    expect(r.es).toBeCloseTo(0.0533043, 7);
  });

  it('μ shifts VaR and ES down one for one; 95 %', () => {
    const r = normalVar([a + 0.001, -a + 0.001], { confidence: 0.95, horizonDays: 1 });
    expect(r.var).toBeCloseTo(-0.001 + 1.644854 * 0.02, 7); // 0.03189708
    expect(r.es).toBeCloseTo(-0.001 + (0.103136 / 0.05) * 0.02, 6); // 0.04025440
  });

  it('h days: −hμ + √h·σz', () => {
    const r = normalVar([a + 0.001, -a + 0.001], { confidence: 0.99, horizonDays: 10 });
    expect(r.var).toBeCloseTo(-0.01 + Math.sqrt(10) * 2.326348 * 0.02, 6); // 0.1371316
    expect(r.es).toBeCloseTo(-0.01 + Math.sqrt(10) * 2.6652 * 0.02, 5);
  });

  it('a window with no dispersion gives −hμ', () => {
    const r = normalVar([0.001, 0.001, 0.001], { confidence: 0.99, horizonDays: 2 });
    expect(r.var).toBeCloseTo(-0.002, 15);
    expect(r.es).toBeCloseTo(-0.002, 15);
  });

  it('needs two returns', () => {
    expect(() => normalVar([0.01], { confidence: 0.99, horizonDays: 1 })).toThrow(/at least 2 returns/);
  });
});
