import { describe, expect, it } from 'vitest';
import { SeededRng } from '../core/rng.ts';
import { TIERS } from '../domain/decisions.ts';
import type { DepthBand, Level } from '../domain/events.ts';
import { DepthProfile, type DepthProfileState } from './depth-profile.ts';
import { LiquidityMonitor, type LiquidityMonitorState, type MonitorClose } from './monitor.ts';
import { defaultMonitorConfig, type MonitorConfig } from './monitor-config.ts';
import { OrderBook, type OrderBookState } from './order-book.ts';

const SEC = 1_000_000;

/** Small windows and low thresholds, so that windows roll, tiers move and gaps skip within a few hundred events. */
function config(intervalUs = SEC): MonitorConfig {
  const base = defaultMonitorConfig(intervalUs, 20_000);
  return {
    ...base,
    bandsBps: [10, 50],
    imbalanceBandBps: 50,
    rvWindow: 6,
    stress: { ...base.stress, window: 12, warmup: 4, clampZ: 6, minScale: 0.05, smoothingAlpha: 0.4 },
    tiers: { levels: TIERS, enter: [0.5, 1.1, 1.8], exit: [0.2, 0.8, 1.5], minDwellUs: 3 * intervalUs },
    maxEmptyIntervals: 4,
  };
}

type Op =
  | { kind: 'book'; tsUs: number; instrument: string; reset: boolean; bids: Level[]; asks: Level[] }
  | { kind: 'depth'; tsUs: number; instrument: string; bands: DepthBand[] }
  | { kind: 'trade'; tsUs: number; instrument: string; price: number; qty: number }
  | {
      kind: 'bar';
      tsUs: number;
      instrument: string;
      bar: { open: number; high: number; low: number; close: number };
      volume: number | null;
      trades: number | null;
    };

/**
 * A market of five instruments: BTC and ETH with L2 books, SOL with depth bands, XRP with bars
 * only, DOGE (trades only) appearing late. Each instrument's mid random-walks and its liquidity
 * switches between calm and stressed regimes, so stress indices and tiers move both ways.
 */
function ops(seed: number, n: number): Op[] {
  const rng = new SeededRng(seed);
  const mids: Record<string, number> = { BTC: 60_000, ETH: 3_000, SOL: 150, XRP: 0.5, DOGE: 0.1 };
  const stress: Record<string, number> = { BTC: 1, ETH: 1, SOL: 1, XRP: 1, DOGE: 1 };
  const out: Op[] = [];
  let ts = 3 * SEC + 123_456;
  for (let i = 0; i < n; i++) {
    ts += rng.nextFloat() < 0.02 ? rng.nextInt(5, 12) * SEC : rng.nextInt(20_000, 450_000);
    const names = i < n * 0.7 ? ['BTC', 'ETH', 'SOL', 'XRP'] : ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE'];
    const instrument = names[rng.nextInt(0, names.length - 1)]!;
    if (rng.nextFloat() < 0.04) stress[instrument] = stress[instrument] === 1 ? 4 + rng.nextFloat() * 6 : 1;
    const s = stress[instrument]!;
    const mid = mids[instrument]! * Math.exp(0.001 * s * rng.nextNormal());
    mids[instrument] = mid;
    const r = rng.nextFloat();
    if ((instrument === 'BTC' || instrument === 'ETH') && r < 0.6) {
      const halfSpread = (1 + s * 2 * rng.nextFloat()) / 1e4;
      if (rng.nextFloat() < 0.5) {
        const bids: Level[] = [];
        const asks: Level[] = [];
        for (let k = 0; k < 25; k++) {
          bids.push([mid * (1 - halfSpread - k * 3e-4), (0.5 + rng.nextFloat()) / s]);
          asks.push([mid * (1 + halfSpread + k * 3e-4), (0.5 + rng.nextFloat()) / s]);
        }
        out.push({ kind: 'book', tsUs: ts, instrument, reset: true, bids, asks });
      } else {
        // A small incremental update: one new level each side near the touch (may cross: rejected).
        out.push({
          kind: 'book',
          tsUs: ts,
          instrument,
          reset: false,
          bids: [[mid * (1 - halfSpread), rng.nextFloat() / s]],
          asks: [[mid * (1 + halfSpread), rng.nextFloat() < 0.2 ? 0 : rng.nextFloat() / s]],
        });
      }
    } else if (instrument === 'SOL' && r < 0.5) {
      const bands: DepthBand[] = [];
      for (const sign of [-1, 1]) {
        let depth = 0;
        for (const pct of [0.5, 1, 2]) {
          depth += (20 + 80 * rng.nextFloat()) / s;
          bands.push({
            pct: sign * pct,
            depthBase: depth,
            notionalQuote: depth * mid * (1 + (sign * pct) / 200),
          });
        }
      }
      out.push({ kind: 'depth', tsUs: ts, instrument, bands });
    } else if (instrument === 'XRP') {
      const open = mid * (1 + 0.001 * s * rng.nextNormal());
      const close = mid;
      const high = Math.max(open, close) * (1 + 0.002 * s * rng.nextFloat());
      const low = Math.min(open, close) * (1 - 0.002 * s * rng.nextFloat());
      const volume = rng.nextFloat() < 0.2 ? null : 1e5 * rng.nextFloat() * s;
      const trades = rng.nextFloat() < 0.3 ? null : rng.nextInt(1, 500);
      out.push({ kind: 'bar', tsUs: ts, instrument, bar: { open, high, low, close }, volume, trades });
    } else {
      const price = mid * (1 + 0.0005 * s * rng.nextNormal());
      out.push({ kind: 'trade', tsUs: ts, instrument, price, qty: rng.nextFloat() * 3 * s });
    }
  }
  return out;
}

