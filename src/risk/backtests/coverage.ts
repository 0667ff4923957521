/**
 * Coverage backtests of a VaR series against realized returns, on the exception (hit) sequence:
 * Kupiec's proportion of failures and time until first failure, Christoffersen's independence and
 * conditional coverage, the binomial z-test and the (generalized) Basel traffic light.
 *
 * Conventions: VaR is a positive loss fraction, realized is a return, and day t is an exception
 * when the loss exceeds the VaR, −realized_t > var_t. p = 1 − confidence is the exception
 * probability under the null. Likelihood ratios use 0·ln 0 = 0. Formulas, edge cases and sources:
 * docs/concepts/var-backtests.md.
 */
import { BackstopError } from '../../core/errors.ts';
import { normCdf } from '../../pricing/normal.ts';
import { binomialCdf, chiSquareSf, regularizedBeta } from '../stats/distributions.ts';

export interface LikelihoodRatioTest {
  /** Likelihood-ratio statistic (≥ 0). */
  readonly lr: number;
  /** P[χ² > lr] with the test's degrees of freedom. */
  readonly pValue: number;
}

export interface TuffTest extends LikelihoodRatioTest {
  /** 1-based index of the first exception, or null when there is none. */
  readonly firstFailure: number | null;
}

export interface ChristoffersenTest {
  readonly lrInd: number;
  /** P[χ²₁ > lrInd]. */
  readonly pInd: number;
  /** lrCc = Kupiec POF lr + lrInd. */
  readonly lrCc: number;
  /** P[χ²₂ > lrCc]. */
  readonly pCc: number;
  /** nij = number of days in state i followed by a day in state j (1 = exception). */
  readonly n00: number;
  readonly n01: number;
  readonly n10: number;
  readonly n11: number;
}

export interface BinomialTest {
  readonly z: number;
  /** Two-sided: 2·Φ(−|z|). */
  readonly pValue: number;
}

export type TrafficLightZone = 'green' | 'yellow' | 'red';

export interface TrafficLight {
  readonly zone: TrafficLightZone;
  /** P[X ≤ x], X ~ Binomial(N, p). */
  readonly cumulativeProbability: number;
  /** P[X ≥ x]: the probability of wrongly rejecting a correct model with this many exceptions. */
  readonly typeI: number;
}

function badArgument(message: string, fields: Record<string, string | number | boolean | null> = {}): never {
  throw new BackstopError('BAD_ARGUMENT', message, fields);
}

/** Checks 0 < confidence < 1 and returns p = 1 − confidence. */
export function exceptionProbability(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) {
    badArgument(`confidence must be in (0, 1), got ${confidence}`, { confidence });
  }
  return 1 - confidence;
}

function checkSeries(name: string, series: readonly number[]): void {
  for (let i = 0; i < series.length; i++) {
    const v = series[i] as number;
    if (!Number.isFinite(v)) badArgument(`${name}[${i}] must be a finite number, got ${v}`, { index: i });
  }
}

/**
 * The exception sequence: element t is true when −realized[t] > varSeries[t] (the loss exceeds
 * the VaR; a loss equal to the VaR is not an exception). Both series must have the same length
 * and finite values.
 */
export function exceptions(varSeries: readonly number[], realized: readonly number[]): boolean[] {
  if (varSeries.length !== realized.length) {
    badArgument(
      `var and realized must have the same length, got ${varSeries.length} and ${realized.length}`,
      {
        varLength: varSeries.length,
        realizedLength: realized.length,
      },
    );
  }
  checkSeries('var', varSeries);
  checkSeries('realized', realized);
  return varSeries.map((v, i) => -(realized[i] as number) > v);
}

/** n·ln(q) with the convention 0·ln 0 = 0 (a zero count contributes nothing to a likelihood). */
function xlog(n: number, q: number): number {
  return n === 0 ? 0 : n * Math.log(q);
}

/** Bernoulli log-likelihood: `zeros` failures-free days and `ones` exceptions at probability q. */
function bernoulliLogLik(zeros: number, ones: number, q: number): number {
  // ln(1 − q) via log1p keeps precision for small q.
  return (zeros === 0 ? 0 : zeros * Math.log1p(-q)) + xlog(ones, q);
}

function checkCounts(observations: number, failures: number): void {
  if (!Number.isInteger(observations) || observations < 1) {
    badArgument(`observations must be an integer ≥ 1, got ${observations}`, { observations });
  }
  if (!Number.isInteger(failures) || failures < 0 || failures > observations) {
    badArgument(`failures must be an integer in [0, ${observations}], got ${failures}`, { failures });
  }
}

/**
 * Kupiec's proportion-of-failures test (1995): LR = −2 ln[(1−p)^(N−x) p^x] + 2 ln[(1−x/N)^(N−x) (x/N)^x],
 * with 0·ln 0 = 0 at x = 0 and x = N; asymptotically χ²₁.
 */
export function kupiecPof(observations: number, failures: number, p: number): LikelihoodRatioTest {
  checkCounts(observations, failures);
  checkProbability(p);
  const n = observations;
  const x = failures;
  const lr = Math.max(0, -2 * bernoulliLogLik(n - x, x, p) + 2 * bernoulliLogLik(n - x, x, x / n));
  return { lr, pValue: chiSquareSf(lr, 1) };
}

function checkProbability(p: number): void {
  if (!(p > 0 && p < 1)) badArgument(`p must be in (0, 1), got ${p}`, { p });
}

