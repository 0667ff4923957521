import type { OptionRight } from '../domain/instrument.ts';
import { normCdf, normPdf } from './normal.ts';
import { requireFinite, requireNonNegative, requirePositive } from './validate.ts';

export type { OptionRight };

/**
 * Black-76 price of a European option on a forward, in the quote currency:
 * call = D·(F·N(d1) − K·N(d2)), put = D·(K·N(−d2) − F·N(−d1)),
 * d1 = (ln(F/K) + σ²T/2)/(σ√T), d2 = d1 − σ√T. With σ√T = 0 (expired or zero vol) the price is
 * D × intrinsic. `discount` D = e^(−rT) (1 when rates are ignored).
 */
export function black76Price(
  right: OptionRight,
  forward: number,
  strike: number,
  timeYears: number,
  volAnnual: number,
  discount = 1,
): number {
  const sd = volAnnual * Math.sqrt(Math.max(timeYears, 0));
  if (!(sd > 0)) {
    return discount * Math.max(right === 'call' ? forward - strike : strike - forward, 0);
  }
  const d1 = (Math.log(forward / strike) + 0.5 * sd * sd) / sd;
  const d2 = d1 - sd;
  return right === 'call'
    ? discount * (forward * normCdf(d1) - strike * normCdf(d2))
    : discount * (strike * normCdf(-d2) - forward * normCdf(-d1));
}

/**
 * Price and first-order sensitivities of one option (per unit of underlying), in the conventions
 * of QuantLib and Haug:
 * - `price` in the settlement currency (quote currency for linear options, coin for inverse);
 * - `delta` = ∂V/∂(underlying) — the forward for Black-76, the spot for BSM;
 * - `gamma` = ∂²V/∂(underlying)², per unit of the underlying;
 * - `vega` = ∂V/∂σ per 1.00 change in volatility (100 vol points; divide by 100 per point);
 * - `theta` = −∂V/∂T per year: the change in value with the passage of time, negative for a
 *   long vanilla in usual conditions (divide by 365 for a calendar day);
 * - `rho` = ∂V/∂r per 1.00 change in the continuously compounded rate (divide by 10 000 per bp).
 */
export interface Greeks {
  readonly price: number;
  readonly delta: number;
  readonly gamma: number;
  readonly vega: number;
  readonly theta: number;
  readonly rho: number;
}

/** Inputs of Black-76 on a forward. */
export interface Black76Input {
  readonly right: OptionRight;
  /** Forward (or futures) price for the expiry, quote currency per unit of underlying; > 0. */
  readonly forward: number;
  /** Strike, quote currency per unit of underlying; > 0. */
  readonly strike: number;
  /** Time to expiry in years; ≥ 0. */
  readonly timeYears: number;
  /** Annualized volatility as a fraction (0.6 = 60 %); ≥ 0. */
  readonly volAnnual: number;
  /** Continuously compounded annual rate for the discount D = e^(−rT); default 0 (D = 1). */
  readonly rate?: number;
}

/**
 * Undiscounted Black terms of B(F, K, T, σ) = F·N(d1) − K·N(d2) (call) or K·N(−d2) − F·N(−d1)
 * (put), shared by Black-76 and BSM: the value and its partial derivatives with respect to the
 * forward (`dF`, `dFF`), the volatility (`dSigma`) and the time to expiry at fixed F and σ (`dT`).
 *
 * With σ√T = 0 the value is the intrinsic value; `dF` is ±1 in the money, 0 out of the money and
 * ±½ exactly at the money (the σ → 0 limit of N(d1), which keeps the put–call parity of delta:
 * call − put = 1); the second derivative (a Dirac mass at F = K) and `dSigma`, `dT` are 0.
 * @internal
 */
export interface BlackTerms {
  readonly value: number;
  readonly dF: number;
  readonly dFF: number;
  readonly dSigma: number;
  readonly dT: number;
}

/** @internal See {@link BlackTerms}. Inputs are assumed valid (checked by the callers). */
export function blackTerms(
  right: OptionRight,
  forward: number,
  strike: number,
  timeYears: number,
  volAnnual: number,
): BlackTerms {
  const sqrtT = Math.sqrt(timeYears);
  const sd = volAnnual * sqrtT;
  const sign = right === 'call' ? 1 : -1;
  if (!(sd > 0)) {
    const moneyness = sign * (forward - strike);
    const dF = moneyness > 0 ? sign : moneyness === 0 ? 0.5 * sign : 0;
    return { value: Math.max(moneyness, 0), dF, dFF: 0, dSigma: 0, dT: 0 };
  }
  const d1 = (Math.log(forward / strike) + 0.5 * sd * sd) / sd;
  const d2 = d1 - sd;
  const pdf = normPdf(d1);
  const value =
    right === 'call'
      ? forward * normCdf(d1) - strike * normCdf(d2)
      : strike * normCdf(-d2) - forward * normCdf(-d1);
  return {
    value,
    dF: right === 'call' ? normCdf(d1) : -normCdf(-d1),
    dFF: pdf / (forward * sd),
    dSigma: forward * pdf * sqrtT,
    dT: (forward * pdf * volAnnual) / (2 * sqrtT),
  };
}

