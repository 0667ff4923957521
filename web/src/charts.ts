import {
  ColorType,
  createChart,
  type IChartApi,
  type ISeriesApi,
  LineSeries,
  LineStyle,
  type UTCTimestamp,
} from 'lightweight-charts';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { axisWidth, compact, compactTicks, fixed, num, pct, price, utcClock, utcDateTime } from './format.ts';
import type { InstrumentData } from './model.ts';
import type { TimeSeries } from './series.ts';
import { type FundPoint, isTier, type Tier } from './types.ts';

export const TIER_COLOURS: Readonly<Record<Tier, string>> = {
  normal: '#2f9e61',
  watch: '#d8b41c',
  stressed: '#ea7a2b',
  crisis: '#dc3b3b',
};

const THEME = {
  bg: '#151a23',
  text: '#aeb7c4',
  grid: '#262d3a',
  axis: '#8893a3',
  mid: '#c9d1dc',
  mark: '#f0a23b',
  index: '#4aa3ff',
  spread: '#e86a92',
  depth: '#44c2b0',
  stress: '#f2f5f9',
  balance: '#4aa3ff',
  drawdown: '#dc3b3b',
};

const CHART_HEIGHT = 170;

const steppedBuilder = uPlot.paths.stepped?.({ align: 1 });
/** Step lines: a fund balance holds its value until the next change. */
const stepped: Partial<uPlot.Series> = steppedBuilder ? { paths: steppedBuilder } : {};

/** Marks a chart container with its point count (`data-points`) and the empty-state overlay. */
function markPoints(el: HTMLElement, n: number): void {
  const s = String(n);
  if (el.dataset.points !== s) el.dataset.points = s;
  el.classList.toggle('is-empty', n === 0);
}

// ---------------------------------------------------------------------------------------------
// Price and mark: lightweight-charts

type LineKey = 'mid' | 'mark' | 'index';

/** Mid (monitor rows and the `prices` topic), mark and index of one instrument. */
export class PriceChart {
  private readonly chart: IChartApi;
  private readonly lines: Record<LineKey, ISeriesApi<'Line'>>;
  private shown: InstrumentData | null = null;
  /** Seconds of history in view (null: all). */
  private windowS: number | null = null;
  private readonly rendered: Record<LineKey, number> = {
    mid: Number.NEGATIVE_INFINITY,
    mark: Number.NEGATIVE_INFINITY,
    index: Number.NEGATIVE_INFINITY,
  };

  constructor(
    private readonly el: HTMLElement,
    plot: HTMLElement,
  ) {
    this.chart = createChart(plot, {
      autoSize: true,
      layout: {
        background: { type: ColorType.Solid, color: THEME.bg },
        textColor: THEME.text,
        fontSize: 11,
        attributionLogo: true,
      },
      grid: { vertLines: { color: THEME.grid }, horzLines: { color: THEME.grid } },
      rightPriceScale: { borderColor: THEME.grid },
      timeScale: {
        borderColor: THEME.grid,
        timeVisible: true,
        secondsVisible: true,
        rightOffset: 2,
        minBarSpacing: 0.05,
      },
      localization: {
        // the chart's time axis is UTC already (it applies no time zone); the crosshair says so
        timeFormatter: (t: number) => utcDateTime(t * 1e6),
        priceFormatter: (p: number) => price(p),
      },
      crosshair: { mode: 0 },
      // the view follows the window buttons (like the uPlot charts), so no pan or zoom
      handleScroll: false,
      handleScale: false,
    });
    const line = (color: string, title: string, style: LineStyle = LineStyle.Solid) =>
      this.chart.addSeries(LineSeries, {
        color,
        lineWidth: 2,
        lineStyle: style,
        title,
        priceLineVisible: false,
        lastValueVisible: true,
      });
    this.lines = {
      mid: line(THEME.mid, 'mid'),
      mark: line(THEME.mark, 'mark'),
      index: line(THEME.index, 'index', LineStyle.Dashed),
    };
    markPoints(el, 0);
  }

  render(d: InstrumentData | null): void {
    if (d !== this.shown) {
      this.shown = d;
      for (const k of ['mid', 'mark', 'index'] as const) {
        this.rendered[k] = Number.NEGATIVE_INFINITY;
        this.lines[k].setData([]);
        d?.[k].takeChangedFrom();
        if (d) this.full(k, d[k]);
      }
      if (d) this.applyWindow();
    } else if (d) {
      let moved = false;
      for (const k of ['mid', 'mark', 'index'] as const) moved = this.incremental(k, d[k]) || moved;
      // the time scale counts bars, not seconds: re-apply the window so it stays a time window
      if (moved) this.applyWindow();
    }
    markPoints(this.el, d ? Math.max(d.mid.length, d.mark.length, d.index.length) : 0);
  }

