import { BackstopError } from '../core/errors.ts';
import type { Decision, InputRejected } from '../domain/decisions.ts';
import type { EngineEvent, Level, SourceRef } from '../domain/events.ts';
import type { Instrument } from '../domain/instrument.ts';
import { DepthProfile } from '../liquidity/depth-profile.ts';
import { LiquidityMonitor, type MonitorClose } from '../liquidity/monitor.ts';
import { defaultMonitorConfig, type MonitorConfig } from '../liquidity/monitor-config.ts';
import { type LiquidityView, OrderBook } from '../liquidity/order-book.ts';
import { MarginBook, type MarginBookConfig } from '../margin/margin-book.ts';
import { gridPreset } from '../margin/portfolio/presets/index.ts';
import { invalidField } from './validate.ts';

export interface EngineConfig {
  readonly monitor: MonitorConfig;
  /** Instrument definitions; fills on unknown instruments are rejected. */
  readonly instruments: readonly Instrument[];
  /** Real-time margin: the grid model, state thresholds, the vol used until one arrives. */
  readonly margin: MarginBookConfig;
}

export function defaultEngineConfig(overrides: Partial<EngineConfig> = {}): EngineConfig {
  return {
    monitor: defaultMonitorConfig(),
    instruments: [],
    margin: {
      modelFor: (u) => gridPreset('deribit-pm', u === 'ETH' ? 'ETH' : 'BTC'),
      defaultVol: 0.6,
    },
    ...overrides,
  };
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
  readonly monitor: LiquidityMonitor;
  private readonly instruments: Map<string, Instrument>;
  private nowUs = Number.NEGATIVE_INFINITY;
  private readonly seenEventIds = new Set<string>();

  constructor(
    readonly config: EngineConfig,
    private readonly sinks: EngineSinks = {},
  ) {
    this.instruments = new Map(config.instruments.map((i) => [i.id, i]));
    this.monitor = new LiquidityMonitor(config.monitor, (id) => this.viewOf(id));
    this.margin = new MarginBook(config.margin, config.instruments, (id) => this.viewOf(id));
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
      this.closeIntervals(this.monitor.advanceTo(e.tsUs), out);
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
        this.monitor.onBookUpdate(e.instrument, t);
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
        this.margin.onMarkPrice(e.instrument, e.price);
        break;
      case 'index-price':
        this.margin.onIndexPrice(this.underlyingOfId(e.instrument), e.price, t);
        break;
      case 'derivative-ticker':
        if (e.markPrice !== null) {
          this.margin.onMarkPrice(e.instrument, e.markPrice);
        }
        if (e.indexPrice !== null) {
          this.margin.onIndexPrice(this.underlyingOfId(e.instrument), e.indexPrice, t);
        }
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
        if (this.duplicate(out, e, e.eventId)) break;
        this.margin.onFill(e.account, instrument.id, e.qtyContracts, e.price);
        break;
      }
      case 'transfer': {
        const amount = Number(e.amount);
        if (!/^-?\d+(\.\d+)?$/.test(e.amount) || !Number.isFinite(amount)) {
          this.reject(
            out,
            e,
            'BAD_NUMBER',
            `transfer ${e.eventId}: amount must be a decimal string, got "${e.amount}"`,
          );
          break;
        }
        if (amount === 0) {
          this.reject(out, e, 'BAD_NUMBER', `transfer ${e.eventId}: amount must not be zero`);
          break;
        }
        if (amount < 0) {
          // A withdrawal may only take what is free: equity above initial margin in that pool.
          const free = this.margin.freeCollateral(e.account, e.currency);
          if (free === null) {
            this.reject(
              out,
              e,
              'UNKNOWN_ACCOUNT',
              `transfer ${e.eventId}: withdrawal from unknown account ${e.account}`,
            );
            break;
          }
          if (-amount > free) {
            this.reject(
              out,
              e,
              'INSUFFICIENT_FREE_COLLATERAL',
              `transfer ${e.eventId}: withdrawal of ${-amount} ${e.currency} exceeds free collateral ${free}`,
            );
            break;
          }
        }
        if (this.duplicate(out, e, e.eventId)) break;
        this.margin.onTransfer(e.account, e.currency, amount);
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
        this.margin.onOrderCancelled(e.account, e.orderId);
        break;
      case 'implied-vol': {
        const problem = this.margin.onImpliedVol(e.underlying, e.expiryUs, e.svi, e.points);
        if (problem)
          this.reject(out, e, 'BAD_FIELD', `implied-vol ${e.underlying} ${e.expiryUs}: ${problem}`);
        break;
      }
      case 'liquidation-print':
      case 'funding':
      case 'governance':
      case 'feed-status':
      case 'timer':
        break;
      default: {
        const never: never = e;
        throw new BackstopError('INVARIANT', `unhandled event ${(never as EngineEvent).kind}`);
      }
    }
    out.push(...this.margin.flush(t));
    this.stats.decisions += out.length;
    return out;
  }

  /**
   * The engine's state as plain, deterministically ordered data — books, accounts, engine time and
   * counters — for a state hash: two engines that processed the same events give equal summaries.
   */
  stateSummary() {
    return {
      timeUs: this.nowUs,
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
    };
  }

  /** End of input: closes the open monitor intervals. */
  finish(): Decision[] {
    const out: Decision[] = [];
    this.closeIntervals(this.monitor.finish(), out);
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
   * Fills and transfers carry ids: one already applied is refused, never applied twice. (The id
   * set grows with the engine's life; snapshots will bound it — issue 5.)
   */
  private duplicate(out: Decision[], e: EngineEvent, eventId: string): boolean {
    if (this.seenEventIds.has(eventId)) {
      this.reject(out, e, 'DUPLICATE_EVENT', `${e.kind} ${eventId} was already applied`);
      return true;
    }
    this.seenEventIds.add(eventId);
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
