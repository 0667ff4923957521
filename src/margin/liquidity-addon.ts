import { BackstopError } from '../core/errors.ts';
import { err, ok, type Result } from '../core/result.ts';
import type { ByKind, Instrument } from '../domain/instrument.ts';
import type { LiquidityView, WalkResult } from '../liquidity/order-book.ts';
import type { AccountPosition, GroupMargin, MarginContext, UnderlyingMarginModel } from './account-margin.ts';
import type { UnderlyingMarket } from './market.ts';
import { contractPricer, markPrice } from './portfolio/instrument-pnl.ts';

/**
 * Liquidity add-on (SPEC §4, docs/concepts/liquidity-addon.md): the cost of closing each net
 * position through the live book beyond a free size, so a big position in a thin book needs more
 * margin. `liquidityAddOn` prices one position; `withLiquidityAddOn` wraps any account-level
 * model and adds the charges to its IM and MM. Off by default: no preset wraps with it.
 */

const BPS = 1e4;

export interface LiquidityAddOnParams {
  /** Quote notional (at mark) of each net position that closes free of charge; ≥ 0. */
  readonly freeNotionalQuote: number;
  /** Scales the whole charge (every branch, no-book included); ≥ 0. */
  readonly multiplier: number;
  /**
   * Charge per unit of quote notional the book cannot absorb, in [0, 1]. Applied as a floor: the
   * remainder pays at least the slippage rate of the deepest visible level.
   */
  readonly unfilledPenaltyFrac: number;
  /** Charge per unit of notional beyond the free size when there is no liquidity view, in [0, 1]. */
  readonly noBookPenaltyFrac: number;
  /** Floor of the spread (bps) in the spread term, and the spread used when the view has none; ≥ 0. */
  readonly minSpreadBps: number;
  /** Share of the charge added to MM by `withLiquidityAddOn` (IM gets all of it), in [0, 1]. */
  readonly mmFraction: number;
}

/** Sensible values for when the add-on is enabled; no preset enables it (see the doc for why each). */
export const DEFAULT_LIQUIDITY_ADDON: LiquidityAddOnParams = Object.freeze({
  freeNotionalQuote: 1_000_000,
  multiplier: 1,
  unfilledPenaltyFrac: 0.25,
  noBookPenaltyFrac: 0.05,
  minSpreadBps: 2,
  mmFraction: 1,
});

export type LiquidityAddOnParamsErrorCode =
  | 'FREE_NOTIONAL_OUT_OF_RANGE'
  | 'MULTIPLIER_OUT_OF_RANGE'
  | 'UNFILLED_PENALTY_OUT_OF_RANGE'
  | 'NO_BOOK_PENALTY_OUT_OF_RANGE'
  | 'MIN_SPREAD_OUT_OF_RANGE'
  | 'MM_FRACTION_OUT_OF_RANGE';

export interface LiquidityAddOnParamsError {
  readonly code: LiquidityAddOnParamsErrorCode;
  readonly message: string;
}

/** Checks every parameter (finite, in range); the first failure wins. */
export function validateLiquidityAddOnParams(
  p: LiquidityAddOnParams,
): Result<LiquidityAddOnParams, LiquidityAddOnParamsError> {
  const checks: [LiquidityAddOnParamsErrorCode, string, number, number][] = [
    ['FREE_NOTIONAL_OUT_OF_RANGE', 'freeNotionalQuote', p.freeNotionalQuote, Infinity],
    ['MULTIPLIER_OUT_OF_RANGE', 'multiplier', p.multiplier, Infinity],
    ['UNFILLED_PENALTY_OUT_OF_RANGE', 'unfilledPenaltyFrac', p.unfilledPenaltyFrac, 1],
    ['NO_BOOK_PENALTY_OUT_OF_RANGE', 'noBookPenaltyFrac', p.noBookPenaltyFrac, 1],
    ['MIN_SPREAD_OUT_OF_RANGE', 'minSpreadBps', p.minSpreadBps, BPS],
    ['MM_FRACTION_OUT_OF_RANGE', 'mmFraction', p.mmFraction, 1],
  ];
  for (const [code, name, value, max] of checks) {
    if (!(Number.isFinite(value) && value >= 0 && value <= max)) {
      const range = max === Infinity ? 'a finite number >= 0' : `in [0, ${max}]`;
      return err({ code, message: `liquidity add-on: ${name} must be ${range}, got ${value}` });
    }
  }
  return ok(p);
}

