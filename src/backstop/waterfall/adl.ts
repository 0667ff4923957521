import { BackstopError } from '../../core/errors.ts';
import { allocate } from '../../core/money.ts';
import { SeededRng } from '../../core/rng.ts';

/**
 * Auto-deleveraging (waterfall step e): rank the opposite-side positions by a selectable rule and
 * close them against the bankrupt position, from the top of the ranking or pro rata, at the
 * bankruptcy price or the mark as configured. Sizes are exact integer lots (bigint); ranking
 * scores are floats (risk math, never money). Sources and formulas: docs/concepts/adl-and-fund.md.
 */

export type Side = 'long' | 'short';
export type AdlRule = 'bitmex' | 'hyperliquid' | 'dydx-random' | 'pro-rata';

export interface AdlCandidate {
  readonly account: string;
  readonly side: Side;
  /** Position size in lots / base quantums, > 0. */
  readonly size: bigint;
  /** Quote value of one lot at price 1 (contract multiplier); notional = size × lotValue × price. Default 1. */
  readonly lotValue?: number;
  readonly entryPrice: number;
  readonly markPrice: number;
  /** Account value (equity / margin balance) backing the position, in quote. */
  readonly accountValue: number;
  /** The candidate's own bankruptcy price; used by the BitMEX effective leverage when given. */
  readonly bankruptcyPrice?: number;
}

export interface RankedCandidate extends AdlCandidate {
  /** 1 = deleveraged first. */
  readonly rank: number;
  /** The rule's score (higher = earlier); for dydx-random the draw position, for pro-rata the size. */
  readonly score: number;
}

export interface RankOptions {
  /** Seed for `dydx-random` (required there). */
  readonly seed?: number;
  /** Side of the bankrupt position: when given, only candidates on the other side are ranked. */
  readonly against?: Side;
  /**
   * Hyperliquid documents `(mark / entry) × (notional / account value)`. `side-aware` (default)
   * uses entry / mark for shorts so that profit ranks first on both sides; `literal` uses the
   * documented ratio for both sides.
   */
  readonly hyperliquidPriceRatio?: 'side-aware' | 'literal';
}

function bad(message: string, fields: Record<string, string | number | boolean | null> = {}): never {
  throw new BackstopError('BAD_ARGUMENT', message, fields);
}

/** bigint min (Math.min does not take bigint). */
const minLots = (a: bigint, b: bigint): bigint => (b < a ? b : a);

const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function notional(c: AdlCandidate): number {
  return Number(c.size) * (c.lotValue ?? 1) * c.markPrice;
}

/** Effective leverage; +∞ when the account value is ≤ 0. */
export function effectiveLeverage(c: AdlCandidate): number {
  const q = Number(c.size) * (c.lotValue ?? 1);
  const sign = c.side === 'long' ? 1 : -1;
  if (c.bankruptcyPrice !== undefined) {
    // BitMEX: |Mark Value| / (Mark Value − Bankrupt Value), values signed by side.
    const mv = sign * q * c.markPrice;
    const bv = sign * q * c.bankruptcyPrice;
    const cushion = mv - bv;
    return cushion > 0 ? Math.abs(mv) / cushion : Number.POSITIVE_INFINITY;
  }
  return c.accountValue > 0 ? notional(c) / c.accountValue : Number.POSITIVE_INFINITY;
}

/** BitMEX PnL percentage: (Mark Value − Avg Entry Value) / |Avg Entry Value|, values signed by side. */
export function pnlFraction(c: AdlCandidate): number {
  const sign = c.side === 'long' ? 1 : -1;
  return (sign * (c.markPrice - c.entryPrice)) / c.entryPrice;
}

/** BitMEX: PnL% × effective leverage when in profit, PnL% / effective leverage when in loss. */
export function bitmexScore(c: AdlCandidate): number {
  const pnl = pnlFraction(c);
  if (pnl === 0) return 0;
  const lev = effectiveLeverage(c);
  return pnl > 0 ? pnl * lev : pnl / lev;
}

/** Hyperliquid: (mark / entry) × (notional / account value). */
export function hyperliquidScore(c: AdlCandidate, ratio: 'side-aware' | 'literal' = 'side-aware'): number {
  const priceRatio =
    ratio === 'literal' || c.side === 'long' ? c.markPrice / c.entryPrice : c.entryPrice / c.markPrice;
  const lev = c.accountValue > 0 ? notional(c) / c.accountValue : Number.POSITIVE_INFINITY;
  return priceRatio * lev;
}

function validate(c: AdlCandidate): void {
  if (c.size <= 0n) bad(`ADL candidate ${c.account} has size ≤ 0`, { account: c.account });
  for (const [k, v] of [
    ['entryPrice', c.entryPrice],
    ['markPrice', c.markPrice],
  ] as const) {
    if (!(Number.isFinite(v) && v > 0)) bad(`ADL candidate ${c.account}: ${k} must be > 0, got ${v}`);
  }
  if (!Number.isFinite(c.accountValue)) bad(`ADL candidate ${c.account}: account value not finite`);
}

