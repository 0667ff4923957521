/**
 * Standard (per-position) option margin, Deribit style, with a per-expiry max-loss bound
 * (docs/presets/derive-standard.md). Pure: no I/O, no ambient time.
 *
 * Sign convention: margins are signed amounts added to an account's margin balance, so a
 * requirement is negative and a credit positive (the convention of Derive's standard manager).
 *
 * Two equivalent presentations of the same requirement:
 * - `margin` (mark-inclusive, "against cash"): the account margin is cash + Σ margins. A short's
 *   margin holds its own mark m (< 0) plus an add-on; a long's margin is 0 — its value is not
 *   collateral. Derive computes exactly this.
 * - `marginOverEquity` = margin − m ("against equity"): the account margin is equity
 *   (cash + Σ marks) + Σ marginOverEquity. A short's is the add-on alone; a long's is −m: the long
 *   pays its premium. Buying a long for premium p moves cash by −p and marks by +p, so both
 *   presentations lower the account margin by exactly p, and both give the same total.
 *
 * Settlement (the table `SETTLEMENT_UNITS`): `linear` options are quoted and margined in USD;
 * `inverse` (coin-settled, Deribit BTC/ETH) options are quoted in coin per contract and margined in
 * coin, with margin in coin = the USD formula / index S. For the isolated formulas this is
 * Deribit's own coin form (e.g. short call IM = max(0.15 − OTM/S, 0.1) + mark, in coin); for the
 * max-loss bound it converts the USD bound at today's index (a coin-settled payoff at settlement
 * X is payoffUsd(X) / X, so this is a convention, not the exact coin payoff).
 */
import { BackstopError } from '../../core/errors.ts';
import type { Settlement } from '../../domain/instrument.ts';
import type { OptionRight } from '../../pricing/black76.ts';

/** Initial (to open or add risk) or maintenance (to stay open). */
export type MarginKind = 'im' | 'mm';

/**
 * Fractions (0–1 inside; see docs/presets/derive-standard.md for each one's source and effect).
 * `k = max(maxSpotReq − OTM/S, minSpotReq)` is the IM fraction of spot for a short.
 */
export interface OptionMarginParams {
  /** IM fraction of spot for an at/in-the-money short, reduced by the OTM fraction. */
  readonly maxSpotReq: number;
  /** Floor of the IM fraction of spot. */
  readonly minSpotReq: number;
  /** Short call MM add-on: fraction of spot. */
  readonly mmCallSpotReq: number;
  /** Short put MM add-on: fraction of spot (the put's add-on is the larger of this and the next). */
  readonly mmPutSpotReq: number;
  /** Short put MM add-on: fraction of the put's mark. */
  readonly mmPutMtMReq: number;
  /** Short put IM is at least mmOffsetScale × its MM. */
  readonly mmOffsetScale: number;
  /** Max-loss bound: IM charge per net short call, × forward. */
  readonly unpairedIMScale: number;
  /** Max-loss bound: MM charge per net short call, × forward. */
  readonly unpairedMMScale: number;
}

export interface OptionLeg {
  readonly right: OptionRight;
  /** Strike, USD per unit of underlying. */
  readonly strike: number;
  /** Signed contracts (one contract = one unit of underlying); < 0 short. */
  readonly amount: number;
  /** Mark price per contract in the settlement currency: USD (linear) or coin (inverse). */
  readonly price: number;
}

export interface OptionSpotContext {
  /** Index (spot) price S, USD per unit: OTM amount and the spot add-ons. */
  readonly spot: number;
  readonly settlement: Settlement;
}

export interface OptionExpiryContext extends OptionSpotContext {
  /** Forward F of the expiry, USD per unit: the unpaired-call term of the max-loss bound. */
  readonly forward: number;
}

export interface IsolatedOptionMargin {
  /** Mark m = amount × price (settlement currency). */
  readonly mark: number;
  /** Mark-inclusive margin (≤ 0): short m + add-on, long 0. */
  readonly margin: number;
  /** margin − m: short add-on alone, long −m (its premium). */
  readonly marginOverEquity: number;
}

