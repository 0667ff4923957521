import { Ledger, type LedgerState } from '../backstop/ledger/index.ts';
import type { LiquidatorConfig } from '../backstop/liquidator/config.ts';
import { Liquidator, type LiquidatorState } from '../backstop/liquidator/liquidator.ts';
import type { Policy } from '../backstop/policy/policy.ts';
import { PolicyEngine, type PolicyEngineState } from '../backstop/policy/policy-engine.ts';
import { VenueAccounts } from '../backstop/venue-accounts.ts';
import { BackstopError } from '../core/errors.ts';
import { exactUnits } from '../core/money.ts';
import { decodeNum, type EncodedNum, encodeNum } from '../core/state-codec.ts';
import type { Decision, InputRejected } from '../domain/decisions.ts';
import type { EngineEvent, Level, SourceRef } from '../domain/events.ts';
import type { Instrument } from '../domain/instrument.ts';
import { DepthProfile, type DepthProfileState } from '../liquidity/depth-profile.ts';
import { LiquidityMonitor, type LiquidityMonitorState, type MonitorClose } from '../liquidity/monitor.ts';
import { defaultMonitorConfig, type MonitorConfig } from '../liquidity/monitor-config.ts';
import { type LiquidityView, OrderBook, type OrderBookState } from '../liquidity/order-book.ts';
import { poolOf } from '../margin/account-margin.ts';
import { MarginBook, type MarginBookConfig, type MarginBookState } from '../margin/margin-book.ts';
import { gridPreset } from '../margin/portfolio/presets/index.ts';
import { invalidField } from './validate.ts';

export interface EngineConfig {
  readonly monitor: MonitorConfig;
  /** Instrument definitions; fills on unknown instruments are rejected. */
  readonly instruments: readonly Instrument[];
  /** Real-time margin: the grid model, state thresholds, the vol used until one arrives. */
  readonly margin: MarginBookConfig;
  /**
   * Ledger currencies and their scales (decimal places of the smallest unit). Transfers, fees
   * and settlement in any other currency are rejected (UNKNOWN_CURRENCY).
   */
  readonly currencies: Readonly<Record<string, number>>;
  /** The liquidation waterfall; absent = margin states only, nobody is liquidated. */
  readonly liquidation?: LiquidatorConfig;
  /**
   * The backstop policy (tiers, actions, guards, circuit breaker, reserve). Its `liquidation`
   * section is used when `liquidation` above is absent.
   */
  readonly policy?: Policy;
  /**
   * Instruments whose books are kept (liquidations walk them) but not fed to the liquidity
   * monitor, e.g. a backtest's synthetic option books: their spreads and mids are not the market's
   * stress. Absent: every book is monitored.
   */
  readonly unmonitored?: readonly string[];
}

/** Default ledger scales: USD stablecoins to 1e-6, BTC / ETH to 1e-8 (satoshi-like), SOL to 1e-9. */
export const DEFAULT_CURRENCIES: Readonly<Record<string, number>> = {
  USD: 6,
  USDC: 6,
  USDT: 6,
  BTC: 8,
  ETH: 8,
  SOL: 9,
};

export function defaultEngineConfig(overrides: Partial<EngineConfig> = {}): EngineConfig {
  return {
    monitor: defaultMonitorConfig(),
    instruments: [],
    margin: {
      modelFor: (u) => gridPreset('deribit-pm', u === 'ETH' ? 'ETH' : 'BTC'),
      defaultVol: 0.6,
    },
    currencies: DEFAULT_CURRENCIES,
    ...overrides,
  };
}

export interface EngineState {
  readonly version: 1;
  readonly nowUs: EncodedNum;
  readonly stats: EngineStats;
  readonly seenEventIds: readonly string[];
  readonly books: readonly OrderBookState[];
  readonly tops: readonly OrderBookState[];
  readonly profiles: readonly DepthProfileState[];
  readonly monitor: LiquidityMonitorState;
  readonly margin: MarginBookState;
  readonly ledger: LedgerState;
  readonly realizedToday: readonly { key: string; day: number; units: string }[];
  readonly liquidator: LiquidatorState | null;
  readonly policy: PolicyEngineState | null;
}

