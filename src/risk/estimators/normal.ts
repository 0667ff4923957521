import { normPdf } from '../../pricing/normal.ts';
import { normalQuantile } from '../stats/distributions.ts';
import { mean, resolve, sampleSd, scaleParametric, type VarConfig, type VarEstimate } from './common.ts';

/**
 * Parametric normal: μ = sample mean, σ = sample standard deviation (N − 1), z = Φ⁻¹(α).
 * One day: VaR = −μ + σz, ES = −μ + σφ(z)/(1 − α). h days: −hμ + √h·σz and −hμ + √h·σφ(z)/(1 − α)
 * (the sum of h i.i.d. normal days). Needs N ≥ 2.
 */
export function normalVar(
  window: readonly number[],
  config: VarConfig,
): VarEstimate & { mean: number; sd: number } {
  const { confidence, tail, h } = resolve('normal VaR', window, config, 2);
  const mu = mean(window);
  const sd = sampleSd(window, mu);
  const z = normalQuantile(confidence);
  return {
    var: scaleParametric(-mu + sd * z, mu, h),
    es: scaleParametric(-mu + (sd * normPdf(z)) / tail, mu, h),
    mean: mu,
    sd,
  };
}
