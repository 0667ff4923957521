import type { MarginState, MarginStateChange } from '../domain/decisions.ts';
import type { SviParams } from '../domain/events.ts';
import type { Instrument } from '../domain/instrument.ts';
import { applyFill, emptyPosition, type Position, pnlSettle } from '../domain/position.ts';
import type { LiquidityView } from '../liquidity/order-book.ts';
import { validateSvi } from '../pricing/svi.ts';
import {
  type AccountInput,
  type AccountOrder,
  accountMargin,
  applyWhatIf,
  DEFAULT_STATE_THRESHOLDS,
  type MarginStateThresholds,
  marginState,
  type UnderlyingMarginModel,
  worstState,
} from './account-margin.ts';
import {
  defaultLiquidityAppliesTo,
  type LiquidityAddOnParams,
  positionLiquidityCharge,
} from './liquidity-addon.ts';
import { LiveUnderlyingMarket } from './live-market.ts';
import { underlyingOf } from './market.ts';
import { gridAccountModel } from './portfolio/grid-account-model.ts';
import { type GridModelConfig, gridMargin, type PositionInput } from './portfolio/grid-model.ts';
import { markPrice } from './portfolio/instrument-pnl.ts';
import { RiskArrays } from './portfolio/risk-arrays.ts';

export interface MarginBookConfig {
  /** The grid model of each underlying (e.g. a preset whose parameters follow the underlying). */
  readonly modelFor: (underlying: string) => GridModelConfig;
  readonly thresholds?: MarginStateThresholds;
  /** Vol for options until an implied vol arrives. */
  readonly defaultVol: number;
  /** Liquidity add-on (off when absent): cost to close each net position through the live book. */
  readonly liquidityAddOn?: {
    readonly params: LiquidityAddOnParams;
    readonly appliesTo?: (i: Instrument) => boolean;
  };
}

interface BookAccount {
  readonly id: string;
  readonly collateral: Map<string, number>;
  readonly positions: Map<string, Position>;
  /** Open orders by id: margined as if filled in the worst direction. */
  readonly orders: Map<string, { readonly instrumentId: string; readonly qty: number }>;
  state: MarginState;
  /** Last computed pool figures, by pool currency. */
  pools: Map<string, { equity: number; im: number; mm: number; state: MarginState }>;
}

/**
 * Real-time margin for every account of the venue under one grid model. Market updates mark
 * their underlying dirty; `flush` recomputes the risk arrays of dirty underlyings once and
 * re-margins every account that holds them (plus accounts whose positions or collateral
 * changed), returning a `margin-state-change` decision for each account whose state moved.
 * Pure and deterministic: the engine calls it from `handle`.
 */
interface UnderlyingBook {
  readonly model: GridModelConfig;
  readonly arrays: RiskArrays;
  readonly scratch: Float64Array;
  readonly whatIfModel: UnderlyingMarginModel;
}

export class MarginBook {
  readonly markets = new Map<string, LiveUnderlyingMarket>();
  private readonly instruments = new Map<string, Instrument>();
  private readonly accounts = new Map<string, BookAccount>();
  private readonly holders = new Map<string, Set<string>>();
  private readonly dirtyUnderlyings = new Set<string>();
  private readonly dirtyAccounts = new Set<string>();
  /** Options whose vol changed, by underlying (recomputed alone when the underlying is clean). */
  private readonly dirtyInstruments = new Map<string, Set<string>>();
  private readonly thresholds: MarginStateThresholds;
  private multiplier = 1;
  private readonly books = new Map<string, UnderlyingBook>();

  /**
   * `viewOf` gives the live book of an instrument for the liquidity add-on; the add-on is
   * recomputed whenever its account is re-margined (index, mark or vol moves, fills, transfers).
   */
  constructor(
    readonly config: MarginBookConfig,
    instruments: readonly Instrument[],
    private readonly viewOf: (instrumentId: string) => LiquidityView | null = () => null,
  ) {
    this.thresholds = config.thresholds ?? DEFAULT_STATE_THRESHOLDS;
    for (const i of instruments) this.addInstrument(i);
  }

  addInstrument(i: Instrument): void {
    this.instruments.set(i.id, i);
    if (i.kind !== 'index') this.book(underlyingOf(i)).arrays.register(i);
    this.market(underlyingOf(i));
  }

