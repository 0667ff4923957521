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
  private maxWindow = 0;

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
    }
  }

  exportState() {
    return {
      rows: [...this.rows.values()],
      mids: [...this.mids],
    };
  }

  restoreState(s: ReturnType<MetricBook['exportState']>): void {
    this.rows.clear();
    for (const r of s.rows) this.rows.set(r.instrument, r);
    this.mids.clear();
    for (const [k, v] of s.mids) this.mids.set(k, [...v]);
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
