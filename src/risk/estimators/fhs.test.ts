import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../core/rng.ts';
import { ewmaVariances } from './ewma.ts';
import { fhsVar } from './fhs.ts';
import { garchVariances } from './garch.ts';
import { historicalVar } from './historical.ts';

const R = [0.012, -0.025, 0.004, -0.031, 0.018, -0.007, 0.022, -0.046, 0.009, -0.013, 0.001, -0.019];

function sampleVariance(xs: readonly number[]): number {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
}

describe('filtered historical simulation', () => {
  it('equals historical simulation when the volatility is constant (GARCH with α = β = 0)', () => {
    // σ²ₜ = ω for every t when ω = σ²₁ = the sample variance: residuals rescale by 1.
    const garch = { omega: sampleVariance(R), alpha: 0, beta: 0 };
    for (const horizonDays of [1, 2, 3]) {
      for (const confidence of [0.9, 0.95]) {
        const f = fhsVar(R, { confidence, horizonDays, volModel: 'garch', garch });
        const h = historicalVar(R, { confidence, horizonDays });
        expect(f.var).toBeCloseTo(h.var, 14);
        expect(f.es).toBeCloseTo(h.es, 14);
      }
    }
  });

  it('equals historical simulation under EWMA when |r| is constant', () => {
    const w = [0.01, -0.01, -0.01, 0.01, -0.01, -0.01, -0.01, 0.01];
    const f = fhsVar(w, { confidence: 0.8, horizonDays: 2 });
    const h = historicalVar(w, { confidence: 0.8, horizonDays: 2 });
    expect(f.sigma).toBeCloseTo(0.01, 15);
    expect(f.var).toBeCloseTo(h.var, 15);
    expect(f.es).toBeCloseTo(h.es, 15);
  });

  it('EWMA filter by hand (λ = 0.9)', () => {
    // numpy: v = mean(r²); σ²ₜ recursion; r*ₜ = σ₁₃·rₜ/σₜ; quantile(−r*, 0.9) and tail mean:
    // σ₁₃ = 0.0208581788, VaR = 0.0319033708, ES = 0.0400745228
    const f = fhsVar(R, { confidence: 0.9, horizonDays: 1, lambda: 0.9 });
    expect(f.sigma).toBeCloseTo(0.0208581788, 10);
    expect(f.var).toBeCloseTo(0.0319033708, 10);
    expect(f.es).toBeCloseTo(0.0400745228, 10);
    expect(f.garch).toBeNull();
  });

  it('rescales to the current volatility: a calm window after a storm gives a smaller VaR than HS', () => {
    const rng = new SeededRng(5);
    const storm = Array.from({ length: 100 }, () => 0.05 * rng.nextNormal());
    const calm = Array.from({ length: 150 }, () => 0.01 * rng.nextNormal());
    const w = [...storm, ...calm];
    const f = fhsVar(w, { confidence: 0.99, horizonDays: 1 });
    const h = historicalVar(w, { confidence: 0.99, horizonDays: 1 });
    expect(f.var).toBeLessThan(h.var / 2);
    // and σ is the EWMA forecast
    expect(f.sigma).toBeCloseTo(Math.sqrt(ewmaVariances(w, 0.94)[w.length]!), 15);
  });

  it('GARCH filter by ML: σ is the fitted forecast', () => {
    const rng = new SeededRng(9);
    const w = Array.from({ length: 300 }, (_, i) => (i < 150 ? 0.03 : 0.01) * rng.nextNormal());
    const f = fhsVar(w, { confidence: 0.99, horizonDays: 1, volModel: 'garch' });
    expect(f.garch).not.toBeNull();
    const g = f.garch!;
    expect(g.alpha + g.beta).toBeLessThan(1);
    const m = w.reduce((s, x) => s + x, 0) / w.length;
    const v = garchVariances(
      w.map((x) => x - m),
      g,
      sampleVariance(w),
    );
    expect(f.sigma).toBeCloseTo(Math.sqrt(v[w.length]!), 15);
    expect(f.es).toBeGreaterThanOrEqual(f.var);
  });

  it('checks its config', () => {
    expect(() => fhsVar(R, { confidence: 0.9, horizonDays: 1, volModel: 'arch' as never })).toThrow(
      /volModel must be 'ewma' or 'garch'/,
    );
    expect(() =>
      fhsVar(R, {
        confidence: 0.9,
        horizonDays: 1,
        volModel: 'garch',
        garch: { omega: 1e-5, alpha: 0.6, beta: 0.5 },
      }),
    ).toThrow(/alpha \+ beta must be < 1/);
    expect(() => fhsVar(R.slice(0, 5), { confidence: 0.9, horizonDays: 1, volModel: 'garch' })).toThrow(
      /at least 10 returns/,
    );
  });
});
