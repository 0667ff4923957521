import { normPdf } from '../../pricing/normal.ts';
import { normalQuantile } from '../stats/distributions.ts';
import { mean, resolve, sampleSd, scaleParametric, type VarConfig, type VarEstimate } from './common.ts';

/**
 * Sample skewness g₁ = m₃/m₂^{3/2} and excess kurtosis g₂ = m₄/m₂² − 3 with the moment (1/N)
 * central moments mₖ (scipy.stats.skew / kurtosis defaults; PerformanceAnalytics' "moment"
 * method). Both 0 when m₂ = 0.
 */
export function sampleSkewKurtosis(
  xs: ArrayLike<number>,
  m: number = mean(xs),
): { skewness: number; excessKurtosis: number } {
  const n = xs.length;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i]! - m;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  if (!(m2 > 0)) return { skewness: 0, excessKurtosis: 0 };
  return { skewness: m3 / m2 ** 1.5, excessKurtosis: m4 / (m2 * m2) - 3 };
}

/**
 * Cornish–Fisher expansion of the standard quantile z for skewness S and excess kurtosis K:
 * z + (z² − 1)S/6 + (z³ − 3z)K/24 − (2z³ − 5z)S²/36.
 */
export function cornishFisherQuantile(z: number, skewness: number, excessKurtosis: number): number {
  const S = skewness;
  const K = excessKurtosis;
  return z + ((z * z - 1) * S) / 6 + ((z ** 3 - 3 * z) * K) / 24 - ((2 * z ** 3 - 5 * z) * S * S) / 36;
}

/**
 * Mean of the Cornish–Fisher quantile over the lower tail u ∈ (0, p): (1/p)∫₀ᵖ z_cf(Φ⁻¹(u)) du.
 * z_cf is a polynomial in z = Φ⁻¹(u), so with c = Φ⁻¹(p) and the truncated normal moments
 * ∫_{−∞}^c zᵏφ = p, −φ(c), p − cφ(c), −(c² + 2)φ(c) for k = 0 … 3 the integral is exact:
 * (φ(c)/p)·[−1 − Sc/6 + K(1 − c²)/24 − S²(1 − 2c²)/36].
 */
export function cornishFisherTailMean(p: number, skewness: number, excessKurtosis: number): number {
  const c = normalQuantile(p);
  const S = skewness;
  const K = excessKurtosis;
  return (normPdf(c) / p) * (-1 - (S * c) / 6 + (K * (1 - c * c)) / 24 - (S * S * (1 - 2 * c * c)) / 36);
}

/**
 * Cornish–Fisher ("modified") VaR (Zangari 1996; Favre & Galeano 2002): μ and σ (N − 1) of the
 * window, S and K as `sampleSkewKurtosis`, z = Φ⁻¹(1 − α); one day VaR = −(μ + σ·z_cf).
 * ES = −(μ + σ·E[z_cf | tail]) where the tail mean integrates the expanded quantile over (0, 1 − α)
 * exactly (`cornishFisherTailMean`), i.e. ES is the average of the CF VaR over all levels beyond α.
 * With S = K = 0 both reduce to the normal. h days by √h on the centred part. Needs N ≥ 2.
 */
export function cornishFisherVar(
  window: readonly number[],
  config: VarConfig,
): VarEstimate & { mean: number; sd: number; skewness: number; excessKurtosis: number } {
  const { tail, h } = resolve('Cornish–Fisher VaR', window, config, 2);
  const mu = mean(window);
  const sd = sampleSd(window, mu);
  const { skewness, excessKurtosis } = sampleSkewKurtosis(window, mu);
  const zCf = cornishFisherQuantile(normalQuantile(tail), skewness, excessKurtosis);
  const tailMean = cornishFisherTailMean(tail, skewness, excessKurtosis);
  return {
    var: scaleParametric(-(mu + sd * zCf), mu, h),
    es: scaleParametric(-(mu + sd * tailMean), mu, h),
    mean: mu,
    sd,
    skewness,
    excessKurtosis,
  };
}
