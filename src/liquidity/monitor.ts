import {
  assertSameConfig,
  canonicalData,
  decodeNullableNum,
  decodeNum,
  type EncodedNum,
  encodeNullableNum,
  encodeNum,
  type JsonValue,
} from '../core/state-codec.ts';
import { TierMachine, type TierMachineState, type TierTransition } from '../core/tier-machine.ts';
import { SECONDS_PER_YEAR, toIsoMicros } from '../core/time.ts';
import type { Tier } from '../domain/decisions.ts';
import type { MonitorConfig, StressComponent } from './monitor-config.ts';
import type { LiquidityView } from './order-book.ts';
import { amihud, type Ohlc, rvCloseToClose, rvEwma, rvGarmanKlass, rvParkinson } from './realized-vol.ts';
import { robustZ } from './robust-z.ts';

/** One monitor row per instrument per interval (output contract: docs/formats.md). */
export interface MonitorRow {
  readonly ts: string;
  readonly tsUs: number;
  readonly instrument: string;
  readonly mid: number | null;
  readonly spreadBps: number | null;
  readonly depthBid: Readonly<Record<string, number>> | null;
  readonly depthAsk: Readonly<Record<string, number>> | null;
  readonly imbalance: number | null;
  readonly volume: number | null;
  readonly trades: number | null;
  readonly rvCloseToClose: number | null;
  readonly rvEwma: number | null;
  readonly rvParkinson: number | null;
  readonly rvGarmanKlass: number | null;
  readonly amihud: number | null;
  readonly slippageBps: number | null;
  /** False when the book could not absorb the whole notional (slippage is then of the part filled). */
  readonly slippageComplete: boolean | null;
  readonly stale: number | null;
  readonly stressIndex: number | null;
  readonly tier: Tier;
}

export interface MonitorClose {
  readonly row: MonitorRow;
  readonly transition: TierTransition<Tier> | null;
  /** Clamped z-score of each component that counted. */
  readonly components: Readonly<Partial<Record<StressComponent, number>>>;
}

/** Snapshot of an OHLC accumulator (open/close linger after `take`, as in the live object). */
export interface OhlcAccState {
  readonly open: EncodedNum;
  readonly high: EncodedNum;
  readonly low: EncodedNum;
  readonly close: EncodedNum;
  readonly n: number;
}

/** One bar of the rolling window, numbers encoded. */
export interface OhlcState {
  readonly open: EncodedNum;
  readonly high: EncodedNum;
  readonly low: EncodedNum;
  readonly close: EncodedNum;
}

/** Snapshot of one instrument's interval state inside the monitor. */
export interface MonitorInstrumentState {
  readonly instrument: string;
  readonly startUs: EncodedNum;
  readonly lastUpdateUs: EncodedNum;
  readonly trade: OhlcAccState;
  readonly bar: OhlcAccState;
  readonly mid: OhlcAccState;
  readonly baseVolume: EncodedNum;
  readonly quoteVolume: EncodedNum;
  readonly tradeCount: number;
  readonly barVolume: EncodedNum;
  readonly barTrades: EncodedNum;
  readonly barTradesKnown: boolean;
  readonly barVolumeKnown: boolean;
  readonly hasTrades: boolean;
  readonly hasBars: boolean;
  readonly prevClose: EncodedNum | null;
  readonly closes: readonly EncodedNum[];
  readonly bars: readonly OhlcState[];
  readonly absReturns: readonly EncodedNum[];
  readonly quoteVolumes: readonly EncodedNum[];
  readonly history: Readonly<Record<StressComponent, readonly EncodedNum[]>>;
  readonly smoothedStress: EncodedNum | null;
  readonly tier: TierMachineState<Tier>;
}

/**
 * Snapshot of a LiquidityMonitor. `config` is the monitor's config in canonical form, checked on
 * restore; `instruments` keeps the monitor's insertion order, which is the order rows close in.
 */
export interface LiquidityMonitorState {
  readonly config: JsonValue;
  readonly nextCloseUs: EncodedNum;
  readonly instruments: readonly MonitorInstrumentState[];
}

