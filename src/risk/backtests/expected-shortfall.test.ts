import { describe, expect, it } from 'vitest';
import { BackstopError } from '../../core/errors.ts';
import { SeededRng } from '../../core/rng.ts';
import { normCdf, normPdf } from '../../pricing/normal.ts';
import { normalQuantile, studentTPdf, studentTQuantile } from '../stats/distributions.ts';
import { backtestVar } from './backtest-var.ts';
import { acerbiSzekelyZ2, esBacktestZ2, simulateZ2Null } from './expected-shortfall.ts';

function expectBadArgument(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BackstopError);
    expect((e as BackstopError).code).toBe('BAD_ARGUMENT');
    return;
  }
  expect.unreachable('expected a BAD_ARGUMENT error');
}

/** A deterministic, slowly varying volatility path. */
const sigmaAt = (t: number): number => 0.01 * (1 + 0.5 * Math.sin(t / 50));

/** Normal model at tail probability p: VaR = zσ, ES = σφ(z)/p. */
function normalModel(n: number, p: number): { sigma: number[]; var: number[]; es: number[] } {
  const z = -normalQuantile(p);
  const sigma = Array.from({ length: n }, (_, t) => sigmaAt(t));
  return { sigma, var: sigma.map((s) => z * s), es: sigma.map((s) => (s * normPdf(z)) / p) };
}

describe('Acerbi–Székely Z2 statistic by hand', () => {
  it('N = 4, p = ¼, one exception', () => {
    // Only day 1 is an exception (3 > 1): Z2 = −3/(4·¼·2) + 1 = −0.5.
    expect(acerbiSzekelyZ2([-3, 0.5, -0.5, 0.2], [1, 1, 1, 1], [2, 2, 2, 2], 0.25)).toBeCloseTo(-0.5, 15);
  });

  it('day-varying VaR and ES', () => {
    // Exceptions on days 1 (2 > 1) and 2 (4 > 3); day 3 is a gain, day 4 a loss of 1 = VaR (not an
    // exception). Σ X/ES = −2/1.5 − 4/5 = −32/15; Z2 = (−32/15)/(4·½) + 1 = −1/15.
    expect(acerbiSzekelyZ2([-2, -4, 1, -1], [1, 3, 1, 1], [1.5, 5, 2, 2], 0.5)).toBeCloseTo(-1 / 15, 15);
  });

  it('no exceptions gives Z2 = 1', () => {
    expect(acerbiSzekelyZ2([0.01, -0.005], [0.02, 0.02], [0.03, 0.03], 0.05)).toBe(1);
  });

  it('rejects bad inputs', () => {
    expectBadArgument(() => acerbiSzekelyZ2([0], [0.02], [0.01], 0.05)); // ES below VaR
    expectBadArgument(() => acerbiSzekelyZ2([0], [0.02], [0], 0.05));
    expectBadArgument(() => acerbiSzekelyZ2([0, 0], [0.02], [0.03], 0.05));
    expectBadArgument(() => acerbiSzekelyZ2([Number.NaN], [0.02], [0.03], 0.05));
    expectBadArgument(() => acerbiSzekelyZ2([0], [0.02], [0.03], 1));
    expectBadArgument(() => acerbiSzekelyZ2([], [], [], 0.05));
  });
});

describe('the simulated null distribution', () => {
  it('has mean 0 and the closed-form variance', () => {
    // Z̃2 = 1 + (1/N)·Σ Y_t with Y = ε·1{ε < −z}/φ(z). E[ε·1{ε < −z}] = −φ(z), so E[Y] = −1 and
    // E[Z̃2] = 0; E[ε²·1{ε < −z}] = Φ(−z) + zφ(z) = p + zφ(z), so E[Y²] = (p + zφ(z))/φ(z)² and
    // Var[Z̃2] = (E[Y²] − 1)/N.
    const n = 250;
    const p = 0.025;
    const m = 20_000;
    const draws = simulateZ2Null(n, p, m, 11);
    const z = -normalQuantile(p);
    const phi = normPdf(z);
    const variance = ((p + z * phi) / (phi * phi) - 1) / n;
    let mean = 0;
    for (const d of draws) mean += d;
    mean /= m;
    let v = 0;
    for (const d of draws) v += (d - mean) ** 2;
    v /= m - 1;
    expect(Math.abs(mean)).toBeLessThan(4 * Math.sqrt(variance / m));
    expect(Math.abs(v / variance - 1)).toBeLessThan(0.05);
  });

  it('is reproducible by seed', () => {
    expect(simulateZ2Null(50, 0.05, 100, 3)).toEqual(simulateZ2Null(50, 0.05, 100, 3));
    expect(simulateZ2Null(50, 0.05, 100, 3)).not.toEqual(simulateZ2Null(50, 0.05, 100, 4));
    expectBadArgument(() => simulateZ2Null(50, 0.05, 0, 3));
    expectBadArgument(() => simulateZ2Null(50, 0.05, 10, 0.5));
  });
});