/** Observers of engine by-products that are measurements, not decisions (monitor rows). */
export interface EngineSinks {
  onMonitorClose?(close: MonitorClose): void;
}

export interface EngineStats {
  events: number;
  rejected: number;
  decisions: number;
}

/**
 * The engine: `handle(event) → decisions`, synchronous, deterministic, no I/O, no ambient time.
 * Engine time is the latest event time seen. Market data updates books and the liquidity
 * monitor (whose tier changes become decisions); account events update positions. An input
 * that would corrupt state (e.g. an update that leaves a book crossed) is refused with an
 * `input-rejected` decision and not applied.
 */
export class Engine {
  readonly stats: EngineStats = { events: 0, rejected: 0, decisions: 0 };
  readonly books = new Map<string, OrderBook>();
  readonly profiles = new Map<string, DepthProfile>();
  /** Top-of-book from quote feeds, kept apart so a quote never wipes a full L2 book. */
  readonly tops = new Map<string, OrderBook>();
  readonly margin: MarginBook;
  readonly ledger: Ledger;
  readonly accounts: VenueAccounts;
  readonly liquidator: Liquidator | null;
  readonly policy: PolicyEngine | null;
  readonly monitor: LiquidityMonitor;
  private readonly instruments: Map<string, Instrument>;
  private readonly unmonitored: ReadonlySet<string>;
  private nowUs = Number.NEGATIVE_INFINITY;
  private readonly seenEventIds = new Set<string>();

  constructor(
    readonly config: EngineConfig,
    private readonly sinks: EngineSinks = {},
  ) {
    this.instruments = new Map(config.instruments.map((i) => [i.id, i]));
    this.unmonitored = new Set(config.unmonitored ?? []);
    this.monitor = new LiquidityMonitor(config.monitor, (id) => this.viewOf(id));
    this.margin = new MarginBook(config.margin, config.instruments, (id) => this.viewOf(id));
    this.ledger = new Ledger({ currencies: config.currencies });
    const providers = new Set(
      (config.liquidation ?? config.policy?.liquidation ?? { providers: [] }).providers.map((p) => p.id),
    );
    this.accounts = new VenueAccounts(this.ledger, this.margin, providers);
    const liquidation = config.liquidation ?? config.policy?.liquidation ?? null;
    const bookOf = (id: string) => this.books.get(id) ?? this.tops.get(id) ?? null;
    this.liquidator = liquidation ? new Liquidator(liquidation, this.accounts, bookOf, 0) : null;
    this.policy = config.policy
      ? new PolicyEngine(config.policy, this.accounts, this.liquidator, bookOf)
      : null;
  }

  /** The underlying an index or instrument id prices: an index instrument's base, else the id. */
  private underlyingOfId(id: string): string {
    const i = this.instruments.get(id);
    return i ? i.baseCurrency : id;
  }

  /** Latest event time (µs), or -Infinity before the first event. */
  get timeUs(): number {
    return this.nowUs;
  }

  viewOf(instrument: string): LiquidityView | null {
    return this.books.get(instrument) ?? this.profiles.get(instrument) ?? this.tops.get(instrument) ?? null;
  }

