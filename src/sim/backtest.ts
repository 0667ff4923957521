import type { Policy } from '../backstop/policy/policy.ts';
import type { Decision, MarginState, Tier } from '../domain/decisions.ts';
import type { BarEvent, EngineEvent, Level } from '../domain/events.ts';
import type { OptionInstrument, PerpetualInstrument } from '../domain/instrument.ts';
import { unrealizedPnlSettle } from '../domain/position.ts';
import { defaultEngineConfig, Engine, type EngineSinks } from '../engine/engine.ts';
import { splitLogText, verifyRecords } from '../io/audit/audit-chain.ts';
import { AuditLogWriter, type AuditSink } from '../io/audit/audit-log.ts';
import { defaultMonitorConfig } from '../liquidity/monitor-config.ts';
import type { GridModelConfig } from '../margin/portfolio/grid-model.ts';
import { NO_VOL_SHOCK, regularGrid } from '../margin/portfolio/scenarios.ts';
import type { RunSeries } from '../report/index.ts';
import { Heartbeat } from '../runtime/heartbeat.ts';
import { type ImpactConfig, PriceImpact } from './impact.ts';
import {
  BACKTEST_OPTION_MARGIN,
  backtestOption,
  dvolAt,
  OPTION_BOOK,
  type OptionSettings,
  optionBook,
  optionExpiryUs,
  optionId as optionIdOf,
  optionMark,
  STRANGLE_SHARE,
  writerStrikes,
} from './options.ts';
import {
  makePopulation,
  type OptionStrategy,
  optionStrategies,
  type PopulationConfig,
} from './population.ts';
import { type SyntheticBookParams, syntheticBook, trailingBarContext } from './synthetic-book.ts';

/**
 * The backtest runner (docs/backtesting.md): OHLCV bars of a real window drive the same engine
 * as live, with a synthetic book around each price (fitted on real depth, docs/synthetic-book.md),
 * a seeded population of leveraged traders entering during the warm-up against a market maker,
 * and price impact of forced flow so liquidations can cascade. Each bar becomes four price points
 * (open, the two extremes in the order that matches the bar's direction, close), each a book
 * snapshot and an index price. Deterministic: same bars, policy, population and seed → same
 * decisions, bit for bit.
 */

/** The instrument every backtest trades: a linear USDC-settled perpetual tracking the data's price. */
export const BACKTEST_PERP: PerpetualInstrument = {
  kind: 'perpetual',
  id: 'BTC-USDC-PERP',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USDC',
  contractSize: 1,
  tickSize: 0.1,
  fundingIntervalUs: 8 * 3_600_000_000,
};

/** Margin of the backtest venue: ±5 % price moves, MM = ½ IM → IM 5 % (20×), MM 2.5 %. */
export const BACKTEST_MARGIN: GridModelConfig = {
  name: 'backtest-5pct',
  scenarios: regularGrid([-0.05, 0, 0.05], ['none']),
  volShock: NO_VOL_SHOCK,
  mmFactor: 0.5,
  contingencies: {},
};

export const MARKET_MAKER = 'market-maker';

/**
 * The backtest's heartbeat period: the live runner's 1 s on one-minute bars, and 60 per bar on
 * coarser ones (5 s on 5-minute bars, 1 min on hourly bars), whose price path is known only at
 * a few points per bar anyway. One second on a month of hourly bars would be 2.7 M timers a run.
 */
export function backtestHeartbeatUs(barUs: number): number {
  return Math.max(1_000_000, Math.round(barUs / 60));
}

/**
 * Capital of each backstop liquidity provider of the policy, in USDC (assumed, docs/backtesting.md):
 * the scale of a venue's designated liquidators (Deribit's LSPs, Hyperliquid's HLP vault).
 */
export const PROVIDER_CAPITAL = 20_000_000;