/** A monitor with the books and depth profiles it reads. */
class World {
  readonly books = new Map<string, OrderBook>([
    ['BTC', new OrderBook('BTC')],
    ['ETH', new OrderBook('ETH')],
  ]);
  readonly profiles = new Map<string, DepthProfile>([['SOL', new DepthProfile('SOL')]]);
  readonly monitor: LiquidityMonitor;

  constructor(cfg: MonitorConfig = config()) {
    this.monitor = new LiquidityMonitor(cfg, (id) => this.books.get(id) ?? this.profiles.get(id) ?? null);
  }

  step(op: Op): MonitorClose[] {
    const closes = this.monitor.advanceTo(op.tsUs);
    if (op.kind === 'book') {
      this.books.get(op.instrument)!.applyBatch(op.reset, op.bids, op.asks);
      this.monitor.onBookUpdate(op.instrument, op.tsUs);
    } else if (op.kind === 'depth') {
      this.profiles.get(op.instrument)!.update(op.bands);
      this.monitor.onBookUpdate(op.instrument, op.tsUs);
    } else if (op.kind === 'trade') {
      this.monitor.onTrade(op.instrument, op.tsUs, op.price, op.qty);
    } else {
      this.monitor.onBar(op.instrument, op.tsUs, op.bar, op.volume, op.trades);
    }
    return closes;
  }

  exportState(): { monitor: LiquidityMonitorState; books: OrderBookState[]; profiles: DepthProfileState[] } {
    return {
      monitor: this.monitor.exportState(),
      books: [...this.books.values()].map((b) => b.exportState()),
      profiles: [...this.profiles.values()].map((p) => p.exportState()),
    };
  }

  restoreState(s: ReturnType<World['exportState']>): void {
    this.monitor.restoreState(s.monitor);
    for (const b of s.books) this.books.get(b.instrument)!.restoreState(b);
    for (const p of s.profiles) this.profiles.get(p.instrument)!.restoreState(p);
  }
}

const ALL = ops(41, 900);
/**
 * The snapshot point, chosen so that every part of the state is live there: XRP's bar
 * accumulator holds two bars with volume and trade counts, ETH's trade accumulator holds a trade
 * and BTC's mid accumulator a mid, and each of their intervals closes before another such input.
 */
const CUT = 407;

type WorldState = ReturnType<World['exportState']>;

/** A's run: closes before the cut, the JSON-copied state at the cut, closes after it (with finish). */
const runA = (() => {
  let memo: { a: World; before: MonitorClose[]; snap: WorldState; after: MonitorClose[] } | null = null;
  return () => {
    if (memo === null) {
      const a = new World();
      const before = ALL.slice(0, CUT).flatMap((op) => a.step(op));
      const snap: WorldState = JSON.parse(JSON.stringify(a.exportState()));
      const after = [...ALL.slice(CUT).flatMap((op) => a.step(op)), ...a.monitor.finish()];
      memo = { a, before, snap, after };
    }
    return memo;
  };
})();

/** B: A's state at the cut (after `tamper`) restored into a fresh world, then the rest of the input. */
function runB(tamper: (s: LiquidityMonitorState) => LiquidityMonitorState = (s) => s) {
  const { snap } = runA();
  const b = new World();
  b.restoreState({ ...snap, monitor: tamper(snap.monitor) });
  const after = [...ALL.slice(CUT).flatMap((op) => b.step(op)), ...b.monitor.finish()];
  return { b, after };
}

