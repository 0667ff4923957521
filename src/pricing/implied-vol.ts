import { err, ok, type Result } from '../core/result.ts';
import { blackTerms, type OptionRight } from './black76.ts';

/** Lower end of the volatility bracket searched by {@link impliedVol} (annualized, fraction). */
export const IMPLIED_VOL_MIN = 1e-6;
/** Upper end of the volatility bracket searched by {@link impliedVol} (annualized: 1000 %). */
export const IMPLIED_VOL_MAX = 10;
/** Default iteration budget of {@link impliedVol}. */
export const IMPLIED_VOL_MAX_ITERATIONS = 100;

/** Inputs of {@link impliedVol}: a Black-76 price on a forward, in the quote currency. */
export interface ImpliedVolInput {
  readonly right: OptionRight;
  /** Forward price, quote currency per unit of underlying; > 0. */
  readonly forward: number;
  /** Strike, quote currency per unit of underlying; > 0. */
  readonly strike: number;
  /** Time to expiry in years; ≥ 0. */
  readonly timeYears: number;
  /** Option price to match, quote currency per unit of underlying (discounted, as Black-76). */
  readonly price: number;
  /** Discount factor D = e^(−rT) to expiry; > 0; default 1. */
  readonly discount?: number;
  /**
   * Absolute tolerance on the price, quote currency; > 0.
   * Default 1e-12 × D × max(F, K).
   */
  readonly priceTolerance?: number;
  /** Iteration budget (integer ≥ 1); default {@link IMPLIED_VOL_MAX_ITERATIONS}. */
  readonly maxIterations?: number;
}

/** A solved implied volatility. */
export interface ImpliedVolSolution {
  /** Annualized Black-76 volatility, fraction (0.6 = 60 %). */
  readonly volAnnual: number;
  /** Price evaluations of the Newton/bisection loop (0 when a bracket end matched). */
  readonly iterations: number;
}

/**
 * Why no volatility was returned:
 * - `bad-input`: a non-finite number, F ≤ 0, K ≤ 0, T < 0, D ≤ 0, a bad tolerance or budget;
 * - `below-intrinsic`: price < D × intrinsic − tolerance (includes negative prices);
 * - `above-max`: price ≥ the no-arbitrage maximum (D·F for a call, D·K for a put), or above the
 *   price at the top of the bracket ({@link IMPLIED_VOL_MAX}) — the message says which;
 * - `no-time-value`: T = 0, or the time value (price − D × intrinsic) is within the tolerance
 *   of 0 or below the price at the bottom of the bracket ({@link IMPLIED_VOL_MIN}): the
 *   volatility is not determined by the price;
 * - `not-converged`: the iteration budget ran out before the tolerance was met.
 */
export type ImpliedVolReason =
  | 'below-intrinsic'
  | 'above-max'
  | 'no-time-value'
  | 'not-converged'
  | 'bad-input';

/** A typed failure of {@link impliedVol}, with a one-line message giving the numbers. */
export interface ImpliedVolFailure {
  readonly reason: ImpliedVolReason;
  readonly message: string;
}

const fail = (reason: ImpliedVolReason, message: string) => err<ImpliedVolFailure>({ reason, message });

/**
 * Black-76 implied volatility (annualized) of a European option price on a forward. Always
 * terminates, with a volatility or a typed reason.
 *
 * Method: the price is reduced to its time value, which is the price of the out-of-the-money
 * option of the same strike (put–call parity), so deep in-the-money prices do not lose digits.
 * The root of D·B_otm(σ) − timeValue is then bracketed in [{@link IMPLIED_VOL_MIN},
 * {@link IMPLIED_VOL_MAX}] and found by Newton steps on vega started at the inflection point
 * σ₀ = √(2|ln(F/K)|/T) (Manaster–Koehler 1982, from which Newton converges monotonically),
 * safeguarded by bisection whenever a step leaves the current bracket. It stops when the price
 * is within `priceTolerance`, or when the bracket has shrunk to a few ulps of σ (the price is
 * then as close as float64 allows), or when the iteration budget runs out (`not-converged`).
 */