  /** Model, risk arrays and scratch space of one underlying. */
  book(underlying: string): UnderlyingBook {
    let b = this.books.get(underlying);
    if (!b) {
      const model = this.config.modelFor(underlying);
      const arrays = new RiskArrays(model.scenarios, model.volShock, underlyingOf);
      b = {
        model,
        arrays,
        scratch: new Float64Array(model.scenarios.length),
        whatIfModel: gridAccountModel(model, arrays),
      };
      this.books.set(underlying, b);
    }
    return b;
  }

  instrument(id: string): Instrument | undefined {
    return this.instruments.get(id);
  }

  market(underlying: string): LiveUnderlyingMarket {
    let m = this.markets.get(underlying);
    if (!m) {
      m = new LiveUnderlyingMarket(underlying, this.config.defaultVol);
      this.markets.set(underlying, m);
    }
    return m;
  }

  /** Margin multiplier set by the backstop tier; applies at the next flush to every account. */
  setMultiplier(m: number): void {
    if (m !== this.multiplier) {
      this.multiplier = m;
      for (const id of this.accounts.keys()) this.dirtyAccounts.add(id);
    }
  }

  get marginMultiplier(): number {
    return this.multiplier;
  }

  onIndexPrice(underlying: string, price: number, tsUs: number): void {
    this.market(underlying).setSpot(price, tsUs);
    this.dirtyUnderlyings.add(underlying);
  }

  onMarkPrice(instrumentId: string, price: number): void {
    const i = this.instruments.get(instrumentId);
    if (!i) return;
    this.market(underlyingOf(i)).setMark(instrumentId, price);
    this.dirtyUnderlyings.add(underlyingOf(i));
  }

  /** A new implied vol for one option: only that option's risk array is recomputed. */
  onOptionVol(instrumentId: string, volAnnual: number): void {
    const i = this.instruments.get(instrumentId);
    if (i?.kind !== 'option') return;
    const u = underlyingOf(i);
    this.market(u).setVol(instrumentId, volAnnual);
    const set = this.dirtyInstruments.get(u) ?? new Set<string>();
    set.add(instrumentId);
    this.dirtyInstruments.set(u, set);
  }

  /**
   * An implied-vol update for one expiry (SVI or strike points): every option of that expiry on
   * the underlying is repriced at the next flush. Returns an error message for unusable input.
   */
  onImpliedVol(
    underlying: string,
    expiryUs: number,
    svi: SviParams | null,
    points: readonly { readonly strike: number; readonly volAnnual: number }[] | null,
  ): string | null {
    const m = this.market(underlying);
    if (!m.ready) return `no index price for ${underlying} yet`;
    if (svi) {
      const valid = validateSvi(svi);
      if (!valid.ok) return valid.error.message;
    }
    const problem = m.setSmile(expiryUs, svi, points);
    if (problem) return problem;
    const set = this.dirtyInstruments.get(underlying) ?? new Set<string>();
    for (const [id, i] of this.instruments) {
      if (i.kind === 'option' && i.expiryUs === expiryUs && underlyingOf(i) === underlying) set.add(id);
    }
    this.dirtyInstruments.set(underlying, set);
    return null;
  }

  /**
   * An open order (signed contracts). The venue replaces or cancels it as it fills; until then it
   * is margined as if filled in the worst direction.
   */
  onOrderPlaced(accountId: string, orderId: string, instrumentId: string, qty: number): void {
    const i = this.instruments.get(instrumentId);
    if (!i) throw new RangeError(`unknown instrument ${instrumentId}`);
    this.account(accountId).orders.set(orderId, { instrumentId, qty });
    this.hold(accountId, underlyingOf(i));
    this.dirtyAccounts.add(accountId);
  }

  onOrderCancelled(accountId: string, orderId: string): void {
    const a = this.accounts.get(accountId);
    if (a?.orders.delete(orderId)) this.dirtyAccounts.add(accountId);
  }

  private hold(accountId: string, underlying: string): void {
    const hs = this.holders.get(underlying) ?? new Set();
    hs.add(accountId);
    this.holders.set(underlying, hs);
  }

  /** An option ticker's underlying price: the forward of that option's expiry. */
  onForward(optionId: string, forward: number): void {
    const i = this.instruments.get(optionId);
    if (i?.kind !== 'option') return;
    this.market(underlyingOf(i)).setForward(i.expiryUs, forward);
    this.dirtyUnderlyings.add(underlyingOf(i));
  }