  handle(e: EngineEvent): Decision[] {
    this.stats.events++;
    const out: Decision[] = [];
    if (!Number.isSafeInteger(e.tsUs)) {
      this.reject(out, e, 'BAD_NUMBER', `event time is not an integer µs timestamp: ${e.tsUs}`);
      return out;
    }
    // Time never runs backwards inside the engine: a late event is applied at engine time.
    if (e.tsUs > this.nowUs) {
      this.nowUs = e.tsUs;
      const closes = this.monitor.advanceTo(e.tsUs);
      this.closeIntervals(closes, out);
      if (this.policy) {
        out.push(...this.policy.tick(e.tsUs));
        if (closes.length > 0) out.push(...this.policy.onCloses(closes, e.tsUs));
      }
    }
    const t = this.nowUs;
    const bad = invalidField(e);
    if (bad !== null) {
      this.reject(out, e, 'BAD_NUMBER', `${e.kind}${'instrument' in e ? ` ${e.instrument}` : ''}: ${bad}`);
      this.stats.decisions += out.length;
      return out;
    }
    switch (e.kind) {
      case 'book-snapshot':
      case 'book-delta': {
        let book = this.books.get(e.instrument);
        if (!book) {
          book = new OrderBook(e.instrument);
          this.books.set(e.instrument, book);
        }
        const reset = e.kind === 'book-snapshot' || e.reset;
        const r = book.applyBatch(reset, e.bids, e.asks);
        if (!r.ok) {
          this.reject(
            out,
            e,
            'BOOK_CROSSED',
            `${e.instrument}: update would cross the book (best bid ${r.bestBid} >= best ask ${r.bestAsk}); not applied`,
          );
          break;
        }
        if (!this.unmonitored.has(e.instrument)) this.monitor.onBookUpdate(e.instrument, t);
        break;
      }
      case 'quote': {
        if (e.bidPrice !== null && e.askPrice !== null && e.bidPrice >= e.askPrice) {
          this.reject(
            out,
            e,
            'BOOK_CROSSED',
            `${e.instrument}: quote is crossed (bid ${e.bidPrice} >= ask ${e.askPrice})`,
          );
          break;
        }
        let book = this.tops.get(e.instrument);
        if (!book) {
          book = new OrderBook(e.instrument);
          this.tops.set(e.instrument, book);
        }
        const bids: Level[] = e.bidPrice !== null && e.bidSize ? [[e.bidPrice, e.bidSize]] : [];
        const asks: Level[] = e.askPrice !== null && e.askSize ? [[e.askPrice, e.askSize]] : [];
        book.applyBatch(true, bids, asks);
        this.monitor.onBookUpdate(e.instrument, t);
        break;
      }
      case 'depth-profile': {
        let profile = this.profiles.get(e.instrument);
        if (!profile) {
          profile = new DepthProfile(e.instrument);
          this.profiles.set(e.instrument, profile);
        }
        try {
          profile.update(e.bands);
        } catch (err) {
          this.reject(
            out,
            e,
            'BAD_FIELD',
            `${e.instrument}: depth bands rejected: ${(err as Error).message}`,
          );
          break;
        }
        this.monitor.onBookUpdate(e.instrument, t);
        break;
      }
      case 'trade':
        this.monitor.onTrade(e.instrument, t, e.price, e.qty);
        break;
      case 'bar':
        this.monitor.onBar(e.instrument, e.tsUs, e, e.volume, e.trades);
        break;
      case 'mark-price':
        this.applyMark(out, e, e.instrument, e.price, t);
        break;
      case 'index-price':
        this.applyIndex(out, e, this.underlyingOfId(e.instrument), e.price, t);
        break;
      case 'derivative-ticker':
        if (e.markPrice !== null) this.applyMark(out, e, e.instrument, e.markPrice, t);
        if (e.indexPrice !== null)
          this.applyIndex(out, e, this.underlyingOfId(e.instrument), e.indexPrice, t);
        break;
      case 'option-ticker':
        if (e.markIv !== null) this.margin.onOptionVol(e.instrument, e.markIv);
        if (e.underlyingPrice !== null) this.margin.onForward(e.instrument, e.underlyingPrice);
        break;
      case 'fill': {
        const instrument = this.instruments.get(e.instrument);
        if (!instrument) {
          this.reject(out, e, 'UNKNOWN_INSTRUMENT', `fill on unknown instrument ${e.instrument}`);
          break;
        }
        if (this.isDuplicate(out, e, e.eventId)) break;
        const ccy = poolOf(instrument);
        const fee = this.parseAmount(out, e, `fill ${e.eventId}: fee`, e.fee, ccy);
        if (fee === null) break;
        if (this.increasesReduceOnly(e.account, e.instrument, e.qtyContracts)) {
          this.reject(
            out,
            e,
            'REDUCE_ONLY',
            `fill ${e.eventId}: ${e.account} took over ${e.instrument} as a backstop provider and may only reduce it`,
          );
          break;
        }
        const r = this.accounts.fill(
          `fill:${e.eventId}`,
          e.account,
          e.instrument,
          e.qtyContracts,
          e.price,
          fee,
          t,
        );
        if (!r.ok) {
          this.reject(out, e, r.error.code, `fill ${e.eventId}: ${r.error.message}`);
          break;
        }
        this.seenEventIds.add(e.eventId);
        break;
      }
      case 'transfer': {
        if (this.isDuplicate(out, e, e.eventId)) break;
        const units = this.parseAmount(out, e, `transfer ${e.eventId}: amount`, e.amount, e.currency);
        if (units === null) break;
        if (units === 0n) {
          this.reject(out, e, 'BAD_NUMBER', `transfer ${e.eventId}: amount must not be zero`);
          break;
        }
        if (units < 0n && !this.margin.hasAccount(e.account)) {
          this.reject(
            out,
            e,
            'UNKNOWN_ACCOUNT',
            `transfer ${e.eventId}: withdrawal from unknown account ${e.account}`,
          );
          break;
        }
        const id = `transfer:${e.eventId}`;
        const r =
          units > 0n
            ? this.accounts.deposit(id, e.account, e.currency, units)
            : this.accounts.withdraw(id, e.account, e.currency, -units);
        if (!r.ok) {
          this.reject(out, e, r.error.code, `transfer ${e.eventId}: ${r.error.message}`);
          break;
        }
        this.seenEventIds.add(e.eventId);
        break;
      }
      // Accepted and kept for the issues that act on them (margin, backstop, governance).
      case 'order-placed': {
        if (!this.instruments.has(e.instrument)) {
          this.reject(out, e, 'UNKNOWN_INSTRUMENT', `order on unknown instrument ${e.instrument}`);
          break;
        }
        this.margin.onOrderPlaced(e.account, e.orderId, e.instrument, e.qtyContracts);
        break;
      }
      case 'order-cancelled':
        if (!this.margin.openOrderIds(e.account).includes(e.orderId)) {
          this.reject(
            out,
            e,
            'UNKNOWN_ORDER',
            `cancel of ${e.orderId}: no such open order for account ${e.account}`,
          );
          break;
        }
        this.margin.onOrderCancelled(e.account, e.orderId);
        break;
      case 'implied-vol': {
        const problem = this.margin.onImpliedVol(e.underlying, e.expiryUs, e.svi, e.points);
        if (problem)
          this.reject(out, e, 'BAD_FIELD', `implied-vol ${e.underlying} ${e.expiryUs}: ${problem}`);
        break;
      }
      case 'governance': {
        if (!this.policy) {
          this.reject(out, e, 'NO_GOVERNANCE', `governance ${e.action}: the engine runs without a policy`);
          break;
        }
        const r = this.policy.onGovernance(e, t);
        if (!r.ok) this.reject(out, e, r.code, `governance ${e.action} ${e.proposalId}: ${r.message}`);
        else out.push(...r.decisions);
        break;
      }
      case 'operator': {
        if (!this.policy) {
          this.reject(out, e, 'NO_POLICY', `operator ${e.action}: the engine runs without a policy`);
          break;
        }
        const r = this.policy.onOperator(e, t);
        if (!r.ok) this.reject(out, e, r.code, `operator ${e.action} by ${e.keyId}: ${r.message}`);
        else out.push(...r.decisions);
        break;
      }
      case 'liquidation-print':
      case 'funding':
      case 'feed-status':
      case 'timer':
        break;
      default: {
        const never: never = e;
        throw new BackstopError('INVARIANT', `unhandled event ${(never as EngineEvent).kind}`);
      }
    }
    const changes = this.margin.flush(t);
    out.push(...changes);
    if (this.policy) out.push(...this.policy.refreshQuotes(t));
    if (this.liquidator) {
      const liq = this.liquidator.run(t, changes);
      out.push(...liq);
      if (this.policy && liq.length > 0) out.push(...this.policy.afterLiquidation(liq, t));
    }
    this.stats.decisions += out.length;
    return out;
  }