export interface BacktestConfig {
  readonly policyName: string;
  readonly policy: Policy;
  readonly population: PopulationConfig;
  /** null: no price impact (the data prices as they are). */
  readonly impact: ImpactConfig | null;
  readonly book: SyntheticBookParams;
  /** Bars of the data before impact, oldest first, one instrument. */
  readonly bars: readonly BarEvent[];
  /** Where the audit log goes (a file sink), or null to keep it in memory. */
  readonly auditSink?: AuditSink | null;
  /** USDC each liquidity provider of the policy deposits at the start (default PROVIDER_CAPITAL). */
  readonly providerCapital?: number;
  /** Heartbeat period, µs (default `backtestHeartbeatUs(bar length)`): timers as a live runner raises them. */
  readonly heartbeatUs?: number;
  /** Sees every engine input in order: records the episode (the live-parity test replays it). */
  readonly onInput?: (e: EngineEvent) => void;
  /** False activation: no move of this fraction from the activation price, either way, within the horizon. */
  readonly falseActivation?: { readonly moveFrac: number; readonly horizonUs: number };
  /**
   * Option writers (docs/backtesting.md, "Option writers"): absent, null or a share of 0 = the
   * perpetual-only venue, bit for bit as without this field.
   */
  readonly options?: OptionSettings | null;
}

export interface RunOutcome {
  readonly policy: string;
  readonly badDebt: number;
  readonly fundDrawdownFrac: number;
  readonly adlCount: number;
  readonly adlNotional: number;
  readonly socializedLoss: number;
  /**
   * Negative equity still open at the end (cash + unrealized P&L at the last mark, summed over
   * accounts below zero, the market maker aside): bad debt not yet realized, e.g. under a policy
   * that never liquidates.
   */
  readonly openDeficit: number;
  /** Accounts liquidated (at least one filled book step or a takeover). */
  readonly liquidations: number;
  readonly liquidatedNotional: number;
  readonly activations: number;
  readonly falseActivations: number;
  readonly firstActivationLeadSec: number | null;
  readonly conservationOk: boolean;
  readonly auditOk: boolean;
  /**
   * Liquidity a liquidation would meet, over the run's price points: bid-side depth within the
   * impact band (1 %) in USDC and the quoted spread in bps, from the venue's book alone
   * (`without`) and with the backstop reserve's quotes and resting bids added (`with`).
   */
  readonly liquidity: {
    readonly without: LiquidityStats;
    readonly with: LiquidityStats;
  };
  readonly low: { readonly tsUs: number; readonly price: number } | null;
  readonly dataLow: { readonly tsUs: number; readonly price: number } | null;
  readonly events: number;
  readonly decisions: number;
  readonly rejected: number;
  /** Only in runs with option writers (docs/backtesting.md, "Option writers"). */
  readonly options?: OptionRunStats;
}

export interface OptionRunStats {
  readonly writers: number;
  readonly strangles: number;
  readonly coveredCalls: number;
  /** Writers liquidated at least once (a filled book step in any instrument, or a takeover). */
  readonly writersLiquidated: number;
  /** Option contracts closed by liquidation steps that filled against the option books. */
  readonly optionBookContracts: number;
  /** The options' expiry (ISO) and ids. */
  readonly expiry: string;
  readonly instruments: readonly string[];
  /** True when a time before the DVOL series' first close used that close (docs/backtesting.md). */
  readonly dvolBackfilled: boolean;
}

/** Mean and minimum over the run's price points. */
export interface LiquidityStats {
  readonly meanDepthBidUsd: number;
  readonly minDepthBidUsd: number;
  readonly meanSpreadBps: number;
  readonly maxSpreadBps: number;
}

/** Accumulates LiquidityStats. */
class LiquidityAcc {
  private n = 0;
  private depthSum = 0;
  private depthMin = Number.POSITIVE_INFINITY;
  private spreadSum = 0;
  private spreadMax = 0;

  add(depthBidUsd: number, spreadBps: number): void {
    this.n++;
    this.depthSum += depthBidUsd;
    this.depthMin = Math.min(this.depthMin, depthBidUsd);
    this.spreadSum += spreadBps;
    this.spreadMax = Math.max(this.spreadMax, spreadBps);
  }