function checkedParams(p: LiquidityAddOnParams): LiquidityAddOnParams {
  const v = validateLiquidityAddOnParams(p);
  if (!v.ok) throw new BackstopError('BAD_ARGUMENT', v.error.message, { code: v.error.code });
  return v.value;
}

export interface LiquidityAddOnPosition {
  readonly instrumentId: string;
  /** Signed size in the book's size unit (base units for perpetuals, futures and spot). */
  readonly qtyBase: number;
  /** Price of one unit of `qtyBase` in the book's price unit (the mark); finite, ≥ 0. */
  readonly markPrice: number;
}

export type LiquidityAddOnReason =
  /** qtyBase = 0: nothing to close. */
  | 'zero-position'
  /** The notional is within the free size: no walk, no charge. */
  | 'within-free-size'
  /** The book absorbed the whole notional. */
  | 'walked'
  /** The book ran out before the whole notional was filled: the remainder pays the unfilled penalty. */
  | 'book-exhausted'
  /** No liquidity view: the no-book penalty applies to the notional beyond the free size. */
  | 'no-book';

/**
 * One position's add-on. Components (`walkCostQuote`, `spreadTermQuote`, `unfilledPenaltyQuote`,
 * `noBookPenaltyQuote`) are before the multiplier; `chargeQuote` = multiplier × their sum.
 */
export interface LiquidityAddOnResult {
  readonly chargeQuote: number;
  /** Closing a long sells into the bids, closing a short buys from the asks; null for no position. */
  readonly closeSide: 'sell' | 'buy' | null;
  /** |qtyBase| × markPrice. */
  readonly notionalQuote: number;
  /** The part of the notional that closes free: min(notional, params.freeNotionalQuote). */
  readonly freeNotionalQuote: number;
  /** The part beyond the free size, max(0, notional − free): what is charged for. */
  readonly walkedNotionalQuote: number;
  /** Average fill price of the part beyond the free size; null when none of it filled. */
  readonly avgPrice: number | null;
  /** Slippage of that part against the reference price in bps (positive = worse); null likewise. */
  readonly slippageBps: number | null;
  /** mid of the view, or the mark when the view has no mid (one-sided book); null with no view. */
  readonly referencePrice: number | null;
  /** Spread used by the spread term: max(view spread, minSpreadBps), or minSpreadBps; null with no view. */
  readonly spreadBps: number | null;
  /** Slippage cost, against the reference price, of the fills beyond the free size. */
  readonly walkCostQuote: number;
  /** ½ × spread × walked notional. */
  readonly spreadTermQuote: number;
  /** Notional beyond the free size that the book could not absorb. */
  readonly unfilledNotionalQuote: number;
  /** Rate × unfilled notional, rate = max(unfilledPenaltyFrac, slippage rate of the deepest level). */
  readonly unfilledPenaltyQuote: number;
  /** noBookPenaltyFrac × walked notional when there is no view, else 0. */
  readonly noBookPenaltyQuote: number;
  /** False when the book could not absorb the notional, or there is no view. */
  readonly complete: boolean;
  readonly reason: LiquidityAddOnReason;
}

function checkPosition(p: LiquidityAddOnPosition): void {
  if (!Number.isFinite(p.qtyBase)) {
    throw new BackstopError('BAD_ARGUMENT', `liquidity add-on: qtyBase must be finite, got ${p.qtyBase}`, {
      instrumentId: p.instrumentId,
      qtyBase: p.qtyBase,
    });
  }
  if (!(Number.isFinite(p.markPrice) && p.markPrice >= 0)) {
    throw new BackstopError(
      'BAD_ARGUMENT',
      `liquidity add-on: markPrice must be a finite number >= 0, got ${p.markPrice}`,
      { instrumentId: p.instrumentId, markPrice: p.markPrice },
    );
  }
  if (!Number.isFinite(Math.abs(p.qtyBase) * p.markPrice)) {
    throw new BackstopError('BAD_ARGUMENT', 'liquidity add-on: position notional overflows', {
      instrumentId: p.instrumentId,
      qtyBase: p.qtyBase,
      markPrice: p.markPrice,
    });
  }
}

