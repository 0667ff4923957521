import { BackstopError } from '../../core/errors.ts';
import { money, moneyFromDecimal, moneyToDecimal } from '../../core/money.ts';
import type { Result } from '../../core/result.ts';
import type { Decision, Evidence, MarginState } from '../../domain/decisions.ts';
import type { Level } from '../../domain/events.ts';
import { contractSizeOf, type Instrument, settlementOf } from '../../domain/instrument.ts';
import type { Position } from '../../domain/position.ts';
import type { BookSide, OrderBook } from '../../liquidity/order-book.ts';
import { poolOf } from '../../margin/account-margin.ts';
import { underlyingOf } from '../../margin/market.ts';
import { ratToNumber } from '../../margin/standard/perp-exact.ts';
import { insuranceFundAccount, SOCIALIZED_LOSS } from '../ledger/index.ts';
import type { MoneyRejection, VenueAccounts } from '../venue-accounts.ts';
import { allocateAdl, rankForAdl } from '../waterfall/adl.ts';
import { InsuranceFund, type InsuranceFundState } from '../waterfall/insurance-fund.ts';
import { allocateTakeover, type ProviderState } from '../waterfall/providers.ts';
import { socializeAcrossOpenInterest, socializeAmongWinners } from '../waterfall/socialized-loss.ts';
import { bankruptcyPrices, type MarkedLeg } from './bankruptcy.ts';
import { type LiquidatorConfig, validateLiquidatorConfig } from './config.ts';

/** Liquidity the liquidator may hit besides the venue's book: the backstop reserve's resting orders. */
export interface ReserveLiquidity {
  /** The venue account that takes the other side of a fill. */
  readonly account: string;
  /** [price, contracts], best first. */
  levels(instrument: string, side: BookSide): readonly Level[];
  take(instrument: string, side: BookSide, price: number, contracts: number): void;
}

const IN_LIQUIDATION: ReadonlySet<MarginState> = new Set(['liquidatable', 'bankrupt']);

interface PoolFigures {
  equity: number;
  im: number;
  mm: number;
  state: MarginState;
}

/**
 * The engine's liquidation waterfall over real venue accounts (docs/concepts/liquidation-engine.md):
 * every account whose margin state is `liquidatable` or `bankrupt` is worked on, pool by pool
 * (settlement currency), each time the engine handles an event:
 *
 *   a. its open orders are cancelled;
 *   b. each position with a book is reduced by a fraction per step into that book, within a
 *      price band around mark, at most one step per cooldown, paying a liquidation fee to the
 *      insurance fund that never takes the account below zero;
 *   c. while equity < `distressedFractionOfMm` × MM, backstop liquidity providers take the rest
 *      over at mark ∓ discount (never past the bankruptcy price while equity ≥ 0), within their
 *      capacity per window, pro rata or by priority; they become reduce-only for it;
 *   d. bad debt (negative equity) is paid by the insurance fund of the market (caps, never below
 *      zero) — in full while positions are open, else as much as it can;
 *   e. if the fund cannot pay in full (or its drawdown over a window passed the threshold), the
 *      remaining perpetual / future positions are auto-deleveraged against ranked opposite-side
 *      accounts, at the bankruptcy price or mark;
 *   f. bad debt left with no position open is written off and socialized across open interest or
 *      among the day's winners; what nobody can bear stays pending in the clearing account.
 *
 * Money moves only through `VenueAccounts` (ledger first, margin book synced), so each currency's
 * ledger total stays zero. Deterministic: accounts, pools and positions are visited in sorted
 * order; no clock, no randomness beyond the configured ADL seed.
 */
export class Liquidator {
  private readonly active = new Set<string>();
  private readonly nextStepUs = new Map<string, number>();
  private providerStates = new Map<string, ProviderState>();
  private readonly funds = new Map<string, InsuranceFund>();
  private readonly isolated: ReadonlySet<string>;
  private seq = 0;
  private reserve: ReserveLiquidity | null = null;
  /** Losses written off in the current run, charged together at its end. */
  private readonly pendingLoss = new Map<
    string,
    { ccy: string; market: string | null; items: { id: string; debt: bigint }[] }
  >();
  private paused: (instrumentId: string) => boolean = () => false;

  private cfg: LiquidatorConfig;

  get config(): LiquidatorConfig {
    return this.cfg;
  }