  private account(id: string): BookAccount {
    let a = this.accounts.get(id);
    if (!a) {
      a = {
        id,
        collateral: new Map(),
        positions: new Map(),
        orders: new Map(),
        state: 'healthy',
        pools: new Map(),
      };
      this.accounts.set(id, a);
    }
    return a;
  }

  onTransfer(accountId: string, currency: string, amount: number): void {
    const a = this.account(accountId);
    a.collateral.set(currency, (a.collateral.get(currency) ?? 0) + amount);
    this.dirtyAccounts.add(accountId);
  }

  /** A fill: perpetual / future P&L realized into the pool's cash; option and spot premium paid from it. */
  onFill(accountId: string, instrumentId: string, qty: number, price: number): void {
    const i = this.instruments.get(instrumentId);
    if (!i) throw new RangeError(`unknown instrument ${instrumentId}`);
    const a = this.account(accountId);
    const pool = poolOf(i);
    const prev = a.positions.get(instrumentId) ?? emptyPosition(instrumentId);
    let next: Position;
    if (i.kind === 'perpetual' || i.kind === 'future') {
      next = applyFill(i, prev, qty, price);
      addTo(a.collateral, pool, next.realizedPnlSettle - prev.realizedPnlSettle);
    } else {
      next = { ...prev, qtyContracts: prev.qtyContracts + qty };
      addTo(a.collateral, pool, -qty * price);
    }
    if (next.qtyContracts === 0) a.positions.delete(instrumentId);
    else a.positions.set(instrumentId, next);
    this.hold(accountId, underlyingOf(i));
    this.dirtyAccounts.add(accountId);
  }

  /**
   * Recomputes what changed and returns the state changes. Underlyings without a spot yet are
   * skipped (their accounts are re-margined once the first index price arrives).
   */
  flush(tsUs: number): MarginStateChange[] {
    const touched = new Set(this.dirtyAccounts);
    for (const u of this.dirtyUnderlyings) {
      const m = this.markets.get(u);
      if (!m?.ready) continue;
      this.book(u).arrays.update(m);
      for (const id of this.holders.get(u) ?? []) touched.add(id);
    }
    for (const [u, ids] of this.dirtyInstruments) {
      const m = this.markets.get(u);
      if (!m?.ready) continue;
      if (!this.dirtyUnderlyings.has(u)) {
        const arrays = this.book(u).arrays;
        for (const id of ids) arrays.updateInstrument(id, m);
        for (const id of this.holders.get(u) ?? []) touched.add(id);
      }
    }
    this.dirtyInstruments.clear();
    this.dirtyUnderlyings.clear();
    this.dirtyAccounts.clear();
    const out: MarginStateChange[] = [];
    for (const id of [...touched].sort()) {
      const a = this.accounts.get(id);
      if (!a) continue;
      const before = a.state;
      this.remargin(a);
      if (a.state !== before) {
        const pools = [...a.pools].sort(([x], [y]) => x.localeCompare(y));
        const evidence: Record<string, number | string> = { multiplier: this.multiplier };
        for (const [ccy, p] of pools) {
          evidence[`${ccy}.equity`] = p.equity;
          evidence[`${ccy}.im`] = p.im;
          evidence[`${ccy}.mm`] = p.mm;
        }
        out.push({
          kind: 'margin-state-change',
          tsUs,
          account: id,
          from: before,
          to: a.state,
          reason: reasonFor(a.state),
          evidence,
        });
      }
    }
    return out;
  }

