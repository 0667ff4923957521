import { BackstopError } from '../core/errors.ts';
import type { LiquidityView } from '../liquidity/order-book.ts';

/**
 * Liquidity-adjusted VaR (docs/concepts/var-estimators.md § Liquidity). Everything is a fraction
 * of the position's value, like the market VaR it is added to: 0.001 = 10 bps.
 *
 * - Exogenous (Bangia, Diebold, Schuermann & Stroughair 1999): the cost of crossing half of a
 *   stressed relative spread, ½(μ_s + kσ_s), from a history of relative spreads (ask − bid)/mid.
 * - Endogenous: the cost of liquidating the actual position through the current book,
 *   |avg − mid|/mid of the walk.
 */

function bad(fn: string, message: string, fields: Record<string, string | number> = {}): never {
  throw new BackstopError('BAD_ARGUMENT', `${fn}: ${message}`, fields);
}

function checkFinite(fn: string, name: string, x: number): void {
  if (!Number.isFinite(x)) bad(fn, `${name} must be finite, got ${x}`, { [name]: x });
}

/** Bangia et al.'s spread multiplier: about the 99 % quantile of their spread distributions. */
export const DEFAULT_BANGIA_K = 3;
/** Charge per unit of notional the book cannot absorb (as the margin liquidity add-on). */
export const DEFAULT_UNFILLED_PENALTY_FRAC = 0.25;

export interface ExogenousLiquidityCost {
  /** ½(meanSpread + k·sdSpread), a fraction of value. */
  readonly cost: number;
  readonly meanSpread: number;
  /** Sample standard deviation (N − 1) of the relative spreads. */
  readonly sdSpread: number;
  readonly k: number;
}

/**
 * ½(μ_s + kσ_s) of a series of relative spreads (ask − bid)/mid as fractions (not bps), each
 * finite and ≥ 0, at least two of them (σ_s is the N − 1 sample standard deviation); k ≥ 0.
 */
export function exogenousLiquidityCost(
  spreads: readonly number[],
  k: number = DEFAULT_BANGIA_K,
): ExogenousLiquidityCost {
  const fn = 'exogenousLiquidityCost';
  if (!(Number.isFinite(k) && k >= 0)) bad(fn, `k must be finite and ≥ 0, got ${k}`, { k });
  if (!Array.isArray(spreads) || spreads.length < 2) {
    bad(fn, `needs at least 2 relative spreads, got ${Array.isArray(spreads) ? spreads.length : 'none'}`);
  }
  let sum = 0;
  for (let i = 0; i < spreads.length; i++) {
    const s = spreads[i]!;
    if (!(Number.isFinite(s) && s >= 0)) {
      bad(fn, `relative spread ${i} must be finite and ≥ 0 (a fraction, not bps), got ${s}`, {
        index: i,
        value: s,
      });
    }
    sum += s;
  }
  const meanSpread = sum / spreads.length;
  let ss = 0;
  for (const s of spreads) ss += (s - meanSpread) ** 2;
  const sdSpread = Math.sqrt(ss / (spreads.length - 1));
  return { cost: 0.5 * (meanSpread + k * sdSpread), meanSpread, sdSpread, k };
}

/** Bangia et al. exogenous liquidity-adjusted VaR: marketVar + ½(μ_s + kσ_s), all fractions. */
export function bangiaExogenous(
  marketVar: number,
  spreads: readonly number[],
  k: number = DEFAULT_BANGIA_K,
): number {
  checkFinite('bangiaExogenous', 'marketVar', marketVar);
  return marketVar + exogenousLiquidityCost(spreads, k).cost;
}

/** The position being liquidated: a long sells into the bids, a short buys from the asks. */
export type PositionSide = 'long' | 'short';

export interface EndogenousOptions {
  /**
   * Charge per unit of notional the book cannot absorb, in [0, 1]; default 0.25. Applied as a
   * floor: the unfilled remainder pays at least the distance of the deepest price reached.
   */
  readonly unfilledPenaltyFrac?: number;
  /** Reference price when the view has no mid (a one-sided or empty book), e.g. the mark. */
  readonly referencePrice?: number;
}

export interface EndogenousLiquidityCost {
  /** Cost of the liquidation as a fraction of the position's notional at the reference price. */
  readonly cost: number;
  /** mid, or `referencePrice` when the view has no mid. */
  readonly reference: number;
  /** positionBase × reference: the quote notional walked. */
  readonly notionalQuote: number;
  readonly filledQuote: number;
  readonly unfilledQuote: number;
  /** Average fill price; null when nothing filled. */
  readonly avgPrice: number | null;
  /** |avg − reference| / reference of the filled part (0 when nothing filled). */
  readonly walkCost: number;
  /** Rate charged on the unfilled part: max(unfilledPenaltyFrac, |worst − reference|/reference); 0 when complete. */
  readonly unfilledRate: number;
  readonly complete: boolean;
}

/**
 * Endogenous liquidity cost of liquidating `positionBase` (base units, ≥ 0) held `side`, through
 * `view`: the walk is sized in quote at the reference price, N = positionBase × ref (ref = mid, or
 * `referencePrice` when the view has no mid), sold into the bids (long) or bought from the asks
 * (short). A complete walk costs |avg − ref|/ref. When the book runs out (conservative choice) the
 * filled quote share w = filled/N pays its walk cost and the rest pays the unfilled rate
 * max(unfilledPenaltyFrac, |worst − ref|/ref) — never less than the deepest level reached:
 * cost = w·|avg − ref|/ref + (1 − w)·rate. An empty side costs unfilledPenaltyFrac.
 */