/**
 * Ranks candidates for ADL, best first. Ties in score break by account id, so the result does not
 * depend on input order. `dydx-random`: accounts sorted by id, then rotated to start at an index
 * drawn from `SeededRng(seed)` (dYdX v4 iterates from a pseudo-random starting index).
 * `pro-rata`: everyone shares; listed by size desc then id.
 */
export function rankForAdl(
  candidates: readonly AdlCandidate[],
  rule: AdlRule,
  opts: RankOptions = {},
): RankedCandidate[] {
  const pool = candidates.filter((c) => opts.against === undefined || c.side !== opts.against);
  const ids = new Set<string>();
  for (const c of pool) {
    validate(c);
    if (ids.has(c.account)) bad(`duplicate ADL candidate ${c.account}`, { account: c.account });
    ids.add(c.account);
  }
  let scored: { c: AdlCandidate; score: number }[];
  switch (rule) {
    case 'bitmex':
    case 'hyperliquid': {
      scored = pool.map((c) => ({
        c,
        score: rule === 'bitmex' ? bitmexScore(c) : hyperliquidScore(c, opts.hyperliquidPriceRatio),
      }));
      for (const s of scored) if (Number.isNaN(s.score)) bad(`ADL score is NaN for ${s.c.account}`);
      scored.sort((a, b) => (a.score === b.score ? cmpStr(a.c.account, b.c.account) : b.score - a.score));
      break;
    }
    case 'dydx-random': {
      if (opts.seed === undefined) bad('dydx-random ranking needs a seed');
      const sorted = [...pool].sort((a, b) => cmpStr(a.account, b.account));
      const n = sorted.length;
      const start = n === 0 ? 0 : new SeededRng(opts.seed).nextInt(0, n - 1);
      scored = sorted.map((_, i) => ({ c: sorted[(start + i) % n] as AdlCandidate, score: n - i }));
      break;
    }
    case 'pro-rata': {
      scored = pool.map((c) => ({ c, score: Number(c.size) }));
      scored.sort((a, b) =>
        a.c.size === b.c.size ? cmpStr(a.c.account, b.c.account) : a.c.size > b.c.size ? -1 : 1,
      );
      break;
    }
  }
  return scored.map((s, i) => ({ ...s.c, rank: i + 1, score: s.score }));
}

export type AdlPriceBasis = 'bankruptcy' | 'mark';

export interface AdlPricing<P> {
  readonly basis: AdlPriceBasis;
  /** Bankruptcy price of the position being deleveraged. */
  readonly bankruptcyPrice: P;
  readonly markPrice: P;
}

export interface AdlFill<P> {
  readonly account: string;
  readonly side: Side;
  /** Lots closed, 0 < size ≤ the candidate's size. */
  readonly size: bigint;
  readonly price: P;
  readonly basis: AdlPriceBasis;
  readonly rank: number;
}

export interface AdlAllocation<P> {
  readonly fills: AdlFill<P>[];
  /** Σ fill sizes. */
  readonly closed: bigint;
  /** quantityToClose − closed: more than the opposite side holds. */
  readonly unfilled: bigint;
}

/**
 * Closes `quantityToClose` lots against the ranked positions: `rank` walks from the top, each
 * position closed in full before the next; `pro-rata` splits by size with exact largest-remainder
 * integer shares (Σ = min(quantity, Σ sizes), nobody above their size). All fills at one price.
 */
export function allocateAdl<P>(
  ranked: readonly RankedCandidate[],
  quantityToClose: bigint,
  mode: 'rank' | 'pro-rata',
  pricing: AdlPricing<P>,
): AdlAllocation<P> {
  if (quantityToClose < 0n) bad('quantity to close must be ≥ 0', { quantity: quantityToClose.toString() });
  const price = pricing.basis === 'bankruptcy' ? pricing.bankruptcyPrice : pricing.markPrice;
  const order = [...ranked].sort((a, b) => a.rank - b.rank);
  for (const r of order) if (r.size <= 0n) bad(`ranked position ${r.account} has size ≤ 0`);
  const total = order.reduce((s, r) => s + r.size, 0n);
  const target = quantityToClose < total ? quantityToClose : total;
  const sizes: bigint[] = [];
  if (target > 0n) {
    if (mode === 'rank') {
      let left = target;
      for (const r of order) {
        const take = minLots(r.size, left);
        sizes.push(take);
        left -= take;
      }
    } else {
      const shares = allocate(
        { units: target, scale: 0, currency: 'LOT' },
        order.map((r) => r.size),
      );
      for (const s of shares) sizes.push(s.units);
    }
  }
  const fills: AdlFill<P>[] = [];
  order.forEach((r, i) => {
    const size = sizes[i] ?? 0n;
    if (size > r.size) throw new BackstopError('INVARIANT', `ADL fill above position for ${r.account}`);
    if (size > 0n)
      fills.push({ account: r.account, side: r.side, size, price, basis: pricing.basis, rank: r.rank });
  });
  return { fills, closed: target, unfilled: quantityToClose - target };
}
