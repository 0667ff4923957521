import { SeededRng } from '../../core/rng.ts';
import {
  bad,
  checkNu,
  empiricalVarEs,
  mean,
  mixSeed,
  resolve,
  sampleSd,
  type VarConfig,
  type VarEstimate,
} from './common.ts';
import { fitStudentT } from './student-t.ts';

export const DEFAULT_MC_PATHS = 10_000;
export const DEFAULT_MC_SEED = 1;
const MAX_MC_PATHS = 10_000_000;

/**
 * Gamma(shape, 1) variate for shape ≥ 1 by Marsaglia & Tsang (ACM TOMS 26, 2000): d = shape − ⅓,
 * c = 1/√(9d); draw z ~ N(0,1), v = (1 + cz)³ until v > 0 and ln u < ½z² + d − dv + d ln v.
 */
export function gammaVariate(rng: SeededRng, shape: number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = rng.nextNormal();
    const w = 1 + c * z;
    if (w <= 0) continue;
    const v = w * w * w;
    const u = rng.nextFloat();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Student-t variate with ν > 2 scaled to unit variance: Z / √(χ²_ν/ν) · √((ν − 2)/ν), χ²_ν = 2·Gamma(ν/2). */
export function unitStudentTVariate(rng: SeededRng, nu: number): number {
  const z = rng.nextNormal();
  const chi2 = 2 * gammaVariate(rng, nu / 2);
  return (z / Math.sqrt(chi2 / nu)) * Math.sqrt((nu - 2) / nu);
}

/**
 * Monte Carlo VaR: μ and σ (N − 1) of the window; daily returns μ + σεᵢ with i.i.d. innovations ε
 * of unit variance — standard normal ('normal', default) or Student-t scaled to unit variance
 * ('t', ν from `config.nu` or by ML as `fitStudentT`); each of `paths` (default 10 000) simulated
 * h-day returns adds h such days (log) or compounds them (simple; a day is floored at −100 %).
 * VaR and ES are the empirical ones of the simulated h-day returns (type-7 quantile; mean of the
 * losses at or beyond VaR). The generator is `SeededRng(mixSeed(seed, 0))` with `config.seed`
 * (default 1), so the same window and config always give the same numbers. Needs N ≥ 2.
 */
export function monteCarloVar(
  window: readonly number[],
  config: VarConfig,
): VarEstimate & { mean: number; sd: number; nu: number | null; paths: number } {
  const fn = 'Monte Carlo VaR';
  const { confidence, h, kind } = resolve(fn, window, config, 2);
  const innovations = config.innovations ?? 'normal';
  if (innovations !== 'normal' && innovations !== 't') {
    bad(fn, `innovations must be 'normal' or 't', got ${String(innovations)}`);
  }
  const paths = config.paths ?? DEFAULT_MC_PATHS;
  if (!(Number.isInteger(paths) && paths >= 1 && paths <= MAX_MC_PATHS)) {
    bad(fn, `paths must be an integer in [1, ${MAX_MC_PATHS}], got ${paths}`, { paths });
  }
  const seed = config.seed ?? DEFAULT_MC_SEED;
  if (!Number.isSafeInteger(seed)) bad(fn, `seed must be a safe integer, got ${seed}`, { seed });
  checkNu(fn, config.nu);
  const mu = mean(window);
  const sd = sampleSd(window, mu);
  const nu = innovations === 't' ? fitStudentT(window, config.nu).nu : null;
  const rng = new SeededRng(mixSeed(seed, 0));
  const draw = nu === null ? (): number => rng.nextNormal() : (): number => unitStudentTVariate(rng, nu);
  const sims = new Float64Array(paths);
  for (let i = 0; i < paths; i++) {
    let s = 0;
    for (let d = 0; d < h; d++) {
      const r = mu + sd * draw();
      s += kind === 'log' ? r : Math.log1p(Math.max(r, -1));
    }
    sims[i] = kind === 'log' ? s : Math.expm1(s);
  }
  return { ...empiricalVarEs(sims, confidence), mean: mu, sd, nu, paths };
}
