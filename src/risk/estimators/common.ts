import { BackstopError } from '../../core/errors.ts';
import { checkReturnKind, checkReturns, type ReturnKind } from '../returns.ts';

/**
 * Shared types and helpers of the VaR / ES estimators (docs/concepts/var-estimators.md).
 *
 * Conventions: a window is a series of one-day returns, oldest first, in the units of the series
 * (log returns by default). VaR and ES are positive numbers for losses, in the same return units:
 * VaR = −(the (1 − α) quantile of the h-day return), ES = −E[h-day return | return ≤ −VaR]. Either
 * can be negative when even the tail of the window is a gain.
 */

export interface VarEstimate {
  /** Value at risk: loss fraction (positive = loss) at `confidence` over `horizonDays`. */
  var: number;
  /** Expected shortfall: mean loss fraction at or beyond VaR. */
  es: number;
}

export type VarMethod =
  | 'historical'
  | 'normal'
  | 'student-t'
  | 'cornish-fisher'
  | 'ewma'
  | 'fhs'
  | 'monte-carlo';

/** GARCH(1,1) parameters: σ²ₜ₊₁ = ω + α ε²ₜ + β σ²ₜ, ω > 0, α, β ≥ 0, α + β < 1. */
export interface GarchParams {
  readonly omega: number;
  readonly alpha: number;
  readonly beta: number;
}

/**
 * Configuration shared by every estimator; method-specific fields are ignored by the others.
 */
export interface VarConfig {
  /** Confidence α in (0, 1), e.g. 0.99; the tail probability is 1 − α. */
  readonly confidence: number;
  /** Horizon h in days, an integer ≥ 1. */
  readonly horizonDays: number;
  /** Units of the window: 'log' (default) or 'simple'. Decides how h-day returns aggregate. */
  readonly returnKind?: ReturnKind;
  /** EWMA decay λ in (0, 1] for 'ewma' and 'fhs' with volModel 'ewma'; default 0.94 (RiskMetrics). */
  readonly lambda?: number;
  /** Student-t degrees of freedom ν > 2 for 'student-t' and 'monte-carlo' with t innovations; default: ML. */
  readonly nu?: number;
  /** 'fhs' volatility filter: 'ewma' (default) or 'garch' (GARCH(1,1) by ML unless `garch` is given). */
  readonly volModel?: 'ewma' | 'garch';
  /** 'fhs' with volModel 'garch': fixed parameters instead of the ML fit. */
  readonly garch?: GarchParams;
  /** 'monte-carlo' innovations: 'normal' (default) or 't'. */
  readonly innovations?: 'normal' | 't';
  /** 'monte-carlo' number of simulated h-day returns; default 10 000. */
  readonly paths?: number;
  /** 'monte-carlo' seed (safe integer); default 1. */
  readonly seed?: number;
}

/** An estimator: VaR and ES from a window of one-day returns (oldest first). */
export type VarEstimator = (window: readonly number[], config: VarConfig) => VarEstimate;

export const DEFAULT_EWMA_LAMBDA = 0.94;

/** Resolved common settings of one call. */
export interface Resolved {
  readonly confidence: number;
  readonly tail: number;
  readonly h: number;
  readonly kind: ReturnKind;
}

export function bad(fn: string, message: string, fields: Record<string, string | number> = {}): never {
  throw new BackstopError('BAD_ARGUMENT', `${fn}: ${message}`, fields);
}

/**
 * Validates the config's common fields and the window (finite returns, > −1 if simple, at least
 * `minLength` of them). Throws `BAD_ARGUMENT` naming the problem.
 */
