import { describe, expect, it } from 'vitest';
import { ewmaVar, ewmaVariances } from './ewma.ts';

describe('EWMA (RiskMetrics λ = 0.94)', () => {
  it('hand recursion on four returns', () => {
    // r = 0.01, −0.02, 0.015, −0.005; seed σ²₁ = mean(r²) = 7.5e-4/4 = 1.875e-4
    // σ²₂ = 0.94·1.875e-4 + 0.06·1e-4    = 1.8225e-4
    // σ²₃ = 0.94·1.8225e-4 + 0.06·4e-4   = 1.95315e-4
    // σ²₄ = 0.94·1.95315e-4 + 0.06·2.25e-4 = 1.970961e-4
    // σ²₅ = 0.94·1.970961e-4 + 0.06·0.25e-4 = 1.86770334e-4 → σ = 0.0136663943
    const w = [0.01, -0.02, 0.015, -0.005];
    const v = ewmaVariances(w, 0.94);
    expect(Array.from(v)).toHaveLength(5);
    expect(v[0]).toBeCloseTo(1.875e-4, 18);
    expect(v[1]).toBeCloseTo(1.8225e-4, 18);
    expect(v[2]).toBeCloseTo(1.95315e-4, 18);
    expect(v[3]).toBeCloseTo(1.970961e-4, 18);
    expect(v[4]).toBeCloseTo(1.86770334e-4, 18);
    const r = ewmaVar(w, { confidence: 0.99, horizonDays: 1 });
    expect(r.sigma).toBeCloseTo(0.0136663943, 10);
    expect(r.var).toBeCloseTo(0.0136663943 * 2.3263479, 8); // 0.0317928
    expect(r.es).toBeCloseTo(0.0364238685, 8); // σ·φ(2.3263479)/0.01
  });

  it('zero mean and √h', () => {
    const w = [0.01, -0.02, 0.015, -0.005];
    const one = ewmaVar(w, { confidence: 0.99, horizonDays: 1 });
    const negated = ewmaVar(
      w.map((x) => -x),
      { confidence: 0.99, horizonDays: 1 },
    );
    expect(negated.var).toBeCloseTo(one.var, 15); // only r² enters
    const four = ewmaVar(w, { confidence: 0.99, horizonDays: 4 });
    expect(four.var).toBeCloseTo(2 * one.var, 15);
    expect(four.es).toBeCloseTo(2 * one.es, 15);
  });

  it('λ is configurable and checked', () => {
    const w = [0.01, -0.02];
    // λ = 1: the seed mean(r²) = 2.5e-4 never moves
    expect(ewmaVar(w, { confidence: 0.99, horizonDays: 1, lambda: 1 }).sigma).toBeCloseTo(
      Math.sqrt(2.5e-4),
      15,
    );
    expect(() => ewmaVar(w, { confidence: 0.99, horizonDays: 1, lambda: 0 })).toThrow(
      /lambda must be in \(0, 1\]/,
    );
  });
});
