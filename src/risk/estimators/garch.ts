import { bad, type GarchParams, mean, sampleSd } from './common.ts';
import { nelderMead } from './optimize.ts';

/** Upper bound on the persistence α + β of the fit (strictly < 1: covariance stationarity). */
export const GARCH_MAX_PERSISTENCE = 0.9999;
/** Fewest returns `fitGarch11` accepts: three parameters need some data to be identified at all. */
export const GARCH_MIN_RETURNS = 10;

export interface GarchFit extends GarchParams {
  /** Constant mean of the model: the sample mean (not part of the ML fit). */
  readonly mean: number;
  /** σ²₁: the sample variance (N − 1) of the window. */
  readonly initialVariance: number;
  /** Gaussian log-likelihood at the fit, −½ Σ (ln 2π + ln σ²ₜ + ε²ₜ/σ²ₜ). */
  readonly logLikelihood: number;
  readonly iterations: number;
}

export function checkGarchParams(fn: string, p: GarchParams): void {
  const { omega, alpha, beta } = p;
  if (!(Number.isFinite(omega) && omega > 0))
    bad(fn, `GARCH omega must be finite and > 0, got ${omega}`, { omega });
  if (!(Number.isFinite(alpha) && alpha >= 0))
    bad(fn, `GARCH alpha must be finite and ≥ 0, got ${alpha}`, { alpha });
  if (!(Number.isFinite(beta) && beta >= 0))
    bad(fn, `GARCH beta must be finite and ≥ 0, got ${beta}`, { beta });
  if (!(alpha + beta < 1)) bad(fn, `GARCH alpha + beta must be < 1, got ${alpha + beta}`, { alpha, beta });
}

/**
 * GARCH(1,1) conditional variances of residuals ε₁ … εₙ: σ²₁ = `initialVariance`,
 * σ²ₜ₊₁ = ω + αε²ₜ + βσ²ₜ. Returns the N + 1 variances σ²₁ … σ²ₙ₊₁ (the last is the forecast
 * for the day after the window).
 */
export function garchVariances(
  eps: ArrayLike<number>,
  p: GarchParams,
  initialVariance: number,
): Float64Array {
  const n = eps.length;
  const v = new Float64Array(n + 1);
  v[0] = initialVariance;
  for (let t = 0; t < n; t++) v[t + 1] = p.omega + p.alpha * eps[t]! * eps[t]! + p.beta * v[t]!;
  return v;
}

const LN_2PI = Math.log(2 * Math.PI);

function gaussianLogLikelihood(eps: ArrayLike<number>, p: GarchParams, initialVariance: number): number {
  let v = initialVariance;
  let s = 0;
  for (let t = 0; t < eps.length; t++) {
    const e2 = eps[t]! * eps[t]!;
    s += LN_2PI + Math.log(v) + e2 / v;
    v = p.omega + p.alpha * e2 + p.beta * v;
  }
  return -0.5 * s;
}

const THETA_BOX = 12;
/** ω of the standardized series (unit sample variance) stays within [e⁻³⁰, e²]. */
const LN_OMEGA_MIN = -30;
const LN_OMEGA_MAX = 2;

const logistic = (x: number): number => 1 / (1 + Math.exp(-x));
const logit = (p: number): number => Math.log(p / (1 - p));

/** Unconstrained θ → (ω, α, β): ω = e^θ₀, α + β = 0.9999·logistic(θ₁), α = (α + β)·logistic(θ₂). */
function toParams(theta: readonly number[]): GarchParams {
  const persistence = GARCH_MAX_PERSISTENCE * logistic(theta[1]!);
  const alpha = persistence * logistic(theta[2]!);
  return { omega: Math.exp(theta[0]!), alpha, beta: persistence - alpha };
}

function toTheta(p: GarchParams): number[] {
  const persistence = p.alpha + p.beta;
  return [Math.log(p.omega), logit(persistence / GARCH_MAX_PERSISTENCE), logit(p.alpha / persistence)];
}

/**
 * GARCH(1,1) with constant mean by Gaussian maximum likelihood (Bollerslev 1986): mean = sample
 * mean, εₜ = rₜ − mean, σ²₁ = sample variance; (ω, α, β) maximize the log-likelihood subject to
 * ω > 0, α ≥ 0, β ≥ 0, α + β < 1, enforced by the reparametrization ω = e^θ₀,
 * α + β = 0.9999·logistic(θ₁), α = (α + β)·logistic(θ₂) and solved by Nelder–Mead from two
 * starts ((α, β) = (0.05, 0.90) and (0.15, 0.60), ω targeting the sample variance), each restarted
 * once at its optimum (stop when the simplex values agree to 1e-11 relative; θ₁, θ₂ boxed to ±12,
 * ln ω of the standardized series to [−30, 2]); the better one wins. The fit runs on ε/sd (scale-free; ω is rescaled by
 * sd² after). A window with no dispersion gives ω = α = β = 0 (every variance 0). Needs N ≥ 10.
 */
export function fitGarch11(window: readonly number[]): GarchFit {
  const n = window.length;
  if (n < GARCH_MIN_RETURNS)
    bad('fitGarch11', `needs at least ${GARCH_MIN_RETURNS} returns, got ${n}`, { length: n });
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(window[i]))
      bad('fitGarch11', `return ${i} must be finite, got ${window[i]}`, { index: i });
  }
  const mu = mean(window);
  const sd = sampleSd(window, mu);
  if (!(sd > 0)) {
    return {
      omega: 0,
      alpha: 0,
      beta: 0,
      mean: mu,
      initialVariance: 0,
      logLikelihood: Number.NaN,
      iterations: 0,
    };
  }
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = (window[i]! - mu) / sd;
  // A box on θ keeps the simplex from wandering off along a flat ridge (α → 0 or α + β → 1 on
  // data with little volatility clustering); logistic(±12) is within 6e-6 of its limits.
  const objective = (theta: readonly number[]): number => {
    if (!(Math.abs(theta[1]!) <= THETA_BOX && Math.abs(theta[2]!) <= THETA_BOX))
      return Number.POSITIVE_INFINITY;
    if (!(theta[0]! >= LN_OMEGA_MIN && theta[0]! <= LN_OMEGA_MAX)) return Number.POSITIVE_INFINITY;
    return -gaussianLogLikelihood(x, toParams(theta), 1);
  };
  let best: { x: number[]; fx: number } | null = null;
  let iterations = 0;
  for (const [alpha, beta] of [
    [0.05, 0.9],
    [0.15, 0.6],
  ] as const) {
    const start = toTheta({ omega: 1 - alpha - beta, alpha, beta });
    const first = nelderMead(objective, start, {
      maxIterations: 600,
      fTol: 1e-11,
      xTol: Number.POSITIVE_INFINITY,
    });
    const second = nelderMead(objective, first.x, {
      step: 0.1,
      maxIterations: 600,
      fTol: 1e-11,
      xTol: Number.POSITIVE_INFINITY,
    });
    iterations += first.iterations + second.iterations;
    const r = second.fx <= first.fx ? second : first;
    if (best === null || r.fx < best.fx) best = r;
  }
  const p = toParams(best!.x);
  const sd2 = sd * sd;
  const fitted = { omega: p.omega * sd2, alpha: p.alpha, beta: p.beta };
  return {
    ...fitted,
    mean: mu,
    initialVariance: sd2,
    logLikelihood: -best!.fx - n * Math.log(sd),
    iterations,
  };
}