const encodeNums = (xs: readonly number[]): EncodedNum[] => xs.map(encodeNum);

/** Empties `xs` and fills it with the decoded `ys`, keeping the array's identity. */
function refill(xs: number[], ys: readonly EncodedNum[]): void {
  xs.length = 0;
  for (const y of ys) xs.push(decodeNum(y));
}

const encodeOhlc = (b: Ohlc): OhlcState => ({
  open: encodeNum(b.open),
  high: encodeNum(b.high),
  low: encodeNum(b.low),
  close: encodeNum(b.close),
});

const decodeOhlc = (b: OhlcState): Ohlc => ({
  open: decodeNum(b.open),
  high: decodeNum(b.high),
  low: decodeNum(b.low),
  close: decodeNum(b.close),
});

class OhlcAcc {
  open = Number.NaN;
  high = Number.NEGATIVE_INFINITY;
  low = Number.POSITIVE_INFINITY;
  close = Number.NaN;
  n = 0;
  add(price: number): void {
    if (this.n === 0) this.open = price;
    if (price > this.high) this.high = price;
    if (price < this.low) this.low = price;
    this.close = price;
    this.n++;
  }
  addBar(b: Ohlc): void {
    if (this.n === 0) this.open = b.open;
    if (b.high > this.high) this.high = b.high;
    if (b.low < this.low) this.low = b.low;
    this.close = b.close;
    this.n++;
  }
  exportState(): OhlcAccState {
    const { open, high, low, close } = encodeOhlc(this);
    return { open, high, low, close, n: this.n };
  }
  restoreState(s: OhlcAccState): void {
    const b = decodeOhlc(s);
    this.open = b.open;
    this.high = b.high;
    this.low = b.low;
    this.close = b.close;
    this.n = s.n;
  }
  take(): Ohlc | null {
    const out = this.n === 0 ? null : { open: this.open, high: this.high, low: this.low, close: this.close };
    this.n = 0;
    this.high = Number.NEGATIVE_INFINITY;
    this.low = Number.POSITIVE_INFINITY;
    return out;
  }
}

/** ln of a positive metric (null otherwise): z-scores then measure ratios, not differences. */
function logPositive(x: number | null): number | null {
  return x !== null && x > 0 ? Math.log(x) : null;
}

function pushBounded<T>(xs: T[], x: T, max: number): void {
  xs.push(x);
  if (xs.length > max) xs.shift();
}

const COMPONENTS: readonly StressComponent[] = [
  'spreadBps',
  'thinDepth',
  'slippageBps',
  'volatility',
  'volume',
];

/** Per-instrument interval state. */
class InstrumentState {
  startUs: number;
  readonly trade = new OhlcAcc();
  readonly bar = new OhlcAcc();
  readonly mid = new OhlcAcc();
  baseVolume = 0;
  quoteVolume = 0;
  tradeCount = 0;
  barVolume = 0;
  barTrades = 0;
  barTradesKnown = false;
  barVolumeKnown = false;
  hasTrades = false;
  hasBars = false;
  lastUpdateUs: number;
  prevClose: number | null = null;
  readonly closes: number[] = [];
  readonly bars: Ohlc[] = [];
  readonly absReturns: number[] = [];
  readonly quoteVolumes: number[] = [];
  readonly history: Record<StressComponent, number[]> = {
    spreadBps: [],
    thinDepth: [],
    slippageBps: [],
    volatility: [],
    volume: [],
  };
  /** Smoothed composite (EWMA of the weighted z-scores). */
  smoothedStress: number | null = null;
  readonly tier: TierMachine<Tier>;

  constructor(startUs: number, tsUs: number, config: MonitorConfig) {
    this.startUs = startUs;
    this.lastUpdateUs = tsUs;
    this.tier = new TierMachine(config.tiers);
  }

