import type { Instrument } from '../../domain/instrument.ts';
import type { UnderlyingMarket } from '../market.ts';
import { contractPricer } from './instrument-pnl.ts';
import type { Scenario, VolShockSpec } from './scenarios.ts';

/**
 * Risk arrays: the scenario P&L of one contract of every instrument, computed once per market
 * update into one Float64Array (row per instrument, column per scenario). An account's scenario
 * vector is then Σ quantity × row — a multiply-add per position and scenario instead of an
 * option repricing — which is what makes re-margining a whole venue after one index move cheap.
 */
export class RiskArrays {
  readonly nScenarios: number;
  private readonly rowOf = new Map<string, number>();
  private readonly instruments: Instrument[] = [];
  private data: Float64Array;
  private values: Float64Array;
  private deltas: Float64Array;
  /** Rows per underlying, so an index move recomputes only that underlying's instruments. */
  private readonly rowsByUnderlying = new Map<string, number[]>();

  constructor(
    readonly scenarios: readonly Scenario[],
    readonly volShock: VolShockSpec,
    private readonly underlyingOfInstrument: (i: Instrument) => string,
  ) {
    this.nScenarios = scenarios.length;
    this.data = new Float64Array(64 * this.nScenarios);
    this.values = new Float64Array(64);
    this.deltas = new Float64Array(64);
  }

  /** Row index of an instrument, registering it on first use. */
  register(i: Instrument): number {
    const known = this.rowOf.get(i.id);
    if (known !== undefined) return known;
    const row = this.instruments.length;
    this.instruments.push(i);
    this.rowOf.set(i.id, row);
    if ((row + 1) * this.nScenarios > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
      const v = new Float64Array(this.values.length * 2);
      v.set(this.values);
      this.values = v;
      const d = new Float64Array(this.deltas.length * 2);
      d.set(this.deltas);
      this.deltas = d;
    }
    const u = this.underlyingOfInstrument(i);
    const rows = this.rowsByUnderlying.get(u) ?? [];
    rows.push(row);
    this.rowsByUnderlying.set(u, rows);
    this.data.fill(Number.NaN, row * this.nScenarios, (row + 1) * this.nScenarios);
    return row;
  }

  row(instrumentId: string): number | undefined {
    return this.rowOf.get(instrumentId);
  }

  instrumentAt(row: number): Instrument {
    return this.instruments[row] as Instrument;
  }

  /** Recomputes every row of `market.underlying` (call on each index / forward / vol update). */
  update(market: UnderlyingMarket): number {
    const rows = this.rowsByUnderlying.get(market.underlying) ?? [];
    for (const row of rows) this.computeRow(row, market);
    return rows.length;
  }

  /** Recomputes one instrument (e.g. a single option's vol changed). */
  updateInstrument(instrumentId: string, market: UnderlyingMarket): void {
    const row = this.rowOf.get(instrumentId);
    if (row !== undefined) this.computeRow(row, market);
  }

  private computeRow(row: number, market: UnderlyingMarket): void {
    const i = this.instruments[row] as Instrument;
    const base = row * this.nScenarios;
    for (let s = 0; s < this.nScenarios; s++) {
      this.data[base + s] = contractPricer.pnl(i, market, this.scenarios[s] as Scenario, this.volShock);
    }
    this.values[row] = contractPricer.value(i, market);
    this.deltas[row] = contractPricer.deltaBase(i, market);
  }

  /** Delta of one contract in base units (current market). */
  delta(row: number): number {
    return this.deltas[row] as number;
  }

  /** Scenario P&L of one contract of `row` under scenario `s` (unweighted). */
  pnl(row: number, s: number): number {
    return this.data[row * this.nScenarios + s] as number;
  }

  /** Current value of one contract (options, spot). */
  value(row: number): number {
    return this.values[row] as number;
  }

  /**
   * Adds qty × row into `out` (length nScenarios). The hot loop of venue-wide re-margining.
   */
  accumulate(row: number, qty: number, out: Float64Array): void {
    const n = this.nScenarios;
    const d = this.data;
    const base = row * n;
    for (let s = 0; s < n; s++) out[s] = (out[s] as number) + qty * (d[base + s] as number);
  }
}