function checkCommon(forward: number, strike: number, timeYears: number, volAnnual: number): void {
  requirePositive('forward', forward);
  requirePositive('strike', strike);
  requireNonNegative('timeYears', timeYears);
  requireNonNegative('volAnnual', volAnnual);
}

/**
 * Black-76 price and greeks of a linear (quote-settled) European option on a forward, in the
 * quote currency per unit of underlying, with discount D = e^(−rT) (`rate` default 0).
 *
 * - `delta` = ∂V/∂F = D·N(d1) (call), −D·N(−d1) (put); `gamma` = ∂²V/∂F² = D·φ(d1)/(F·σ√T);
 * - `vega` = D·F·φ(d1)·√T per 1.00 of vol;
 * - `theta` = −∂V/∂T per year at fixed F, σ, r = r·V − D·F·φ(d1)·σ/(2√T);
 * - `rho` = ∂V/∂r at fixed F = −T·V (the forward is an input, so only the discount moves).
 *
 * With T = 0 or σ = 0 the price is D × intrinsic, delta 0 / ±D (±D/2 exactly at the money),
 * gamma 0, vega 0, theta r·V (the discount's accrual only) and rho −T·V.
 * Throws `BackstopError('BAD_ARGUMENT')` for F ≤ 0, K ≤ 0, T < 0, σ < 0 or non-finite numbers.
 */
export function black76(input: Black76Input): Greeks {
  const { right, forward, strike, timeYears, volAnnual } = input;
  checkCommon(forward, strike, timeYears, volAnnual);
  const rate = requireFinite('rate', input.rate ?? 0);
  const discount = Math.exp(-rate * timeYears);
  const t = blackTerms(right, forward, strike, timeYears, volAnnual);
  const price = discount * t.value;
  return {
    price,
    delta: discount * t.dF,
    gamma: discount * t.dFF,
    vega: discount * t.dSigma,
    theta: rate * price - discount * t.dT,
    rho: -timeYears * price,
  };
}

/**
 * Greeks of an inverse option, all in coin (see {@link black76Inverse}), plus Deribit's
 * premium-adjusted delta.
 */
export interface InverseGreeks extends Greeks {
  /**
   * Deribit's options delta, in coin per coin of notional: the Black-76 delta minus the price in
   * coin, Δ − V/F, which equals F·∂(V/F)/∂F = ∂V_coin/∂ln F (the change of the coin value per
   * unit relative move of F). Deribit's FAQ explains it as the BTC delta on top of equity: the
   * option gains Δ in USD per $1, but the premium was paid in coin, which had delta V/F; it is
   * what Deribit adds to futures positions in "Delta Total".
   */
  readonly deltaPremiumAdjusted: number;
}

/**
 * Black-76 on a forward for an inverse (coin-settled, Deribit-style) option: the option pays its
 * quote-currency payoff converted to coin at expiry, and is quoted in coin. Deribit's convention
 * is used: the coin price is the quote-currency Black-76 value divided by the forward,
 * V_coin = V_quote(F)/F (Deribit quotes option prices in the underlying coin and computes implied
 * vols on the forward). This is exact when the coin and quote-currency rates are equal (Deribit
 * uses r = 0).
 *
 * Every field is a derivative of the coin value V_coin(F) = V(F)/F, in coin per unit of the
 * underlying (one coin of notional):
 * - `price` = V/F;
 * - `delta` = ∂(V/F)/∂F = Δ/F − V/F², coin per quote-currency unit of F;
 * - `gamma` = ∂²(V/F)/∂F² = Γ/F − 2Δ/F² + 2V/F³;
 * - `vega` = vega/F, `theta` = theta/F (F held fixed as time passes), `rho` = −T·V/F,
 * where V, Δ, Γ are the linear Black-76 value and greeks; plus `deltaPremiumAdjusted` = F·delta.
 */
export function black76Inverse(input: Black76Input): InverseGreeks {
  const g = black76(input);
  const f = input.forward;
  const price = g.price / f;
  const delta = g.delta / f - price / f;
  return {
    price,
    delta,
    gamma: g.gamma / f - (2 * g.delta) / (f * f) + (2 * price) / (f * f),
    vega: g.vega / f,
    theta: g.theta / f,
    rho: g.rho / f,
    deltaPremiumAdjusted: g.delta - price,
  };
}
