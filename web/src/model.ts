import { TimeSeries } from './series.ts';
import type { FundPoint, MonitorRow, PricePoint } from './types.ts';

/** Points kept per chart series (at the default 1 s monitor interval: about 1.4 h). */
export const SERIES_CAP = 5000;

/** Everything the dashboard holds about one instrument. */
export class InstrumentData {
  /** Monitor rows keyed by `tsUs`. */
  readonly monitor = new TimeSeries<MonitorRow>(SERIES_CAP);
  /** Price lines keyed by whole seconds (the price chart's time resolution). */
  readonly mid = new TimeSeries<number>(SERIES_CAP);
  readonly mark = new TimeSeries<number>(SERIES_CAP);
  readonly index = new TimeSeries<number>(SERIES_CAP);
  lastPrice: PricePoint | null = null;

  constructor(readonly id: string) {}

  get lastRow(): MonitorRow | null {
    return this.monitor.last;
  }

  addRow(r: MonitorRow): void {
    if (!Number.isFinite(r.tsUs)) return;
    this.monitor.put(r.tsUs, r);
    if (typeof r.mid === 'number' && Number.isFinite(r.mid)) this.mid.put(sec(r.tsUs), r.mid);
  }

  addPrice(p: PricePoint): void {
    if (!Number.isFinite(p.tsUs)) return;
    const s = sec(p.tsUs);
    if (isNum(p.mark)) this.mark.put(s, p.mark);
    if (isNum(p.index)) this.index.put(s, p.index);
    if (isNum(p.mid)) this.mid.put(s, p.mid);
    if (!this.lastPrice || p.tsUs >= this.lastPrice.tsUs) this.lastPrice = p;
  }
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
export const sec = (tsUs: number): number => Math.floor(tsUs / 1_000_000);

/** The dashboard's data: instruments seen (history and stream) and the fund paths. */
export class Model {
  readonly instruments = new Map<string, InstrumentData>();
  readonly funds = new Map<string, TimeSeries<FundPoint>>();
  /** Latest engine time seen anywhere (µs). */
  engineTimeUs: number | null = null;

  instrument(id: string): InstrumentData {
    let d = this.instruments.get(id);
    if (!d) {
      d = new InstrumentData(id);
      this.instruments.set(id, d);
    }
    return d;
  }

  fund(currency: string): TimeSeries<FundPoint> {
    let f = this.funds.get(currency);
    if (!f) {
      f = new TimeSeries<FundPoint>(SERIES_CAP);
      this.funds.set(currency, f);
    }
    return f;
  }

  seeTime(tsUs: number | null | undefined): void {
    if (typeof tsUs !== 'number' || !Number.isFinite(tsUs)) return;
    if (this.engineTimeUs === null || tsUs > this.engineTimeUs) this.engineTimeUs = tsUs;
  }

  instrumentIds(): string[] {
    return [...this.instruments.keys()].sort();
  }
}