export function impliedVol(input: ImpliedVolInput): Result<ImpliedVolSolution, ImpliedVolFailure> {
  const { right, forward, strike, timeYears, price } = input;
  const discount = input.discount ?? 1;
  const maxIterations = input.maxIterations ?? IMPLIED_VOL_MAX_ITERATIONS;
  const bad = badInput(input, discount, maxIterations);
  if (bad !== null) return fail('bad-input', bad);
  const tolerance = input.priceTolerance ?? 1e-12 * discount * Math.max(forward, strike);

  const intrinsic = discount * Math.max(right === 'call' ? forward - strike : strike - forward, 0);
  const upper = discount * (right === 'call' ? forward : strike);
  if (price < intrinsic - tolerance) {
    return fail('below-intrinsic', `price ${price} is below the discounted intrinsic value ${intrinsic}`);
  }
  if (price >= upper) {
    return fail(
      'above-max',
      `price ${price} is at or above the no-arbitrage maximum ${upper} (D×${right === 'call' ? 'F' : 'K'})`,
    );
  }
  if (timeYears === 0) {
    return fail(
      'no-time-value',
      'timeYears is 0: an expired option has no time value to imply a volatility from',
    );
  }
  const timeValue = price - intrinsic;
  if (timeValue <= tolerance) {
    return fail(
      'no-time-value',
      `time value ${timeValue} is within the tolerance ${tolerance} of 0: the volatility is undetermined`,
    );
  }

  // The out-of-the-money option of this strike is worth the time value.
  const otm: OptionRight = strike > forward ? 'call' : strike < forward ? 'put' : right;
  const f = (vol: number) => discount * blackTerms(otm, forward, strike, timeYears, vol).value - timeValue;

  let lo = IMPLIED_VOL_MIN;
  let hi = IMPLIED_VOL_MAX;
  const fLo = f(lo);
  if (Math.abs(fLo) <= tolerance) return ok({ volAnnual: lo, iterations: 0 });
  if (fLo > 0) {
    return fail(
      'no-time-value',
      `time value ${timeValue} is below the value ${fLo + timeValue} at vol ${IMPLIED_VOL_MIN}: the implied vol is below the bracket`,
    );
  }
  const fHi = f(hi);
  if (Math.abs(fHi) <= tolerance) return ok({ volAnnual: hi, iterations: 0 });
  if (fHi < 0) {
    return fail(
      'above-max',
      `price ${price} is above the price ${fHi + timeValue + intrinsic} at vol ${IMPLIED_VOL_MAX}, the top of the bracket`,
    );
  }

  const logMoneyness = Math.log(forward / strike);
  let vol = Math.min(Math.max(Math.sqrt((2 * Math.abs(logMoneyness)) / timeYears), lo), hi);
  let residual = Number.NaN;
  for (let i = 1; i <= maxIterations; i++) {
    const terms = blackTerms(otm, forward, strike, timeYears, vol);
    residual = discount * terms.value - timeValue;
    if (Math.abs(residual) <= tolerance) return ok({ volAnnual: vol, iterations: i });
    if (residual < 0) lo = vol;
    else hi = vol;
    if (hi - lo <= 4 * Number.EPSILON * hi) return ok({ volAnnual: vol, iterations: i });
    const newton = vol - residual / (discount * terms.dSigma);
    vol = newton > lo && newton < hi ? newton : 0.5 * (lo + hi);
  }
  return fail(
    'not-converged',
    `no convergence in ${maxIterations} iterations: last vol ${vol}, bracket [${lo}, ${hi}], price error ${residual}, tolerance ${tolerance}`,
  );
}

function badInput(input: ImpliedVolInput, discount: number, maxIterations: number): string | null {
  const checks: [string, number, boolean][] = [
    ['forward', input.forward, input.forward > 0],
    ['strike', input.strike, input.strike > 0],
    ['timeYears', input.timeYears, input.timeYears >= 0],
    ['price', input.price, true],
    ['discount', discount, discount > 0],
    ['priceTolerance', input.priceTolerance ?? 1, (input.priceTolerance ?? 1) > 0],
    ['maxIterations', maxIterations, Number.isInteger(maxIterations) && maxIterations >= 1],
  ];
  for (const [field, value, inRange] of checks) {
    if (!Number.isFinite(value)) return `${field} must be a finite number, got ${value}`;
    if (!inRange) return `${field} is out of range: ${value}`;
  }
  if (input.right !== 'call' && input.right !== 'put')
    return `right must be 'call' or 'put', got ${input.right}`;
  return null;
}