export function resolve(
  fn: string,
  window: readonly number[],
  config: VarConfig,
  minLength: number,
): Resolved {
  const { confidence, horizonDays } = config;
  if (!(Number.isFinite(confidence) && confidence > 0 && confidence < 1)) {
    bad(fn, `confidence must be in (0, 1), got ${confidence}`, { confidence });
  }
  if (!(Number.isInteger(horizonDays) && horizonDays >= 1)) {
    bad(fn, `horizonDays must be an integer ≥ 1, got ${horizonDays}`, { horizonDays });
  }
  const kind = config.returnKind ?? 'log';
  checkReturnKind(fn, kind);
  if (!Array.isArray(window)) bad(fn, 'window must be an array of returns');
  if (window.length < minLength) {
    bad(fn, `needs at least ${minLength} returns in the window, got ${window.length}`, {
      length: window.length,
      minLength,
    });
  }
  checkReturns(fn, window, kind);
  return { confidence, tail: 1 - confidence, h: horizonDays, kind };
}

/** Arithmetic mean, accumulated around the first value (exact for a constant series). */
export function mean(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) return Number.NaN;
  const x0 = xs[0]!;
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i]! - x0;
  return x0 + s / n;
}

/** Sample standard deviation with N − 1 (0 for a single value). */
export function sampleSd(xs: ArrayLike<number>, m: number = mean(xs)): number {
  const n = xs.length;
  if (n < 2) return 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i]! - m;
    ss += d * d;
  }
  return Math.sqrt(ss / (n - 1));
}

/**
 * Quantile of ascending-sorted data with linear interpolation (Hyndman & Fan type 7, the default
 * of numpy.quantile and R's quantile): position h = (n − 1)p, x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋₊₁₎ − x₍⌊h⌋₎),
 * 0-based. The result is clamped to the two order statistics it interpolates.
 */
export function quantileType7(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) bad('quantileType7', 'no data');
  if (!(p >= 0 && p <= 1)) bad('quantileType7', `p must be in [0, 1], got ${p}`, { p });
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  const v = a + (h - lo) * (b - a);
  return Math.min(Math.max(v, a), b);
}

/**
 * Empirical VaR and ES of a sample of (h-day) returns: losses L = −r; VaR = type-7 quantile of L
 * at `confidence`; ES = mean of the losses at or beyond VaR (never empty: the largest loss is ≥ VaR).
 */
export function empiricalVarEs(returns: ArrayLike<number>, confidence: number): VarEstimate {
  const n = returns.length;
  const losses = new Float64Array(n);
  for (let i = 0; i < n; i++) losses[i] = -returns[i]!;
  losses.sort();
  const v = quantileType7(losses, confidence);
  let s = 0;
  let k = 0;
  for (let i = n - 1; i >= 0 && losses[i]! >= v; i--) {
    s += losses[i]!;
    k++;
  }
  return { var: v, es: s / k };
}

/**
 * Square-root-of-time scaling of a one-day parametric result with mean μ: the h-day return is
 * taken as hμ plus √h times the one-day centred return, so −hμ + √h·(x₁ + μ) for x₁ = VaR or ES.
 */
export function scaleParametric(oneDay: number, mu: number, h: number): number {
  return -h * mu + Math.sqrt(h) * (oneDay + mu);
}

/** Checks a fixed ν (> 2, finite) when given. */
export function checkNu(fn: string, nu: number | undefined): void {
  if (nu !== undefined && !(Number.isFinite(nu) && nu > 2)) {
    bad(fn, `nu must be finite and > 2 (finite variance), got ${nu}`, { nu });
  }
}

export function checkLambda(fn: string, lambda: number): void {
  if (!(Number.isFinite(lambda) && lambda > 0 && lambda <= 1)) {
    bad(fn, `lambda must be in (0, 1], got ${lambda}`, { lambda });
  }
}

/**
 * 32-bit mix of a safe-integer seed and a stream index (MurmurHash3's fmix32 finaliser), so that
 * neighbouring seeds or indices start the generator in unrelated states.
 */
export function mixSeed(seed: number, index: number): number {
  const lo = seed | 0;
  const hi = Math.floor(seed / 0x1_0000_0000) | 0;
  let h = fmix32(lo ^ fmix32(hi ^ Math.imul(index + 1, 0x9e37_79b9)));
  h = fmix32(h ^ Math.imul(index, 0x85eb_ca6b));
  return h >>> 0;
}

function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  h ^= h >>> 16;
  return h;
}
