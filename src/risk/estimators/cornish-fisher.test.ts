import { describe, expect, it } from 'vitest';
import { normalQuantile } from '../stats/distributions.ts';
import {
  cornishFisherQuantile,
  cornishFisherTailMean,
  cornishFisherVar,
  sampleSkewKurtosis,
} from './cornish-fisher.ts';
import { normalVar } from './normal.ts';

const R = [0.012, -0.025, 0.004, -0.031, 0.018, -0.007, 0.022, -0.046, 0.009, -0.013, 0.001, -0.019];

describe('Cornish–Fisher', () => {
  it('reduces to the normal with zero skewness and zero excess kurtosis', () => {
    // c·(1, −1, 0, 0, 0, 0): symmetric, m₂ = c²/3, m₄ = c⁴/3, so m₄/m₂² = 3 exactly.
    const w = [0.03, -0.03, 0, 0, 0, 0].map((x) => x + 0.0005);
    const sk = sampleSkewKurtosis(w);
    expect(sk.skewness).toBeCloseTo(0, 12);
    expect(sk.excessKurtosis).toBeCloseTo(0, 12);
    for (const horizonDays of [1, 5]) {
      const cfg = { confidence: 0.99, horizonDays };
      const cf = cornishFisherVar(w, cfg);
      const n = normalVar(w, cfg);
      expect(cf.var).toBeCloseTo(n.var, 12);
      expect(cf.es).toBeCloseTo(n.es, 12);
    }
  });

  it('sample moments match scipy.stats.skew / kurtosis (bias = True)', () => {
    const sk = sampleSkewKurtosis(R);
    expect(sk.skewness).toBeCloseTo(-0.3990059447860968, 12);
    expect(sk.excessKurtosis).toBeCloseTo(-0.8755297763899832, 12);
  });

  it('modified VaR / ES of the twelve-return sample', () => {
    // Independent Python: mean −0.00625, sd 0.0210243 (ddof 1), S and K as above, z = norm.ppf(1 − α),
    // VaR = −(μ + σ z_cf); ES = −(μ + σ · quad(z_cf(norm.ppf(u)), 0, 1 − α)/(1 − α)).
    const a = cornishFisherVar(R, { confidence: 0.95, horizonDays: 1 });
    expect(a.var).toBeCloseTo(0.043525149721, 10);
    expect(a.es).toBeCloseTo(0.050816615914, 9);
    const b = cornishFisherVar(R, { confidence: 0.99, horizonDays: 1 });
    expect(b.var).toBeCloseTo(0.055765255486, 10);
    expect(b.es).toBeCloseTo(0.059500135941, 9);
  });

  it('the closed-form tail mean equals the CF quantile integrated numerically', () => {
    for (const [p, S, K] of [
      [0.01, -0.8, 3],
      [0.05, 0.5, 1.2],
      [0.025, -1.5, 6],
    ] as const) {
      // midpoint rule in u over (0, p) with 200 000 cells
      const m = 200_000;
      let s = 0;
      for (let i = 0; i < m; i++) s += cornishFisherQuantile(normalQuantile(((i + 0.5) / m) * p), S, K);
      expect(cornishFisherTailMean(p, S, K)).toBeCloseTo(s / m, 3);
    }
  });
});