  exportState(instrument: string): MonitorInstrumentState {
    const h = this.history;
    return {
      instrument,
      startUs: encodeNum(this.startUs),
      lastUpdateUs: encodeNum(this.lastUpdateUs),
      trade: this.trade.exportState(),
      bar: this.bar.exportState(),
      mid: this.mid.exportState(),
      baseVolume: encodeNum(this.baseVolume),
      quoteVolume: encodeNum(this.quoteVolume),
      tradeCount: this.tradeCount,
      barVolume: encodeNum(this.barVolume),
      barTrades: encodeNum(this.barTrades),
      barTradesKnown: this.barTradesKnown,
      barVolumeKnown: this.barVolumeKnown,
      hasTrades: this.hasTrades,
      hasBars: this.hasBars,
      prevClose: encodeNullableNum(this.prevClose),
      closes: encodeNums(this.closes),
      bars: this.bars.map(encodeOhlc),
      absReturns: encodeNums(this.absReturns),
      quoteVolumes: encodeNums(this.quoteVolumes),
      history: {
        spreadBps: encodeNums(h.spreadBps),
        thinDepth: encodeNums(h.thinDepth),
        slippageBps: encodeNums(h.slippageBps),
        volatility: encodeNums(h.volatility),
        volume: encodeNums(h.volume),
      },
      smoothedStress: encodeNullableNum(this.smoothedStress),
      tier: this.tier.exportState(),
    };
  }

  restoreState(s: MonitorInstrumentState): void {
    this.startUs = decodeNum(s.startUs);
    this.lastUpdateUs = decodeNum(s.lastUpdateUs);
    this.trade.restoreState(s.trade);
    this.bar.restoreState(s.bar);
    this.mid.restoreState(s.mid);
    this.baseVolume = decodeNum(s.baseVolume);
    this.quoteVolume = decodeNum(s.quoteVolume);
    this.tradeCount = s.tradeCount;
    this.barVolume = decodeNum(s.barVolume);
    this.barTrades = decodeNum(s.barTrades);
    this.barTradesKnown = s.barTradesKnown;
    this.barVolumeKnown = s.barVolumeKnown;
    this.hasTrades = s.hasTrades;
    this.hasBars = s.hasBars;
    this.prevClose = decodeNullableNum(s.prevClose);
    refill(this.closes, s.closes);
    this.bars.length = 0;
    for (const b of s.bars) this.bars.push(decodeOhlc(b));
    refill(this.absReturns, s.absReturns);
    refill(this.quoteVolumes, s.quoteVolumes);
    for (const k of COMPONENTS) refill(this.history[k], s.history[k]);
    this.smoothedStress = decodeNullableNum(s.smoothedStress);
    this.tier.restoreState(s.tier);
  }
}

/**
 * Liquidity monitor (SPEC §5): per instrument and interval, book metrics at the interval's
 * end, traded volume, realized vols and Amihud over a rolling window, a composite stress
 * index from robust z-scores and a tier with hysteresis. Event-time driven and pure: the
 * engine feeds it and asks it to close intervals; identical input gives identical rows.
 */
export class LiquidityMonitor {
  private readonly states = new Map<string, InstrumentState>();
  private readonly periodsPerYear: number;
  private nextCloseUs = Number.POSITIVE_INFINITY;

  constructor(
    readonly config: MonitorConfig,
    private readonly viewOf: (instrument: string) => LiquidityView | null,
  ) {
    this.periodsPerYear = (SECONDS_PER_YEAR * 1e6) / config.intervalUs;
  }

  /** The monitor's state as plain JSON data (docs/concepts/journal.md, "State snapshots"). */
  exportState(): LiquidityMonitorState {
    return {
      config: canonicalData(this.config),
      nextCloseUs: encodeNum(this.nextCloseUs),
      instruments: [...this.states].map(([instrument, s]) => s.exportState(instrument)),
    };
  }

  /**
   * Replaces all state by a state from `exportState` (the `viewOf` books are the caller's to
   * restore); throws if the state was exported under a different config.
   */
  restoreState(s: LiquidityMonitorState): void {
    assertSameConfig('liquidity monitor', this.config, s.config);
    const states = new Map<string, InstrumentState>();
    for (const st of s.instruments) {
      if (states.has(st.instrument)) {
        throw new RangeError(`liquidity monitor state: instrument ${st.instrument} appears twice`);
      }
      const is = new InstrumentState(0, 0, this.config);
      is.restoreState(st);
      states.set(st.instrument, is);
    }
    this.states.clear();
    for (const [instrument, is] of states) this.states.set(instrument, is);
    this.nextCloseUs = decodeNum(s.nextCloseUs);
  }