export function endogenousLiquidityCost(
  positionBase: number,
  view: LiquidityView,
  side: PositionSide,
  options: EndogenousOptions = {},
): EndogenousLiquidityCost {
  const fn = 'endogenousLiquidityCost';
  if (!(Number.isFinite(positionBase) && positionBase >= 0)) {
    bad(fn, `positionBase must be finite and ≥ 0 (the side says long or short), got ${positionBase}`, {
      positionBase,
    });
  }
  if (side !== 'long' && side !== 'short') bad(fn, `side must be 'long' or 'short', got ${String(side)}`);
  const penalty = options.unfilledPenaltyFrac ?? DEFAULT_UNFILLED_PENALTY_FRAC;
  if (!(Number.isFinite(penalty) && penalty >= 0 && penalty <= 1)) {
    bad(fn, `unfilledPenaltyFrac must be in [0, 1], got ${penalty}`, { unfilledPenaltyFrac: penalty });
  }
  const given = options.referencePrice;
  if (given !== undefined && !(Number.isFinite(given) && given > 0)) {
    bad(fn, `referencePrice must be finite and > 0, got ${given}`, { referencePrice: given });
  }
  const reference = view.mid() ?? given;
  if (reference === undefined) bad(fn, 'the view has no mid (one-sided or empty book): pass referencePrice');
  const notionalQuote = positionBase * reference;
  if (!Number.isFinite(notionalQuote)) bad(fn, 'position notional overflows', { positionBase, reference });
  const walk = side === 'long' ? view.walkSellQuote(notionalQuote) : view.walkBuyQuote(notionalQuote);
  const walkCost = walk.avgPrice === null ? 0 : Math.abs(walk.avgPrice - reference) / reference;
  const filledQuote = Math.min(walk.filledQuote, notionalQuote);
  const complete = walk.complete;
  const unfilledQuote = complete ? 0 : notionalQuote - filledQuote;
  const unfilledRate = complete
    ? 0
    : Math.max(penalty, walk.worstPrice === null ? 0 : Math.abs(walk.worstPrice - reference) / reference);
  const w = notionalQuote > 0 ? (complete ? 1 : filledQuote / notionalQuote) : 1;
  const cost = notionalQuote > 0 ? w * walkCost + (1 - w) * unfilledRate : 0;
  return {
    cost,
    reference,
    notionalQuote,
    filledQuote,
    unfilledQuote,
    avgPrice: walk.avgPrice,
    walkCost,
    unfilledRate,
    complete,
  };
}

export interface LiquidityAdjustedVarInput {
  /** Market VaR as a fraction of value (from an estimator). */
  readonly marketVar: number;
  /** Bangia exogenous term from a history of relative spreads. */
  readonly exogenous?: { readonly spreads: readonly number[]; readonly k?: number };
  /** Endogenous term from walking the current book with the position. */
  readonly endogenous?: {
    readonly positionBase: number;
    readonly view: LiquidityView;
    readonly side: PositionSide;
    readonly options?: EndogenousOptions;
  };
}

export interface LiquidityAdjustedVar {
  readonly marketVar: number;
  /** ½(μ_s + kσ_s); 0 without `exogenous`. */
  readonly exogenous: number;
  /** Walk cost fraction; 0 without `endogenous`. */
  readonly endogenous: number;
  /**
   * With both terms: min(exogenous, current half spread, endogenous), the touch half-spread that
   * both terms contain and that is counted once; 0 otherwise.
   */
  readonly spreadOverlap: number;
  /** marketVar + exogenous + endogenous − spreadOverlap. */
  readonly total: number;
  readonly exogenousDetail: ExogenousLiquidityCost | null;
  readonly endogenousDetail: EndogenousLiquidityCost | null;
}

/**
 * Market VaR plus either or both liquidity terms. The endogenous walk already pays the current
 * half spread (the first fill is at the touch); the exogenous term is a stressed half spread. With
 * both, the current half spread ½·spreadBps/10⁴ is counted once, so
 * total = marketVar + endogenous + max(0, exogenous − current half spread) (a view without a spread
 * (DepthProfile) subtracts nothing). The total is never below either term added alone.
 */
export function liquidityAdjustedVar(input: LiquidityAdjustedVarInput): LiquidityAdjustedVar {
  checkFinite('liquidityAdjustedVar', 'marketVar', input.marketVar);
  const exo =
    input.exogenous === undefined ? null : exogenousLiquidityCost(input.exogenous.spreads, input.exogenous.k);
  const e = input.endogenous;
  const endo = e === undefined ? null : endogenousLiquidityCost(e.positionBase, e.view, e.side, e.options);
  let spreadOverlap = 0;
  if (exo !== null && endo !== null && e !== undefined) {
    const bps = e.view.spreadBps();
    const half = bps === null ? 0 : bps / 2e4;
    spreadOverlap = Math.max(0, Math.min(exo.cost, half, endo.cost));
  }
  const exogenous = exo?.cost ?? 0;
  const endogenous = endo?.cost ?? 0;
  return {
    marketVar: input.marketVar,
    exogenous,
    endogenous,
    spreadOverlap,
    total: input.marketVar + exogenous + endogenous - spreadOverlap,
    exogenousDetail: exo,
    endogenousDetail: endo,
  };
}
