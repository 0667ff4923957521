import { normCdf } from './normal.ts';

export type OptionRight = 'call' | 'put';

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
