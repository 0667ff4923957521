import { BackstopError } from '../core/errors.ts';
import { err, ok, type Result } from '../core/result.ts';
import { type SviParams, sviTotalVariance, validateSvi } from './svi.ts';

/**
 * One expiry of a {@link VolSurface}, in log-moneyness k = ln(K/F_T) against that expiry's
 * forward:
 * - `svi`: raw SVI parameters (see {@link SviParams});
 * - `points`: implied vols at increasing log-moneyness, interpolated linearly in total variance
 *   w = σ²·T between points and held flat (constant w) beyond the first and last point.
 * `timeYears` is the slice's time to expiry in years (> 0); vols are annualized fractions.
 */
export type VolSliceInput =
  | { readonly kind: 'svi'; readonly timeYears: number; readonly params: SviParams }
  | {
      readonly kind: 'points';
      readonly timeYears: number;
      readonly logMoneyness: readonly number[];
      readonly volsAnnual: readonly number[];
    };

/** Why a surface was refused; `index` is the offending slice's position in the input. */
export interface VolSurfaceError {
  readonly reason: 'no-slices' | 'bad-expiry' | 'duplicate-expiry' | 'bad-svi' | 'bad-points';
  readonly message: string;
  readonly index?: number;
}

/**
 * A `points` slice from strikes (quote currency) and the expiry's forward: k = ln(K/F). Strikes
 * must be increasing and positive, which {@link VolSurface.create} checks through k.
 */
export function strikePointsSlice(args: {
  readonly timeYears: number;
  readonly forward: number;
  readonly strikes: readonly number[];
  readonly volsAnnual: readonly number[];
}): VolSliceInput {
  return {
    kind: 'points',
    timeYears: args.timeYears,
    logMoneyness: args.strikes.map((k) => Math.log(k / args.forward)),
    volsAnnual: args.volsAnnual,
  };
}

interface Slice {
  readonly timeYears: number;
  /** Total variance w(k) of this expiry. */
  readonly totalVariance: (logMoneyness: number) => number;
}

/**
 * An implied-volatility surface: per-expiry slices in log-moneyness, interpolated across
 * expiries linearly in total variance w(k, T) = σ²(k, T)·T at fixed k (so the forward variance
 * is constant between expiries):
 * - T_i ≤ T ≤ T_(i+1): w = w_i(k) + (w_(i+1)(k) − w_i(k))·(T − T_i)/(T_(i+1) − T_i);
 * - T < T_1 (before the first expiry): w = w_1(k)·T/T_1, flat forward variance from 0, so the
 *   implied vol is the first slice's;
 * - T > T_n (after the last expiry): w = w_n(k)·T/T_n, forward variance held at the last
 *   slice's average rate w_n/T_n, so the implied vol is the last slice's (QuantLib's
 *   `BlackVarianceSurface` extrapolates the same way).
 * Calendar arbitrage (w decreasing in T at some k) is not checked.
 */
export class VolSurface {
  readonly #slices: readonly Slice[];

  private constructor(slices: readonly Slice[]) {
    this.#slices = slices;
  }

  /** Validates and sorts the slices by expiry; refuses bad SVI, bad points or duplicate expiries. */
  static create(inputs: readonly VolSliceInput[]): Result<VolSurface, VolSurfaceError> {
    if (inputs.length === 0)
      return err({ reason: 'no-slices', message: 'a surface needs at least one slice' });
    const slices: Slice[] = [];
    for (const [index, input] of inputs.entries()) {
      if (!(Number.isFinite(input.timeYears) && input.timeYears > 0)) {
        return err({
          reason: 'bad-expiry',
          message: `slice ${index}: timeYears must be a finite number > 0, got ${input.timeYears}`,
          index,
        });
      }
      if (input.kind === 'svi') {
        const valid = validateSvi(input.params);
        if (!valid.ok)
          return err({ reason: 'bad-svi', message: `slice ${index}: ${valid.error.message}`, index });
        const params = valid.value;
        slices.push({ timeYears: input.timeYears, totalVariance: (k) => sviTotalVariance(params, k) });
      } else {
        const built = pointsSlice(input.logMoneyness, input.volsAnnual, input.timeYears);
        if (typeof built === 'string')
          return err({ reason: 'bad-points', message: `slice ${index}: ${built}`, index });
        slices.push({ timeYears: input.timeYears, totalVariance: built });
      }
    }
    slices.sort((x, y) => x.timeYears - y.timeYears);
    for (let i = 1; i < slices.length; i++) {
      if (slices[i]!.timeYears === slices[i - 1]!.timeYears) {
        return err({
          reason: 'duplicate-expiry',
          message: `two slices expire at timeYears ${slices[i]!.timeYears}`,
        });
      }
    }
    return ok(new VolSurface(slices));
  }

