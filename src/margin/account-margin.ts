import type { MarginState } from '../domain/decisions.ts';
import type { Instrument } from '../domain/instrument.ts';
import { pnlSettle } from '../domain/position.ts';
import { type UnderlyingMarket, underlyingOf } from './market.ts';
import { contractPricer, markPrice } from './portfolio/instrument-pnl.ts';

/**
 * Account-level margin: positions are grouped into pools by settlement currency (cross margin
 * per currency, as Deribit does), and within a pool by underlying; a model prices each
 * (underlying, pool) group; equity is the pool's collateral plus the value of its options and
 * the unrealized P&L of its perpetuals and futures. Collateral counts only in the pool of its
 * own currency (docs/adr/0005-margin-pools.md).
 */
export interface AccountPosition {
  readonly instrumentId: string;
  readonly qty: number;
  /** Perpetuals / futures: entry for unrealized P&L (mark when absent: P&L 0). */
  readonly avgEntryPrice?: number;
}

export interface AccountOrder {
  readonly instrumentId: string;
  readonly qty: number;
  readonly limitPrice?: number;
}

export interface AccountInput {
  readonly account: string;
  readonly collateral: readonly { readonly currency: string; readonly amount: number }[];
  readonly positions: readonly AccountPosition[];
  readonly openOrders?: readonly AccountOrder[];
}

export interface MarginContext {
  readonly instruments: ReadonlyMap<string, Instrument>;
  readonly markets: ReadonlyMap<string, UnderlyingMarket>;
}

/** One model's answer for one underlying inside one pool (amounts in the pool currency). */
export interface GroupMargin {
  readonly im: number;
  readonly mm: number;
  readonly explain: unknown;
}

export interface UnderlyingMarginModel {
  readonly name: string;
  margin(positions: readonly AccountPosition[], market: UnderlyingMarket, ctx: MarginContext): GroupMargin;
}

export interface MarginStateThresholds {
  /** `warning` while equity < IM × (1 + warningBufferFrac). */
  readonly warningBufferFrac: number;
}

export const DEFAULT_STATE_THRESHOLDS: MarginStateThresholds = { warningBufferFrac: 0.2 };

/**
 * healthy ≥ IM × (1 + buffer) > warning ≥ IM > margin-call ≥ MM > liquidatable ≥ 0 > bankrupt.
 * An empty pool (no requirement) is healthy unless its equity is negative.
 */
export function marginState(equity: number, im: number, mm: number, t: MarginStateThresholds): MarginState {
  if (equity < 0) return 'bankrupt';
  if (im === 0 && mm === 0) return 'healthy';
  if (equity < mm) return 'liquidatable';
  if (equity < im) return 'margin-call';
  if (equity < im * (1 + t.warningBufferFrac)) return 'warning';
  return 'healthy';
}

const SEVERITY: Record<MarginState, number> = {
  healthy: 0,
  warning: 1,
  'margin-call': 2,
  liquidatable: 3,
  bankrupt: 4,
};

/** The more severe of two states. */
export function moreSevere(a: MarginState, b: MarginState): MarginState {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}

export function worstState(states: readonly MarginState[]): MarginState {
  return states.reduce<MarginState>((w, s) => (SEVERITY[s] > SEVERITY[w] ? s : w), 'healthy');
}

export interface UnderlyingResult {
  readonly underlying: string;
  readonly im: number;
  readonly mm: number;
  /** Which side of the open orders was assumed filled ('none' when the positions alone bind). */
  readonly openOrdersAssumed: 'none' | 'buys' | 'sells';
  readonly explain: unknown;
}

export interface PoolResult {
  readonly currency: string;
  readonly equity: number;
  readonly collateral: number;
  readonly positionsValue: number;
  readonly im: number;
  readonly mm: number;
  readonly multiplier: number;
  readonly state: MarginState;
  readonly underlyings: readonly UnderlyingResult[];
}

export interface AccountMarginResult {
  readonly account: string;
  readonly model: string;
  readonly state: MarginState;
  readonly pools: readonly PoolResult[];
}

/** The margin pool of an instrument: its settlement currency (quote for spot and indexes). */
export function poolOf(i: Instrument): string {
  return i.kind === 'index' || i.kind === 'spot' ? i.quoteCurrency : i.settlementCurrency;
}

/** Value of a position in its pool currency: option value, perp/future unrealized P&L, spot value. */
export function positionValue(i: Instrument, p: AccountPosition, market: UnderlyingMarket): number {
  if (i.kind === 'perpetual' || i.kind === 'future') {
    const mark = markPrice(i, market);
    return pnlSettle(i, p.qty, p.avgEntryPrice ?? mark, mark);
  }
  return p.qty * contractPricer.value(i, market);
}

function withOrders(
  positions: readonly AccountPosition[],
  orders: readonly AccountOrder[],
): AccountPosition[] {
  const out = positions.map((p) => ({ ...p }));
  for (const o of orders) {
    const existing = out.find((p) => p.instrumentId === o.instrumentId);
    if (existing) out[out.indexOf(existing)] = { ...existing, qty: existing.qty + o.qty };
    else out.push({ instrumentId: o.instrumentId, qty: o.qty });
  }
  return out.filter((p) => p.qty !== 0);
}

/**
 * Margin of one account. Open orders are margined as if filled in the worst direction: the
 * requirement is the largest of positions alone, positions + all buys, positions + all sells.
 * `multiplier` (set by the backstop tier) scales IM and MM.
 */