  /** Positions of one account grouped by pool and underlying, for the fast path. */
  private remargin(a: BookAccount): void {
    const groups = new Map<
      string,
      Map<string, { positions: PositionInput[]; buys: PositionInput[]; sells: PositionInput[] }>
    >();
    const group = (pool: string, u: string) => {
      const byU = groups.get(pool) ?? new Map();
      groups.set(pool, byU);
      const g = byU.get(u) ?? { positions: [], buys: [], sells: [] };
      byU.set(u, g);
      return g;
    };
    const equity = new Map<string, number>(a.collateral);
    for (const [id, p] of a.positions) {
      const i = this.instruments.get(id) as Instrument;
      const pool = poolOf(i);
      const u = underlyingOf(i);
      const m = this.markets.get(u);
      if (!m?.ready) continue;
      const arrays = this.book(u).arrays;
      const value =
        i.kind === 'perpetual' || i.kind === 'future'
          ? pnlSettle(i, p.qtyContracts, p.avgEntryPrice, markPrice(i, m))
          : p.qtyContracts * arrays.value(arrays.row(id) as number);
      equity.set(pool, (equity.get(pool) ?? 0) + value);
      group(pool, u).positions.push({ instrumentId: id, qty: p.qtyContracts });
    }
    for (const o of a.orders.values()) {
      const i = this.instruments.get(o.instrumentId) as Instrument;
      if (!this.markets.get(underlyingOf(i))?.ready || o.qty === 0) continue;
      const g = group(poolOf(i), underlyingOf(i));
      (o.qty > 0 ? g.buys : g.sells).push({ instrumentId: o.instrumentId, qty: o.qty });
      if (!equity.has(poolOf(i))) equity.set(poolOf(i), 0);
    }
    const pools = new Map<string, { equity: number; im: number; mm: number; state: MarginState }>();
    for (const [pool, e] of equity) {
      let im = 0;
      let mm = 0;
      for (const [u, g] of groups.get(pool) ?? []) {
        const b = this.book(u);
        const m = this.markets.get(u) as LiveUnderlyingMarket;
        const opts = { detail: false, scratch: b.scratch };
        let best = gridMargin(b.model, b.arrays, m, g.positions, opts);
        // Open orders: margin as if every buy, or every sell, filled — whichever needs more.
        for (const side of [g.buys, g.sells]) {
          if (side.length === 0) continue;
          const r = gridMargin(b.model, b.arrays, m, [...g.positions, ...side], opts);
          if (r.im > best.im) best = r;
        }
        im += best.im;
        mm += best.mm;
        const addOn = this.config.liquidityAddOn;
        if (addOn) {
          const applies = addOn.appliesTo ?? defaultLiquidityAppliesTo;
          for (const p of g.positions) {
            const i = this.instruments.get(p.instrumentId) as Instrument;
            if (!applies(i)) continue;
            const r = positionLiquidityCharge(i, p.qty, m, this.viewOf(p.instrumentId), addOn.params);
            if (!r) continue;
            im += r.charge;
            mm += addOn.params.mmFraction * r.charge;
          }
        }
      }
      im *= this.multiplier;
      mm *= this.multiplier;
      pools.set(pool, { equity: e, im, mm, state: marginState(e, im, mm, this.thresholds) });
    }
    a.pools = pools;
    a.state = worstState([...pools.values()].map((p) => p.state));
  }

  /** Current figures of an account (after the last flush). */
  snapshot(accountId: string) {
    const a = this.accounts.get(accountId);
    if (!a) return null;
    return { account: a.id, state: a.state, pools: Object.fromEntries(a.pools) };
  }

  /** The account as plain input, e.g. for what-if and explain through `accountMargin`. */
  accountInput(accountId: string): AccountInput | null {
    const a = this.accounts.get(accountId);
    if (!a) return null;
    return {
      account: a.id,
      collateral: [...a.collateral].map(([currency, amount]) => ({ currency, amount })),
      positions: [...a.positions].map(([instrumentId, p]) => ({
        instrumentId,
        qty: p.qtyContracts,
        avgEntryPrice: p.avgEntryPrice,
      })),
    };
  }

  /** What-if: margin after hypothetical orders, using the live markets, without changing state. */
  whatIf(accountId: string, orders: readonly AccountOrder[]) {
    const input = this.accountInput(accountId) ?? { account: accountId, collateral: [], positions: [] };
    const ctx = { instruments: this.instruments, markets: this.markets };
    const model: UnderlyingMarginModel = {
      name: 'live',
      margin: (positions, market, c) => this.book(market.underlying).whatIfModel.margin(positions, market, c),
    };
    return accountMargin(applyWhatIf(input, orders, ctx), model, ctx, this.multiplier, this.thresholds);
  }
}

function poolOf(i: Instrument): string {
  return i.kind === 'spot' || i.kind === 'index' ? i.quoteCurrency : i.settlementCurrency;
}

function addTo(m: Map<string, number>, key: string, amount: number): void {
  m.set(key, (m.get(key) ?? 0) + amount);
}

function reasonFor(s: MarginState): string {
  switch (s) {
    case 'healthy':
      return 'equity above initial margin and its buffer';
    case 'warning':
      return 'equity within the buffer above initial margin';
    case 'margin-call':
      return 'equity below initial margin';
    case 'liquidatable':
      return 'equity below maintenance margin';
    case 'bankrupt':
      return 'equity below zero';
  }
}