  constructor(
    config: LiquidatorConfig,
    private readonly accounts: VenueAccounts,
    private readonly bookOf: (instrumentId: string) => OrderBook | null,
    openingTsUs: number,
  ) {
    validateLiquidatorConfig(config);
    this.cfg = config;
    this.isolated = new Set(config.isolatedMarkets ?? []);
    for (const p of config.providers) {
      this.providerStates.set(p.id, { id: p.id, equity: 0, takeovers: [], reduceOnly: new Set() });
    }
    for (const [ccy, f] of Object.entries(config.funds).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const scale = accounts.scale(ccy);
      const units = (s: string | undefined) =>
        s === undefined ? undefined : moneyFromDecimal(s, scale, ccy).units;
      const caps = {
        ...(f.perAccountCap === undefined ? {} : { perAccount: units(f.perAccountCap) as bigint }),
        ...(f.perIntervalCap === undefined ? {} : { perInterval: units(f.perIntervalCap) as bigint }),
        ...(f.intervalUs === undefined ? {} : { intervalUs: f.intervalUs }),
      };
      const markets: (string | null)[] = [null, ...[...this.isolated].sort()];
      for (const m of markets) {
        const opening = (m === null ? units(f.opening) : units(f.isolatedOpening?.[m])) ?? 0n;
        const fund = new InsuranceFund(fundKeyOf(ccy, m), opening, openingTsUs, caps);
        this.funds.set(fundKeyOf(ccy, m), fund);
        if (opening > 0n) {
          const r = accounts.ledger.deposit(
            `genesis:${fundKeyOf(ccy, m)}`,
            insuranceFundAccount(m),
            ccy,
            opening,
          );
          if (!r.ok) throw new BackstopError('BAD_CONFIG', `insurance fund ${ccy}: ${r.error.message}`);
        }
      }
    }
  }

  /** The reserve's quotes and resting bids join the liquidity the book steps hit (backstop policy). */
  setReserveLiquidity(r: ReserveLiquidity | null): void {
    this.reserve = r;
  }

  /** Instruments whose liquidation is paused (circuit-breaker halt, stale prices); accounts holding them wait. */
  setPaused(paused: (instrumentId: string) => boolean): void {
    this.paused = paused;
  }

  /** A governance change of the waterfall's parameters (validated like the original). */
  reconfigure(config: LiquidatorConfig): void {
    validateLiquidatorConfig(config);
    this.cfg = config;
  }

  /** Is this provider reduce-only in this instrument (it took a position over)? */
  isReduceOnly(account: string, instrumentId: string): boolean {
    return this.providerStates.get(account)?.reduceOnly.has(instrumentId) ?? false;
  }

  fund(currency: string, market: string | null = null): InsuranceFund | undefined {
    return this.funds.get(fundKeyOf(currency, market));
  }

  /** Accounts currently being liquidated, sorted. */
  activeAccounts(): string[] {
    return [...this.active].sort();
  }

  /**
   * Runs the waterfall for every account in liquidation after the margin book's flush at `tsUs`.
   * `changes` are that flush's state changes; the returned decisions include the state changes
   * of later flushes (the liquidation's own effects).
   */
  run(tsUs: number, changes: readonly Decision[]): Decision[] {
    this.track(changes);
    if (this.active.size === 0) return [];
    const out: Decision[] = [];
    for (const id of [...this.active].sort()) {
      const snap = this.accounts.margin.snapshot(id);
      if (!snap || !IN_LIQUIDATION.has(snap.state)) {
        this.active.delete(id);
        continue;
      }
      if (this.accounts.margin.positionsOf(id).some((p) => this.paused(p.instrumentId))) continue;
      this.liquidateAccount(id, tsUs, out);
    }
    this.socializePending(tsUs, out);
    return out;
  }

  private track(changes: readonly Decision[]): void {
    for (const d of changes) {
      if (d.kind !== 'margin-state-change') continue;
      if (IN_LIQUIDATION.has(d.to)) this.active.add(d.account);
      else this.active.delete(d.account);
    }
  }

  private flush(tsUs: number, out: Decision[]): void {
    const changes = this.accounts.margin.flush(tsUs);
    this.track(changes);
    out.push(...changes);
  }

  private pool(id: string, ccy: string): PoolFigures | null {
    const p = this.accounts.margin.snapshot(id)?.pools[ccy];
    return p === undefined ? null : p;
  }

  private txId(stage: string): string {
    this.seq += 1;
    return `liq:${this.seq}:${stage}`;
  }

  private liquidateAccount(id: string, tsUs: number, out: Decision[]): void {
    const m = this.accounts.margin;
    const stages = this.config.stages;
    // a. cancel every open order (the margin book margined them in the worst direction)
    const orders = m.openOrderIds(id);
    if (stages.cancelOrders && orders.length > 0) {
      for (const o of orders) m.onOrderCancelled(id, o);
      out.push({
        kind: 'order-cancel',
        tsUs,
        reason: 'account below maintenance: open orders cancelled',
        account: id,
        orderIds: orders,
        evidence: this.poolsEvidence(id),
      });
      this.flush(tsUs, out);
    }
    const snap = m.snapshot(id);
    if (!snap) return;
    for (const ccy of Object.keys(snap.pools).sort()) {
      const p = this.pool(id, ccy);
      if (p && IN_LIQUIDATION.has(p.state)) this.liquidatePool(id, ccy, tsUs, out);
    }
  }

  private positionsIn(id: string, ccy: string): { pos: Position; i: Instrument }[] {
    const m = this.accounts.margin;
    const out: { pos: Position; i: Instrument }[] = [];
    for (const pos of m.positionsOf(id)) {
      const i = m.instrument(pos.instrumentId);
      if (i && poolOf(i) === ccy && pos.qtyContracts !== 0) out.push({ pos, i });
    }
    return out;
  }