export interface ExpiryOptionMargin {
  /** Σ marks. */
  readonly mark: number;
  /** Σ isolated (mark-inclusive) margins. */
  readonly isolated: number;
  /** Max-loss bound L (≤ 0), settlement currency. */
  readonly maxLoss: number;
  /** max(isolated, maxLoss): the smaller requirement; never positive. */
  readonly margin: number;
  /** margin − mark. */
  readonly marginOverEquity: number;
  /** Which of the two gave `margin` (`isolated` on a tie). */
  readonly binding: 'isolated' | 'max-loss';
  /** Σ |amount| over shorts (contracts). */
  readonly shortContracts: number;
  /** Σ amount over calls (contracts); < 0 means unpaired short calls. */
  readonly netCalls: number;
  readonly legs: readonly IsolatedOptionMargin[];
}

interface SettlementUnits {
  /** Spot expressed in the settlement currency: multiplies the spot fractions. */
  spotUnit(spotUsd: number): number;
  /** Converts a USD amount to the settlement currency at the index. */
  fromUsd(usd: number, spotUsd: number): number;
}

/** Behaviour by settlement kind: adding a kind is a compile error until handled here. */
export const SETTLEMENT_UNITS: { readonly [K in Settlement]: SettlementUnits } = {
  linear: { spotUnit: (s) => s, fromUsd: (usd) => usd },
  inverse: { spotUnit: () => 1, fromUsd: (usd, s) => usd / s },
};

function bad(message: string, field: string, value: number): never {
  throw new BackstopError(Number.isFinite(value) ? 'BAD_ARGUMENT' : 'NOT_FINITE', message, { field, value });
}

/**
 * Checks every parameter is finite and ≥ 0.
 * @throws BackstopError BAD_ARGUMENT / NOT_FINITE naming the parameter.
 */
export function validateOptionMarginParams(params: OptionMarginParams): void {
  for (const [k, v] of Object.entries(params) as [string, number][]) {
    if (!(Number.isFinite(v) && v >= 0)) bad(`option margin parameter ${k} must be finite and ≥ 0`, k, v);
  }
}

function checkSpot(spot: number): void {
  if (!(Number.isFinite(spot) && spot > 0)) bad('spot must be finite and > 0', 'spot', spot);
}

function checkLeg(leg: OptionLeg): void {
  if (!(Number.isFinite(leg.strike) && leg.strike > 0))
    bad('strike must be finite and > 0', 'strike', leg.strike);
  if (!Number.isFinite(leg.amount)) bad('amount must be finite', 'amount', leg.amount);
  if (!(Number.isFinite(leg.price) && leg.price >= 0))
    bad('price must be finite and ≥ 0', 'price', leg.price);
}

/** IM fraction of spot for a short: max(maxSpotReq − OTM/S, minSpotReq), OTM measured on spot. */
export function imSpotFraction(
  right: OptionRight,
  strike: number,
  spot: number,
  params: OptionMarginParams,
): number {
  const otm = right === 'call' ? Math.max(strike - spot, 0) / spot : Math.max(spot - strike, 0) / spot;
  return Math.max(params.maxSpotReq - otm, params.minSpotReq);
}

/**
 * Isolated margin of one position (README step 3 of the Derive cases):
 * short call MM = m + mmCallSpotReq·S·n, IM = m + k·S·n; short put MM = m + min(mmPutSpotReq·S·n,
 * mmPutMtMReq·m), IM = min(m + k·S·n, mmOffsetScale·MM); long 0 (n, m < 0 for shorts). With
 * inverse settlement S·(…) becomes 1·(…) and m is in coin: the USD formula / S.
 * @throws BackstopError BAD_ARGUMENT / NOT_FINITE for a non-positive spot or strike, a negative price.
 */