  stats(): LiquidityStats {
    const n = Math.max(1, this.n);
    return {
      meanDepthBidUsd: round2(this.depthSum / n),
      minDepthBidUsd: round2(this.n > 0 ? this.depthMin : 0),
      meanSpreadBps: this.spreadSum / n,
      maxSpreadBps: this.spreadMax,
    };
  }
}

export interface BacktestResult {
  readonly outcome: RunOutcome;
  readonly series: RunSeries;
  readonly auditLines: number;
}

const num = (s: string | number | boolean | null | undefined): number =>
  typeof s === 'number' ? s : Number(s ?? 0);

/**
 * Intra-bar path: the extreme on the way, the other extreme, the close (the open is the previous
 * close, already applied; bar 0 starts at its open).
 */
function barPath(b: BarEvent): [number, number, number] {
  return b.close >= b.open ? [b.low, b.high, b.close] : [b.high, b.low, b.close];
}

/** Quote notional of a side within `frac` of mid. */
function depthWithin(levels: readonly Level[], mid: number, frac: number): number {
  let n = 0;
  for (const [p, s] of levels) {
    if (Math.abs(p / mid - 1) > frac) break;
    n += p * s;
  }
  return n;
}

/**
 * The backtest venue's engine: the perpetual, its margin model, a monitor whose interval is the
 * bar length, and the policy. A recorded episode replayed into an engine made here reproduces
 * the run (test/e2e/live-parity.test.ts).
 */
export function backtestEngine(
  policy: Policy,
  barUs: number,
  sinks: EngineSinks = {},
  options: readonly OptionInstrument[] = [],
): Engine {
  if (options.length === 0) {
    return new Engine(
      defaultEngineConfig({
        instruments: [BACKTEST_PERP],
        monitor: defaultMonitorConfig(barUs, 1_000_000),
        margin: { modelFor: () => BACKTEST_MARGIN, defaultVol: 0.6 },
        policy,
      }),
      sinks,
    );
  }
  // with options: the grid also shocks vols, and the option books are not the market's stress
  return new Engine(
    defaultEngineConfig({
      instruments: [BACKTEST_PERP, ...options],
      monitor: defaultMonitorConfig(barUs, 1_000_000),
      margin: { modelFor: () => BACKTEST_OPTION_MARGIN, defaultVol: 0.6 },
      policy,
      unmonitored: options.map((o) => o.id),
    }),
    sinks,
  );
}

/** The venue's options for a population: one expiry, the writers' strikes (docs/backtesting.md). */
export function backtestOptions(
  bars: readonly BarEvent[],
  writers: readonly { readonly strategy: OptionStrategy; readonly entryBar: number }[],
): { readonly expiryUs: number; readonly options: OptionInstrument[] } {
  const first = bars[0] as BarEvent;
  const last = bars[bars.length - 1] as BarEvent;
  const barUs = (bars[1] as BarEvent).tsUs - first.tsUs;
  const expiryUs = optionExpiryUs(first.tsUs, last.tsUs + barUs);
  const byId = new Map<string, OptionInstrument>();
  for (const w of writers) {
    const k = writerStrikes((bars[w.entryBar] as BarEvent).open);
    const legs = w.strategy === 'strangle' ? [backtestOption(expiryUs, k.put, 'put')] : [];
    legs.push(backtestOption(expiryUs, k.call, 'call'));
    for (const o of legs) byId.set(o.id, o);
  }
  return { expiryUs, options: [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1)) };
}

/**
 * An option writer's entry (docs/backtesting.md, "Option writers"): a deposit of notional /
 * leverage, then q = notional / price contracts (rounded to 1e-6) of each leg, the market maker
 * on the other side. Strangle: sells q puts at the put strike and q calls at the call strike
 * (`in-<id>-P`, `in-<id>-C`). Covered call: buys q perpetual contracts at `price` (`in-<id>`) and
 * sells q calls. Option fills are at the Black-76 value at forward = `price` and `vol`.
 */
