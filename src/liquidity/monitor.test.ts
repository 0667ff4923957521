import { describe, expect, it } from 'vitest';
import { TIERS } from '../domain/decisions.ts';
import { LiquidityMonitor } from './monitor.ts';
import { defaultMonitorConfig, type MonitorConfig } from './monitor-config.ts';
import type { LiquidityView, WalkResult } from './order-book.ts';

/** A scripted view: the monitor only reads it, so each interval's values are set by hand. */
class ScriptedView implements LiquidityView {
  spread = 10;
  midPrice = 100;
  depth = 1000;
  mid() {
    return this.midPrice;
  }
  spreadBps() {
    return this.spread;
  }
  depthWithinBps(_side: 'bid' | 'ask', bps: number) {
    return this.depth * (bps / 100);
  }
  walkSellQuote(n: number): WalkResult {
    return {
      requested: n,
      filledBase: 0,
      filledQuote: n,
      avgPrice: 99,
      worstPrice: 98,
      slippageBps: 7,
      complete: true,
    };
  }
  walkBuyQuote(n: number): WalkResult {
    return this.walkSellQuote(n);
  }
}

function spreadOnlyConfig(): MonitorConfig {
  const base = defaultMonitorConfig(1_000_000);
  return {
    ...base,
    stress: {
      window: 10,
      warmup: 3,
      clampZ: 10,
      smoothingAlpha: 1,
      minScale: 0,
      weights: { spreadBps: 1, thinDepth: 0, slippageBps: 0, volatility: 0, volume: 0 },
    },
    tiers: { levels: TIERS, enter: [2, 3, 4.5], exit: [1.5, 2.5, 3.5], minDwellUs: 0 },
  };
}

describe('LiquidityMonitor', () => {
  it('robust z of the spread drives the tier (hand-computed)', () => {
    const view = new ScriptedView();
    const m = new LiquidityMonitor(spreadOnlyConfig(), () => view);
    // Spreads enter the index as logarithms: e^1, e^1.2, … give log values 1, 1.2, ….
    const logSpreads = [1, 1.2, 1, 1.2, 1.6, 1.1];
    const spreads = logSpreads.map(Math.exp);
    const rows = [];
    const transitions = [];
    for (let i = 0; i < spreads.length; i++) {
      view.spread = spreads[i] as number;
      m.onBookUpdate('X', i * 1_000_000 + 500_000);
      for (const c of m.advanceTo((i + 1) * 1_000_000)) {
        rows.push(c.row);
        if (c.transition) transitions.push(c.transition);
      }
    }
    // Intervals 0–2: fewer than 3 past values → no index yet.
    expect(rows.slice(0, 3).map((r) => r.stressIndex)).toEqual([null, null, null]);
    // Interval 3: history [1,1.2,1] median 1, MAD 0 → scale floored at 1e-6 → z = 2e5, clamped at 10.
    expect(rows[3]?.stressIndex).toBe(10);
    // Interval 4: history [1,1.2,1,1.2] median 1.1, |dev| all 0.1 → MAD 0.1; z = 0.5 / 0.14826 = 3.3725.
    expect(rows[4]?.stressIndex).toBeCloseTo(0.5 / 0.1482602218505602, 10);
    // Interval 5: history [1,1.2,1,1.2,1.6] median 1.2, |dev| .2,0,.2,0,.4 → MAD 0.2; z = −0.1 / 0.29652 = −0.3373.
    expect(rows[5]?.stressIndex).toBeCloseTo(-0.1 / (0.2 * 1.482602218505602), 10);
    expect(rows.map((r) => r.tier)).toEqual(['normal', 'normal', 'normal', 'crisis', 'stressed', 'normal']);
    expect(transitions.map((t) => [t.from, t.to, t.threshold])).toEqual([
      ['normal', 'crisis', 4.5],
      ['crisis', 'stressed', 3.5],
      ['stressed', 'normal', 2.5],
    ]);
    // Book metrics come from the view at the interval end.
    expect(rows[5]).toMatchObject({
      ts: '1970-01-01T00:00:05.000000Z',
      tsUs: 5_000_000,
      instrument: 'X',
      mid: 100,
      spreadBps: Math.exp(1.1),
      depthBid: { '10': 100, '25': 250, '50': 500, '100': 1000 },
      depthAsk: { '10': 100, '25': 250, '50': 500, '100': 1000 },
      imbalance: 0,
      slippageBps: 7,
      slippageComplete: true,
      volume: null,
      trades: null,
      stale: 0.5,
    });
  });

  it('trades give volume, count, interval OHLC and Amihud; quiet intervals are filled', () => {
    const m = new LiquidityMonitor(defaultMonitorConfig(1_000_000), () => null);
    const closes = [];
    // Contract: close due intervals before applying an event at ts (as the engine does).
    const trade = (ts: number, price: number, qty: number) => {
      closes.push(...m.advanceTo(ts));
      m.onTrade('T', ts, price, qty);
    };
    trade(100_000, 100, 2);
    trade(600_000, 102, 1);
    // nothing in [1 s, 2 s); one trade in [2 s, 3 s)
    trade(2_500_000, 99, 4);
    closes.push(...m.advanceTo(4_000_000));
    const rows = closes.map((c) => c.row);
    expect(rows.map((r) => [r.tsUs, r.volume, r.trades, r.mid])).toEqual([
      [0, 3, 2, 102],
      [1_000_000, 0, 0, 102],
      [2_000_000, 4, 1, 99],
      [3_000_000, 0, 0, 99],
    ]);
    // Amihud at interval 2: one return |ln(99/102)| over quote volume 99 × 4 = 396.
    expect(rows[2]?.amihud).toBeCloseTo(Math.abs(Math.log(99 / 102)) / 396, 15);
    // stale at the end of interval 1: 2 s − 0.6 s
    expect(rows[1]?.stale).toBeCloseTo(1.4, 12);
  });

  it('skips ahead after maxEmptyIntervals in a long gap', () => {
    const m = new LiquidityMonitor({ ...defaultMonitorConfig(1_000_000), maxEmptyIntervals: 5 }, () => null);
    m.onTrade('T', 0, 100, 1);
    const rows = m.advanceTo(1_000_000_000).map((c) => c.row);
    expect(rows).toHaveLength(5);
    m.onTrade('T', 1_000_000_000, 101, 1);
    expect(m.finish()[0]?.row.tsUs).toBe(1_000_000_000);
  });
});
