import { aggregateReturns } from '../returns.ts';
import {
  bad,
  checkLambda,
  DEFAULT_EWMA_LAMBDA,
  empiricalVarEs,
  type GarchParams,
  mean,
  resolve,
  sampleSd,
  type VarConfig,
  type VarEstimate,
} from './common.ts';
import { ewmaVariances } from './ewma.ts';
import { checkGarchParams, fitGarch11, GARCH_MIN_RETURNS, garchVariances } from './garch.ts';

/**
 * Filtered historical simulation (Barone-Adesi, Giannopoulos & Vosper 1999; Hull & White 1998):
 * filter the window with a volatility model, standardize each return by its own conditional
 * volatility, rescale by the forecast volatility for the next day, then treat the rescaled
 * returns as a historical sample (overlapping h-day aggregation, type-7 VaR, ES = mean of the
 * losses at or beyond VaR).
 *
 * - volModel 'ewma' (default): zero mean, σₜ from `ewmaVariances` (λ from config, default 0.94);
 *   r*ₜ = σₙ₊₁ · rₜ/σₜ.
 * - volModel 'garch': mean m = sample mean, σₜ from GARCH(1,1) fitted by ML (`fitGarch11`) or
 *   the fixed `config.garch`, σ²₁ = sample variance; r*ₜ = m + σₙ₊₁ · (rₜ − m)/σₜ.
 *
 * A zero conditional volatility (a window with no dispersion) gives a standardized residual of 0.
 * With a constant σₜ the method is exactly historical simulation.
 */
export function fhsVar(
  window: readonly number[],
  config: VarConfig,
): VarEstimate & { sigma: number; garch: GarchParams | null } {
  const volModel = config.volModel ?? 'ewma';
  const fn = 'FHS VaR';
  if (volModel !== 'ewma' && volModel !== 'garch') {
    bad(fn, `volModel must be 'ewma' or 'garch', got ${String(volModel)}`);
  }
  const garchMin = config.garch === undefined ? GARCH_MIN_RETURNS : 2;
  const minLength = Math.max(config.horizonDays, volModel === 'garch' ? garchMin : 1);
  const { confidence, h, kind } = resolve(fn, window, config, minLength);
  const n = window.length;
  const rescaled = new Float64Array(n);
  let sigma: number;
  let garch: GarchParams | null = null;
  if (volModel === 'ewma') {
    const lambda = config.lambda ?? DEFAULT_EWMA_LAMBDA;
    checkLambda(fn, lambda);
    const v = ewmaVariances(window, lambda);
    sigma = Math.sqrt(v[n]!);
    for (let t = 0; t < n; t++) {
      const s = Math.sqrt(v[t]!);
      rescaled[t] = s > 0 ? (sigma * window[t]!) / s : 0;
    }
  } else {
    let m: number;
    let v: Float64Array;
    const eps = new Float64Array(n);
    if (config.garch !== undefined) {
      checkGarchParams(fn, config.garch);
      garch = { omega: config.garch.omega, alpha: config.garch.alpha, beta: config.garch.beta };
      m = mean(window);
      for (let t = 0; t < n; t++) eps[t] = window[t]! - m;
      v = garchVariances(eps, garch, sampleSd(window, m) ** 2);
    } else {
      const fit = fitGarch11(window);
      garch = { omega: fit.omega, alpha: fit.alpha, beta: fit.beta };
      m = fit.mean;
      for (let t = 0; t < n; t++) eps[t] = window[t]! - m;
      v = garchVariances(eps, garch, fit.initialVariance);
    }
    sigma = Math.sqrt(v[n]!);
    for (let t = 0; t < n; t++) {
      const s = Math.sqrt(v[t]!);
      rescaled[t] = m + (s > 0 ? (sigma * eps[t]!) / s : 0);
    }
  }
  if (kind === 'simple') {
    // Rescaling can push a simple return below −100 %; a position cannot lose more than all of it.
    for (let t = 0; t < n; t++) rescaled[t] = Math.max(rescaled[t]!, -1);
  }
  return { ...empiricalVarEs(aggregateReturns(rescaled, h, kind), confidence), sigma, garch };
}