  /** Shows the last `windowS` seconds (null: everything); new points then scroll the view. */
  setWindow(windowS: number | null): void {
    this.windowS = windowS;
    this.applyWindow();
  }

  private applyWindow(): void {
    const d = this.shown;
    if (!d) return;
    const last = Math.max(d.mid.lastTs ?? 0, d.mark.lastTs ?? 0, d.index.lastTs ?? 0);
    const first = Math.min(d.mid.times()[0] ?? last, d.mark.times()[0] ?? last, d.index.times()[0] ?? last);
    if (last === 0) return;
    const ts = this.chart.timeScale();
    if (this.windowS === null || last - first <= this.windowS) ts.fitContent();
    else ts.setVisibleRange({ from: (last - this.windowS) as UTCTimestamp, to: last as UTCTimestamp });
  }

  private full(k: LineKey, s: TimeSeries<number>): void {
    const ts = s.times();
    const vs = s.values();
    this.lines[k].setData(ts.map((t, i) => ({ time: t as UTCTimestamp, value: vs[i] as number })));
    this.rendered[k] = s.lastTs ?? Number.NEGATIVE_INFINITY;
  }

  /** Draws what changed since the last call; true when anything did. */
  private incremental(k: LineKey, s: TimeSeries<number>): boolean {
    const from = s.takeChangedFrom();
    if (from === Number.POSITIVE_INFINITY) return false;
    if (from < this.rendered[k]) {
      this.full(k, s);
      return true;
    }
    const ts = s.times();
    const vs = s.values();
    for (let i = s.indexFrom(from); i < ts.length; i++)
      this.lines[k].update({ time: ts[i] as UTCTimestamp, value: vs[i] as number });
    this.rendered[k] = s.lastTs ?? this.rendered[k];
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// uPlot charts

const utc = (ts: number) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');

const axis = (o: uPlot.Axis): uPlot.Axis => ({
  stroke: THEME.axis,
  grid: { stroke: THEME.grid, width: 1 },
  ticks: { stroke: THEME.grid, width: 1 },
  font: '11px system-ui, sans-serif',
  labelFont: '11px system-ui, sans-serif',
  ...o,
});

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Tick labels in UTC, 24 h: `14:05:30` below a minute apart, `14:05` below a day, else `03-12`. */
function timeTick(v: number, incr: number): string {
  const d = new Date(v * 1000);
  const hm = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  if (incr < 60) return `${hm}:${pad2(d.getUTCSeconds())}`;
  if (incr < 86_400) return hm;
  return `${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

const timeAxis = (): uPlot.Axis =>
  axis({
    label: 'time (UTC)',
    labelSize: 16,
    labelGap: 0,
    size: 36,
    space: 36,
    values: (_u, splits, _ax, _space, incr) => splits.map((v) => (v === null ? '' : timeTick(v, incr))),
  });

/** The x entry of every uPlot legend: the UTC time of the point shown. */
const timeSeries = (): uPlot.Series => ({
  label: 'UTC',
  value: (_u, v) => (v === null || v === undefined ? '—' : utcClock(v * 1e6)),
});

/** A uPlot chart that follows its container's width and keeps `data-points` up to date. */
class UChart {
  private u: uPlot;
  private points = 0;
  /** Seconds of history in view (null: all). */
  windowS: number | null = null;
  private readonly ro: ResizeObserver;

  constructor(
    private readonly el: HTMLElement,
    private readonly plot: HTMLElement,
    opts: Omit<uPlot.Options, 'width' | 'height'>,
    private data: uPlot.AlignedData,
  ) {
    this.u = this.make(opts);
    this.ro = new ResizeObserver(() => this.resize());
    this.ro.observe(plot);
    markPoints(el, 0);
  }

  private make(opts: Omit<uPlot.Options, 'width' | 'height'>): uPlot {
    const x: uPlot.Scale = {
      time: true,
      range: (_u, min, max) =>
        this.windowS === null ? [min, max] : [Math.max(min, max - this.windowS), max],
    };
    return new uPlot(
      {
        ...opts,
        scales: { ...opts.scales, x },
        width: Math.max(200, this.plot.clientWidth),
        height: CHART_HEIGHT,
        tzDate: utc,
        cursor: { sync: { key: 'backstop' }, drag: { x: false, y: false } },
        hooks: {
          ...opts.hooks,
          // away from the cursor the legend shows the latest values rather than dashes
          setCursor: [(u) => this.legendAtRest(u)],
        },
      },
      this.data,
      this.plot,
    );
  }

  /** Rebuilds the chart with new options (new series labels), keeping its data. */
  reconfigure(opts: Omit<uPlot.Options, 'width' | 'height'>): void {
    this.u.destroy();
    this.u = this.make(opts);
  }

  private resize(): void {
    const w = Math.max(200, this.plot.clientWidth);
    if (w !== this.u.width) this.u.setSize({ width: w, height: CHART_HEIGHT });
  }

  /** `points`: how many of the points are data (the rest are drawn aids); default all. */
  setData(data: uPlot.AlignedData, points = data[0].length): void {
    this.data = data;
    this.points = points;
    this.u.setData(data, true);
    this.legendAtRest(this.u);
    markPoints(this.el, points);
  }

  setWindow(windowS: number | null): void {
    this.windowS = windowS;
    this.u.setData(this.data, true);
    this.legendAtRest(this.u);
  }

  private legendAtRest(u: uPlot): void {
    const left = u.cursor.left ?? -1;
    if (left < 0 && this.points > 0) u.setLegend({ idx: this.points - 1 }, false);
  }
}

/** Spread (bps, left axis) and bid depth at the row's first band (quote currency, right axis). */
export class SpreadChart {
  private readonly chart: UChart;

  setWindow(windowS: number | null): void {
    this.chart.setWindow(windowS);
  }
  private band: string | null = null;
  private shown: InstrumentData | null = null;
  private version = -1;

  constructor(
    el: HTMLElement,
    plot: HTMLElement,
    private readonly onBand: (band: string | null) => void,
  ) {
    this.chart = new UChart(el, plot, this.opts(null), [[], [], []]);
  }

  private opts(band: string | null): Omit<uPlot.Options, 'width' | 'height'> {
    return {
      scales: { x: { time: true }, bps: { auto: true }, quote: { auto: true } },
      series: [
        timeSeries(),
        {
          label: 'spread (bps)',
          scale: 'bps',
          stroke: THEME.spread,
          width: 1.5,
          value: (_u, v) => (v === null ? '—' : `${fixed(v, 2)} bps`),
        },
        {
          label: band === null ? 'bid depth (quote ccy)' : `bid depth ≤ ${band} bps (quote ccy)`,
          scale: 'quote',
          stroke: THEME.depth,
          fill: 'rgba(68, 194, 176, 0.08)',
          width: 1.5,
          value: (_u, v) => (v === null ? '—' : compact(v)),
        },
      ],
      axes: [
        timeAxis(),
        axis({
          scale: 'bps',
          label: 'spread (bps)',
          labelSize: 16,
          size: 48,
          values: (_u, s) => s.map((v) => num(v, 2)),
        }),
        axis({
          scale: 'quote',
          side: 1,
          label: 'bid depth (quote ccy)',
          labelSize: 16,
          size: 56,
          grid: { show: false },
          values: (_u, s) => compactTicks(s),
        }),
      ],
    };
  }

  render(d: InstrumentData | null): void {
    if (d === this.shown && d?.monitor.version === this.version) return;
    this.shown = d;
    this.version = d?.monitor.version ?? -1;
    const rows = d ? d.monitor.values() : [];
    let band: string | null = null;
    for (let i = rows.length - 1; i >= 0 && band === null; i--) {
      const db = rows[i]?.depthBid;
      if (db) band = Object.keys(db)[0] ?? null;
    }
    if (band !== this.band) {
      this.band = band;
      this.chart.reconfigure(this.opts(band));
      this.onBand(band);
    }
    const x: number[] = [];
    const spread: (number | null)[] = [];
    const depth: (number | null)[] = [];
    for (const r of rows) {
      x.push(r.tsUs / 1e6);
      spread.push(finite(r.spreadBps));
      depth.push(band !== null && r.depthBid ? finite(r.depthBid[band]) : null);
    }
    this.chart.setData([x, spread, depth]);
  }
}

/** Stress index of the instrument's monitor, on a background coloured by the row's tier. */
export class StressChart {
  private readonly chart: UChart;

  setWindow(windowS: number | null): void {
    this.chart.setWindow(windowS);
  }
  private tiers: (Tier | null)[] = [];
  private shown: InstrumentData | null = null;
  private version = -1;

  constructor(el: HTMLElement, plot: HTMLElement) {
    const paintTiers = (u: uPlot) => {
      const xs = u.data[0];
      if (xs.length === 0) return;
      const { ctx } = u;
      const { left, top, width, height } = u.bbox;
      ctx.save();
      ctx.beginPath();
      ctx.rect(left, top, width, height);
      ctx.clip();
      ctx.globalAlpha = 0.22;
      for (let i = 0; i < xs.length; i++) {
        const t = this.tiers[i];
        if (!t) continue;
        const x0 = u.valToPos(xs[i] as number, 'x', true);
        const next = xs[i + 1];
        const x1 = next === undefined ? left + width : u.valToPos(next, 'x', true);
        ctx.fillStyle = TIER_COLOURS[t];
        ctx.fillRect(x0, top, Math.max(1, x1 - x0 + 0.5), height);
      }
      ctx.restore();
    };
    this.chart = new UChart(
      el,
      plot,
      {
        scales: {
          x: { time: true },
          z: { auto: true, range: (_u, lo, hi) => [Math.min(0, lo), Math.max(5, hi * 1.1)] },
        },
        series: [
          timeSeries(),
          {
            label: 'stress index',
            scale: 'z',
            stroke: THEME.stress,
            width: 1.5,
            value: (_u, v, _s, i) =>
              v === null ? '—' : `${fixed(v, 2)}${i !== null && this.tiers[i] ? ` (${this.tiers[i]})` : ''}`,
          },
        ],
        axes: [timeAxis(), axis({ scale: 'z', label: 'stress index (z)', labelSize: 16, size: 40 })],
        hooks: { drawClear: [paintTiers] },
      },
      [[], []],
    );
  }

  render(d: InstrumentData | null): void {
    if (d === this.shown && d?.monitor.version === this.version) return;
    this.shown = d;
    this.version = d?.monitor.version ?? -1;
    const rows = d ? d.monitor.values() : [];
    const x: number[] = [];
    const z: (number | null)[] = [];
    const tiers: (Tier | null)[] = [];
    for (const r of rows) {
      x.push(r.tsUs / 1e6);
      z.push(finite(r.stressIndex));
      tiers.push(isTier(r.tier) ? r.tier : null);
    }
    this.tiers = tiers;
    this.chart.setData([x, z]);
  }
}

/** The insurance fund of one currency: balance (left axis) and drawdown in % (right axis). */
export class FundChart {
  private readonly chart: UChart;
  private currency: string | null = null;
  private shown: TimeSeries<FundPoint> | null = null;
  private version = -1;
  private now: number | null = null;

  constructor(el: HTMLElement, plot: HTMLElement) {
    this.chart = new UChart(el, plot, this.opts(null), [[], [], []]);
  }

  private opts(ccy: string | null): Omit<uPlot.Options, 'width' | 'height'> {
    const unit = ccy ?? 'ccy';
    return {
      scales: {
        x: { time: true },
        ccy: { auto: true },
        pct: { auto: true, range: (_u, _lo, hi) => [0, Math.max(1, hi * 1.2)] },
      },
      series: [
        timeSeries(),
        {
          label: `balance (${unit})`,
          scale: 'ccy',
          ...stepped,
          stroke: THEME.balance,
          fill: 'rgba(74, 163, 255, 0.10)',
          width: 1.5,
          points: { show: false },
          value: (_u, v) => (v === null ? '—' : `${num(v, 2)} ${unit}`),
        },
        {
          label: 'drawdown (%)',
          scale: 'pct',
          ...stepped,
          stroke: THEME.drawdown,
          width: 1.5,
          dash: [4, 3],
          points: { show: false },
          value: (_u, v) => (v === null ? '—' : pct(v / 100)),
        },
      ],
      axes: [
        timeAxis(),
        axis({
          scale: 'ccy',
          label: `balance (${unit})`,
          labelSize: 16,
          // as wide as its labels (written in full when the fund moves by a few units)
          size: (_u, values) => axisWidth(values, 60),
          values: (_u, s) => compactTicks(s),
        }),
        axis({
          scale: 'pct',
          side: 1,
          label: 'drawdown (%)',
          labelSize: 16,
          size: 44,
          grid: { show: false },
          values: (_u, s) => s.map((v) => `${num(v, 1)}%`),
        }),
      ],
    };
  }

  /**
   * `nowUs` (the engine time) extends the last balance to the present: the fund publishes a point
   * only when its balance changes.
   */
  render(currency: string | null, s: TimeSeries<FundPoint> | null, nowUs: number | null): void {
    const now = nowUs === null ? null : Math.floor(nowUs / 1e6);
    if (s === this.shown && s?.version === this.version && currency === this.currency && now === this.now)
      return;
    this.now = now;
    if (currency !== this.currency) {
      this.currency = currency;
      this.chart.reconfigure(this.opts(currency));
    }
    this.shown = s;
    this.version = s?.version ?? -1;
    const pts = s ? s.values() : [];
    const x: number[] = [];
    const bal: (number | null)[] = [];
    const dd: (number | null)[] = [];
    for (const p of pts) {
      x.push(p.tsUs / 1e6);
      bal.push(finite(Number(p.balance)));
      dd.push(finite(p.drawdownFrac === null ? null : p.drawdownFrac * 100));
    }
    const n = x.length;
    const held = n > 0 && now !== null && now > (x[n - 1] as number);
    if (held) {
      x.push(now);
      bal.push(bal[n - 1] ?? null);
      dd.push(dd[n - 1] ?? null);
    }
    this.chart.setData([x, bal, dd], n);
  }
}

const finite = (x: number | null | undefined): number | null =>
  typeof x === 'number' && Number.isFinite(x) ? x : null;
