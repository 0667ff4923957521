import { blackTerms, type Greeks, type OptionRight } from './black76.ts';
import { requireFinite, requireNonNegative, requirePositive } from './validate.ts';

/** Inputs of the generalized Black–Scholes–Merton model on a spot price. */
export interface BsmInput {
  readonly right: OptionRight;
  /** Spot price, quote currency per unit of underlying; > 0. */
  readonly spot: number;
  /** Strike, quote currency per unit of underlying; > 0. */
  readonly strike: number;
  /** Time to expiry in years; ≥ 0. */
  readonly timeYears: number;
  /** Annualized volatility as a fraction (0.6 = 60 %); ≥ 0. */
  readonly volAnnual: number;
  /** Continuously compounded annual risk-free rate r; default 0. */
  readonly rate?: number;
  /**
   * Continuous annual dividend yield q (the foreign rate for FX, a funding/borrow yield for
   * crypto); default 0. The cost of carry is b = r − q.
   */
  readonly dividendYield?: number;
}

/** BSM greeks (see {@link Greeks} for the units) plus the sensitivity to the dividend yield. */
export interface BsmGreeks extends Greeks {
  /** ∂V/∂q per 1.00 change in the dividend yield, r fixed (QuantLib `dividendRho`). */
  readonly dividendRho: number;
}

/**
 * Generalized Black–Scholes–Merton (Haug, The Complete Guide to Option Pricing Formulas, ch. 1) on
 * a spot S with cost of carry b = r − q: the Black-76 formula on the forward F = S·e^(bT)
 * discounted with D = e^(−rT).
 * b = r is Black–Scholes (1973), b = r − q Merton (1973), b = 0 Black (1976) with S the futures
 * price, b = r − r_f Garman–Kohlhagen (1983).
 *
 * Units, in the conventions of QuantLib and Haug (quote currency per unit of underlying):
 * - `delta` = ∂V/∂S = e^(−qT)·N(d1) (call), −e^(−qT)·N(−d1) (put);
 * - `gamma` = ∂²V/∂S² = e^(−qT)·φ(d1)/(S·σ√T), per unit of spot;
 * - `vega` = S·e^(−qT)·φ(d1)·√T per 1.00 of vol;
 * - `theta` = −∂V/∂T per year with S, r, q fixed = r·V − b·S·Δ − S·e^(−qT)·φ(d1)·σ/(2√T)
 *   (the BSM equation: θ = r·V − b·S·Δ − ½σ²S²Γ);
 * - `rho` = ∂V/∂r per 1.00 with q fixed (the carry moves with r) = T·(S·Δ − V), which is
 *   T·K·e^(−rT)·N(d2) for a call and −T·K·e^(−rT)·N(−d2) for a put;
 * - `dividendRho` = ∂V/∂q per 1.00 with r fixed = −T·S·Δ.
 *
 * Note: with b = 0 the price equals Black-76 on F = S, but `rho` differs: BSM holds q fixed so
 * the forward moves with r, Black-76 holds the forward fixed (rho = −T·V).
 * With T = 0 or σ = 0: the discounted intrinsic value of the forward, delta 0 / ±e^(−qT)
 * (half of it exactly at the money), gamma and vega 0.
 * Throws `BackstopError('BAD_ARGUMENT')` for S ≤ 0, K ≤ 0, T < 0, σ < 0 or non-finite numbers.
 */
export function bsm(input: BsmInput): BsmGreeks {
  const { right, spot, strike, timeYears, volAnnual } = input;
  requirePositive('spot', spot);
  requirePositive('strike', strike);
  requireNonNegative('timeYears', timeYears);
  requireNonNegative('volAnnual', volAnnual);
  const rate = requireFinite('rate', input.rate ?? 0);
  const dividendYield = requireFinite('dividendYield', input.dividendYield ?? 0);
  const carry = rate - dividendYield;
  const growth = Math.exp(carry * timeYears); // F/S
  const forward = spot * growth;
  const discount = Math.exp(-rate * timeYears);
  const t = blackTerms(right, forward, strike, timeYears, volAnnual);
  const price = discount * t.value;
  // ∂F/∂S = e^(bT); ∂F/∂T = b·F; ∂F/∂r = T·F; ∂F/∂q = −T·F; ∂D/∂T = −r·D; ∂D/∂r = −T·D.
  const forwardDelta = discount * forward * t.dF; // D·F·∂B/∂F = S·Δ
  return {
    price,
    delta: discount * growth * t.dF,
    gamma: discount * growth * growth * t.dFF,
    vega: discount * t.dSigma,
    theta: rate * price - carry * forwardDelta - discount * t.dT,
    rho: timeYears * (forwardDelta - price),
    dividendRho: -timeYears * forwardDelta,
  };
}
