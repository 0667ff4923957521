import { normPdf } from '../../pricing/normal.ts';
import { normalQuantile } from '../stats/distributions.ts';
import { checkLambda, DEFAULT_EWMA_LAMBDA, resolve, type VarConfig, type VarEstimate } from './common.ts';

/**
 * EWMA (RiskMetrics) conditional variances of a window with zero mean: σ²₁ = (1/N) Σ rᵢ² (the
 * window's zero-mean variance), σ²ₜ₊₁ = λσ²ₜ + (1 − λ)rₜ² for t = 1 … N. Returns the N + 1
 * variances σ²₁ … σ²ₙ₊₁; element t − 1 is the variance of return t given the returns before it,
 * and the last is the forecast for the day after the window.
 */
export function ewmaVariances(window: ArrayLike<number>, lambda: number): Float64Array {
  const n = window.length;
  const v = new Float64Array(n + 1);
  let seed = 0;
  for (let i = 0; i < n; i++) seed += window[i]! * window[i]!;
  v[0] = n > 0 ? seed / n : 0;
  for (let t = 0; t < n; t++) v[t + 1] = lambda * v[t]! + (1 - lambda) * window[t]! * window[t]!;
  return v;
}

/**
 * EWMA normal VaR: zero mean, σ = √(EWMA forecast variance), z = Φ⁻¹(α):
 * VaR = √h·σz, ES = √h·σφ(z)/(1 − α). λ from config (default 0.94). Needs N ≥ 1.
 */
export function ewmaVar(window: readonly number[], config: VarConfig): VarEstimate & { sigma: number } {
  const { confidence, tail, h } = resolve('EWMA VaR', window, config, 1);
  const lambda = config.lambda ?? DEFAULT_EWMA_LAMBDA;
  checkLambda('EWMA VaR', lambda);
  const v = ewmaVariances(window, lambda);
  const sigma = Math.sqrt(v[window.length]!);
  const z = normalQuantile(confidence);
  const s = Math.sqrt(h) * sigma;
  return { var: s * z, es: (s * normPdf(z)) / tail, sigma };
}
