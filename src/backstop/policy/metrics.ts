import type { MarginState } from '../../domain/decisions.ts';
import type { MonitorRow } from '../../liquidity/monitor.ts';
import type { MarginBook } from '../../margin/margin-book.ts';
import { estimateVar } from '../../risk/estimators/index.ts';
import type { Liquidator } from '../liquidator/liquidator.ts';
import type { MetricSpec } from './policy.ts';

const UNDER_CALL: ReadonlySet<MarginState> = new Set(['margin-call', 'liquidatable', 'bankrupt']);

/**
 * The policy's metric values at an evaluation: the latest monitor row per instrument, VaR / ES of
 * each instrument's interval mid log returns over a trailing window, the insurance fund's
 * drawdown over a window, and the share of open-interest notional in margin call or worse.
 */
export class MetricBook {
  private readonly rows = new Map<string, MonitorRow>();
  private readonly mids = new Map<string, number[]>();
  /** Interval mids with their times, for price-move metrics, pruned to the longest window. */
  private readonly timedMids = new Map<string, [number, number][]>();
  private maxWindow = 0;
  private maxMoveWindowUs = 0;

  constructor(
    private metrics: Readonly<Record<string, MetricSpec>>,
    private readonly margin: MarginBook,
    private readonly liquidator: Liquidator | null,
  ) {
    this.reconfigure(metrics);
  }

  reconfigure(metrics: Readonly<Record<string, MetricSpec>>): void {
    this.metrics = metrics;
    this.maxWindow = Math.max(0, ...Object.values(metrics).map((m) => (m.source === 'var' ? m.window : 0)));
    this.maxMoveWindowUs = Math.max(
      0,
      ...Object.values(metrics).map((m) => (m.source === 'price-move' ? m.windowUs : 0)),
    );
  }

  onRow(row: MonitorRow): void {
    // non-finite numbers become null (missing), so a snapshot (JSON) restores exactly what is used
    this.rows.set(row.instrument, JSON.parse(JSON.stringify(row)) as MonitorRow);
    if (row.mid !== null && this.maxWindow > 0) {
      const xs = this.mids.get(row.instrument) ?? [];
      xs.push(row.mid);
      if (xs.length > this.maxWindow + 1) xs.shift();
      this.mids.set(row.instrument, xs);
    }
    if (row.mid !== null && Number.isFinite(row.mid) && row.mid > 0 && this.maxMoveWindowUs > 0) {
      const xs = this.timedMids.get(row.instrument) ?? [];
      xs.push([row.tsUs, row.mid]);
      while (xs.length > 1 && (xs[0] as [number, number])[0] < row.tsUs - this.maxMoveWindowUs) xs.shift();
      this.timedMids.set(row.instrument, xs);
    }
  }

  /** The move of an instrument's latest interval mid from the window's extreme (see MetricSpec). */
  private priceMove(
    instrument: string,
    direction: 'down' | 'up' | 'either',
    windowUs: number,
  ): number | null {
    const xs = this.timedMids.get(instrument);
    if (!xs || xs.length === 0) return null;
    const [lastTs, last] = xs[xs.length - 1] as [number, number];
    let hi = last;
    let lo = last;
    for (const [ts, mid] of xs) {
      if (ts < lastTs - windowUs) continue;
      if (mid > hi) hi = mid;
      if (mid < lo) lo = mid;
    }
    const down = 1 - last / hi;
    const up = last / lo - 1;
    return direction === 'down' ? down : direction === 'up' ? up : Math.max(down, up);
  }

  values(tsUs: number): Record<string, number | null> {
    const out: Record<string, number | null> = {};
    for (const [name, m] of Object.entries(this.metrics)) {
      const v = this.value(m, tsUs);
      out[name] = v !== null && Number.isFinite(v) ? v : null;
    }
    return out;
  }

  private value(m: MetricSpec, tsUs: number): number | null {
    switch (m.source) {
      case 'monitor': {
        const rows = m.instrument
          ? [this.rows.get(m.instrument)].filter((r) => r !== undefined)
          : [...this.rows.values()];
        const xs = rows.map((r) => rowField(r as MonitorRow, m.field)).filter((x): x is number => x !== null);
        if (xs.length === 0) return null;
        return m.aggregate === 'min' ? Math.min(...xs) : Math.max(...xs);
      }
      case 'var': {
        const mids = this.mids.get(m.instrument) ?? [];
        if (mids.length < m.window + 1) return null;
        const window = mids.slice(-m.window - 1);
        const returns: number[] = [];
        for (let k = 1; k < window.length; k++)
          returns.push(Math.log((window[k] as number) / (window[k - 1] as number)));
        const r = estimateVar(m.method, returns, { confidence: m.confidence, horizonDays: 1 });
        return m.measure === 'var' ? r.var : r.es;
      }
      case 'fund-drawdown': {
        const fund = this.liquidator?.fund(m.currency);
        return fund ? fund.drawdownOver(m.windowUs, tsUs).fraction : null;
      }
      case 'margin-call-share':
        return this.margin.openInterestShare(UNDER_CALL);
      case 'price-move': {
        const ids = m.instrument ? [m.instrument] : [...this.timedMids.keys()];
        const xs = ids
          .map((id) => this.priceMove(id, m.direction, m.windowUs))
          .filter((x): x is number => x !== null);
        return xs.length === 0 ? null : Math.max(...xs);
      }
    }
  }

  exportState() {
    return {
      rows: [...this.rows.values()],
      mids: [...this.mids],
      timedMids: [...this.timedMids],
    };
  }

  restoreState(s: ReturnType<MetricBook['exportState']>): void {
    this.rows.clear();
    for (const r of s.rows) this.rows.set(r.instrument, r);
    this.mids.clear();
    for (const [k, v] of s.mids) this.mids.set(k, [...v]);
    this.timedMids.clear();
    for (const [k, v] of s.timedMids ?? [])
      this.timedMids.set(
        k,
        v.map(([t, m]) => [t, m] as [number, number]),
      );
  }
}

/** A monitor row field by name, `depthBid.10` picking a band. */
export function rowField(r: MonitorRow, field: string): number | null {
  const dot = field.indexOf('.');
  if (dot > 0) {
    const side = field.slice(0, dot) === 'depthBid' ? r.depthBid : r.depthAsk;
    const v = side?.[field.slice(dot + 1)];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  }
  const v = (r as unknown as Record<string, unknown>)[field];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
