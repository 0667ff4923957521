import { checkReturnKind, checkReturns } from '../returns.ts';
import {
  bad,
  mixSeed,
  type VarConfig,
  type VarEstimate,
  type VarEstimator,
  type VarMethod,
} from './common.ts';
import { cornishFisherVar } from './cornish-fisher.ts';
import { ewmaVar } from './ewma.ts';
import { fhsVar } from './fhs.ts';
import { historicalVar } from './historical.ts';
import { DEFAULT_MC_SEED, monteCarloVar } from './monte-carlo.ts';
import { normalVar } from './normal.ts';
import { studentTVar } from './student-t.ts';

/**
 * VaR / ES estimators on a window of one-day returns (docs/concepts/var-estimators.md), one file
 * per method, and the rolling series with its alignment.
 */
export {
  DEFAULT_EWMA_LAMBDA,
  empiricalVarEs,
  type GarchParams,
  mean,
  mixSeed,
  quantileType7,
  sampleSd,
  type VarConfig,
  type VarEstimate,
  type VarEstimator,
  type VarMethod,
} from './common.ts';
export {
  cornishFisherQuantile,
  cornishFisherTailMean,
  cornishFisherVar,
  sampleSkewKurtosis,
} from './cornish-fisher.ts';
export { ewmaVar, ewmaVariances } from './ewma.ts';
export { fhsVar } from './fhs.ts';
export {
  checkGarchParams,
  fitGarch11,
  GARCH_MAX_PERSISTENCE,
  GARCH_MIN_RETURNS,
  type GarchFit,
  garchVariances,
} from './garch.ts';
export { historicalVar } from './historical.ts';
export {
  DEFAULT_MC_PATHS,
  DEFAULT_MC_SEED,
  gammaVariate,
  monteCarloVar,
  unitStudentTVariate,
} from './monte-carlo.ts';
export { normalVar } from './normal.ts';
export { goldenSectionMin, type NelderMeadOptions, nelderMead } from './optimize.ts';
export { fitStudentT, NU_MAX, NU_MIN, type StudentTFit, studentTTail, studentTVar } from './student-t.ts';

/** Every estimator by method name. */
export const ESTIMATORS: Readonly<Record<VarMethod, VarEstimator>> = Object.freeze({
  historical: historicalVar,
  normal: normalVar,
  'student-t': studentTVar,
  'cornish-fisher': cornishFisherVar,
  ewma: ewmaVar,
  fhs: fhsVar,
  'monte-carlo': monteCarloVar,
});

export const VAR_METHODS: readonly VarMethod[] = Object.freeze(Object.keys(ESTIMATORS) as VarMethod[]);

function checkMethod(fn: string, method: unknown): asserts method is VarMethod {
  if (typeof method !== 'string' || !Object.hasOwn(ESTIMATORS, method)) {
    bad(fn, `method must be one of ${VAR_METHODS.join(', ')}, got ${String(method)}`);
  }
}

/** VaR and ES of `method` on one window of one-day returns (oldest first); `{var, es}` only. */
export function estimateVar(method: VarMethod, window: readonly number[], config: VarConfig): VarEstimate {
  checkMethod('estimateVar', method);
  const r = ESTIMATORS[method](window, config);
  return { var: r.var, es: r.es };
}

export interface RollingVarConfig extends VarConfig {
  readonly method: VarMethod;
  /** N: the number of returns each estimate uses, an integer ≥ 1. */
  readonly window: number;
}

export interface RollingVarPoint {
  /** t: the index of the return this estimate is for (estimated from returns t − N … t − 1). */
  readonly index: number;
  readonly var: number;
  readonly es: number;
}

/**
 * Rolling VaR / ES over a return series (oldest first) without look-ahead: the entry for day t,
 * t = N … n − 1, is estimated from returns [t − N, t) and is to be compared with return t (with a
 * horizon of h days, with the h-day return starting at t: `overlappingReturns(returns, h)[t]`).
 * The first N returns produce no entry; n ≤ N gives an empty series. The estimate for the day after
 * the series is `estimateVar(method, returns.slice(n − N), config)`.
 *
 * Monte Carlo entries are seeded with `mixSeed(seed, t)` (seed default 1): each day draws its own
 * reproducible stream, so simulation errors do not repeat identically across days, and the whole
 * series is a deterministic function of the returns and the config.
 */
export function rollingVar(
  returns: readonly number[],
  config: RollingVarConfig,
): { series: RollingVarPoint[] } {
  const fn = 'rollingVar';
  checkMethod(fn, config.method);
  const n = config.window;
  if (!(Number.isInteger(n) && n >= 1)) bad(fn, `window must be an integer ≥ 1, got ${n}`, { window: n });
  if (!Array.isArray(returns)) bad(fn, 'returns must be an array');
  const kind = config.returnKind ?? 'log';
  checkReturnKind(fn, kind);
  checkReturns(fn, returns, kind);
  const estimator = ESTIMATORS[config.method];
  const baseSeed = config.seed ?? DEFAULT_MC_SEED;
  if (config.method === 'monte-carlo' && !Number.isSafeInteger(baseSeed)) {
    bad(fn, `seed must be a safe integer, got ${baseSeed}`, { seed: baseSeed });
  }
  const series: RollingVarPoint[] = [];
  for (let t = n; t < returns.length; t++) {
    const cfg = config.method === 'monte-carlo' ? { ...config, seed: mixSeed(baseSeed, t) } : config;
    const r = estimator(returns.slice(t - n, t), cfg);
    series.push({ index: t, var: r.var, es: r.es });
  }
  return { series };
}
