import { decodeNum, type EncodedNum, encodeNum } from '../core/state-codec.ts';
import type { MarginState, MarginStateChange } from '../domain/decisions.ts';
import type { SviParams } from '../domain/events.ts';
import { contractSizeOf, type Instrument, settlementOf } from '../domain/instrument.ts';
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
  moreSevere,
  poolOf,
  type UnderlyingMarginModel,
} from './account-margin.ts';
import {
  defaultLiquidityAppliesTo,
  type LiquidityAddOnParams,
  positionLiquidityCharge,
  withLiquidityAddOn,
} from './liquidity-addon.ts';
import { LiveUnderlyingMarket, type LiveUnderlyingMarketState } from './live-market.ts';
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
  /**
   * Skip re-margining an account whose state provably cannot change at the new spot (default
   * true; see `stateBand`). Figures are then recomputed when read, so results are identical.
   */
  readonly bandSkip?: boolean;
}

/** Model, risk arrays and scratch space of one underlying. */
interface UnderlyingBook {
  readonly model: GridModelConfig;
  readonly arrays: RiskArrays;
  readonly scratch: Float64Array;
  readonly whatIfModel: UnderlyingMarginModel;
}

/** One (pool, underlying) group of an account, resolved once per change of its positions. */
interface Group {
  readonly underlying: string;
  readonly book: UnderlyingBook;
  readonly market: LiveUnderlyingMarket;
  readonly positions: PositionInput[];
  readonly instruments: Instrument[];
  readonly entries: Position[];
  readonly buys: PositionInput[];
  readonly sells: PositionInput[];
}

interface PoolFigures {
  equity: number;
  im: number;
  mm: number;
  state: MarginState;
}

interface Layout {
  readonly pools: { readonly currency: string; readonly collateral: number; readonly groups: Group[] }[];
}

interface BookAccount {
  readonly id: string;
  readonly collateral: Map<string, number>;
  readonly positions: Map<string, Position>;
  /** Open orders by id: margined as if filled in the worst direction. */
  readonly orders: Map<string, { readonly instrumentId: string; readonly qty: number }>;
  state: MarginState;
  /** Last computed figures by pool currency (updated in place). */
  readonly pools: Map<string, PoolFigures>;
  /** Resolved groups; null after any change of positions, orders or collateral. */
  layout: Layout | null;
  /**
   * Spot range of one underlying inside which this account's state cannot change (linear
   * perpetuals only, marked at spot): an index move that stays inside skips the re-margin.
   */
  band: { readonly underlying: string; readonly lo: number; readonly hi: number } | null;
  /** Figures not recomputed since a skipped move (recomputed lazily when read). */
  stale: boolean;
}

/**
 * Real-time margin for every account of the venue. Market updates mark their underlying dirty;
 * `flush` recomputes the risk arrays of dirty underlyings once and re-margins every account
 * that holds them (plus accounts whose positions, orders or collateral changed), returning a
 * `margin-state-change` decision for each account whose state moved. Each account keeps its
 * positions resolved to risk-array rows between changes, so a re-margin after an index move
 * is multiply-adds plus the contingencies. Pure and deterministic: the engine calls it from
 * `handle`; decisions come in the order accounts were touched (deterministic for a given input).
 */