  private liquidatePool(id: string, ccy: string, tsUs: number, out: Decision[]): void {
    const c = this.config;
    const inLiq = () => {
      const p = this.pool(id, ccy);
      return p !== null && IN_LIQUIDATION.has(p.state);
    };
    const market = this.fundMarketOf(id, ccy);
    // b. partial liquidation into the book
    if (c.stages.bookLiquidation && tsUs >= (this.nextStepUs.get(id) ?? Number.NEGATIVE_INFINITY)) {
      let attempted = false;
      for (const { pos, i } of this.positionsIn(id, ccy)) {
        if (!inLiq()) break;
        if (this.bookStep(id, ccy, i, pos, tsUs, out)) attempted = true;
      }
      // an IOC step was sent (filled or not): the next one waits for the cooldown
      if (attempted) this.nextStepUs.set(id, tsUs + c.book.cooldownUs);
      if (!inLiq()) return;
    }
    // c. backstop liquidity providers
    let p = this.pool(id, ccy) as PoolFigures;
    if (c.stages.providerTakeover && c.providers.length > 0 && p.equity < c.distressedFractionOfMm * p.mm) {
      this.providerTakeover(id, ccy, tsUs, out);
      if (!inLiq()) return;
      p = this.pool(id, ccy) as PoolFigures;
    }
    if (p.equity >= 0 && this.accounts.cash(id, ccy) >= 0n) return;
    const fund = this.funds.get(fundKeyOf(ccy, market)) ?? null;
    const bypassed = this.fundBypassed(fund, tsUs);
    const open = this.positionsIn(id, ccy);
    if (open.length > 0) {
      if (p.equity >= 0) return;
      // d. while positions are open, the fund pays negative equity only in full
      const need = this.accounts.unitsCeil(-p.equity, ccy);
      const avail =
        c.stages.insuranceFund && c.fundCoversOpenGap && !bypassed && fund
          ? this.available(fund, id, tsUs)
          : 0n;
      if (avail >= need && need > 0n && fund) {
        this.payFromFund(id, ccy, market, fund, need, tsUs, out, 'negative equity with positions open');
        return;
      }
      // e. auto-deleveraging of the perpetuals / futures left
      if (c.stages.adl) this.deleverage(id, ccy, tsUs, out, { bypassed, fundAvailable: avail, need });
      if (this.positionsIn(id, ccy).length > 0) return;
    }
    // d. realized bad debt: the fund pays what it can
    let debt = -this.accounts.cash(id, ccy);
    if (debt <= 0n) return;
    if (c.stages.insuranceFund && !bypassed && fund) {
      if (this.available(fund, id, tsUs) > 0n) {
        this.payFromFund(id, ccy, market, fund, debt, tsUs, out, 'bad debt after the account was closed');
      }
      debt = -this.accounts.cash(id, ccy);
    }
    // f. socialized loss
    if (debt > 0n && c.stages.socializedLoss) this.socialize(id, ccy, debt, market, tsUs, out);
  }

  // ------------------------------------------------------------------------------------ b. book