  /**
   * An exact decimal string in `currency`'s ledger units; null (and a rejection) for a malformed
   * number, an unknown currency, or more decimal places than the currency has.
   */
  private parseAmount(
    out: Decision[],
    e: EngineEvent,
    what: string,
    text: string,
    currency: string,
  ): bigint | null {
    if (!this.accounts.hasCurrency(currency)) {
      this.reject(out, e, 'UNKNOWN_CURRENCY', `${what}: currency ${currency} is not on the ledger`);
      return null;
    }
    const scale = this.accounts.scale(currency);
    const units = exactUnits(text, scale);
    if (units === 'malformed') {
      this.reject(out, e, 'BAD_NUMBER', `${what} must be a decimal string, got "${text}"`);
      return null;
    }
    if (units === 'too-precise') {
      this.reject(
        out,
        e,
        'BAD_NUMBER',
        `${what} "${text}" has more decimal places than ${currency}'s ${scale}`,
      );
      return null;
    }
    return units;
  }

  /** An index price through the policy's outlier guard, then to margin and the circuit breaker. */
  private applyIndex(out: Decision[], e: EngineEvent, underlying: string, price: number, t: number): void {
    if (this.policy) {
      const v = this.policy.checkPrice(`index:${underlying}`, price);
      if (!v.accept) {
        this.rejectOutlier(out, e, `index ${underlying}`, price, v);
        return;
      }
      out.push(...this.policy.onIndex(underlying, price, t));
    }
    this.margin.onIndexPrice(underlying, price, t);
  }