export function accountMargin(
  input: AccountInput,
  model: UnderlyingMarginModel,
  ctx: MarginContext,
  multiplier = 1,
  thresholds: MarginStateThresholds = DEFAULT_STATE_THRESHOLDS,
): AccountMarginResult {
  const instrumentOf = (id: string): Instrument => {
    const i = ctx.instruments.get(id);
    if (!i) throw new RangeError(`unknown instrument ${id}`);
    return i;
  };
  const groups = new Map<string, Map<string, { positions: AccountPosition[]; orders: AccountOrder[] }>>();
  const group = (i: Instrument) => {
    const pool = poolOf(i);
    const u = underlyingOf(i);
    const byU = groups.get(pool) ?? new Map();
    groups.set(pool, byU);
    const g = byU.get(u) ?? { positions: [], orders: [] };
    byU.set(u, g);
    return g;
  };
  for (const p of input.positions) if (p.qty !== 0) group(instrumentOf(p.instrumentId)).positions.push(p);
  for (const o of input.openOrders ?? []) if (o.qty !== 0) group(instrumentOf(o.instrumentId)).orders.push(o);
  for (const c of input.collateral) if (!groups.has(c.currency)) groups.set(c.currency, new Map());

  const pools: PoolResult[] = [];
  for (const [currency, byUnderlying] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const collateral = input.collateral
      .filter((c) => c.currency === currency)
      .reduce((s, c) => s + c.amount, 0);
    let positionsValue = 0;
    let im = 0;
    let mm = 0;
    const underlyings: UnderlyingResult[] = [];
    for (const [underlying, g] of [...byUnderlying].sort(([a], [b]) => a.localeCompare(b))) {
      const market = ctx.markets.get(underlying);
      if (!market) throw new RangeError(`no market for underlying ${underlying}`);
      for (const p of g.positions) positionsValue += positionValue(instrumentOf(p.instrumentId), p, market);
      const candidates: [UnderlyingResult['openOrdersAssumed'], AccountPosition[]][] = [
        ['none', g.positions],
      ];
      const buys = g.orders.filter((o) => o.qty > 0);
      const sells = g.orders.filter((o) => o.qty < 0);
      if (buys.length > 0) candidates.push(['buys', withOrders(g.positions, buys)]);
      if (sells.length > 0) candidates.push(['sells', withOrders(g.positions, sells)]);
      let best: UnderlyingResult | null = null;
      for (const [assumed, positions] of candidates) {
        if (positions.length === 0) continue;
        const r = model.margin(positions, market, ctx);
        if (!best || r.im > best.im)
          best = { underlying, im: r.im, mm: r.mm, openOrdersAssumed: assumed, explain: r.explain };
      }
      if (best) {
        underlyings.push(best);
        im += best.im;
        mm += best.mm;
      }
    }
    im *= multiplier;
    mm *= multiplier;
    const equity = collateral + positionsValue;
    pools.push({
      currency,
      equity,
      collateral,
      positionsValue,
      im,
      mm,
      multiplier,
      state: marginState(equity, im, mm, thresholds),
      underlyings,
    });
  }
  return { account: input.account, model: model.name, state: worstState(pools.map((p) => p.state)), pools };
}

/**
 * What-if: the account after hypothetical fills, without touching any state. Options bought or
 * sold move their premium (at the limit price, else the model value) through the pool's cash;
 * perpetuals and futures open at the limit price (else the mark), so slippage shows as P&L.
 */
export function applyWhatIf(
  input: AccountInput,
  orders: readonly AccountOrder[],
  ctx: MarginContext,
): AccountInput {
  const collateral = input.collateral.map((c) => ({ ...c }));
  const positions = input.positions.map((p) => ({ ...p }));
  for (const o of orders) {
    const i = ctx.instruments.get(o.instrumentId);
    if (!i) throw new RangeError(`unknown instrument ${o.instrumentId}`);
    const market = ctx.markets.get(underlyingOf(i));
    if (!market) throw new RangeError(`no market for underlying ${underlyingOf(i)}`);
    const idx = positions.findIndex((p) => p.instrumentId === o.instrumentId);
    const prev = idx >= 0 ? (positions[idx] as AccountPosition) : { instrumentId: o.instrumentId, qty: 0 };
    if (i.kind === 'perpetual' || i.kind === 'future') {
      const price = o.limitPrice ?? markPrice(i, market);
      const mark = markPrice(i, market);
      // Realize the old position at mark-to-entry and reopen the net at a blended entry.
      const realizedNow = pnlSettle(i, prev.qty, prev.avgEntryPrice ?? mark, mark);
      const fillPnl = pnlSettle(i, o.qty, price, mark);
      addCash(collateral, poolOf(i), realizedNow + fillPnl);
      const next = { instrumentId: o.instrumentId, qty: prev.qty + o.qty, avgEntryPrice: mark };
      if (idx >= 0) positions[idx] = next;
      else positions.push(next);
    } else {
      // An option's limit price is per contract in its settlement currency (coin for inverse).
      const premium = o.limitPrice ?? contractPricer.value(i, market);
      addCash(collateral, poolOf(i), -o.qty * premium);
      const next = { ...prev, qty: prev.qty + o.qty };
      if (idx >= 0) positions[idx] = next;
      else positions.push(next);
    }
  }
  return { ...input, collateral, positions: positions.filter((p) => p.qty !== 0) };
}

function addCash(collateral: { currency: string; amount: number }[], currency: string, amount: number): void {
  const c = collateral.find((x) => x.currency === currency);
  if (c) c.amount += amount;
  else collateral.push({ currency, amount });
}