describe('Z2 on simulated data (seeded)', () => {
  const n = 20_000;
  const p = 0.025;
  // sd of Z2 under H0 = √(((p + zφ(z))/φ(z)² − 1)/N) ≈ √(39.9/20000) ≈ 0.045
  const z = -normalQuantile(p);
  const sdZ2 = Math.sqrt(((p + z * normPdf(z)) / normPdf(z) ** 2 - 1) / n);

  it('Z2 ≈ 0 when the realized returns come from the model itself', () => {
    const model = normalModel(n, p);
    const rng = new SeededRng(7);
    const realized = model.sigma.map((s) => s * rng.nextNormal());
    const result = esBacktestZ2({ realized, var: model.var, es: model.es, p, simulations: 500, seed: 5 });
    // This path gives Z2 = −0.097 (−2.2 sd) and p = 0.018: not rejected at 1 %.
    expect(Math.abs(result.z2)).toBeLessThan(4 * sdZ2);
    expect(result.pValue).toBeGreaterThan(0.01);
    expect(result.simulations).toBe(500);
  });

  it('p-values are calibrated under the model: ~uniform over independent seeds', () => {
    const m = 40;
    const model = normalModel(1000, p);
    let sumP = 0;
    let rejected = 0;
    for (let seed = 1; seed <= m; seed++) {
      const rng = new SeededRng(1000 + seed);
      const realized = model.sigma.map((s) => s * rng.nextNormal());
      const r = esBacktestZ2({ realized, var: model.var, es: model.es, p, simulations: 200, seed });
      sumP += r.pValue;
      if (r.pValue < 0.05) rejected++;
    }
    // Uniform p-values: mean ½ (sd of the mean of 40 ≈ 0.046), ~2 of 40 below 5 %.
    expect(Math.abs(sumP / m - 0.5)).toBeLessThan(0.15);
    expect(rejected).toBeLessThanOrEqual(6);
  });

  it('Z2 ≈ 0 for a fat-tailed (Student-t, ν = 5) model with its own VaR and ES', () => {
    // Standard t_ν quantile q = t_{1−p,ν}; ES of −T at level p is f_ν(q)(ν + q²)/((ν − 1)p).
    // The null p-value must not reject: the simulated null is centred on 0 whatever the ES/VaR ratio.
    const nu = 5;
    const q = -studentTQuantile(p, nu);
    const esUnit = (studentTPdf(q, nu) * (nu + q * q)) / ((nu - 1) * p);
    const sigma = Array.from({ length: n }, (_, t) => sigmaAt(t));
    const rng = new SeededRng(8);
    const realized = sigma.map((s) => {
      let chi2 = 0;
      for (let k = 0; k < nu; k++) chi2 += rng.nextNormal() ** 2;
      return (s * rng.nextNormal()) / Math.sqrt(chi2 / nu);
    });
    const result = esBacktestZ2({
      realized,
      var: sigma.map((s) => q * s),
      es: sigma.map((s) => esUnit * s),
      p,
      simulations: 500,
      seed: 5,
    });
    // Z2's sd is larger under t than under the normal; 6 normal sds is still a tight bound here.
    expect(Math.abs(result.z2)).toBeLessThan(6 * sdZ2);
    expect(result.pValue).toBeGreaterThan(0.01);
  });

  it('Z2 < 0 (and rejected) when losses are larger than the ES predicts', () => {
    // True σ' = kσ with k = 1.5. Per day Y = (X/σ)·1{X < −zσ}/φ(z) with X/σ ~ N(0, k²):
    // E[Y] = −kφ(z/k)/φ(z), E[Y²] = k²(Φ(−z/k) + (z/k)φ(z/k))/φ(z)², Z2 = 1 + mean(Y), so
    // E[Z2] = 1 − kφ(z/k)/φ(z) ≈ 1 − 1.5·0.16997/0.05845 ≈ −3.36 with sd √((E[Y²] − E[Y]²)/N) ≈ 0.098.
    const k = 1.5;
    const model = normalModel(n, p);
    const rng = new SeededRng(9);
    const realized = model.sigma.map((s) => k * s * rng.nextNormal());
    const meanY = (-k * normPdf(z / k)) / normPdf(z);
    const meanY2 = (k * k * (normCdf(-z / k) + (z / k) * normPdf(z / k))) / normPdf(z) ** 2;
    const sdAlt = Math.sqrt((meanY2 - meanY * meanY) / n);
    const result = esBacktestZ2({ realized, var: model.var, es: model.es, p, simulations: 200, seed: 5 });
    expect(result.z2).toBeLessThan(0);
    expect(Math.abs(result.z2 - (1 + meanY))).toBeLessThan(4 * sdAlt);
    expect(result.pValue).toBe(0);
  });
});

describe('backtestVar with ES', () => {
  it('adds esTest with the defaults (1000 paths, seed 1) and honours esSimulations/seed', () => {
    const model = normalModel(300, 0.05);
    const rng = new SeededRng(21);
    const realized = model.sigma.map((s) => s * rng.nextNormal());
    const base = { var: model.var, realized, confidence: 0.95, es: model.es };
    const a = backtestVar(base);
    expect(a.esTest?.simulations).toBe(1000);
    expect(a.esTest?.z2).toBeCloseTo(acerbiSzekelyZ2(realized, model.var, model.es, 1 - 0.95), 14);
    const b = backtestVar({ ...base, esSimulations: 250, seed: 99 });
    expect(b.esTest?.simulations).toBe(250);
    expect(backtestVar({ ...base, esSimulations: 250, seed: 99 })).toEqual(b);
    expect(b.esTest?.z2).toBe(a.esTest?.z2);
  });
});