export function writerEntryEvents(
  tr: { readonly id: string; readonly notional: number; readonly leverage: number },
  strategy: OptionStrategy,
  legs: { readonly put: OptionInstrument | null; readonly call: OptionInstrument },
  price: number,
  vol: number,
  tsUs: number,
  seq: number,
): EngineEvent[] {
  const qty = Math.round(tr.notional / price / 1e-6) * 1e-6;
  if (qty === 0) return [];
  const ccy = BACKTEST_PERP.settlementCurrency;
  const fill = (eventId: string, account: string, instrument: string, q: number, p: number): EngineEvent => ({
    kind: 'fill',
    eventId,
    account,
    instrument,
    qtyContracts: q,
    price: p,
    fee: '0',
    tsUs,
  });
  const out: EngineEvent[] = [
    {
      kind: 'transfer',
      eventId: `dep-${tr.id}`,
      account: tr.id,
      currency: ccy,
      amount: (tr.notional / tr.leverage).toFixed(2),
      tsUs,
    },
  ];
  if (strategy === 'covered-call') {
    out.push(fill(`in-${tr.id}`, tr.id, BACKTEST_PERP.id, qty, price));
    out.push(fill(`mm-${seq}`, MARKET_MAKER, BACKTEST_PERP.id, -qty, price));
  }
  for (const o of strategy === 'strangle' ? [legs.put, legs.call] : [legs.call]) {
    if (!o) continue;
    const suffix = o.right === 'put' ? 'P' : 'C';
    const premium = optionMark(o, price, vol, tsUs);
    out.push(fill(`in-${tr.id}-${suffix}`, tr.id, o.id, -qty, premium));
    out.push(fill(`mm-${seq}-${suffix}`, MARKET_MAKER, o.id, qty, premium));
  }
  return out;
}

/**
 * A trader's entry: a deposit of notional / leverage, its fill at `price` (contracts rounded to
 * 1e-6) and the market maker's opposite fill (`mm-<seq>`). None when the size rounds to zero.
 */
export function entryEvents(
  tr: { readonly id: string; readonly side: 1 | -1; readonly notional: number; readonly leverage: number },
  price: number,
  tsUs: number,
  seq: number,
): EngineEvent[] {
  const qty = Math.round((tr.side * tr.notional) / price / 1e-6) * 1e-6;
  if (qty === 0) return [];
  const ccy = BACKTEST_PERP.settlementCurrency;
  const fill = (eventId: string, account: string, qtyContracts: number): EngineEvent => ({
    kind: 'fill',
    eventId,
    account,
    instrument: BACKTEST_PERP.id,
    qtyContracts,
    price,
    fee: '0',
    tsUs,
  });
  return [
    {
      kind: 'transfer',
      eventId: `dep-${tr.id}`,
      account: tr.id,
      currency: ccy,
      amount: (tr.notional / tr.leverage).toFixed(2),
      tsUs,
    },
    fill(`in-${tr.id}`, tr.id, qty),
    fill(`mm-${seq}`, MARKET_MAKER, -qty),
  ];
}

