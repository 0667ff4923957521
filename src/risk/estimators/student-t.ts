import { logGamma, studentTPdf, studentTQuantile } from '../stats/distributions.ts';
import {
  bad,
  checkNu,
  mean,
  resolve,
  sampleSd,
  scaleParametric,
  type VarConfig,
  type VarEstimate,
} from './common.ts';
import { goldenSectionMin } from './optimize.ts';

/** Search range of the ML ν: (2, 200]. */
export const NU_MIN = 2;
export const NU_MAX = 200;
/** Lower end of the search, ν − 2 = 10⁻³: the likelihood → −∞ as ν → 2 with the variance fixed. */
const NU_SEARCH_FLOOR = 1e-3;
const GRID_POINTS = 48;

export interface StudentTFit {
  /** Degrees of freedom: the ML estimate, or the fixed value when one was given. */
  readonly nu: number;
  /** Location: the sample mean. */
  readonly mean: number;
  /** Sample standard deviation (N − 1). */
  readonly sd: number;
  /** Scale s = sd·√((ν − 2)/ν), so the scaled t has the sample variance. */
  readonly scale: number;
  /** Log-likelihood at ν (−∞ for a window with no dispersion). */
  readonly logLikelihood: number;
}

/**
 * Log-likelihood of a location-scale t with location μ and scale s = σ√((ν − 2)/ν) (variance σ²):
 * n[lnΓ((ν+1)/2) − lnΓ(ν/2) − ½ln(π(ν − 2)) − ln σ] − (ν+1)/2 Σ ln(1 + dᵢ/(ν − 2)), dᵢ = ((xᵢ − μ)/σ)².
 */
function logLikelihood(d: Float64Array, sigma: number, nu: number): number {
  const n = d.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log1p(d[i]! / (nu - 2));
  const c = logGamma((nu + 1) / 2) - logGamma(nu / 2) - 0.5 * Math.log(Math.PI * (nu - 2)) - Math.log(sigma);
  return n * c - ((nu + 1) / 2) * s;
}

/**
 * Fits a Student-t to a window: location = sample mean, scale fixed so that the fitted variance
 * equals the sample variance (N − 1), and ν by maximum likelihood over (2, 200] — a 48-point grid in
 * ln(ν − 2) followed by golden-section refinement around the best grid point (the profile
 * likelihood in ν is smooth; the grid guards against a poor bracket). With `nu` given, ν is fixed.
 * A window with zero dispersion has no tail to fit: ν is then `nu` or 200, scale 0.
 */
export function fitStudentT(window: readonly number[], nu?: number): StudentTFit {
  checkNu('fitStudentT', nu);
  if (window.length < 2) bad('fitStudentT', `needs at least 2 returns, got ${window.length}`);
  const mu = mean(window);
  const sd = sampleSd(window, mu);
  if (!(sd > 0)) {
    return { nu: nu ?? NU_MAX, mean: mu, sd: 0, scale: 0, logLikelihood: Number.NEGATIVE_INFINITY };
  }
  const d = new Float64Array(window.length);
  for (let i = 0; i < window.length; i++) d[i] = ((window[i]! - mu) / sd) ** 2;
  let nuHat = nu;
  if (nuHat === undefined) {
    const uLo = Math.log(NU_SEARCH_FLOOR);
    const uHi = Math.log(NU_MAX - NU_MIN);
    const negLl = (u: number): number => -logLikelihood(d, sd, NU_MIN + Math.exp(u));
    const du = (uHi - uLo) / (GRID_POINTS - 1);
    let best = 0;
    let bestValue = Number.POSITIVE_INFINITY;
    for (let i = 0; i < GRID_POINTS; i++) {
      const v = negLl(uLo + i * du);
      if (v < bestValue) {
        bestValue = v;
        best = i;
      }
    }
    const a = uLo + Math.max(0, best - 1) * du;
    const b = uLo + Math.min(GRID_POINTS - 1, best + 1) * du;
    const refined = goldenSectionMin(negLl, a, b, 1e-7);
    const u = refined.fx <= bestValue ? refined.x : uLo + best * du;
    nuHat = Math.min(NU_MAX, NU_MIN + Math.exp(u));
  }
  return {
    nu: nuHat,
    mean: mu,
    sd,
    scale: sd * Math.sqrt((nuHat - 2) / nuHat),
    logLikelihood: logLikelihood(d, sd, nuHat),
  };
}

/**
 * Standardized Student-t tail: the α-quantile q = t_ν⁻¹(α) and the expected shortfall of the
 * standard t, ES = g_ν(q)/(1 − α) · (ν + q²)/(ν − 1) (McNeil, Frey & Embrechts 2015, Example 2.15).
 */
export function studentTTail(confidence: number, nu: number): { q: number; es: number } {
  const q = studentTQuantile(confidence, nu);
  const es = ((studentTPdf(q, nu) / (1 - confidence)) * (nu + q * q)) / (nu - 1);
  return { q, es };
}

/**
 * Parametric Student-t: fit as `fitStudentT` (ν fixed by `config.nu` or ML), then for one day
 * VaR = −μ + s·q, ES = −μ + s·ES_t, with s the scale; h days by √h on the centred part
 * (−hμ + √h·(x₁ + μ)). Needs N ≥ 2.
 */
export function studentTVar(
  window: readonly number[],
  config: VarConfig,
): VarEstimate & { nu: number; mean: number; scale: number } {
  const { confidence, h } = resolve('Student-t VaR', window, config, 2);
  checkNu('Student-t VaR', config.nu);
  const fit = fitStudentT(window, config.nu);
  const { q, es } = studentTTail(confidence, fit.nu);
  return {
    var: scaleParametric(-fit.mean + fit.scale * q, fit.mean, h),
    es: scaleParametric(-fit.mean + fit.scale * es, fit.mean, h),
    nu: fit.nu,
    mean: fit.mean,
    scale: fit.scale,
  };
}
