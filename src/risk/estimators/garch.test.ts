import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../core/rng.ts';
import { checkGarchParams, fitGarch11, garchVariances } from './garch.ts';

/** A seeded GARCH(1,1) path, started at the unconditional variance, 500 burn-in days dropped. */
function simulate(seed: number, n: number, omega: number, alpha: number, beta: number): number[] {
  const rng = new SeededRng(seed);
  let v = omega / (1 - alpha - beta);
  const xs: number[] = [];
  for (let i = 0; i < n + 500; i++) {
    const e = Math.sqrt(v) * rng.nextNormal();
    if (i >= 500) xs.push(e);
    v = omega + alpha * e * e + beta * v;
  }
  return xs;
}

function logLikelihood(xs: readonly number[], omega: number, alpha: number, beta: number): number {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  const v0 = xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
  const eps = xs.map((x) => x - m);
  const v = garchVariances(eps, { omega, alpha, beta }, v0);
  let ll = 0;
  for (let t = 0; t < eps.length; t++)
    ll -= 0.5 * (Math.log(2 * Math.PI) + Math.log(v[t]!) + eps[t]! ** 2 / v[t]!);
  return ll;
}

describe('GARCH(1,1)', () => {
  it('variance recursion by hand', () => {
    // σ²₁ = 1e-4; ε = 0.02, −0.01; ω = 1e-5, α = 0.1, β = 0.8
    // σ²₂ = 1e-5 + 0.1·4e-4 + 0.8·1e-4 = 1.3e-4; σ²₃ = 1e-5 + 0.1·1e-4 + 0.8·1.3e-4 = 1.24e-4
    const v = garchVariances([0.02, -0.01], { omega: 1e-5, alpha: 0.1, beta: 0.8 }, 1e-4);
    expect(v[0]).toBeCloseTo(1e-4, 18);
    expect(v[1]).toBeCloseTo(1.3e-4, 18);
    expect(v[2]).toBeCloseTo(1.24e-4, 18);
  });

  it('ML recovers the parameters of a seeded simulated path', () => {
    const xs = simulate(7, 8000, 1e-5, 0.1, 0.85);
    const fit = fitGarch11(xs);
    expect(Math.abs(fit.alpha - 0.1)).toBeLessThan(0.03);
    expect(Math.abs(fit.beta - 0.85)).toBeLessThan(0.05);
    expect(Math.abs(fit.alpha + fit.beta - 0.95)).toBeLessThan(0.03);
    expect(fit.omega / (1 - fit.alpha - fit.beta)).toBeCloseTo(2e-4, 4); // unconditional variance
    // scipy.optimize.minimize (Nelder–Mead, restarted) on the same likelihood and path:
    // ω = 1.02871e-5, α = 0.0859813, β = 0.8624168, ℓ = 22982.671749
    expect(fit.omega).toBeCloseTo(1.02871e-5, 9);
    expect(fit.alpha).toBeCloseTo(0.0859813, 5);
    expect(fit.beta).toBeCloseTo(0.8624168, 5);
    expect(fit.logLikelihood).toBeCloseTo(22982.671749, 4);
    // the maximum is at least as good as the true parameters
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(logLikelihood(xs, 1e-5, 0.1, 0.85));
    expect(fit.logLikelihood).toBeCloseTo(logLikelihood(xs, fit.omega, fit.alpha, fit.beta), 6);
  });

  it('keeps α + β < 1 and recovers a second, more persistent path', () => {
    const xs = simulate(21, 6000, 2e-6, 0.05, 0.93);
    const fit = fitGarch11(xs);
    expect(fit.alpha + fit.beta).toBeLessThan(1);
    expect(Math.abs(fit.alpha - 0.05)).toBeLessThan(0.03);
    expect(Math.abs(fit.beta - 0.93)).toBeLessThan(0.05);
  });

  it('checks inputs', () => {
    expect(() => fitGarch11([0.01, 0.02])).toThrow(/at least 10 returns, got 2/);
    const flat = fitGarch11(Array.from({ length: 20 }, () => 0.001));
    expect(flat.omega).toBe(0);
    expect(() => checkGarchParams('x', { omega: 1e-6, alpha: 0.5, beta: 0.5 })).toThrow(
      /alpha \+ beta must be < 1/,
    );
    expect(() => checkGarchParams('x', { omega: 0, alpha: 0.1, beta: 0.5 })).toThrow(
      /omega must be finite and > 0/,
    );
  });
});