/** A result with no charge (zero position, or within the free size). */
function free(
  reason: 'zero-position' | 'within-free-size',
  closeSide: 'sell' | 'buy' | null,
  notional: number,
): LiquidityAddOnResult {
  return {
    chargeQuote: 0,
    closeSide,
    notionalQuote: notional,
    freeNotionalQuote: notional,
    walkedNotionalQuote: 0,
    avgPrice: null,
    slippageBps: null,
    referencePrice: null,
    spreadBps: null,
    walkCostQuote: 0,
    spreadTermQuote: 0,
    unfilledNotionalQuote: 0,
    unfilledPenaltyQuote: 0,
    noBookPenaltyQuote: 0,
    complete: true,
    reason,
  };
}

/** Signed cost of a walk against `ref` (direction +1 buy, −1 sell); positive = worse than ref. */
function walkCost(w: WalkResult, ref: number, direction: 1 | -1): number {
  return direction * (w.filledQuote - ref * w.filledBase);
}

function compute(
  position: LiquidityAddOnPosition,
  view: LiquidityView | null,
  params: LiquidityAddOnParams,
): LiquidityAddOnResult {
  checkPosition(position);
  const q = position.qtyBase;
  const notional = Math.abs(q) * position.markPrice;
  if (q === 0) return free('zero-position', null, 0);
  const closeSide = q > 0 ? 'sell' : 'buy';
  if (notional <= params.freeNotionalQuote) return free('within-free-size', closeSide, notional);
  const freeNotional = params.freeNotionalQuote;
  const beyond = notional - freeNotional;

  if (view === null) {
    const noBook = params.noBookPenaltyFrac * beyond;
    return {
      ...free('within-free-size', closeSide, notional),
      chargeQuote: params.multiplier * noBook,
      freeNotionalQuote: freeNotional,
      walkedNotionalQuote: beyond,
      noBookPenaltyQuote: noBook,
      complete: false,
      reason: 'no-book',
    };
  }

  const direction: 1 | -1 = closeSide === 'buy' ? 1 : -1;
  const walk = (n: number): WalkResult => (direction === 1 ? view.walkBuyQuote(n) : view.walkSellQuote(n));
  // The whole close, and the free part on its own: the difference is what the part beyond the free
  // size costs, filling where the free part leaves off (deeper in the book), not at the touch.
  const all = walk(notional);
  const head = walk(freeNotional);
  const ref = view.mid() ?? position.markPrice;
  const tailBase = all.filledBase - head.filledBase;
  const tailQuote = all.filledQuote - head.filledQuote;
  // An uncrossed book never fills better than mid (the mark may be beaten on a one-sided book):
  // a fill better than the reference is no credit.
  const cost = Math.max(0, walkCost(all, ref, direction) - walkCost(head, ref, direction));
  const avgPrice = tailBase > 0 && tailQuote > 0 ? tailQuote / tailBase : null;
  const slippageBps = avgPrice === null || ref <= 0 ? null : (direction * (avgPrice - ref) * BPS) / ref;

  // The part the book cannot take pays at least as much per unit as its deepest fill, so that a
  // thinner book (the same levels, smaller sizes) can never lower the charge.
  const unfilled = all.complete ? 0 : Math.max(0, notional - Math.max(freeNotional, all.filledQuote));
  const worst = all.worstPrice;
  const worstRate = worst !== null && worst > 0 ? Math.max(0, (direction * (worst - ref)) / worst) : 0;
  const unfilledPenalty = unfilled > 0 ? Math.max(params.unfilledPenaltyFrac, worstRate) * unfilled : 0;

  const viewSpread = view.spreadBps();
  const spreadBps =
    viewSpread === null || !Number.isFinite(viewSpread)
      ? params.minSpreadBps
      : Math.max(viewSpread, params.minSpreadBps);
  const spreadTerm = (0.5 * spreadBps * beyond) / BPS;

  return {
    chargeQuote: params.multiplier * (cost + spreadTerm + unfilledPenalty),
    closeSide,
    notionalQuote: notional,
    freeNotionalQuote: freeNotional,
    walkedNotionalQuote: beyond,
    avgPrice,
    slippageBps,
    referencePrice: ref,
    spreadBps,
    walkCostQuote: cost,
    spreadTermQuote: spreadTerm,
    unfilledNotionalQuote: unfilled,
    unfilledPenaltyQuote: unfilledPenalty,
    noBookPenaltyQuote: 0,
    complete: all.complete,
    reason: all.complete ? 'walked' : 'book-exhausted',
  };
}