  private applyMark(out: Decision[], e: EngineEvent, instrument: string, price: number, t: number): void {
    if (this.policy) {
      const v = this.policy.checkPrice(`mark:${instrument}`, price);
      if (!v.accept) {
        this.rejectOutlier(out, e, `mark ${instrument}`, price, v);
        return;
      }
      out.push(...this.policy.onMark(instrument, t));
    }
    this.margin.onMarkPrice(instrument, price);
  }

  private rejectOutlier(
    out: Decision[],
    e: EngineEvent,
    what: string,
    price: number,
    v: { last: number; moveFrac: number; confirmations: number; needed: number },
  ): void {
    this.reject(
      out,
      e,
      'OUTLIER_PRICE',
      `${what} ${price} moves ${(v.moveFrac * 100).toFixed(2)} % from the last accepted ${v.last}: held until ${v.needed} prices confirm it (${v.confirmations} so far)`,
    );
    const d = out[out.length - 1];
    if (d?.kind === 'input-rejected') {
      out[out.length - 1] = {
        ...d,
        evidence: {
          ...d.evidence,
          price,
          lastAccepted: v.last,
          moveFrac: v.moveFrac,
          confirmations: v.confirmations,
          needed: v.needed,
        },
      };
    }
  }

  /** A backstop provider is reduce-only in the instruments it took over. */
  private increasesReduceOnly(account: string, instrumentId: string, qty: number): boolean {
    if (!this.liquidator?.isReduceOnly(account, instrumentId)) return false;
    const p = this.margin.positionsOf(account).find((x) => x.instrumentId === instrumentId);
    const q0 = p?.qtyContracts ?? 0;
    return Math.abs(q0 + qty) > Math.abs(q0) || Math.sign(q0 + qty) === -Math.sign(q0);
  }

  /**
   * The engine's state as plain, deterministically ordered data — books, accounts, engine time and
   * counters — for a state hash: two engines that processed the same events give equal summaries.
   */
  stateSummary() {
    return {
      timeUs: Number.isFinite(this.nowUs) ? this.nowUs : null,
      stats: { ...this.stats },
      seenEventIds: this.seenEventIds.size,
      books: [...this.books.keys()].sort().map((id) => {
        const b = this.books.get(id) as OrderBook;
        return {
          id,
          bids: b.levels('bid', Number.MAX_SAFE_INTEGER),
          asks: b.levels('ask', Number.MAX_SAFE_INTEGER),
        };
      }),
      accounts: this.margin.summary(),
      ledger: this.ledger.snapshot(),
      realizedToday: this.accounts.exportRealized(),
      liquidator: this.liquidator?.exportState() ?? null,
      // only while a control is in force, so the hashes of states without one stay as they were
      ...(this.policy?.operatorActive ? { operator: this.policy.operatorState } : {}),
    };
  }

