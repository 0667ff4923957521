import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../core/rng.ts';
import { normalVar } from './normal.ts';
import { fitStudentT, NU_MAX, studentTTail, studentTVar } from './student-t.ts';

const a = 0.02 / Math.SQRT2;
const W = [a, -a]; // mean 0, sample sd 0.02

describe('Student-t with ν fixed, against tabulated quantiles', () => {
  // Standard t tables (e.g. Abramowitz & Stegun 26.10): t₀.₉₉(5) = 3.365, t₀.₉₇₅(10) = 2.228, t₀.₉₅(4) = 2.132.
  it.each([
    [0.99, 5, 3.365],
    [0.975, 10, 2.228],
    [0.95, 4, 2.132],
  ])('α = %s, ν = %s: VaR = σ√((ν−2)/ν)·%s', (confidence, nu, tabulated) => {
    const r = studentTVar(W, { confidence, horizonDays: 1, nu });
    expect(r.nu).toBe(nu);
    const scale = 0.02 * Math.sqrt((nu - 2) / nu);
    expect(r.scale).toBeCloseTo(scale, 15);
    expect(Math.abs(r.var / scale - tabulated)).toBeLessThan(5e-4);
  });

  it('ES of the scaled t (ν = 5, 99 %)', () => {
    // scipy: t.ppf(0.99, 5) = 3.3649300; (1/0.01)∫_{0.99}^1 t.ppf(u, 5) du = 4.4524291 (quad)
    const tail = studentTTail(0.99, 5);
    expect(tail.q).toBeCloseTo(3.36493, 5);
    expect(tail.es).toBeCloseTo(4.4524291, 6);
    const r = studentTVar(W, { confidence: 0.99, horizonDays: 1, nu: 5 });
    expect(r.var).toBeCloseTo(0.0521293, 7); // 0.02·√0.6·3.36493
    expect(r.es).toBeCloseTo(0.0689767, 7); // 0.02·√0.6·4.4524291
  });

  it('√h on the centred part and −hμ', () => {
    const shifted = W.map((x) => x + 0.001);
    const one = studentTVar(shifted, { confidence: 0.99, horizonDays: 1, nu: 5 });
    const ten = studentTVar(shifted, { confidence: 0.99, horizonDays: 10, nu: 5 });
    expect(ten.var).toBeCloseTo(-0.01 + Math.sqrt(10) * (one.var + 0.001), 14);
    expect(ten.es).toBeCloseTo(-0.01 + Math.sqrt(10) * (one.es + 0.001), 14);
  });

  it('large ν approaches the normal', () => {
    const t = studentTVar(W, { confidence: 0.99, horizonDays: 1, nu: 1e6 });
    const n = normalVar(W, { confidence: 0.99, horizonDays: 1 });
    expect(t.var).toBeCloseTo(n.var, 6);
    expect(t.es).toBeCloseTo(n.es, 6);
  });

  it('rejects ν ≤ 2', () => {
    expect(() => studentTVar(W, { confidence: 0.99, horizonDays: 1, nu: 2 })).toThrow(
      /nu must be finite and > 2/,
    );
  });
});

describe('ML ν', () => {
  it('recovers ν = 5 from 20 000 seeded t draws', () => {
    // t₅ = Z / √(χ²₅/5), χ²₅ as the sum of five squared normals (independent of the estimator's code).
    const rng = new SeededRng(11);
    const xs: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      let c = 0;
      for (let k = 0; k < 5; k++) c += rng.nextNormal() ** 2;
      xs.push((0.01 * rng.nextNormal()) / Math.sqrt(c / 5));
    }
    const fit = fitStudentT(xs);
    expect(Math.abs(fit.nu - 5)).toBeLessThan(0.75);
    // The same profile likelihood maximized by scipy (minimize_scalar, bounded, on stats.t.logpdf
    // with loc = mean, scale = sd·√((ν−2)/ν)) on these draws: ν = 5.1100543, ℓ = 59689.447947.
    expect(fit.nu).toBeCloseTo(5.1100543, 4);
    expect(fit.logLikelihood).toBeCloseTo(59689.447947, 4);
  });

  it('normal data run to the upper end of the range', () => {
    const rng = new SeededRng(3);
    const xs = Array.from({ length: 5000 }, () => 0.01 * rng.nextNormal());
    expect(fitStudentT(xs).nu).toBeGreaterThan(30);
    expect(fitStudentT(xs).nu).toBeLessThanOrEqual(NU_MAX);
  });

  it('zero dispersion: no tail to fit', () => {
    const r = studentTVar([0.002, 0.002, 0.002], { confidence: 0.99, horizonDays: 1 });
    expect(r.var).toBeCloseTo(-0.002, 15);
    expect(r.es).toBeCloseTo(-0.002, 15);
  });
});