  /** One IOC step on one position; true if it was sent (the position has a book and a mark). */
  private bookStep(
    id: string,
    ccy: string,
    i: Instrument,
    pos: Position,
    tsUs: number,
    out: Decision[],
  ): boolean {
    const book = this.bookOf(i.id);
    const reserveLevels = this.reserve?.levels(i.id, pos.qtyContracts > 0 ? 'bid' : 'ask') ?? [];
    const mark = this.accounts.margin.markOf(i.id);
    if ((!book && reserveLevels.length === 0) || mark === null || !(mark > 0)) return false;
    const c = this.config.book;
    const q = pos.qtyContracts;
    const spot = this.spotOf(i);
    const notional = quoteNotional(i, Math.abs(q), mark, spot);
    const target = notional < c.minStepNotional ? Math.abs(q) : Math.abs(q) * c.maxFractionPerStep;
    const selling = q > 0;
    const side = selling ? 'bid' : 'ask';
    const limit = stepLimit(i, mark, spot, c.priceBandFrac, selling);
    const before = this.pool(id, ccy) as PoolFigures;
    // the venue's levels and the reserve's, best first; at one price the venue's (older) first
    const levels: { price: number; size: number; reserve: boolean }[] = [
      ...(book?.levels(side, Number.MAX_SAFE_INTEGER) ?? []).map(([price, size]) => ({
        price,
        size,
        reserve: false,
      })),
      ...reserveLevels.map(([price, size]) => ({ price, size, reserve: true })),
    ];
    levels.sort(
      (a, b) => (selling ? b.price - a.price : a.price - b.price) || Number(a.reserve) - Number(b.reserve),
    );
    let left = target;
    let filled = 0;
    let value = 0;
    let feeTotal = 0n;
    let fills = 0;
    let fromReserve = 0;
    for (const l of levels) {
      const price = l.price;
      if (left <= 0 || (selling ? price < limit : price > limit)) break;
      const avail = l.reserve ? l.size : baseToContracts(i, l.size, price);
      const take = Math.min(avail, left);
      if (!(take > 0)) continue;
      const closeQty = this.snapToPosition(id, i.id, take);
      const signed = selling ? -closeQty : closeQty;
      const r = this.accounts.fill(this.txId('book'), id, i.id, signed, price, 0n, tsUs);
      if (!r.ok) throw new BackstopError('INVARIANT', `liquidation fill refused: ${r.error.message}`);
      if (l.reserve && this.reserve) {
        // the reserve takes the other side (its bid buys what a long sells)
        const rr = this.accounts.fill(
          this.txId('reserve'),
          this.reserve.account,
          i.id,
          -signed,
          price,
          0n,
          tsUs,
        );
        if (!rr.ok) throw new BackstopError('INVARIANT', `reserve fill refused: ${rr.error.message}`);
        this.reserve.take(i.id, side, price, Math.min(closeQty, l.size));
        fromReserve += closeQty;
      } else if (book) {
        const restBase = l.size - contractsToBase(i, closeQty, price);
        book.setLevel(side, price, restBase > l.size * 1e-12 ? restBase : 0);
      }
      feeTotal += this.chargeFee(id, ccy, i, closeQty, price, tsUs, out);
      left -= closeQty;
      filled += closeQty;
      value += closeQty * price;
      fills++;
    }
    this.flush(tsUs, out);
    const after = this.pool(id, ccy);
    out.push({
      kind: 'liquidation-order',
      tsUs,
      reason:
        filled > 0
          ? 'below maintenance: step into the book within the price band'
          : 'below maintenance: no liquidity inside the price band',
      account: id,
      instrument: i.id,
      qtyContracts: selling ? -target : target,
      limitPrice: limit,
      evidence: {
        markPrice: mark,
        priceBandFrac: c.priceBandFrac,
        maxFractionPerStep: c.maxFractionPerStep,
        cooldownUs: c.cooldownUs,
        positionContracts: q,
        targetContracts: target,
        filledContracts: filled,
        avgPrice: filled > 0 ? value / filled : null,
        levels: fills,
        fromReserveContracts: fromReserve,
        feeToFund: this.dec(feeTotal, ccy),
        equityBefore: before.equity,
        maintenanceBefore: before.mm,
        equityAfter: after?.equity ?? null,
        maintenanceAfter: after?.mm ?? null,
      },
    });
    return true;
  }

  /** Liquidation fee to the market's fund, capped so it never takes equity or cash below zero. */
  private chargeFee(
    id: string,
    ccy: string,
    i: Instrument,
    qty: number,
    price: number,
    tsUs: number,
    out: Decision[],
  ): bigint {
    const rate = this.config.book.feeFrac;
    if (rate === 0) return 0n;
    this.flush(tsUs, out);
    const fee = this.accounts.unitsFloor(rate * settlementValue(i, qty, price, this.spotOf(i)), ccy);
    const p = this.pool(id, ccy);
    const equity = p === null ? 0n : this.accounts.unitsFloor(p.equity, ccy);
    const cash = this.accounts.cash(id, ccy);
    let amount = fee;
    if (equity < amount) amount = equity;
    if (cash < amount) amount = cash;
    if (amount <= 0n) return 0n;
    const market = this.isolated.has(i.id) ? i.id : null;
    const r = this.accounts.move(
      this.txId('fee'),
      'liquidation',
      this.accounts.ledgerAccountOf(id),
      insuranceFundAccount(market),
      ccy,
      amount,
    );
    if (!r.ok) throw new BackstopError('INVARIANT', `liquidation fee refused: ${r.error.message}`);
    this.funds.get(fundKeyOf(ccy, market))?.deposit(amount, tsUs);
    return amount;
  }

  // ------------------------------------------------------------------------------- c. providers