export function runBacktest(cfg: BacktestConfig): BacktestResult {
  const bars = cfg.bars;
  if (bars.length < 2) throw new RangeError('a backtest needs at least two bars');
  const barUs = (bars[1] as BarEvent).tsUs - (bars[0] as BarEvent).tsUs;
  const barMinutes = barUs / 60_000_000;
  const stress: [number, number][] = [];
  const impact = cfg.impact ? new PriceImpact(cfg.impact) : null;
  const traders = makePopulation(cfg.population, bars.length);
  // option writers: only with a share > 0, so a run without them is the perpetual-only run exactly
  const opt = cfg.options && cfg.options.share > 0 ? cfg.options : null;
  const strategies = opt
    ? optionStrategies(cfg.population.seed, traders.length, opt.share, opt.strangleShare ?? STRANGLE_SHARE)
    : [];
  const strategyOf = new Map<string, OptionStrategy>();
  traders.forEach((t, k) => {
    const s = strategies[k];
    if (s) strategyOf.set(t.id, s);
  });
  const venueOptions = opt
    ? backtestOptions(
        bars,
        traders
          .filter((t) => strategyOf.has(t.id))
          .map((t) => ({ strategy: strategyOf.get(t.id) as OptionStrategy, entryBar: t.entryBar })),
      )
    : { expiryUs: 0, options: [] as OptionInstrument[] };
  const optionsById = new Map(venueOptions.options.map((o) => [o.id, o]));
  const engine = backtestEngine(
    cfg.policy,
    barUs,
    {
      onMonitorClose: (c) => {
        if (c.row.instrument === BACKTEST_PERP.id && c.row.stressIndex !== null) {
          stress.push([c.row.tsUs, c.row.stressIndex]);
        }
      },
    },
    venueOptions.options,
  );
  const byBar = new Map<number, typeof traders>();
  for (const t of traders) byBar.set(t.entryBar, [...(byBar.get(t.entryBar) ?? []), t]);
  const audit = new AuditLogWriter(cfg.auditSink ?? { write() {} });
  const memory = cfg.auditSink ? null : AuditLogWriter.inMemory();
  const writer = memory ?? audit;

  const series = {
    policy: cfg.policyName,
    price: [] as [number, number][],
    dataPrice: [] as [number, number][],
    liquidations: [] as { tsUs: number; price: number; notional: number }[],
    tiers: [{ tsUs: (bars[0] as BarEvent).tsUs, tier: 'normal' as Tier }],
    stress,
    fund: [] as [number, number][],
    adl: [] as { tsUs: number; notional: number }[],
    marginUtilisation: [] as [number, number][],
  };
  const ccy = BACKTEST_PERP.settlementCurrency;
  const counts = { events: 0, decisions: 0, rejected: 0 };
  let badDebt = 0;
  let adlCount = 0;
  let adlNotional = 0;
  let socialized = 0;
  /** Accounts liquidated at least once (a book step that filled, or a takeover). */
  const liquidated = new Set<string>();
  let liquidatedNotional = 0;
  const activations: number[] = [];
  let depthBid = 0;
  let depthAsk = 0;
  let seq = 0;
  let conservationOk = true;
  let optionBookContracts = 0;
  /** Vol last sent to the engine (option tickers go out when it changes), and whether DVOL was backfilled. */
  let sentVol = Number.NaN;
  let dvolBackfilled = false;
  const volAt = (tsUs: number): number => {
    const v = dvolAt((opt as OptionSettings).dvol, tsUs);
    dvolBackfilled ||= v.backfilled;
    return v.vol;
  };
  /** Every option's implied vol (DVOL, flat) as an option ticker, when it changed. */
  const sendVols = (tsUs: number, index: number) => {
    const vol = volAt(tsUs);
    if (vol === sentVol) return;
    sentVol = vol;
    for (const o of venueOptions.options) {
      handle({
        kind: 'option-ticker',
        instrument: o.id,
        right: o.right,
        strike: o.strike,
        expiryUs: o.expiryUs,
        underlyingId: o.underlyingId,
        underlyingPrice: null,
        bidPrice: null,
        askPrice: null,
        markPrice: optionMark(o, index, vol, tsUs),
        bidIv: null,
        askIv: null,
        markIv: vol,
        openInterest: null,
        tsUs,
      });
    }
  };

  // heartbeats on the venue clock, as live (docs/adr/0007-heartbeats.md): derived from time,
  // so they are not inputs and are not recorded
  const heartbeat = new Heartbeat(cfg.heartbeatUs ?? backtestHeartbeatUs(barUs));
  const handle = (e: EngineEvent) => {
    for (const tsUs of heartbeat.due(e.tsUs)) absorb(engine.handle({ kind: 'timer', tsUs }), tsUs);
    counts.events++;
    cfg.onInput?.(e);
    const ds = engine.handle(e);
    absorb(ds, e.tsUs);
  };
  const absorb = (ds: readonly Decision[], tsUs: number) => {
    for (const d of ds) {
      counts.decisions++;
      writer.append(d, d.tsUs);
      switch (d.kind) {
        case 'input-rejected':
          counts.rejected++;
          break;
        case 'liquidation-order': {
          const filled = num(d.evidence.filledContracts);
          if (filled <= 0) break;
          const price = num(d.evidence.avgPrice);
          liquidated.add(d.account);
          if (optionsById.has(d.instrument)) {
            // an option step: notional in underlying terms at the index; it moves no price
            const spot = engine.margin.markets.get('BTC')?.spot ?? Number.NaN;
            liquidatedNotional += filled * spot;
            series.liquidations.push({ tsUs: d.tsUs, price: spot, notional: filled * spot });
            optionBookContracts += filled;
            break;
          }
          liquidatedNotional += filled * price;
          series.liquidations.push({ tsUs: d.tsUs, price, notional: filled * price });
          // only what the venue's book absorbed moves the market (not the reserve's quotes)
          const offBook = filled - num(d.evidence.fromReserveContracts);
          if (impact && offBook > 0) {
            const sign = Math.sign(d.qtyContracts);
            impact.onFlow(sign * offBook * price, sign < 0 ? depthBid : depthAsk, tsUs);
          }
          break;
        }
        case 'backstop-takeover':
          liquidated.add(d.account);
          liquidatedNotional +=
            Math.abs(d.qtyContracts) *
            (optionsById.has(d.instrument) ? (engine.margin.markets.get('BTC')?.spot ?? 0) : d.price);
          break;
        case 'purchase-order': {
          const n = num(d.evidence.filledNotional);
          if (impact && n > 0 && d.qtyContracts !== 0) {
            impact.onFlow(Math.sign(d.qtyContracts) * n, d.qtyContracts > 0 ? depthAsk : depthBid, tsUs);
          }
          break;
        }
        case 'insurance-payment':
          badDebt += num(d.amount);
          break;
        case 'adl-execution':
          adlCount++;
          adlNotional += Math.abs(d.qtyContracts) * d.price;
          series.adl.push({ tsUs: d.tsUs, notional: Math.abs(d.qtyContracts) * d.price });
          break;
        case 'socialized-loss': {
          const loss = num(String(d.evidence.loss ?? d.amount));
          badDebt += loss;
          socialized += loss;
          break;
        }
        case 'tier-change':
          if (d.scope === 'backstop') {
            series.tiers.push({ tsUs: d.tsUs, tier: d.to });
            if (d.from === 'normal') activations.push(d.tsUs);
          }
          break;
        default:
          break;
      }
    }
  };

  // the market maker takes the other side of every entry and is never in danger
  handle({
    kind: 'index-price',
    instrument: 'BTC',
    tsUs: (bars[0] as BarEvent).tsUs,
    price: (bars[0] as BarEvent).open,
  });
  handle({
    kind: 'transfer',
    eventId: 'mm-deposit',
    account: MARKET_MAKER,
    currency: ccy,
    amount: '10000000000',
    tsUs: (bars[0] as BarEvent).tsUs,
  });
  // backstop liquidity providers trade with their own capital: an unfunded one would take over
  // positions it cannot margin and be liquidated itself, passing them round in a loop
  for (const p of cfg.policy.liquidation?.providers ?? []) {
    handle({
      kind: 'transfer',
      eventId: `provider-deposit-${p.id}`,
      account: p.id,
      currency: ccy,
      amount: String(cfg.providerCapital ?? PROVIDER_CAPITAL),
      tsUs: (bars[0] as BarEvent).tsUs,
    });
  }
  if (opt) sendVols((bars[0] as BarEvent).tsUs, (bars[0] as BarEvent).open);

  const liquidityWithout = new LiquidityAcc();
  const liquidityWith = new LiquidityAcc();
  let low: { tsUs: number; price: number } | null = null;
  let dataLow: { tsUs: number; price: number } | null = null;
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i] as BarEvent;
    const ctx = trailingBarContext(bars, i, Math.max(2, Math.round(60 / barMinutes)), barMinutes);
    const path = barPath(b);
    const eff = (p: number, t: number) => p * (1 + (impact?.offset(t) ?? 0));
    handle({
      ...b,
      instrument: BACKTEST_PERP.id,
      open: eff(b.open, b.tsUs),
      high: eff(b.high, b.tsUs),
      low: eff(b.low, b.tsUs),
      close: eff(b.close, b.tsUs),
    });
    // entries at the bar's open, at its (impacted) open price
    const openPrice = eff(b.open, b.tsUs);
    if (opt) sendVols(b.tsUs, openPrice);
    for (const tr of byBar.get(i) ?? []) {
      const strategy = strategyOf.get(tr.id);
      let entry: EngineEvent[];
      if (strategy) {
        // strikes from the data's open of the entry bar (known before the run), as the venue lists them
        const k = writerStrikes(b.open);
        const call = optionsById.get(optionIdOf(venueOptions.expiryUs, k.call, 'call')) as OptionInstrument;
        const put = optionsById.get(optionIdOf(venueOptions.expiryUs, k.put, 'put')) ?? null;
        entry = writerEntryEvents(tr, strategy, { put, call }, openPrice, volAt(b.tsUs), b.tsUs, seq + 1);
      } else entry = entryEvents(tr, openPrice, b.tsUs, seq + 1);
      if (entry.length > 0) seq++;
      for (const e of entry) handle(e);
    }
    path.forEach((p, k) => {
      const t = b.tsUs + Math.floor(((k + 1) * barUs) / 4);
      const price = eff(p, t);
      const book = syntheticBook({ ...ctx, mid: price }, cfg.book, BACKTEST_PERP.tickSize);
      depthBid = depthWithin(book.bids, price, cfg.impact?.depthBandFrac ?? 0.01);
      depthAsk = depthWithin(book.asks, price, cfg.impact?.depthBandFrac ?? 0.01);
      handle({
        kind: 'book-snapshot',
        instrument: BACKTEST_PERP.id,
        tsUs: t,
        bids: book.bids,
        asks: book.asks,
      });
      if (opt) {
        // each option's synthetic book around its Black-76 mark at this price, then any new vol
        const vol = volAt(t);
        for (const o of venueOptions.options) {
          const ob = optionBook(
            o,
            price,
            vol,
            t,
            ctx,
            cfg.book,
            BACKTEST_PERP.tickSize,
            opt.book ?? OPTION_BOOK,
          );
          handle({ kind: 'book-snapshot', instrument: o.id, tsUs: t, bids: ob.bids, asks: ob.asks });
        }
        sendVols(t, price);
      }
      handle({ kind: 'index-price', instrument: 'BTC', tsUs: t, price });
      // after the index: the reserve's quotes have been re-centred on this price
      const band = cfg.impact?.depthBandFrac ?? 0.01;
      const bestBid = book.bids[0]?.[0] ?? price;
      const bestAsk = book.asks[0]?.[0] ?? price;
      liquidityWithout.add(depthBid, ((bestAsk - bestBid) / price) * 1e4);
      const desk = engine.policy?.desk ?? null;
      const rBids = desk?.levels(BACKTEST_PERP.id, 'bid') ?? [];
      const rAsks = desk?.levels(BACKTEST_PERP.id, 'ask') ?? [];
      liquidityWith.add(
        depthBid + depthWithin(rBids, price, band),
        ((Math.min(bestAsk, rAsks[0]?.[0] ?? bestAsk) - Math.max(bestBid, rBids[0]?.[0] ?? bestBid)) /
          price) *
          1e4,
      );
      if (low === null || price < low.price) low = { tsUs: t, price };
      if (dataLow === null || p < dataLow.price) dataLow = { tsUs: t, price: p };
    });
    const close = b.tsUs + Math.floor((3 * barUs) / 4);
    series.price.push([close, eff(b.close, close)]);
    series.dataPrice.push([close, b.close]);
    const fund = engine.liquidator?.fund(ccy);
    series.fund.push([close, fund ? Number(fund.balance) / 10 ** engine.accounts.scale(ccy) : 0]);
    series.marginUtilisation.push([close, engine.margin.openInterestShare(UNDER_CALL, MARKET_MAKER) ?? 0]);
    if (i % 60 === 0)
      conservationOk &&= engine.ledger
        .currencies()
        .every(({ currency }) => engine.ledger.total(currency) === 0n);
  }
  absorb(engine.finish(), (bars[bars.length - 1] as BarEvent).tsUs + barUs);
  conservationOk &&= engine.ledger.currencies().every(({ currency }) => engine.ledger.total(currency) === 0n);

  const lastMark = engine.margin.markOf(BACKTEST_PERP.id);
  let openDeficit = 0;
  for (const id of lastMark === null ? [] : engine.margin.accountIds()) {
    if (id === MARKET_MAKER) continue;
    let equity = engine.accounts.toFloat(engine.accounts.cash(id, ccy), ccy);
    for (const p of engine.margin.positionsOf(id)) {
      if (p.instrumentId === BACKTEST_PERP.id)
        equity += unrealizedPnlSettle(BACKTEST_PERP, p, lastMark as number);
      else if (optionsById.has(p.instrumentId))
        equity += p.qtyContracts * (engine.margin.markOf(p.instrumentId) ?? 0);
    }
    if (equity < 0) openDeficit -= equity;
  }

  let auditOk = true;
  if (memory) auditOk = verifyRecords(splitLogText(memory.sink.text)).ok;

  const fa = cfg.falseActivation ?? { moveFrac: 0.05, horizonUs: 6 * 3_600_000_000 };
  const priceAt = (t: number) => {
    let last = (bars[0] as BarEvent).open;
    for (const [ts, p] of series.dataPrice) {
      if (ts > t) break;
      last = p;
    }
    return last;
  };
  // a move either way counts: the policy also guards shorts against a squeeze
  const falseActivations = activations.filter((t) => {
    const p0 = priceAt(t);
    return !series.dataPrice.some(
      ([ts, p]) => ts > t && ts <= t + fa.horizonUs && Math.abs(p / p0 - 1) >= fa.moveFrac,
    );
  }).length;
  const fundPath = series.fund.map(([, v]) => v);
  let peak = Number.NEGATIVE_INFINITY;
  let maxDd = 0;
  for (const v of fundPath) {
    peak = Math.max(peak, v);
    if (peak > 0) maxDd = Math.max(maxDd, (peak - v) / peak);
  }
  const lowAt = low as { tsUs: number; price: number } | null;
  const outcome: RunOutcome = {
    policy: cfg.policyName,
    badDebt: round2(badDebt),
    fundDrawdownFrac: maxDd,
    adlCount,
    adlNotional: round2(adlNotional),
    socializedLoss: round2(socialized),
    openDeficit: round2(openDeficit),
    liquidations: liquidated.size,
    liquidatedNotional: round2(liquidatedNotional),
    activations: activations.length,
    falseActivations,
    firstActivationLeadSec:
      activations.length > 0 && lowAt ? (lowAt.tsUs - (activations[0] as number)) / 1e6 : null,
    conservationOk,
    auditOk,
    liquidity: { without: liquidityWithout.stats(), with: liquidityWith.stats() },
    low: lowAt,
    dataLow,
    ...counts,
    ...(opt
      ? {
          options: {
            writers: strategyOf.size,
            strangles: [...strategyOf.values()].filter((x) => x === 'strangle').length,
            coveredCalls: [...strategyOf.values()].filter((x) => x === 'covered-call').length,
            writersLiquidated: [...strategyOf.keys()].filter((id) => liquidated.has(id)).length,
            optionBookContracts: Math.round(optionBookContracts * 1e6) / 1e6,
            expiry: new Date(venueOptions.expiryUs / 1000).toISOString(),
            instruments: venueOptions.options.map((o) => o.id),
            dvolBackfilled,
          },
        }
      : {}),
  };
  return { outcome, series, auditLines: counts.decisions };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

const UNDER_CALL: ReadonlySet<MarginState> = new Set(['margin-call', 'liquidatable', 'bankrupt']);