export class MarginBook {
  /** Work done (for benchmarks and tests): account re-margins, and index moves a band let skip. */
  readonly counters = { remargins: 0, skipped: 0 };
  readonly markets = new Map<string, LiveUnderlyingMarket>();
  private readonly instruments = new Map<string, Instrument>();
  private readonly accounts = new Map<string, BookAccount>();
  private readonly holders = new Map<string, Set<BookAccount>>();
  /**
   * |contracts| of every position in nano-contracts, summed per margin state and instrument, so
   * `openInterestShare` reads a few sums instead of walking every account (it runs at every
   * policy evaluation). Integers: the sums do not depend on the order of updates, so a restored
   * book has the same ones.
   */
  private readonly oiNano = new Map<MarginState, Map<string, bigint>>();
  private readonly dirtyUnderlyings = new Set<string>();
  private readonly dirtyAccounts = new Set<BookAccount>();
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
      const grid = gridAccountModel(model, arrays);
      const addOn = this.config.liquidityAddOn;
      b = {
        model,
        arrays,
        scratch: new Float64Array(model.scenarios.length),
        // What-if goes through the account-level path; the same add-on keeps it equal to live.
        whatIfModel: addOn
          ? withLiquidityAddOn(grid, {
              viewOf: this.viewOf,
              params: addOn.params,
              ...(addOn.appliesTo ? { appliesTo: addOn.appliesTo } : {}),
            })
          : grid,
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
      for (const a of this.accounts.values()) this.dirtyAccounts.add(a);
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

  /** Drops a stale mark: the instrument is margined on its forward / the index until a new mark. */
  clearMark(instrumentId: string): void {
    const i = this.instruments.get(instrumentId);
    if (!i) return;
    this.market(underlyingOf(i)).clearMark(instrumentId);
    this.dirtyUnderlyings.add(underlyingOf(i));
  }

  /** A new implied vol for one option: only that option's risk array is recomputed. */
  onOptionVol(instrumentId: string, volAnnual: number): void {
    const i = this.instruments.get(instrumentId);
    if (i?.kind !== 'option') return;
    const u = underlyingOf(i);
    this.market(u).setVol(instrumentId, volAnnual);
    this.dirtyInstrument(u, instrumentId);
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
    for (const [id, i] of this.instruments) {
      if (i.kind === 'option' && i.expiryUs === expiryUs && underlyingOf(i) === underlying) {
        this.dirtyInstrument(underlying, id);
      }
    }
    return null;
  }

  /** An option ticker's underlying price: the forward of that option's expiry. */
  onForward(optionId: string, forward: number): void {
    const i = this.instruments.get(optionId);
    if (i?.kind !== 'option') return;
    this.market(underlyingOf(i)).setForward(i.expiryUs, forward);
    this.dirtyUnderlyings.add(underlyingOf(i));
  }

  private dirtyInstrument(underlying: string, instrumentId: string): void {
    const set = this.dirtyInstruments.get(underlying) ?? new Set<string>();
    set.add(instrumentId);
    this.dirtyInstruments.set(underlying, set);
  }

  /**
   * An open order (signed contracts). The venue replaces or cancels it as it fills; until then it
   * is margined as if filled in the worst direction.
   */
  onOrderPlaced(accountId: string, orderId: string, instrumentId: string, qty: number): void {
    const i = this.instruments.get(instrumentId);
    if (!i) throw new RangeError(`unknown instrument ${instrumentId}`);
    const a = this.account(accountId);
    a.orders.set(orderId, { instrumentId, qty });
    this.changed(a, underlyingOf(i));
  }

  onOrderCancelled(accountId: string, orderId: string): void {
    const a = this.accounts.get(accountId);
    if (a?.orders.delete(orderId)) this.changed(a, null);
  }

  onTransfer(accountId: string, currency: string, amount: number): void {
    const a = this.account(accountId);
    addTo(a.collateral, currency, amount);
    this.changed(a, null);
  }

  /**
   * A fill: perpetual / future P&L realized into the pool's cash; option and spot premium paid from
   * it. Returns that cash change (settlement currency, signed for the account).
   */
  onFill(accountId: string, instrumentId: string, qty: number, price: number): number {
    const i = this.instruments.get(instrumentId);
    if (!i) throw new RangeError(`unknown instrument ${instrumentId}`);
    const a = this.account(accountId);
    const { next, cashChange } = fillEffect(i, a.positions.get(instrumentId), instrumentId, qty, price);
    addTo(a.collateral, poolOf(i), cashChange);
    this.addOi(a.state, instrumentId, -nanoContracts(a.positions.get(instrumentId)?.qtyContracts ?? 0));
    this.addOi(a.state, instrumentId, nanoContracts(next.qtyContracts));
    if (next.qtyContracts === 0) a.positions.delete(instrumentId);
    else a.positions.set(instrumentId, next);
    this.changed(a, underlyingOf(i));
    return cashChange;
  }

  /** The cash change `onFill` would make, without making it (for checks before applying). */
  previewFill(accountId: string, instrumentId: string, qty: number, price: number): number {
    const i = this.instruments.get(instrumentId);
    if (!i) throw new RangeError(`unknown instrument ${instrumentId}`);
    const prev = this.accounts.get(accountId)?.positions.get(instrumentId);
    return fillEffect(i, prev, instrumentId, qty, price).cashChange;
  }

  /**
   * Sets a pool's cash to the exact ledger balance (the engine keeps money on the bigint ledger;
   * the margin book reads it as float64 for risk math).
   */
  setCollateral(accountId: string, currency: string, amount: number): void {
    const a = this.account(accountId);
    if (a.collateral.get(currency) === amount) return;
    a.collateral.set(currency, amount);
    this.changed(a, null);
  }

  hasAccount(accountId: string): boolean {
    return this.accounts.has(accountId);
  }

  /** Account ids, sorted. */
  accountIds(): string[] {
    return [...this.accounts.keys()].sort();
  }

  /** The account's positions, sorted by instrument id. */
  positionsOf(accountId: string): Position[] {
    const a = this.accounts.get(accountId);
    if (!a) return [];
    return [...a.positions.values()].sort((x, y) => (x.instrumentId < y.instrumentId ? -1 : 1));
  }

  /**
   * Share of open-interest notional (|contracts| × size × mark; inverse contracts at their quote
   * size) held by accounts in one of `states`, over all accounts but `exclude`; null without open
   * interest. Reads states only (always current), never the figures, so it costs no re-margin.
   */
  openInterestShare(states: ReadonlySet<MarginState>, exclude?: string): number | null {
    const all = new Map<string, bigint>();
    const inStates = new Map<string, bigint>();
    const add = (m: Map<string, bigint>, id: string, n: bigint) => m.set(id, (m.get(id) ?? 0n) + n);
    for (const [state, byInstrument] of this.oiNano) {
      for (const [id, n] of byInstrument) {
        add(all, id, n);
        if (states.has(state)) add(inStates, id, n);
      }
    }
    const ex = exclude === undefined ? undefined : this.accounts.get(exclude);
    for (const p of ex?.positions.values() ?? []) {
      const n = nanoContracts(p.qtyContracts);
      add(all, p.instrumentId, -n);
      if (states.has((ex as BookAccount).state)) add(inStates, p.instrumentId, -n);
    }
    let allNotional = 0;
    let inNotional = 0;
    // instruments in id order: a fixed order of float operations
    for (const id of [...all.keys()].sort()) {
      const i = this.instruments.get(id);
      const mark = this.markOf(id);
      if (!i || mark === null) continue;
      const perContract =
        contractSizeOf(i) * (settlementOf(i) === 'inverse' && i.kind !== 'option' ? 1 : mark);
      allNotional += (Number(all.get(id) ?? 0n) / 1e9) * perContract;
      inNotional += (Number(inStates.get(id) ?? 0n) / 1e9) * perContract;
    }
    return allNotional > 0 ? inNotional / allNotional : null;
  }

  /** Ids of the account's open orders, in the order they were placed. */
  openOrderIds(accountId: string): string[] {
    return [...(this.accounts.get(accountId)?.orders.keys() ?? [])];
  }

  /**
   * Mark of one contract in the units fills are priced in: the mark price of a perpetual or
   * future, the model value of an option (settlement currency per contract); null before the
   * underlying has an index price. Valid after `flush` (option values come from the risk arrays).
   */
  markOf(instrumentId: string): number | null {
    const i = this.instruments.get(instrumentId);
    if (!i || i.kind === 'index') return null;
    const u = underlyingOf(i);
    const m = this.markets.get(u);
    if (!m?.ready) return null;
    if (i.kind === 'option') {
      const b = this.book(u);
      const row = b.arrays.row(instrumentId);
      return row === undefined ? null : b.arrays.value(row);
    }
    return markPrice(i, m);
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
        layout: null,
        band: null,
        stale: false,
      };
      this.accounts.set(id, a);
    }
    return a;
  }

  private changed(a: BookAccount, underlying: string | null): void {
    a.layout = null;
    this.dirtyAccounts.add(a);
    if (underlying !== null) {
      const hs = this.holders.get(underlying) ?? new Set();
      hs.add(a);
      this.holders.set(underlying, hs);
    }
  }

  /**
   * Recomputes what changed and returns the state changes. Underlyings without a spot yet are
   * skipped (their accounts are re-margined once the first index price arrives).
   */
  flush(tsUs: number): readonly MarginStateChange[] {
    // Most events (book updates, trades) change nothing margin depends on: no allocation then.
    if (
      this.dirtyAccounts.size === 0 &&
      this.dirtyUnderlyings.size === 0 &&
      this.dirtyInstruments.size === 0
    ) {
      return NO_CHANGES;
    }
    const touched = new Set(this.dirtyAccounts);
    const skip = this.config.bandSkip !== false;
    const holderTouched = (a: BookAccount, u: string, spot: number) => {
      const b = a.band;
      if (
        skip &&
        b !== null &&
        b.underlying === u &&
        spot > b.lo &&
        spot < b.hi &&
        !this.dirtyAccounts.has(a)
      ) {
        a.stale = true;
        this.counters.skipped++;
        return;
      }
      touched.add(a);
    };
    for (const u of this.dirtyUnderlyings) {
      const m = this.markets.get(u);
      if (!m?.ready) continue;
      this.book(u).arrays.update(m);
      for (const a of this.holders.get(u) ?? []) holderTouched(a, u, m.spot);
    }
    for (const [u, ids] of this.dirtyInstruments) {
      const m = this.markets.get(u);
      if (!m?.ready || this.dirtyUnderlyings.has(u)) continue;
      const arrays = this.book(u).arrays;
      for (const id of ids) arrays.updateInstrument(id, m);
      for (const a of this.holders.get(u) ?? []) holderTouched(a, u, m.spot);
    }
    this.dirtyInstruments.clear();
    this.dirtyUnderlyings.clear();
    this.dirtyAccounts.clear();
    const out: MarginStateChange[] = [];
    for (const a of touched) {
      const before = a.state;
      this.remargin(a);
      if (a.state !== before) {
        const evidence: Record<string, number | string> = { multiplier: this.multiplier };
        for (const [ccy, p] of [...a.pools].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
          evidence[`${ccy}.equity`] = p.equity;
          evidence[`${ccy}.im`] = p.im;
          evidence[`${ccy}.mm`] = p.mm;
        }
        out.push({
          kind: 'margin-state-change',
          tsUs,
          account: a.id,
          from: before,
          to: a.state,
          reason: reasonFor(a.state),
          evidence,
        });
      }
    }
    return out;
  }

  /** Groups an account's positions and orders by pool and underlying, resolved to risk rows. */
  private layoutOf(a: BookAccount): Layout {
    const byPool = new Map<string, Map<string, Group>>();
    const group = (i: Instrument): Group => {
      const pool = poolOf(i);
      const u = underlyingOf(i);
      let byU = byPool.get(pool);
      if (!byU) {
        byU = new Map();
        byPool.set(pool, byU);
      }
      let g = byU.get(u);
      if (!g) {
        g = {
          underlying: u,
          book: this.book(u),
          market: this.market(u),
          positions: [],
          instruments: [],
          entries: [],
          buys: [],
          sells: [],
        };
        byU.set(u, g);
      }
      return g;
    };
    for (const [id, p] of a.positions) {
      const i = this.instruments.get(id) as Instrument;
      const g = group(i);
      g.positions.push({ instrumentId: id, qty: p.qtyContracts, row: g.book.arrays.row(id) as number });
      g.instruments.push(i);
      g.entries.push(p);
    }
    for (const o of a.orders.values()) {
      if (o.qty === 0) continue;
      const g = group(this.instruments.get(o.instrumentId) as Instrument);
      (o.qty > 0 ? g.buys : g.sells).push({
        instrumentId: o.instrumentId,
        qty: o.qty,
        row: g.book.arrays.row(o.instrumentId) as number,
      });
    }
    for (const ccy of a.collateral.keys()) if (!byPool.has(ccy)) byPool.set(ccy, new Map());
    return {
      pools: [...byPool].map(([currency, groups]) => ({
        currency,
        collateral: a.collateral.get(currency) ?? 0,
        groups: [...groups.values()],
      })),
    };
  }

  private remargin(a: BookAccount): void {
    this.counters.remargins++;
    a.layout ??= this.layoutOf(a);
    a.stale = false;
    a.band = null;
    const addOn = this.config.liquidityAddOn;
    let worst: MarginState = 'healthy';
    for (const pool of a.layout.pools) {
      let equity = pool.collateral;
      let im = 0;
      let mm = 0;
      for (const g of pool.groups) {
        const m = g.market;
        if (!m.ready) continue;
        const arrays = g.book.arrays;
        for (let j = 0; j < g.positions.length; j++) {
          const i = g.instruments[j] as Instrument;
          const p = g.entries[j] as Position;
          equity +=
            i.kind === 'perpetual' || i.kind === 'future'
              ? pnlSettle(i, p.qtyContracts, p.avgEntryPrice, markPrice(i, m))
              : p.qtyContracts * arrays.value((g.positions[j] as PositionInput).row as number);
        }
        const opts = { detail: false, scratch: g.book.scratch };
        let gim = 0;
        let gmm = 0;
        if (g.positions.length > 0) {
          const r = gridMargin(g.book.model, arrays, m, g.positions, opts);
          gim = r.im;
          gmm = r.mm;
        }
        // Open orders: margin as if every buy, or every sell, filled — whichever needs more.
        for (const side of [g.buys, g.sells]) {
          if (side.length === 0) continue;
          const r = gridMargin(g.book.model, arrays, m, [...g.positions, ...side], opts);
          if (r.im > gim) {
            gim = r.im;
            gmm = r.mm;
          }
        }
        if (addOn) {
          const applies = addOn.appliesTo ?? defaultLiquidityAppliesTo;
          for (let j = 0; j < g.positions.length; j++) {
            const i = g.instruments[j] as Instrument;
            if (!applies(i)) continue;
            const r = positionLiquidityCharge(
              i,
              (g.positions[j] as PositionInput).qty,
              m,
              this.viewOf(i.id),
              addOn.params,
            );
            if (!r) continue;
            gim += r.charge;
            gmm += addOn.params.mmFraction * r.charge;
          }
        }
        im += gim;
        mm += gmm;
      }
      im *= this.multiplier;
      mm *= this.multiplier;
      const state = marginState(equity, im, mm, this.thresholds);
      const f = a.pools.get(pool.currency);
      if (f) {
        f.equity = equity;
        f.im = im;
        f.mm = mm;
        f.state = state;
      } else a.pools.set(pool.currency, { equity, im, mm, state });
      worst = moreSevere(worst, state);
      if (a.layout.pools.length === 1 && !addOn) a.band = this.stateBand(pool.groups, equity, im, mm);
    }
    if (worst !== a.state) {
      for (const p of a.positions.values()) {
        const n = nanoContracts(p.qtyContracts);
        this.addOi(a.state, p.instrumentId, -n);
        this.addOi(worst, p.instrumentId, n);
      }
    }
    a.state = worst;
  }

  private addOi(state: MarginState, instrumentId: string, n: bigint): void {
    if (n === 0n) return;
    let m = this.oiNano.get(state);
    if (!m) {
      m = new Map();
      this.oiNano.set(state, m);
    }
    m.set(instrumentId, (m.get(instrumentId) ?? 0n) + n);
  }

  /**
   * For a pool of linear perpetuals on one underlying, marked at spot, with no open orders:
   * equity = A + B·S and IM = k·S, MM = r·IM exactly (grid losses, contingencies and P&L are all
   * linear in spot), so the state can only change where A + B·S meets 0, MM, IM or IM·(1 + buffer).
   * Returns the open spot interval around the current spot free of those roots, shrunk by 1e-7
   * relative for float safety; null when the pool does not qualify.
   */
  private stateBand(
    groups: readonly Group[],
    equity: number,
    im: number,
    mm: number,
  ): { underlying: string; lo: number; hi: number } | null {
    if (groups.length !== 1) return null;
    const g = groups[0] as Group;
    if (g.buys.length > 0 || g.sells.length > 0 || g.positions.length === 0 || !g.market.ready) return null;
    let b = 0;
    for (let j = 0; j < g.positions.length; j++) {
      const i = g.instruments[j] as Instrument;
      if (i.kind !== 'perpetual' || i.settlement !== 'linear' || g.market.markOf(i.id) !== undefined)
        return null;
      b += (g.entries[j] as Position).qtyContracts * i.contractSize;
    }
    const spot = g.market.spot;
    if (!(spot > 0) || !(im > 0)) return null;
    const a0 = equity - b * spot;
    const k = im / spot;
    const ratios = [0, mm / im, 1, 1 + this.thresholds.warningBufferFrac];
    let lo = 0;
    let hi = Number.POSITIVE_INFINITY;
    for (const c of ratios) {
      const d = c * k - b;
      if (d === 0) continue;
      const root = a0 / d;
      if (!(root > 0) || !Number.isFinite(root)) continue;
      if (root === spot) return null;
      if (root < spot) lo = Math.max(lo, root);
      else hi = Math.min(hi, root);
    }
    const band = { underlying: g.underlying, lo: lo * (1 + 1e-7), hi: hi * (1 - 1e-7) };
    return band.lo < spot && spot < band.hi ? band : null;
  }

  /** Recomputes figures a skipped move left stale (the state is unchanged by construction). */
  private fresh(a: BookAccount): BookAccount {
    if (a.stale) this.remargin(a);
    return a;
  }

  /**
   * Collateral that can leave a pool now: equity above initial margin (never negative), from the
   * figures of the last flush; null for an unknown account. A pool the account never used has 0.
   */
  freeCollateral(accountId: string, currency: string): number | null {
    const found = this.accounts.get(accountId);
    if (!found) return null;
    const a = this.fresh(found);
    const p = a.pools.get(currency);
    if (p) return Math.max(0, p.equity - p.im);
    return Math.max(0, a.collateral.get(currency) ?? 0);
  }

  /** Every account as plain data, sorted by id: positions, collateral, orders, state (for state hashes). */
  summary() {
    return [...this.accounts.keys()].sort().map((id) => ({
      input: this.accountInput(id),
      state: (this.accounts.get(id) as BookAccount).state,
    }));
  }

  /** Current figures of an account (after the last flush). */
  snapshot(accountId: string) {
    const found = this.accounts.get(accountId);
    if (!found) return null;
    const a = this.fresh(found);
    return {
      account: a.id,
      state: a.state,
      pools: Object.fromEntries([...a.pools].map(([k, v]) => [k, { ...v }])),
    };
  }

  /** The account as plain input (positions, collateral, open orders) for what-if and explain. */
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
      openOrders: [...a.orders.values()].map((o) => ({ instrumentId: o.instrumentId, qty: o.qty })),
    };
  }

  /**
   * What-if: margin after hypothetical fills, with the account's open orders and the liquidity
   * add-on as in live margin, using the live markets and risk arrays, without changing state.
   */
  whatIf(accountId: string, orders: readonly AccountOrder[]) {
    const input = this.accountInput(accountId) ?? { account: accountId, collateral: [], positions: [] };
    const ctx = { instruments: this.instruments, markets: this.markets };
    const model: UnderlyingMarginModel = {
      name: 'live',
      margin: (positions, market, c) => this.book(market.underlying).whatIfModel.margin(positions, market, c),
    };
    return accountMargin(applyWhatIf(input, orders, ctx), model, ctx, this.multiplier, this.thresholds);
  }

  /**
   * The book's state as plain JSON data (docs/concepts/journal.md, "State snapshots"): accounts in
   * insertion order with cash, positions, open orders, state and last figures; who holds each
   * underlying, in the order they came (it fixes the order of state-change decisions); markets;
   * the multiplier. Risk arrays are not stored: they are a function of the markets.
   */
  exportState(): MarginBookState {
    for (const a of this.accounts.values()) this.fresh(a);
    const n = encodeNum;
    return {
      multiplier: n(this.multiplier),
      accounts: [...this.accounts.values()].map((a) => ({
        id: a.id,
        state: a.state,
        collateral: [...a.collateral].map(([c, x]) => [c, n(x)] as const),
        positions: [...a.positions.values()].map((p) => ({
          instrumentId: p.instrumentId,
          qty: n(p.qtyContracts),
          avgEntry: n(p.avgEntryPrice),
          realized: n(p.realizedPnlSettle),
          funding: n(p.fundingPaidSettle),
        })),
        orders: [...a.orders].map(([id, o]) => [id, o.instrumentId, n(o.qty)] as const),
        pools: [...a.pools].map(([c, f]) => [c, n(f.equity), n(f.im), n(f.mm), f.state] as const),
      })),
      holders: [...this.holders].map(([u, hs]) => [u, [...hs].map((a) => a.id)] as const),
      markets: [...this.markets.values()].map((m) => m.exportState()),
    };
  }

  /** Replaces all state by `exportState` output (same config and instruments); recomputes the risk arrays. */
  restoreState(s: MarginBookState): void {
    if (this.dirtyAccounts.size + this.dirtyUnderlyings.size + this.dirtyInstruments.size > 0) {
      throw new RangeError('margin book: restore into a book with pending changes');
    }
    this.accounts.clear();
    this.holders.clear();
    this.multiplier = decodeNum(s.multiplier);
    for (const x of s.accounts) {
      const a: BookAccount = {
        id: x.id,
        collateral: new Map(x.collateral.map(([c, v]) => [c, decodeNum(v)])),
        positions: new Map(
          x.positions.map((p) => [
            p.instrumentId,
            {
              instrumentId: p.instrumentId,
              qtyContracts: decodeNum(p.qty),
              avgEntryPrice: decodeNum(p.avgEntry),
              realizedPnlSettle: decodeNum(p.realized),
              fundingPaidSettle: decodeNum(p.funding),
            },
          ]),
        ),
        orders: new Map(x.orders.map(([id, instrumentId, q]) => [id, { instrumentId, qty: decodeNum(q) }])),
        state: x.state,
        pools: new Map(
          x.pools.map(([c, equity, im, mm, state]) => [
            c,
            { equity: decodeNum(equity), im: decodeNum(im), mm: decodeNum(mm), state },
          ]),
        ),
        layout: null,
        band: null,
        stale: false,
      };
      for (const id of [...a.positions.keys(), ...[...a.orders.values()].map((o) => o.instrumentId)]) {
        if (!this.instruments.has(id)) throw new RangeError(`margin book state: unknown instrument ${id}`);
      }
      this.accounts.set(a.id, a);
    }
    for (const [u, ids] of s.holders) {
      this.holders.set(u, new Set(ids.map((id) => this.accounts.get(id) as BookAccount)));
    }
    this.oiNano.clear();
    for (const a of this.accounts.values()) {
      for (const p of a.positions.values())
        this.addOi(a.state, p.instrumentId, nanoContracts(p.qtyContracts));
    }
    for (const m of s.markets) {
      this.market(m.underlying).restoreState(m);
    }
    for (const [u, m] of this.markets) if (m.ready) this.book(u).arrays.update(m);
  }
}