  private providerTakeover(id: string, ccy: string, tsUs: number, out: Decision[]): void {
    const c = this.config;
    const m = this.accounts.margin;
    const open = this.positionsIn(id, ccy).filter(({ i }) => m.markOf(i.id) !== null);
    if (open.length === 0) return;
    const before = this.pool(id, ccy) as PoolFigures;
    const legs: MarkedLeg[] = open.map(({ pos, i }) => ({
      instrument: i,
      qty: pos.qtyContracts,
      mark: m.markOf(i.id) as number,
    }));
    const bp = bankruptcyPrices(legs, before.equity);
    this.refreshProviderEquity(ccy);
    legs.forEach((leg, n) => {
      const i = leg.instrument;
      const bankruptcy = bp.prices[n] as number;
      const long = leg.qty > 0;
      const discounted = leg.mark * (long ? 1 - c.providerDiscountFrac : 1 + c.providerDiscountFrac);
      // equity ≥ 0: the account never goes below zero because of the discount
      const bpBinds = before.equity >= 0 && (long ? bankruptcy > discounted : bankruptcy < discounted);
      const base = bpBinds ? bankruptcy : leg.mark;
      if (!(base > 0)) return;
      const lots = this.contractsToLots(leg.qty);
      if (lots === 0n) return;
      const spot = this.spotOf(i);
      const res = allocateTakeover({
        position: {
          instrument: i.id,
          side: long ? 'long' : 'short',
          sizeLots: lots,
          bankruptcyPrice: base,
          lotSize: (c.lotContracts * quoteNotional(i, 1, leg.mark, spot)) / base,
        },
        providers: c.providers,
        states: this.providerStates,
        nowUs: tsUs,
        mode: c.providerMode,
        discountFrac: bpBinds ? 0 : c.providerDiscountFrac,
      });
      this.providerStates = new Map(res.states);
      res.fills.forEach((f, k) => {
        const last = k === res.fills.length - 1 && res.unallocatedLots === 0n;
        const qty = last ? this.positionAbs(id, i.id) : this.lotsToContracts(f.sizeLots);
        const price = ratToNumber(f.price);
        const sign = long ? 1 : -1;
        const r1 = this.accounts.fill(this.txId('takeover'), id, i.id, -sign * qty, price, 0n, tsUs);
        const r2 = this.accounts.fill(this.txId('takeover'), f.provider, i.id, sign * qty, price, 0n, tsUs);
        failIfRefused('takeover', r1, r2);
        const bucket = res.evidence.buckets.find((b) => b.members.includes(f.provider));
        out.push({
          kind: 'backstop-takeover',
          tsUs,
          reason: 'still distressed: position transferred to a backstop liquidity provider',
          account: id,
          provider: f.provider,
          instrument: i.id,
          qtyContracts: sign * qty,
          price,
          evidence: {
            markPrice: leg.mark,
            bankruptcyPrice: bankruptcy,
            bankruptcyMethod: bp.method,
            discountFrac: c.providerDiscountFrac,
            bankruptcyPriceBinds: bpBinds,
            equityBefore: before.equity,
            maintenanceBefore: before.mm,
            distressedFractionOfMm: c.distressedFractionOfMm,
            requestedLots: lots.toString(),
            allocatedLots: res.evidence.allocatedLots.toString(),
            providerCapacityLots: bucket?.capacityLots.toString() ?? null,
            mode: c.providerMode,
          },
        });
      });
    });
    this.flush(tsUs, out);
  }

  /** Providers' equity for equity-fraction capacity, in quote terms (pool equity × spot for coin pools). */
  private refreshProviderEquity(ccy: string): void {
    const next = new Map<string, ProviderState>();
    for (const [pid, s] of this.providerStates) {
      const p = this.pool(pid, ccy);
      const cash = this.accounts.toFloat(this.accounts.cash(pid, ccy), ccy);
      const eq = Math.max(0, p?.equity ?? cash);
      const toQuote = this.accounts.margin.markets.get(ccy)?.spot;
      next.set(pid, { ...s, equity: toQuote !== undefined && Number.isFinite(toQuote) ? eq * toQuote : eq });
    }
    this.providerStates = next;
  }

  // ------------------------------------------------------------------------------------ d. fund

  private fundBypassed(fund: InsuranceFund | null, tsUs: number): boolean {
    const dd = this.config.adl.drawdown;
    return dd !== undefined && fund?.adlTriggered(dd.thresholdFrac, dd.windowUs, tsUs) === true;
  }

  private available(fund: InsuranceFund, id: string, tsUs: number): bigint {
    const room = fund.headroom(id, tsUs);
    let a = fund.balance;
    if (room.perAccount !== null && room.perAccount < a) a = room.perAccount;
    if (room.perInterval !== null && room.perInterval < a) a = room.perInterval;
    return a < 0n ? 0n : a;
  }

  private payFromFund(
    id: string,
    ccy: string,
    market: string | null,
    fund: InsuranceFund,
    amount: bigint,
    tsUs: number,
    out: Decision[],
    why: string,
  ): void {
    const before = this.pool(id, ccy);
    const r = fund.requestPayout({ account: id, amount, tsUs });
    if (r.paid <= 0n) return;
    const moved = this.accounts.move(
      this.txId('fund'),
      'insurance-payout',
      insuranceFundAccount(market),
      this.accounts.ledgerAccountOf(id),
      ccy,
      r.paid,
    );
    if (!moved.ok) throw new BackstopError('INVARIANT', `fund payout refused: ${moved.error.message}`);
    this.flush(tsUs, out);
    const dd = this.config.adl.drawdown;
    out.push({
      kind: 'insurance-payment',
      tsUs,
      reason: `insurance fund pays bad debt: ${why}`,
      account: id,
      currency: ccy,
      amount: this.dec(r.paid, ccy),
      evidence: {
        fund: fund.key,
        requested: this.dec(r.requested, ccy),
        paid: this.dec(r.paid, ccy),
        shortfall: this.dec(r.shortfall, ccy),
        binding: r.reason,
        fundBalanceAfter: this.dec(r.balanceAfter, ccy),
        equityBefore: before?.equity ?? null,
        drawdownFrac: dd ? fund.drawdownOver(dd.windowUs, tsUs).fraction : null,
      },
    });
  }

  // ------------------------------------------------------------------------------------- e. ADL