describe('LiquidityMonitor state snapshots', () => {
  it('restore + the same continued input gives identical closes (rows, transitions, components) and state', () => {
    const { a, before, snap, after: outA } = runA();
    const { b, after: outB } = runB();
    expect(outB).toEqual(outA);
    expect(b.exportState()).toEqual(a.exportState());

    // The input exercised what the state holds: all instruments, rolling windows, tiers both
    // ways on both sides of the cut, gap skipping, and an instrument created after the restore.
    expect(snap.monitor.instruments.map((s) => s.instrument)).toEqual(['ETH', 'BTC', 'SOL', 'XRP']);
    expect(a.monitor.exportState().instruments.map((s) => s.instrument)).toContain('DOGE');
    for (const out of [before, outA]) {
      const dirs = out.flatMap((c) => (c.transition ? [c.transition.direction] : []));
      expect(dirs).toContain('up');
      expect(dirs).toContain('down');
    }
    const rows = outA.map((c) => c.row);
    for (const key of [
      'rvCloseToClose',
      'rvParkinson',
      'rvGarmanKlass',
      'amihud',
      'stressIndex',
      'slippageBps',
    ] as const) {
      expect(rows.some((r) => r[key] !== null)).toBe(true);
    }
    const inst = snap.monitor.instruments.find((s) => s.instrument === 'BTC')!;
    expect(inst.closes).toHaveLength(7);
    expect(inst.history.spreadBps).toHaveLength(12);
    // Intervals are contiguous per instrument except where a gap made the monitor skip ahead.
    const btc = outA.filter((c) => c.row.instrument === 'BTC').map((c) => c.row.tsUs);
    expect(btc.some((t, i) => i > 0 && t - btc[i - 1]! > SEC)).toBe(true);
  });

  it('round-trips non-finite fields (an OHLC accumulator with no price yet) and −Infinity / NaN', () => {
    const m = new LiquidityMonitor(config(), () => null);
    m.onTrade('X', 10, 100, 1);
    m.advanceTo(5 * SEC);
    const s: LiquidityMonitorState = JSON.parse(JSON.stringify(m.exportState()));
    const x = s.instruments[0]!;
    expect(x.bar).toEqual({ open: 'NaN', high: '-Infinity', low: 'Infinity', close: 'NaN', n: 0 });
    const m2 = new LiquidityMonitor(config(), () => null);
    m2.restoreState(s);
    expect(m2.exportState()).toEqual(m.exportState());
    const fresh = new LiquidityMonitor(config(), () => null);
    expect(fresh.exportState().nextCloseUs).toBe('Infinity');
  });

  it('a field left at its fresh value on restore changes the continued output', () => {
    type Inst = LiquidityMonitorState['instruments'][number];
    const { snap, after: outA } = runA();
    const at = (id: string): Inst => snap.monitor.instruments.find((i) => i.instrument === id)!;
    // The cut is where CUT's comment says it is (else some fields below would not be live).
    expect([at('XRP').bar.n, at('ETH').trade.n, at('BTC').mid.n, at('BTC').trade.n]).toEqual([2, 1, 1, 0]);
    expect(at('XRP').barVolume).toBeGreaterThan(0);
    expect(at('XRP').barTrades).toBeGreaterThan(0);

    // Every instrument field at its fresh value, from a monitor that has only just seen the instrument.
    const probe = new LiquidityMonitor(config(), () => null);
    probe.onBookUpdate('P', 0);
    const fresh = probe.exportState().instruments[0]!;
    const forgets: [string, (i: Inst) => Inst][] = [];
    for (const key of Object.keys(fresh) as (keyof Inst)[]) {
      if (key === 'instrument') continue;
      const value = fresh[key];
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const [sub, v] of Object.entries(value)) {
          forgets.push([`${key}.${sub}`, (i) => ({ ...i, [key]: { ...(i[key] as object), [sub]: v } })]);
        }
      } else {
        forgets.push([key, (i) => ({ ...i, [key]: value })]);
      }
    }
    expect(forgets.length).toBeGreaterThan(35);
    const unnoticed = forgets
      .filter(([, forget]) => {
        const { after } = runB((s) => ({ ...s, instruments: s.instruments.map(forget) }));
        return JSON.stringify(after) === JSON.stringify(outA);
      })
      .map(([path]) => path);
    expect(unnoticed).toEqual([]);
    expect(JSON.stringify(runB((s) => ({ ...s, nextCloseUs: 'Infinity' })).after)).not.toBe(
      JSON.stringify(outA),
    );
  });

  it('refuses a state exported under another config, naming the field', () => {
    const s = runA().snap.monitor;
    expect(() => new World(config(2 * SEC)).monitor.restoreState(s)).toThrow(
      /liquidity monitor: state was exported under a different config \(first difference at intervalUs\)/,
    );
    const other = config();
    const wider = { ...other, stress: { ...other.stress, window: 13 } };
    expect(() => new World(wider).monitor.restoreState(s)).toThrow(/first difference at stress\.window/);
  });
});