export function isolatedOptionMargin(
  leg: OptionLeg,
  ctx: OptionSpotContext,
  kind: MarginKind,
  params: OptionMarginParams,
): IsolatedOptionMargin {
  checkSpot(ctx.spot);
  checkLeg(leg);
  const n = leg.amount;
  const m = n * leg.price;
  if (n >= 0) return { mark: m, margin: 0, marginOverEquity: -m };
  const sUnit = SETTLEMENT_UNITS[ctx.settlement].spotUnit(ctx.spot);
  let margin: number;
  if (leg.right === 'call') {
    margin =
      kind === 'mm'
        ? m + params.mmCallSpotReq * sUnit * n
        : m + imSpotFraction('call', leg.strike, ctx.spot, params) * sUnit * n;
  } else {
    const mm = m + Math.min(params.mmPutSpotReq * sUnit * n, params.mmPutMtMReq * m);
    margin =
      kind === 'mm'
        ? mm
        : Math.min(
            m + imSpotFraction('put', leg.strike, ctx.spot, params) * sUnit * n,
            params.mmOffsetScale * mm,
          );
  }
  return { mark: m, margin, marginOverEquity: margin - m };
}

/** Settlement payoff in USD of the legs at an underlying price X ≥ 0 (longs included). */
export function settlementPayoffUsd(legs: readonly OptionLeg[], price: number): number {
  let payoff = 0;
  for (const l of legs) {
    payoff += l.amount * Math.max(l.right === 'call' ? price - l.strike : l.strike - price, 0);
  }
  return payoff;
}

/**
 * Per-expiry max-loss bound L (≤ 0) in the settlement currency: min(0, payoff at X = 0 and at every
 * strike of the legs), plus unpairedScale·F·Nc when the net call amount Nc < 0. With Nc ≥ 0 this is
 * the exact worst settlement loss over all X ≥ 0 (the payoff is piecewise linear with kinks at the
 * strikes and slope Nc beyond the last); with Nc < 0 the loss is unbounded and L covers settlement
 * up to (highest strike + scale·F).
 */
export function expiryMaxLoss(
  legs: readonly OptionLeg[],
  ctx: OptionExpiryContext,
  kind: MarginKind,
  params: OptionMarginParams,
): number {
  checkSpot(ctx.spot);
  if (!(Number.isFinite(ctx.forward) && ctx.forward > 0))
    bad('forward must be finite and > 0', 'forward', ctx.forward);
  let worst = Math.min(0, settlementPayoffUsd(legs, 0));
  let netCalls = 0;
  for (const l of legs) {
    worst = Math.min(worst, settlementPayoffUsd(legs, l.strike));
    if (l.right === 'call') netCalls += l.amount;
  }
  if (netCalls < 0) {
    const scale = kind === 'im' ? params.unpairedIMScale : params.unpairedMMScale;
    worst += scale * ctx.forward * netCalls;
  }
  return SETTLEMENT_UNITS[ctx.settlement].fromUsd(worst, ctx.spot);
}

/**
 * Margin of one expiry of one underlying: max(Σ isolated margins, max-loss bound), i.e. the
 * smaller requirement (README step 4 before the oracle charge). Amounts in the settlement currency.
 * @throws BackstopError BAD_ARGUMENT / NOT_FINITE for bad spot, forward, strike or price.
 */
export function expiryOptionMargin(
  legs: readonly OptionLeg[],
  ctx: OptionExpiryContext,
  kind: MarginKind,
  params: OptionMarginParams,
): ExpiryOptionMargin {
  const out: IsolatedOptionMargin[] = [];
  let mark = 0;
  let isolated = 0;
  let shortContracts = 0;
  let netCalls = 0;
  for (const leg of legs) {
    const iso = isolatedOptionMargin(leg, ctx, kind, params);
    out.push(iso);
    mark += iso.mark;
    isolated += iso.margin;
    if (leg.amount < 0) shortContracts -= leg.amount;
    if (leg.right === 'call') netCalls += leg.amount;
  }
  const maxLoss = expiryMaxLoss(legs, ctx, kind, params);
  const margin = Math.max(isolated, maxLoss);
  return {
    mark,
    isolated,
    maxLoss,
    margin,
    marginOverEquity: margin - mark,
    binding: maxLoss > isolated ? 'max-loss' : 'isolated',
    shortContracts,
    netCalls,
    legs: out,
  };
}