/** |contracts| in nano-contracts (rounded): the unit of the open-interest sums. */
function nanoContracts(qtyContracts: number): bigint {
  return BigInt(Math.round(Math.abs(qtyContracts) * 1e9));
}

export interface MarginBookState {
  readonly multiplier: EncodedNum;
  readonly accounts: readonly {
    readonly id: string;
    readonly state: MarginState;
    readonly collateral: readonly (readonly [string, EncodedNum])[];
    readonly positions: readonly {
      readonly instrumentId: string;
      readonly qty: EncodedNum;
      readonly avgEntry: EncodedNum;
      readonly realized: EncodedNum;
      readonly funding: EncodedNum;
    }[];
    readonly orders: readonly (readonly [string, string, EncodedNum])[];
    readonly pools: readonly (readonly [string, EncodedNum, EncodedNum, EncodedNum, MarginState])[];
  }[];
  readonly holders: readonly (readonly [string, readonly string[]])[];
  readonly markets: readonly LiveUnderlyingMarketState[];
}

const NO_CHANGES: readonly MarginStateChange[] = [];

/** Position after a fill and the pool cash it moves (realized P&L, or premium paid / received). */
function fillEffect(
  i: Instrument,
  prev: Position | undefined,
  instrumentId: string,
  qty: number,
  price: number,
): { next: Position; cashChange: number } {
  const p = prev ?? emptyPosition(instrumentId);
  if (i.kind === 'perpetual' || i.kind === 'future') {
    const next = applyFill(i, p, qty, price);
    return { next, cashChange: next.realizedPnlSettle - p.realizedPnlSettle };
  }
  return { next: { ...p, qtyContracts: p.qtyContracts + qty }, cashChange: -qty * price };
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