  private deleverage(
    id: string,
    ccy: string,
    tsUs: number,
    out: Decision[],
    why: { bypassed: boolean; fundAvailable: bigint; need: bigint },
  ): void {
    const c = this.config;
    const m = this.accounts.margin;
    const open = this.positionsIn(id, ccy).filter(
      ({ i }) => (i.kind === 'perpetual' || i.kind === 'future') && m.markOf(i.id) !== null,
    );
    if (open.length === 0) return;
    const before = this.pool(id, ccy) as PoolFigures;
    // Closing these legs at their bankruptcy prices brings the pool's equity to zero.
    const legs: MarkedLeg[] = open.map(({ pos, i }) => ({
      instrument: i,
      qty: pos.qtyContracts,
      mark: m.markOf(i.id) as number,
    }));
    const bp = bankruptcyPrices(legs, before.equity);
    const ids = m.accountIds();
    legs.forEach((leg, n) => {
      const i = leg.instrument;
      const side = leg.qty > 0 ? 'long' : 'short';
      const candidates = [];
      for (const other of ids) {
        if (other === id) continue;
        const op = m.positionsOf(other).find((x) => x.instrumentId === i.id);
        if (!op || Math.sign(op.qtyContracts) !== -Math.sign(leg.qty)) continue;
        const lots = this.contractsToLots(op.qtyContracts);
        if (lots === 0n) continue;
        candidates.push({
          account: other,
          side: op.qtyContracts > 0 ? ('long' as const) : ('short' as const),
          size: lots,
          lotValue: c.lotContracts * contractSizeOf(i),
          entryPrice: op.avgEntryPrice,
          markPrice: leg.mark,
          accountValue: this.pool(other, ccy)?.equity ?? 0,
        });
      }
      const ranked = rankForAdl(candidates, c.adl.rule, {
        against: side,
        ...(c.adl.seed === undefined ? {} : { seed: c.adl.seed }),
      });
      const lots = this.contractsToLots(leg.qty);
      const alloc = allocateAdl(ranked, lots, c.adl.mode, {
        basis: c.adl.priceBasis,
        bankruptcyPrice: bp.prices[n] as number,
        markPrice: leg.mark,
      });
      const sign = leg.qty > 0 ? 1 : -1;
      alloc.fills.forEach((f, k) => {
        const last = k === alloc.fills.length - 1 && alloc.unfilled === 0n;
        const qty = last ? this.positionAbs(id, i.id) : this.lotsToContracts(f.size);
        const r1 = this.accounts.fill(this.txId('adl'), id, i.id, -sign * qty, f.price, 0n, tsUs);
        const cpQty = this.snapToPosition(f.account, i.id, qty);
        const r2 = this.accounts.fill(this.txId('adl'), f.account, i.id, sign * cpQty, f.price, 0n, tsUs);
        failIfRefused('ADL', r1, r2);
        out.push({
          kind: 'adl-execution',
          tsUs,
          reason: why.bypassed
            ? 'fund drawdown over the window passed the threshold: auto-deleveraging'
            : 'insurance fund cannot cover the negative equity: auto-deleveraging',
          account: id,
          counterparty: f.account,
          instrument: i.id,
          qtyContracts: -sign * qty,
          price: f.price,
          evidence: {
            rule: c.adl.rule,
            mode: c.adl.mode,
            rank: f.rank,
            basis: f.basis,
            markPrice: leg.mark,
            bankruptcyPrice: bp.prices[n] as number,
            equityBefore: before.equity,
            fundNeed: this.dec(why.need, ccy),
            fundAvailable: this.dec(why.fundAvailable, ccy),
            fundBypassedByDrawdown: why.bypassed,
            unfilledLots: alloc.unfilled.toString(),
          },
        });
      });
    });
    this.flush(tsUs, out);
  }

  // -------------------------------------------------------------------------- f. socialized loss

  /** Writes the debt off into the clearing account now; it is charged once per run (`socializePending`). */
  private socialize(
    id: string,
    ccy: string,
    debt: bigint,
    market: string | null,
    _tsUs: number,
    _out: Decision[],
  ): void {
    const w = this.accounts.ledgerAccountOf(id);
    const off = this.accounts.move(this.txId('write-off'), 'bad-debt', SOCIALIZED_LOSS, w, ccy, debt);
    if (!off.ok) throw new BackstopError('INVARIANT', `write-off refused: ${off.error.message}`);
    const key = `${ccy}|${market ?? ''}`;
    const batch = this.pendingLoss.get(key) ?? { ccy, market, items: [] };
    batch.items.push({ id, debt });
    this.pendingLoss.set(key, batch);
  }