  /**
   * The whole engine state as plain JSON data, for journal snapshots: restoring it into an engine
   * built with the same config and feeding both the same events gives identical decisions and
   * state hashes (docs/concepts/journal.md).
   */
  exportState(): EngineState {
    const sorted = <T>(m: Map<string, T>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      version: 1,
      nowUs: encodeNum(this.nowUs),
      stats: { ...this.stats },
      seenEventIds: [...this.seenEventIds],
      books: sorted(this.books).map(([, b]) => b.exportState()),
      tops: sorted(this.tops).map(([, b]) => b.exportState()),
      profiles: sorted(this.profiles).map(([, p]) => p.exportState()),
      monitor: this.monitor.exportState(),
      margin: this.margin.exportState(),
      ledger: this.ledger.exportState(),
      realizedToday: this.accounts.exportRealized(),
      liquidator: this.liquidator?.exportState() ?? null,
      policy: this.policy?.exportState() ?? null,
    };
  }

  /** Replaces the state of a freshly built engine (same config) by `exportState` output. */
  restoreState(s: EngineState): void {
    if (s.version !== 1) throw new BackstopError('BAD_ARGUMENT', `engine state version ${s.version}`);
    if (this.stats.events !== 0) throw new BackstopError('INVARIANT', 'restore into a fresh engine only');
    if ((s.liquidator === null) !== (this.liquidator === null)) {
      throw new BackstopError('BAD_CONFIG', 'engine state and config disagree on liquidation');
    }
    this.nowUs = decodeNum(s.nowUs);
    Object.assign(this.stats, s.stats);
    for (const id of s.seenEventIds) this.seenEventIds.add(id);
    for (const b of s.books) {
      const book = new OrderBook(b.instrument);
      book.restoreState(b);
      this.books.set(b.instrument, book);
    }
    for (const b of s.tops) {
      const book = new OrderBook(b.instrument);
      book.restoreState(b);
      this.tops.set(b.instrument, book);
    }
    for (const p of s.profiles) {
      const profile = new DepthProfile(p.instrument);
      profile.restoreState(p);
      this.profiles.set(p.instrument, profile);
    }
    this.monitor.restoreState(s.monitor);
    this.margin.restoreState(s.margin);
    this.ledger.restoreState(s.ledger);
    this.accounts.restoreRealized(s.realizedToday);
    if (s.liquidator) this.liquidator?.restoreState(s.liquidator);
    if (s.policy) this.policy?.restoreState(s.policy);
  }

  /** End of input: closes the open monitor intervals. */
  finish(): Decision[] {
    const out: Decision[] = [];
    const closes = this.monitor.finish();
    this.closeIntervals(closes, out);
    if (this.policy && closes.length > 0) out.push(...this.policy.onCloses(closes, this.nowUs));
    this.stats.decisions += out.length;
    return out;
  }

  private closeIntervals(closes: MonitorClose[], out: Decision[]): void {
    for (const c of closes) {
      this.sinks.onMonitorClose?.(c);
      const tr = c.transition;
      if (!tr) continue;
      out.push({
        kind: 'tier-change',
        tsUs: tr.tsUs,
        scope: c.row.instrument,
        from: tr.from,
        to: tr.to,
        reason:
          tr.direction === 'up'
            ? 'stress index reached enter threshold'
            : 'stress index fell below exit threshold',
        evidence: {
          stressIndex: tr.value,
          threshold: tr.threshold,
          spreadBps: c.row.spreadBps,
          slippageBps: c.row.slippageBps,
          ...Object.fromEntries(Object.entries(c.components).map(([k, z]) => [`z.${k}`, z])),
        },
      });
    }
  }

  /**
   * Fills and transfers carry ids: one already applied is refused, never applied twice. An id is
   * marked seen only once its event was applied (a rejected event may be sent again, corrected).
   */
  private isDuplicate(out: Decision[], e: EngineEvent, eventId: string): boolean {
    if (this.seenEventIds.has(eventId)) {
      this.reject(out, e, 'DUPLICATE_EVENT', `${e.kind} ${eventId} was already applied`);
      return true;
    }
    return false;
  }

  private reject(out: Decision[], e: EngineEvent, code: string, reason: string): void {
    this.stats.rejected++;
    const d: InputRejected = {
      kind: 'input-rejected',
      tsUs: Number.isSafeInteger(e.tsUs) ? e.tsUs : this.nowUs,
      code,
      reason,
      evidence: { eventKind: e.kind },
      src: (e.src as SourceRef | undefined) ?? null,
    };
    out.push(d);
  }
}