  /** Times to expiry of the slices in years, increasing. */
  get expiriesYears(): readonly number[] {
    return this.#slices.map((s) => s.timeYears);
  }

  /**
   * Total implied variance w (vol² × years) at log-moneyness k = ln(K/F_T) and time to expiry
   * `timeYears` ≥ 0 (0 gives 0). Throws `BackstopError('BAD_ARGUMENT')` for non-finite k or a
   * negative or non-finite time.
   */
  totalVariance(logMoneyness: number, timeYears: number): number {
    checkQuery(logMoneyness, timeYears);
    const slices = this.#slices;
    const first = slices[0]!;
    const last = slices[slices.length - 1]!;
    if (timeYears <= first.timeYears)
      return (first.totalVariance(logMoneyness) * timeYears) / first.timeYears;
    if (timeYears >= last.timeYears) return (last.totalVariance(logMoneyness) * timeYears) / last.timeYears;
    let hiIndex = 1;
    while (slices[hiIndex]!.timeYears < timeYears) hiIndex++;
    const lo = slices[hiIndex - 1]!;
    const hi = slices[hiIndex]!;
    const weight = (timeYears - lo.timeYears) / (hi.timeYears - lo.timeYears);
    const wLo = lo.totalVariance(logMoneyness);
    return wLo + (hi.totalVariance(logMoneyness) - wLo) * weight;
  }

  /**
   * Annualized implied vol √(w(k, T)/T) at log-moneyness k = ln(K/F_T) and `timeYears` ≥ 0; at
   * T = 0 the limit, the first slice's vol at k. A negative interpolated variance gives 0.
   */
  impliedVol(logMoneyness: number, timeYears: number): number {
    if (timeYears === 0) {
      const first = this.#slices[0]!;
      checkQuery(logMoneyness, timeYears);
      return Math.sqrt(Math.max(first.totalVariance(logMoneyness), 0) / first.timeYears);
    }
    return Math.sqrt(Math.max(this.totalVariance(logMoneyness, timeYears), 0) / timeYears);
  }

  /** Annualized implied vol at a strike, given the forward F_T for `timeYears` (both quote currency). */
  impliedVolAtStrike(strike: number, forward: number, timeYears: number): number {
    if (!(strike > 0 && forward > 0)) {
      throw new BackstopError(
        'BAD_ARGUMENT',
        `strike and forward must be > 0, got ${strike} and ${forward}`,
        {
          field: 'strike',
          value: String(strike),
        },
      );
    }
    return this.impliedVol(Math.log(strike / forward), timeYears);
  }
}

function checkQuery(logMoneyness: number, timeYears: number): void {
  if (!Number.isFinite(logMoneyness)) {
    throw new BackstopError('BAD_ARGUMENT', `logMoneyness must be finite, got ${logMoneyness}`, {
      field: 'logMoneyness',
      value: String(logMoneyness),
    });
  }
  if (!(Number.isFinite(timeYears) && timeYears >= 0)) {
    throw new BackstopError('BAD_ARGUMENT', `timeYears must be a finite number ≥ 0, got ${timeYears}`, {
      field: 'timeYears',
      value: String(timeYears),
    });
  }
}

/** Builds w(k) for a points slice, or returns why the points are bad. */
function pointsSlice(
  logMoneyness: readonly number[],
  volsAnnual: readonly number[],
  timeYears: number,
): ((k: number) => number) | string {
  const n = logMoneyness.length;
  if (n === 0) return 'a points slice needs at least one point';
  if (volsAnnual.length !== n) return `${n} log-moneyness values but ${volsAnnual.length} vols`;
  const ks = Float64Array.from(logMoneyness);
  const ws = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = ks[i]!;
    const vol = volsAnnual[i]!;
    if (!Number.isFinite(k))
      return `log-moneyness ${i} is not finite (${k}): strikes and forward must be > 0`;
    if (i > 0 && !(k > ks[i - 1]!)) return `log-moneyness must increase strictly, got ${ks[i - 1]} then ${k}`;
    if (!(Number.isFinite(vol) && vol >= 0)) return `vol ${i} must be a finite number ≥ 0, got ${vol}`;
    ws[i] = vol * vol * timeYears;
  }
  return (k) => {
    if (k <= ks[0]!) return ws[0]!;
    if (k >= ks[n - 1]!) return ws[n - 1]!;
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (ks[mid]! <= k) lo = mid;
      else hi = mid;
    }
    const weight = (k - ks[lo]!) / (ks[hi]! - ks[lo]!);
    return ws[lo]! + (ws[hi]! - ws[lo]!) * weight;
  };
}