  private state(instrument: string, tsUs: number): InstrumentState {
    let s = this.states.get(instrument);
    if (!s) {
      const startUs = Math.floor(tsUs / this.config.intervalUs) * this.config.intervalUs;
      s = new InstrumentState(startUs, tsUs, this.config);
      this.states.set(instrument, s);
      this.nextCloseUs = Math.min(this.nextCloseUs, startUs + this.config.intervalUs);
    }
    s.lastUpdateUs = Math.max(s.lastUpdateUs, tsUs);
    return s;
  }

  onTrade(instrument: string, tsUs: number, price: number, qty: number): void {
    const s = this.state(instrument, tsUs);
    s.hasTrades = true;
    s.trade.add(price);
    s.baseVolume += qty;
    s.quoteVolume += price * qty;
    s.tradeCount++;
  }

  onBar(instrument: string, tsUs: number, bar: Ohlc, volume: number | null, trades: number | null): void {
    const s = this.state(instrument, tsUs);
    s.hasBars = true;
    s.bar.addBar(bar);
    if (volume !== null) {
      s.barVolumeKnown = true;
      s.barVolume += volume;
      // Bars give base volume only; quote volume is approximated at the bar close.
      s.quoteVolume += volume * bar.close;
    }
    if (trades !== null) {
      s.barTradesKnown = true;
      s.barTrades += trades;
    }
  }

  /** Call after the instrument's book or depth profile changed. */
  onBookUpdate(instrument: string, tsUs: number): void {
    const s = this.state(instrument, tsUs);
    const mid = this.viewOf(instrument)?.mid() ?? null;
    if (mid !== null) s.mid.add(mid);
  }

  /** Closes every interval that ends at or before `tsUs` (call before applying an event at tsUs). */
  advanceTo(tsUs: number): MonitorClose[] {
    if (tsUs < this.nextCloseUs) return [];
    const out: MonitorClose[] = [];
    const { intervalUs, maxEmptyIntervals } = this.config;
    let next = Number.POSITIVE_INFINITY;
    for (const [instrument, s] of this.states) {
      let emitted = 0;
      while (s.startUs + intervalUs <= tsUs) {
        out.push(this.close(instrument, s));
        s.startUs += intervalUs;
        if (++emitted >= maxEmptyIntervals) {
          // A long gap: skip to the interval containing tsUs instead of filling it row by row.
          s.startUs = Math.max(s.startUs, Math.floor(tsUs / intervalUs) * intervalUs);
        }
      }
      next = Math.min(next, s.startUs + intervalUs);
    }
    this.nextCloseUs = next;
    return out;
  }

  /** End of input: closes each instrument's open interval. */
  finish(): MonitorClose[] {
    const out: MonitorClose[] = [];
    for (const [instrument, s] of this.states) {
      out.push(this.close(instrument, s));
      s.startUs += this.config.intervalUs;
    }
    this.nextCloseUs = Number.POSITIVE_INFINITY;
    return out;
  }