/**
 * Kupiec's time-until-first-failure test: with n the 1-based day of the first exception,
 * LR = −2 ln[p(1−p)^(n−1)] + 2 ln[(1/n)(1−1/n)^(n−1)], asymptotically χ²₁. With no exception in
 * the N observations we take n = N + 1 (the first failure is "due" the day after the window), as
 * Kupiec and MATLAB's `tuff` do; `firstFailure` is then null.
 */
export function kupiecTuff(hits: readonly boolean[], p: number): TuffTest {
  if (hits.length < 1) badArgument('the exception sequence must not be empty');
  checkProbability(p);
  const index = hits.indexOf(true);
  const firstFailure = index < 0 ? null : index + 1;
  const n = firstFailure ?? hits.length + 1;
  const nullLogLik = Math.log(p) + (n - 1) * Math.log1p(-p);
  const altLogLik = -Math.log(n) + xlog(n - 1, 1 - 1 / n);
  const lr = Math.max(0, -2 * nullLogLik + 2 * altLogLik);
  return { lr, pValue: chiSquareSf(lr, 1), firstFailure };
}

/** Transition counts over the N − 1 consecutive pairs (hits[t−1], hits[t]). */
export function transitionCounts(hits: readonly boolean[]): {
  n00: number;
  n01: number;
  n10: number;
  n11: number;
} {
  let n00 = 0;
  let n01 = 0;
  let n10 = 0;
  let n11 = 0;
  for (let t = 1; t < hits.length; t++) {
    const prev = hits[t - 1] as boolean;
    const cur = hits[t] as boolean;
    if (prev) {
      if (cur) n11++;
      else n10++;
    } else if (cur) n01++;
    else n00++;
  }
  return { n00, n01, n10, n11 };
}

/**
 * Christoffersen's (1998) independence test on the first-order Markov transition counts:
 *   π01 = n01/(n00+n01), π11 = n11/(n10+n11), π = (n01+n11)/(n00+n01+n10+n11),
 *   LRind = −2 ln[(1−π)^(n00+n10) π^(n01+n11)] + 2 ln[(1−π01)^n00 π01^n01 (1−π11)^n10 π11^n11] ~ χ²₁,
 * and conditional coverage LRcc = LRpof + LRind ~ χ²₂ (LRpof over all N days, as MATLAB's `cc`).
 * Zero counts: every term is n·ln q with 0·ln 0 = 0. When a row of the transition matrix is empty
 * (n00+n01 = 0, or n10+n11 = 0: no day in that state has a successor) its probability is not
 * identified and all its terms have zero count, so the row contributes 0 to both likelihoods.
 * Consequently LRind = 0 with no exceptions, with exceptions on every day, and with fewer than two
 * observations (no pairs).
 */
export function christoffersen(hits: readonly boolean[], p: number): ChristoffersenTest {
  if (hits.length < 1) badArgument('the exception sequence must not be empty');
  checkProbability(p);
  const { n00, n01, n10, n11 } = transitionCounts(hits);
  const row0 = n00 + n01;
  const row1 = n10 + n11;
  const pairs = row0 + row1;
  let lrInd = 0;
  if (pairs > 0) {
    const pi = (n01 + n11) / pairs;
    const pi01 = row0 > 0 ? n01 / row0 : 0;
    const pi11 = row1 > 0 ? n11 / row1 : 0;
    const nullLogLik = xlog(n00 + n10, 1 - pi) + xlog(n01 + n11, pi);
    const altLogLik = xlog(n00, 1 - pi01) + xlog(n01, pi01) + xlog(n10, 1 - pi11) + xlog(n11, pi11);
    lrInd = Math.max(0, -2 * nullLogLik + 2 * altLogLik);
  }
  const failures = hits.reduce((s, h) => s + (h ? 1 : 0), 0);
  const lrCc = kupiecPof(hits.length, failures, p).lr + lrInd;
  return { lrInd, pInd: chiSquareSf(lrInd, 1), lrCc, pCc: chiSquareSf(lrCc, 2), n00, n01, n10, n11 };
}

/** Binomial (normal-approximation) test: z = (x − Np)/√(Np(1−p)), two-sided p-value 2·Φ(−|z|). */
export function binomialTest(observations: number, failures: number, p: number): BinomialTest {
  checkCounts(observations, failures);
  checkProbability(p);
  const mean = observations * p;
  const z = (failures - mean) / Math.sqrt(mean * (1 - p));
  return { z, pValue: 2 * normCdf(-Math.abs(z)) };
}

/** Zone boundaries on P[X ≤ x] (Basel 1996, as generalized by MATLAB's `tl`). */
export const TRAFFIC_LIGHT_YELLOW = 0.95;
export const TRAFFIC_LIGHT_RED = 0.9999;

/**
 * Basel traffic light generalized to any N and p (MATLAB `tl`): with X ~ Binomial(N, p),
 * green if P[X ≤ x] < 0.95, yellow if P[X ≤ x] < 0.9999, red otherwise. For N = 250, p = 1 % this
 * is the Basel table (green 0–4, yellow 5–9, red ≥ 10). typeI = P[X ≥ x] = I_p(x, N − x + 1),
 * computed directly so small tails keep their digits.
 */
export function trafficLight(observations: number, failures: number, p: number): TrafficLight {
  checkCounts(observations, failures);
  checkProbability(p);
  const cumulativeProbability = binomialCdf(failures, observations, p);
  const typeI = failures === 0 ? 1 : regularizedBeta(p, failures, observations - failures + 1);
  const zone: TrafficLightZone =
    cumulativeProbability < TRAFFIC_LIGHT_YELLOW
      ? 'green'
      : cumulativeProbability < TRAFFIC_LIGHT_RED
        ? 'yellow'
        : 'red';
  return { zone, cumulativeProbability, typeI };
}