  /**
   * Charges the losses written off during this run, one allocation per currency and fund market:
   * every account that went bankrupt in the same event bears nothing; the others bear it by open
   * interest (Drift) or by the day's winnings (Deribit), never beyond their cash — what cannot be
   * charged stays pending in the clearing account, recorded.
   */
  private socializePending(tsUs: number, out: Decision[]): void {
    if (this.pendingLoss.size === 0) return;
    const batches = [...this.pendingLoss.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.pendingLoss.clear();
    const m = this.accounts.margin;
    for (const [, { ccy, market, items }] of batches) {
      const debt = items.reduce((s, x) => s + x.debt, 0n);
      const written = new Set(items.map((x) => x.id));
      const others = m.accountIds().filter((a) => !written.has(a) && !this.accounts.isProvider(a));
      const res =
        this.config.socializeMode === 'open-interest'
          ? socializeAcrossOpenInterest(
              debt,
              others.map((a) => ({ account: a, notional: this.openInterestUnits(a, ccy) })),
              { market, tsUs },
            )
          : socializeAmongWinners(
              debt,
              others.map((a) => ({ account: a, realizedToday: this.accounts.realizedToday(a, ccy, tsUs) })),
              { market, tsUs },
            );
      // nobody pays more cash than they hold: what is capped stays pending in the clearing account
      const shares = res.allocations
        .map((a) => {
          const cash = this.accounts.cash(a.account, ccy);
          return { account: a.account, amount: a.amount < cash ? a.amount : cash > 0n ? cash : 0n };
        })
        .filter((a) => a.amount > 0n);
      const charged = shares.reduce((s, a) => s + a.amount, 0n);
      if (charged > 0n) {
        const r = this.accounts.ledger.socializeLoss(
          this.txId('socialize'),
          ccy,
          charged,
          // charged where each holder's money is: a trader's, a provider's or the reserve's account
          shares.map((a) => ({
            traderId: a.account,
            weight: a.amount,
            account: this.accounts.ledgerAccountOf(a.account),
          })),
        );
        if (!r.ok) throw new BackstopError('INVARIANT', `socialized loss refused: ${r.error.message}`);
        for (const a of shares) this.accounts.sync(a.account, ccy);
      }
      this.flush(tsUs, out);
      out.push({
        kind: 'socialized-loss',
        tsUs,
        reason: res.record.reason,
        currency: ccy,
        amount: this.dec(charged, ccy),
        evidence: {
          account: items.map((x) => x.id).join(','),
          method: res.record.method,
          loss: this.dec(debt, ccy),
          allocated: this.dec(charged, ccy),
          pendingInClearing: this.dec(debt - charged, ccy),
          basis: res.record.evidence.basis.toString(),
          participants: shares.length,
          shares: shares.map((a) => `${a.account}=${this.dec(a.amount, ccy)}`).join(','),
        },
      });
    }
  }

  /** |Σ notional| of an account's positions in a pool, in settlement-currency units. */
  private openInterestUnits(id: string, ccy: string): bigint {
    let total = 0;
    for (const { pos, i } of this.positionsIn(id, ccy)) {
      const mark = this.accounts.margin.markOf(i.id);
      if (mark === null) continue;
      total += settlementValue(i, Math.abs(pos.qtyContracts), mark, this.spotOf(i));
    }
    return total > 0 ? this.accounts.unitsFloor(total, ccy) : 0n;
  }

  // ---------------------------------------------------------------------------------- helpers

  /** Whole lots in |qty| (a remainder under one lot is not allocated). */
  private contractsToLots(qty: number): bigint {
    return BigInt(Math.floor(Math.abs(qty) / this.config.lotContracts + 1e-9));
  }

  /** Lots → contracts; divides by the integer lots-per-contract when there is one (0.6315, not 0.6315000000000001). */
  private lotsToContracts(lots: bigint): number {
    const perContract = 1 / this.config.lotContracts;
    const whole = Math.round(perContract);
    return Math.abs(perContract - whole) < 1e-9
      ? Number(lots) / whole
      : Number(lots) * this.config.lotContracts;
  }

  private positionAbs(id: string, instrumentId: string): number {
    const p = this.accounts.margin.positionsOf(id).find((x) => x.instrumentId === instrumentId);
    return p === undefined ? 0 : Math.abs(p.qtyContracts);
  }

  /** `qty`, or the whole position when they differ only by float dust (no dust positions left). */
  private snapToPosition(id: string, instrumentId: string, qty: number): number {
    const all = this.positionAbs(id, instrumentId);
    return Math.abs(all - qty) <= 1e-9 * Math.max(1, all) ? all : Math.min(qty, all);
  }

  /** The isolated market whose fund backs this pool, if every position of it is in that market. */
  private fundMarketOf(id: string, ccy: string): string | null {
    if (this.isolated.size === 0) return null;
    const ms = new Set(this.positionsIn(id, ccy).map(({ i }) => i.id));
    if (ms.size !== 1) return null;
    const only = [...ms][0] as string;
    return this.isolated.has(only) ? only : null;
  }

  private spotOf(i: Instrument): number {
    return this.accounts.margin.markets.get(underlyingOf(i))?.spot ?? Number.NaN;
  }

  private dec(units: bigint, ccy: string): string {
    return moneyToDecimal(money(units, this.accounts.scale(ccy), ccy));
  }

  private poolsEvidence(id: string): Evidence {
    const e: Record<string, number> = {};
    const snap = this.accounts.margin.snapshot(id);
    for (const [ccy, p] of Object.entries(snap?.pools ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
      e[`${ccy}.equity`] = p.equity;
      e[`${ccy}.mm`] = p.mm;
    }
    return e;
  }

  /** Plain, sorted state for the state hash and snapshots. */
  exportState(): LiquidatorState {
    return {
      seq: this.seq,
      active: [...this.active].sort(),
      nextStepUs: [...this.nextStepUs].sort(([a], [b]) => (a < b ? -1 : 1)),
      providers: [...this.providerStates.values()]
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((s) => ({
          id: s.id,
          reduceOnly: [...s.reduceOnly].sort(),
          takeovers: s.takeovers.map((t) => ({
            atUs: t.atUs,
            instrument: t.instrument,
            sizeLots: t.sizeLots.toString(),
            notional: `${t.notional.num}/${t.notional.den}`,
          })),
        })),
      funds: [...this.funds.keys()].sort().map((k) => (this.funds.get(k) as InsuranceFund).exportState()),
    };
  }

  restoreState(s: LiquidatorState): void {
    this.seq = s.seq;
    this.active.clear();
    for (const a of s.active) this.active.add(a);
    this.nextStepUs.clear();
    for (const [k, v] of s.nextStepUs) this.nextStepUs.set(k, v);
    for (const p of s.providers) {
      this.providerStates.set(p.id, {
        id: p.id,
        equity: 0,
        reduceOnly: new Set(p.reduceOnly),
        takeovers: p.takeovers.map((t) => {
          const [num, den] = t.notional.split('/') as [string, string];
          return {
            atUs: t.atUs,
            instrument: t.instrument,
            sizeLots: BigInt(t.sizeLots),
            notional: { num: BigInt(num), den: BigInt(den) },
          };
        }),
      });
    }
    for (const f of s.funds) {
      const fund = this.funds.get(f.key);
      if (!fund) throw new BackstopError('BAD_CONFIG', `snapshot has fund ${f.key} that the config does not`);
      fund.restoreState(f);
    }
  }
}

export interface LiquidatorState {
  readonly seq: number;
  readonly active: readonly string[];
  readonly nextStepUs: readonly (readonly [string, number])[];
  readonly providers: readonly {
    readonly id: string;
    readonly reduceOnly: readonly string[];
    readonly takeovers: readonly {
      readonly atUs: number;
      readonly instrument: string;
      readonly sizeLots: string;
      readonly notional: string;
    }[];
  }[];
  readonly funds: readonly InsuranceFundState[];
}

/** A fill the waterfall books must be accepted: a refusal is a bug, not an input problem. */
function failIfRefused(what: string, ...rs: Result<bigint, MoneyRejection>[]): void {
  for (const r of rs) if (!r.ok) throw new BackstopError('INVARIANT', `${what} refused: ${r.error.message}`);
}

/** Fund key: currency, and the isolated market if any. */
export function fundKeyOf(ccy: string, market: string | null): string {
  return market === null ? ccy : `${ccy}:${market}`;
}

/**
 * The worst price a liquidation step may trade at. Perpetuals and futures: mark·(1 ∓ band). An
 * option's price moves by at most |Δ|·dS ≤ dS when the underlying moves dS, so its band is the
 * same fraction of the underlying — band·spot for a linear option, band (coin per coin of
 * underlying) for an inverse one — and a cheap out-of-the-money option is not held to a band of
 * a few cents around its mark that no book quotes inside. A sell never goes below 0.
 */
export function stepLimit(
  i: Instrument,
  mark: number,
  spot: number,
  bandFrac: number,
  selling: boolean,
): number {
  if (i.kind !== 'option' || !Number.isFinite(spot)) return mark * (selling ? 1 - bandFrac : 1 + bandFrac);
  const band = bandFrac * (settlementOf(i) === 'inverse' ? 1 : spot);
  return selling ? Math.max(0, mark - band) : mark + band;
}

/** Quote notional of `qty` contracts: linear q·size·mark, inverse q·size, options q·size·spot. */
export function quoteNotional(i: Instrument, qty: number, mark: number, spot: number): number {
  const size = contractSizeOf(i);
  if (i.kind === 'perpetual' || i.kind === 'future') {
    return settlementOf(i) === 'linear' ? qty * size * mark : qty * size;
  }
  return qty * size * (Number.isFinite(spot) ? spot : mark);
}

/** Value of `qty` contracts in the settlement currency (for fees and open interest). */
export function settlementValue(i: Instrument, qty: number, price: number, spot: number): number {
  const size = contractSizeOf(i);
  if (i.kind === 'perpetual' || i.kind === 'future') {
    return settlementOf(i) === 'linear' ? qty * size * price : (qty * size) / price;
  }
  if (i.kind === 'option' && settlementOf(i) === 'inverse') return qty * size;
  return qty * size * (Number.isFinite(spot) ? spot : price);
}

/** Book sizes are base-currency quantities (docs/formats.md). */
function baseToContracts(i: Instrument, base: number, price: number): number {
  const size = contractSizeOf(i);
  if ((i.kind === 'perpetual' || i.kind === 'future') && settlementOf(i) === 'inverse')
    return (base * price) / size;
  return base / size;
}

function contractsToBase(i: Instrument, qty: number, price: number): number {
  const size = contractSizeOf(i);
  if ((i.kind === 'perpetual' || i.kind === 'future') && settlementOf(i) === 'inverse')
    return (qty * size) / price;
  return qty * size;
}