/**
 * The liquidity add-on of one net position, in the view's quote currency:
 *
 *   charge = multiplier × (walk cost beyond the free size + ½ spread × notional beyond
 *            + unfilled penalty), or multiplier × noBookPenaltyFrac × notional beyond (no view).
 *
 * Throws `BackstopError('BAD_ARGUMENT')` on invalid parameters (`fields.code` names which) or a
 * non-finite position.
 */
export function liquidityAddOn(
  position: LiquidityAddOnPosition,
  view: LiquidityView | null,
  params: LiquidityAddOnParams,
): LiquidityAddOnResult {
  return compute(position, view, checkedParams(params));
}

/** Kinds the wrapper charges unless told otherwise (`appliesTo`): not options, not the index. */
export const LIQUIDITY_ADDON_KINDS: ByKind<boolean> = {
  index: false,
  spot: true,
  perpetual: true,
  future: true,
  option: false,
};

export const defaultLiquidityAppliesTo = (i: Instrument): boolean => LIQUIDITY_ADDON_KINDS[i.kind];

export interface LiquidityAddOnOptions {
  /** The book (or depth profile) of an instrument; null when there is none. */
  viewOf(instrumentId: string): LiquidityView | null;
  readonly params: LiquidityAddOnParams;
  /** Which instruments are charged; default perpetuals, futures and spot (`LIQUIDITY_ADDON_KINDS`). */
  readonly appliesTo?: ((instrument: Instrument) => boolean) | undefined;
}

export interface LiquidityAddOnPositionExplain extends LiquidityAddOnResult {
  readonly instrumentId: string;
  /** Net quantity in contracts over all of the group's rows for this instrument. */
  readonly qty: number;
  /** The size handed to the walk (base units; option contracts × contractSize). */
  readonly qtyBase: number;
  /** The price handed to the walk (mark; an option's model premium per unit). */
  readonly markPrice: number;
  /** The charge in the pool currency: chargeQuote, divided by the mark for inverse perps / futures. */
  readonly charge: number;
}

export interface LiquidityAddOnExplain {
  /** Added to IM: Σ charge. */
  readonly im: number;
  /** Added to MM: mmFraction × Σ charge. */
  readonly mm: number;
  readonly positions: readonly LiquidityAddOnPositionExplain[];
}

interface Sized {
  readonly position: LiquidityAddOnPosition;
  readonly params: LiquidityAddOnParams;
  /** Divides chargeQuote into the pool currency. */
  readonly toPool: number;
}

/**
 * What the walk sees for `qty` contracts of `i`:
 * - linear perpetual / future: qty × contractSize base at the mark; charge already in the pool (quote);
 * - inverse perpetual / future: qty × contractSize / mark base (contracts are USD-sized) at the
 *   mark; the quote charge is divided by the mark into coin;
 * - spot (and index, if asked for): qty base at spot;
 * - option: qty × contractSize at the model premium per unit, walked on the option's own book,
 *   whose prices are taken to be in the settlement currency (Deribit BTC options in BTC, USDC
 *   options in USDC); for inverse options the free size is converted to coin at the forward.
 */
