import { contractSizeOf, type Instrument, settlementOf } from '../../domain/instrument.ts';
import { pnlSettle } from '../../domain/position.ts';

/** One open position valued at its mark (price per contract: mark price, or option value). */
export interface MarkedLeg {
  readonly instrument: Instrument;
  /** Signed contracts (long > 0). */
  readonly qty: number;
  readonly mark: number;
}

/**
 * Change of the holder's equity (settlement currency) when `qty` contracts marked at `mark` are
 * closed at `price`: the P&L of a position opened at the mark and valued at the price. Linear
 * perpetuals / futures q·size·(p − m); inverse q·size·(1/m − 1/p); options and spot q·(p − m).
 */
export function closeValueChange(i: Instrument, qty: number, mark: number, price: number): number {
  if (i.kind === 'perpetual' || i.kind === 'future') return pnlSettle(i, qty, mark, price);
  return qty * (price - mark);
}

/** Closing price of a leg at concession `k`: longs sell at m·(1 − k), shorts buy at m·(1 + k). */
export function concessionPrice(leg: MarkedLeg, k: number): number {
  return leg.mark * (1 - Math.sign(leg.qty) * k);
}

export interface BankruptcyPrices {
  /** The common concession: > 0 when equity is positive (prices worse than mark for the holder). */
  readonly concession: number;
  /** One price per leg, in the input order. */
  readonly prices: readonly number[];
  /** How it was found: closed form when every leg is linear in k, else bisection. */
  readonly method: 'closed-form' | 'bisection';
}

const BISECTION_STEPS = 200;

/**
 * Bankruptcy prices of a multi-position account: the prices, one concession `k` for every leg in
 * proportion to its mark, at which closing all the legs leaves the account's equity at exactly
 * zero: Σ closeValueChange(leg, price(k)) = −equity. The value change is linear in k for linear
 * contracts and options (closed form k = equity / Σ|q|·size·m), and monotone for inverse ones
 * (bisection on k in (−1, 1), deterministic). For a single linear position this is the usual
 * bankruptcy price m − equity / (q·size).
 */
export function bankruptcyPrices(legs: readonly MarkedLeg[], equity: number): BankruptcyPrices {
  if (legs.length === 0) return { concession: 0, prices: [], method: 'closed-form' };
  const linearInK = legs.every((l) => !isInverseFutureLike(l.instrument));
  if (linearInK) {
    let slope = 0;
    for (const l of legs) slope += Math.abs(l.qty) * weightOf(l.instrument) * l.mark;
    const k = slope > 0 ? equity / slope : 0;
    // m − sign·(m·equity)/slope rather than m·(1 − sign·k): exact for round numbers (one leg: m − equity/(q·size))
    const prices = legs.map((l) =>
      slope > 0 ? l.mark - (Math.sign(l.qty) * (l.mark * equity)) / slope : l.mark,
    );
    return { concession: k, prices, method: 'closed-form' };
  }
  const total = (k: number): number => {
    let s = 0;
    for (const l of legs) s += closeValueChange(l.instrument, l.qty, l.mark, concessionPrice(l, k));
    return s;
  };
  // total(k) decreases in k; find total(k) = −equity on (−1, 1).
  let lo = -1 + 1e-12;
  let hi = 1 - 1e-12;
  for (let n = 0; n < BISECTION_STEPS && hi - lo > 1e-15; n++) {
    const mid = (lo + hi) / 2;
    if (total(mid) > -equity) lo = mid;
    else hi = mid;
  }
  const k = (lo + hi) / 2;
  return { concession: k, prices: legs.map((l) => concessionPrice(l, k)), method: 'bisection' };
}

function isInverseFutureLike(i: Instrument): boolean {
  return (i.kind === 'perpetual' || i.kind === 'future') && settlementOf(i) === 'inverse';
}

/** d(value change)/dk per unit of |q|·mark for legs linear in k. */
function weightOf(i: Instrument): number {
  return i.kind === 'perpetual' || i.kind === 'future' ? contractSizeOf(i) : 1;
}