  private close(instrument: string, s: InstrumentState): MonitorClose {
    const c = this.config;
    const endUs = s.startUs + c.intervalUs;
    const view = this.viewOf(instrument);
    const tradeBar = s.trade.take();
    const barBar = s.bar.take();
    const midBar = s.mid.take();
    const ohlc = barBar ?? tradeBar ?? midBar;

    let absReturn: number | null = null;
    if (ohlc) {
      if (s.prevClose !== null) {
        absReturn = Math.abs(Math.log(ohlc.close / s.prevClose));
        pushBounded(s.absReturns, absReturn, c.rvWindow);
        pushBounded(s.quoteVolumes, s.quoteVolume, c.rvWindow);
      }
      pushBounded(s.closes, ohlc.close, c.rvWindow + 1);
      pushBounded(s.bars, ohlc, c.rvWindow);
      s.prevClose = ohlc.close;
    }

    const mid = view?.mid() ?? ohlc?.close ?? s.prevClose;
    const spreadBps = view?.spreadBps() ?? null;
    let depthBid: Record<string, number> | null = null;
    let depthAsk: Record<string, number> | null = null;
    let imbalance: number | null = null;
    let slippageBps: number | null = null;
    let slippageComplete: boolean | null = null;
    let thinDepth: number | null = null;
    if (view && view.mid() !== null) {
      depthBid = {};
      depthAsk = {};
      for (const b of view.bandsBps?.() ?? c.bandsBps) {
        depthBid[String(b)] = view.depthWithinBps('bid', b);
        depthAsk[String(b)] = view.depthWithinBps('ask', b);
      }
      const bid = view.depthWithinBps('bid', c.imbalanceBandBps);
      const ask = view.depthWithinBps('ask', c.imbalanceBandBps);
      imbalance = bid + ask > 0 ? (bid - ask) / (bid + ask) : null;
      thinDepth = -Math.log(Math.max(bid + ask, 1e-12));
      const walk = view.walkSellQuote(c.slippageNotionalQuote);
      slippageBps = walk.slippageBps;
      slippageComplete = walk.complete;
    }

    const hasVolumeSource = s.hasTrades || (s.hasBars && s.barVolumeKnown);
    const volume = hasVolumeSource ? s.baseVolume + s.barVolume : null;
    const trades = s.hasTrades ? s.tradeCount + s.barTrades : s.barTradesKnown ? s.barTrades : null;

    const rvEwmaNow = rvEwma(s.closes, c.ewmaLambda, this.periodsPerYear);
    const values: Record<StressComponent, number | null> = {
      spreadBps: logPositive(spreadBps),
      thinDepth,
      slippageBps: logPositive(slippageBps),
      volatility: logPositive(rvEwmaNow),
      volume: volume === null ? null : Math.log1p(volume),
    };
    const components: Partial<Record<StressComponent, number>> = {};
    let wsum = 0;
    let zsum = 0;
    for (const k of COMPONENTS) {
      const v = values[k];
      if (v === null || !Number.isFinite(v)) continue;
      const hist = s.history[k];
      if (hist.length >= c.stress.warmup) {
        const z = Math.max(
          -c.stress.clampZ,
          Math.min(c.stress.clampZ, robustZ(v, hist, 0, c.stress.minScale)),
        );
        components[k] = z;
        const w = c.stress.weights[k];
        wsum += w;
        zsum += w * z;
      }
      pushBounded(hist, v, c.stress.window);
    }
    const raw = wsum > 0 ? zsum / wsum : null;
    if (raw !== null) {
      const a = c.stress.smoothingAlpha;
      s.smoothedStress = s.smoothedStress === null ? raw : a * raw + (1 - a) * s.smoothedStress;
    }
    const stressIndex = raw === null ? null : s.smoothedStress;
    const transition = s.tier.update(stressIndex, endUs);

    const row: MonitorRow = {
      ts: toIsoMicros(s.startUs),
      tsUs: s.startUs,
      instrument,
      mid,
      spreadBps,
      depthBid,
      depthAsk,
      imbalance,
      volume,
      trades,
      rvCloseToClose: rvCloseToClose(s.closes, this.periodsPerYear),
      rvEwma: rvEwmaNow,
      rvParkinson: rvParkinson(s.bars, this.periodsPerYear),
      rvGarmanKlass: rvGarmanKlass(s.bars, this.periodsPerYear),
      amihud: amihud(s.absReturns, s.quoteVolumes),
      slippageBps,
      slippageComplete,
      stale: (endUs - s.lastUpdateUs) / 1e6,
      stressIndex,
      tier: s.tier.level,
    };
    s.baseVolume = 0;
    s.quoteVolume = 0;
    s.tradeCount = 0;
    s.barVolume = 0;
    s.barTrades = 0;
    return { row, transition, components };
  }
}
