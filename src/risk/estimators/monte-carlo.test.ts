import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../core/rng.ts';
import { gammaVariate, monteCarloVar, unitStudentTVariate } from './monte-carlo.ts';
import { normalVar } from './normal.ts';
import { studentTVar } from './student-t.ts';

const a = 0.02 / Math.SQRT2;
const W = [a + 0.0005, -a + 0.0005]; // mean 0.0005, sample sd 0.02

describe('Monte Carlo', () => {
  it('normal innovations converge to the normal closed form (seeded, 100 000 paths)', () => {
    const cfg = { confidence: 0.99, horizonDays: 1, paths: 100_000, seed: 42 };
    const mc = monteCarloVar(W, cfg);
    const n = normalVar(W, cfg);
    // sd of the 99 % sample quantile ≈ σ·√(α(1 − α))/(φ(z)·√n) = 0.02·0.0995/(0.02665·316) ≈ 2.4e-4;
    // allow 4 of those; ES is estimated from ~1000 tail draws, its error is of the same order.
    expect(Math.abs(mc.var - n.var)).toBeLessThan(1e-3);
    expect(Math.abs(mc.es - n.es)).toBeLessThan(1.2e-3);
  });

  it('h-day log returns add h simulated days: −hμ + √h·σz', () => {
    const cfg = { confidence: 0.99, horizonDays: 5, paths: 50_000, seed: 7 };
    const mc = monteCarloVar(W, cfg);
    const n = normalVar(W, cfg);
    expect(Math.abs(mc.var - n.var) / n.var).toBeLessThan(0.03);
  });

  it('t innovations with ν fixed converge to the scaled-t closed form', () => {
    const cfg = {
      confidence: 0.99,
      horizonDays: 1,
      paths: 100_000,
      seed: 3,
      innovations: 't' as const,
      nu: 5,
    };
    const mc = monteCarloVar(W, cfg);
    const t = studentTVar(W, cfg);
    expect(mc.nu).toBe(5);
    expect(Math.abs(mc.var - t.var) / t.var).toBeLessThan(0.03);
    expect(Math.abs(mc.es - t.es) / t.es).toBeLessThan(0.05);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const cfg = { confidence: 0.95, horizonDays: 1, paths: 2000, seed: 1 };
    expect(monteCarloVar(W, cfg)).toEqual(monteCarloVar(W, cfg));
    expect(monteCarloVar(W, cfg).var).not.toBe(monteCarloVar(W, { ...cfg, seed: 2 }).var);
  });

  it('gamma and unit-variance t variates have the right moments', () => {
    const rng = new SeededRng(17);
    const n = 100_000;
    let g = 0;
    let g2 = 0;
    let t2 = 0;
    for (let i = 0; i < n; i++) {
      const x = gammaVariate(rng, 2.5);
      g += x;
      g2 += x * x;
      t2 += unitStudentTVariate(rng, 8) ** 2;
    }
    // Gamma(2.5, 1): mean 2.5, variance 2.5 (5 se: 0.025 and ~0.09); t scaled: E[x²] = 1 (se ≈ 0.006 for ν = 8)
    expect(Math.abs(g / n - 2.5)).toBeLessThan(0.025);
    expect(Math.abs(g2 / n - (g / n) ** 2 - 2.5)).toBeLessThan(0.1);
    expect(Math.abs(t2 / n - 1)).toBeLessThan(0.04);
  });

  it('checks its config', () => {
    const base = { confidence: 0.99, horizonDays: 1 };
    expect(() => monteCarloVar(W, { ...base, paths: 0 })).toThrow(/paths must be an integer/);
    expect(() => monteCarloVar(W, { ...base, seed: 1.5 })).toThrow(/seed must be a safe integer/);
    expect(() => monteCarloVar(W, { ...base, innovations: 'laplace' as never })).toThrow(/innovations/);
    expect(() => monteCarloVar(W, { ...base, innovations: 't', nu: 1 })).toThrow(/nu must be finite and > 2/);
  });
});