function sizeFor(i: Instrument, qty: number, market: UnderlyingMarket, params: LiquidityAddOnParams): Sized {
  const mark = markPrice(i, market);
  switch (i.kind) {
    case 'perpetual':
    case 'future':
      if (i.settlement === 'linear') {
        return {
          position: { instrumentId: i.id, qtyBase: qty * i.contractSize, markPrice: mark },
          params,
          toPool: 1,
        };
      }
      if (!(Number.isFinite(mark) && mark > 0)) {
        throw new BackstopError(
          'BAD_ARGUMENT',
          `liquidity add-on: mark of ${i.id} must be > 0, got ${mark}`,
          {
            instrumentId: i.id,
            markPrice: mark,
          },
        );
      }
      return {
        position: { instrumentId: i.id, qtyBase: (qty * i.contractSize) / mark, markPrice: mark },
        params,
        toPool: mark,
      };
    case 'spot':
    case 'index':
      return { position: { instrumentId: i.id, qtyBase: qty, markPrice: mark }, params, toPool: 1 };
    case 'option': {
      const premium = contractPricer.value(i, market) / i.contractSize;
      const position = { instrumentId: i.id, qtyBase: qty * i.contractSize, markPrice: premium };
      if (i.settlement === 'linear') return { position, params, toPool: 1 };
      return {
        position,
        params: { ...params, freeNotionalQuote: params.freeNotionalQuote / mark },
        toPool: 1,
      };
    }
  }
}

function withAddOnExplain(inner: unknown, addOn: LiquidityAddOnExplain): unknown {
  if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
    return { ...inner, liquidityAddOn: addOn };
  }
  return { inner, liquidityAddOn: addOn };
}

/**
 * Wraps any account-level model: IM += Σ charge and MM += mmFraction × Σ charge over the group's
 * net positions (rows of one instrument are summed first) that `appliesTo` admits, each charge in
 * the pool currency. The inner model's explain gains `liquidityAddOn` (an object explain is spread;
 * anything else moves under `inner`). Parameters are checked here, once.
 */
/**
 * The add-on of one net position in its pool's currency (coin for inverse contracts), or null
 * when `appliesTo` excludes the instrument. Shared by the account wrapper below and the engine's
 * real-time margin book.
 */
export function positionLiquidityCharge(
  i: Instrument,
  qty: number,
  market: UnderlyingMarket,
  view: LiquidityView | null,
  params: LiquidityAddOnParams,
):
  | (LiquidityAddOnResult & { readonly qtyBase: number; readonly markPrice: number; readonly charge: number })
  | null {
  if (qty === 0) return null;
  const s = sizeFor(i, qty, market, params);
  const r = compute(s.position, view, s.params);
  return {
    ...r,
    qtyBase: s.position.qtyBase,
    markPrice: s.position.markPrice,
    charge: r.chargeQuote / s.toPool,
  };
}

export function withLiquidityAddOn(
  model: UnderlyingMarginModel,
  opts: LiquidityAddOnOptions,
): UnderlyingMarginModel {
  const params = checkedParams(opts.params);
  const appliesTo = opts.appliesTo ?? defaultLiquidityAppliesTo;
  return {
    name: `${model.name}+liquidity-addon`,
    margin(positions: readonly AccountPosition[], market: UnderlyingMarket, ctx: MarginContext): GroupMargin {
      const inner = model.margin(positions, market, ctx);
      const net = new Map<string, number>();
      for (const p of positions) net.set(p.instrumentId, (net.get(p.instrumentId) ?? 0) + p.qty);
      const rows: LiquidityAddOnPositionExplain[] = [];
      let total = 0;
      for (const [id, qty] of [...net].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        if (qty === 0) continue;
        const i = ctx.instruments.get(id);
        if (!i)
          throw new BackstopError('UNKNOWN_INSTRUMENT', `unknown instrument ${id}`, { instrumentId: id });
        if (!appliesTo(i)) continue;
        const r = positionLiquidityCharge(i, qty, market, opts.viewOf(id), params) as NonNullable<
          ReturnType<typeof positionLiquidityCharge>
        >;
        total += r.charge;
        rows.push({ ...r, instrumentId: id, qty });
      }
      const addOn: LiquidityAddOnExplain = { im: total, mm: params.mmFraction * total, positions: rows };
      return {
        im: inner.im + addOn.im,
        mm: inner.mm + addOn.mm,
        explain: withAddOnExplain(inner.explain, addOn),
      };
    },
  };
}
