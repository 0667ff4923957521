/**
 * Acerbi–Székely (2014) expected-shortfall backtest, test 2 ("testing ES directly"):
 *
 *   Z2 = Σ_t X_t·I_t / (N·p·ES_t) + 1,   I_t = 1 when −X_t > VaR_t,
 *
 * with X_t the realized return (the P&L sign of the paper: negative on a loss) and VaR_t, ES_t
 * positive loss fractions at level p = 1 − confidence. Under H0 (the forecast tail is right)
 * E[X_t·I_t] = −p·ES_t, so E[Z2] = 0; too-large losses make Z2 negative. One-sided test: reject for
 * small Z2.
 *
 * p-value by simulation under a normal null (an assumption — the VaR/ES series alone do not
 * determine a distribution): X̃_t = σ_t·ε_t with ε_t ~ N(0, 1) and σ_t = VaR_t / z, z = Φ⁻¹(1 − p),
 * so the simulated model has each day's VaR. In that null world the ES is the normal one,
 * ẼS_t = σ_t·φ(z)/p, and the simulated statistic is Z̃2 = Σ X̃_t·Ĩ_t / (N·p·ẼS_t) + 1. Because σ_t
 * cancels (Ĩ_t = 1{ε_t < −z}), Z̃2 = 1 + Σ ε_t·1{ε_t < −z} / (N·φ(z)), which depends only on N and
 * p. p-value = #{Z̃2 ≤ Z2} / M over M seeded paths (SeededRng). See docs/concepts/var-backtests.md
 * for why the null uses its own ES rather than the supplied one.
 */
import { BackstopError } from '../../core/errors.ts';
import { SeededRng } from '../../core/rng.ts';
import { normPdf } from '../../pricing/normal.ts';
import { normalQuantile } from '../stats/distributions.ts';

export interface EsBacktest {
  readonly z2: number;
  /** Simulated one-sided p-value: fraction of null Z2 paths ≤ the observed Z2. */
  readonly pValue: number;
  readonly simulations: number;
}

export const DEFAULT_ES_SIMULATIONS = 1000;
export const DEFAULT_ES_SEED = 1;

function badArgument(message: string, fields: Record<string, string | number | boolean | null> = {}): never {
  throw new BackstopError('BAD_ARGUMENT', message, fields);
}

function checkInputs(
  realized: readonly number[],
  varSeries: readonly number[],
  es: readonly number[],
  p: number,
): void {
  const n = realized.length;
  if (n < 1) badArgument('the series must not be empty');
  if (varSeries.length !== n || es.length !== n) {
    badArgument(
      `realized, var and es must have the same length, got ${n}, ${varSeries.length}, ${es.length}`,
      {
        realizedLength: n,
        varLength: varSeries.length,
        esLength: es.length,
      },
    );
  }
  if (!(p > 0 && p < 1)) badArgument(`p must be in (0, 1), got ${p}`, { p });
  for (let t = 0; t < n; t++) {
    const x = realized[t] as number;
    const v = varSeries[t] as number;
    const e = es[t] as number;
    if (!Number.isFinite(x) || !Number.isFinite(v)) {
      badArgument(`realized[${t}] and var[${t}] must be finite`, { index: t });
    }
    if (!(Number.isFinite(e) && e > 0))
      badArgument(`es[${t}] must be finite and > 0, got ${e}`, { index: t });
    if (e < v) badArgument(`es[${t}] = ${e} is below var[${t}] = ${v}; ES is never below VaR`, { index: t });
  }
}

/** The Acerbi–Székely Z2 statistic (no p-value). */
export function acerbiSzekelyZ2(
  realized: readonly number[],
  varSeries: readonly number[],
  es: readonly number[],
  p: number,
): number {
  checkInputs(realized, varSeries, es, p);
  const n = realized.length;
  let sum = 0;
  for (let t = 0; t < n; t++) {
    const x = realized[t] as number;
    if (-x > (varSeries[t] as number)) sum += x / (es[t] as number);
  }
  return sum / (n * p) + 1;
}

/**
 * M draws of Z2 under the normal null for N days at level p (see the module comment):
 * Z̃2 = 1 + Σ ε_t·1{ε_t < −z} / (N·φ(z)). Draw order: path by path, day by day, one
 * `SeededRng.nextNormal()` per day, so a seed fixes the result.
 */
export function simulateZ2Null(
  observations: number,
  p: number,
  simulations: number,
  seed: number,
): Float64Array {
  if (!Number.isInteger(observations) || observations < 1) {
    badArgument(`observations must be an integer ≥ 1, got ${observations}`, { observations });
  }
  if (!(p > 0 && p < 1)) badArgument(`p must be in (0, 1), got ${p}`, { p });
  if (!Number.isInteger(simulations) || simulations < 1) {
    badArgument(`simulations must be an integer ≥ 1, got ${simulations}`, { simulations });
  }
  if (!Number.isSafeInteger(seed)) badArgument(`seed must be a safe integer, got ${seed}`, { seed });
  const z = -normalQuantile(p);
  const scale = 1 / (observations * normPdf(z));
  const rng = new SeededRng(seed);
  const out = new Float64Array(simulations);
  for (let m = 0; m < simulations; m++) {
    let sum = 0;
    for (let t = 0; t < observations; t++) {
      const eps = rng.nextNormal();
      if (eps < -z) sum += eps;
    }
    out[m] = 1 + sum * scale;
  }
  return out;
}

/** Z2 with its simulated p-value (defaults: 1000 paths, seed 1). */
export function esBacktestZ2(input: {
  readonly realized: readonly number[];
  readonly var: readonly number[];
  readonly es: readonly number[];
  readonly p: number;
  readonly simulations?: number;
  readonly seed?: number;
}): EsBacktest {
  const simulations = input.simulations ?? DEFAULT_ES_SIMULATIONS;
  const seed = input.seed ?? DEFAULT_ES_SEED;
  const z2 = acerbiSzekelyZ2(input.realized, input.var, input.es, input.p);
  const nullDraws = simulateZ2Null(input.realized.length, input.p, simulations, seed);
  let below = 0;
  for (const d of nullDraws) if (d <= z2) below++;
  return { z2, pValue: below / simulations, simulations };
}
