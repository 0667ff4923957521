import type { TopLevelSpec } from 'vega-lite';
import { TIERS, type Tier } from '../domain/decisions.ts';
import { downsampleMinMax, largestEvents } from './downsample.ts';
import type { ReportInput, RunSeries } from './types.ts';

/** Chart names, in report order; each becomes `chart-<name>.png`. */
export const CHART_NAMES = ['price', 'stress', 'fund', 'adl', 'margin'] as const;
export type ChartName = (typeof CHART_NAMES)[number];

/** Total size of a single chart in px (title, legend and axes included). */
export const CHART_WIDTH = 1000;
export const CHART_HEIGHT = 320;
/** Plot height of one per-run panel of the stress chart when several runs are compared. */
export const STRESS_PANEL_HEIGHT = 150;

/** Text font: DejaVu Sans is what resvg finds on the image; the rest are browser fallbacks. */
export const FONT_FAMILY = 'DejaVu Sans, Verdana, Arial, sans-serif';

/** Policy colours (no yellow / orange / red, which the tier bands use). */
export const POLICY_COLOURS = [
  '#1f5fa8',
  '#7b3fa0',
  '#1b8a6b',
  '#d6307f',
  '#4d4d4d',
  '#8c6d1f',
  '#1aa3b8',
  '#5a3d2b',
] as const;
/** The colour of run `i` in every chart (and the summary table). */
export function policyColour(i: number): string {
  return POLICY_COLOURS[i % POLICY_COLOURS.length]!;
}
const DATA_PRICE_LABEL = 'data (before impact)';
const DATA_PRICE_COLOUR = '#8a8a8a';

/** Tier band fills: normal very light, watch yellow, stressed orange, crisis red. */
export const TIER_COLOURS: Readonly<Record<Tier, string>> = {
  normal: '#f3f6f3',
  watch: '#fbe38e',
  stressed: '#fdb46c',
  crisis: '#f38080',
};

/** Multi-level UTC tick format: dates at day boundaries, clock time in between. */
const TIME_FORMAT = {
  year: '%Y',
  quarter: '%Y-%m',
  month: '%Y-%m',
  week: '%b %d',
  date: '%b %d',
  hours: '%H:%M',
  minutes: '%H:%M',
  seconds: '%H:%M:%S',
  milliseconds: '%H:%M:%S.%L',
};

const CONFIG = {
  font: FONT_FAMILY,
  background: 'white',
  title: { anchor: 'start', fontSize: 14, subtitleFontSize: 11, subtitleColor: '#555', offset: 6 },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    titleColor: '#222',
    gridColor: '#e6e6e6',
  },
  legend: {
    orient: 'top',
    labelFontSize: 11,
    titleFontSize: 11,
    titleFontWeight: 'normal',
    titleOrient: 'left',
    labelLimit: 320,
    titleLimit: 320,
    offset: 6,
  },
  view: { stroke: '#bbb' },
} as const;

interface TimeDomain {
  readonly fromMs: number;
  readonly toMs: number;
}

type Row = Record<string, number | string>;

/** Unique display labels for the runs (a repeated policy name gets " (2)", " (3)", …). */
export function runLabels(runs: readonly RunSeries[]): string[] {
  const seen = new Map<string, number>();
  return runs.map((r) => {
    const base = r.policy === '' ? 'run' : r.policy;
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    return k === 1 ? base : `${base} (${k})`;
  });
}

function allTimes(run: RunSeries): number[] {
  return [
    ...run.price.map((p) => p[0]),
    ...run.dataPrice.map((p) => p[0]),
    ...run.liquidations.map((e) => e.tsUs),
    ...run.tiers.map((e) => e.tsUs),
    ...run.stress.map((p) => p[0]),
    ...run.fund.map((p) => p[0]),
    ...run.adl.map((e) => e.tsUs),
    ...run.marginUtilisation.map((p) => p[0]),
  ].filter(Number.isFinite);
}

function runEndUs(run: RunSeries): number | null {
  let end = Number.NEGATIVE_INFINITY;
  for (const t of allTimes(run)) if (t > end) end = t;
  return Number.isFinite(end) ? end : null;
}

/** The common time axis of every chart: first to last timestamp of any series of any run. */
export function timeDomain(input: ReportInput): TimeDomain {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const run of input.runs) {
    for (const t of allTimes(run)) {
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
  }
  if (!Number.isFinite(lo)) return { fromMs: 0, toMs: 3_600_000 };
  const fromMs = lo / 1000;
  const toMs = hi / 1000;
  return toMs > fromMs ? { fromMs, toMs } : { fromMs: fromMs - 30_000, toMs: fromMs + 30_000 };
}

function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** "2020-03-12 00:00 → 2020-03-13 00:00 UTC". */
export function rangeText(dom: TimeDomain): string {
  return `${isoMinute(dom.fromMs)} → ${isoMinute(dom.toMs)} UTC`;
}

/** The time axis, with the common domain of all charts. */
function xTime(dom: TimeDomain, title: boolean): object {
  return {
    field: 't',
    type: 'temporal',
    title: title ? 'time (UTC)' : null,
    scale: { type: 'utc', domain: [dom.fromMs, dom.toMs], nice: false },
    axis: { format: TIME_FORMAT, labelOverlap: true, labelFlush: true, tickCount: 12 },
  };
}

function seriesRows(series: readonly (readonly [number, number])[], label: string, scale = 1): Row[] {
  return downsampleMinMax(series).map(([t, y]) => ({ t: t / 1000, y: y * scale, series: label }));
}

/** Step series (fund, margin) hold their last value: carry it to the end of the time axis. */
function holdToEnd(
  series: readonly (readonly [number, number])[],
  dom: TimeDomain,
): readonly (readonly [number, number])[] {
  const last = series[series.length - 1];
  const endUs = dom.toMs * 1000;
  return last && last[0] < endUs ? [...series, [endUs, last[1]] as const] : series;
}

function sameSeries(
  a: readonly (readonly [number, number])[],
  b: readonly (readonly [number, number])[],
): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]![0] !== b[i]![0] || a[i]![1] !== b[i]![1]) return false;
  }
  return true;
}

interface Ctx {
  readonly input: ReportInput;
  readonly dom: TimeDomain;
  readonly labels: readonly string[];
  readonly ccy: string;
  readonly subtitle: string;
}

function colourScale(labels: readonly string[], extra?: { label: string; colour: string }): object {
  const domain = [...labels];
  const range: string[] = labels.map((_, i) => policyColour(i));
  if (extra) {
    domain.push(extra.label);
    range.push(extra.colour);
  }
  return { domain, range };
}

function colourEncoding(ctx: Ctx, extra?: { label: string; colour: string }): object {
  const entries = ctx.labels.length + (extra ? 1 : 0);
  return {
    field: 'series',
    type: 'nominal',
    scale: colourScale(ctx.labels, extra),
    legend: entries > 1 ? { title: null, symbolType: 'stroke', symbolStrokeWidth: 2.5 } : null,
  };
}

/** Top-level spec; `fit` makes a single or layered view exactly CHART_WIDTH × CHART_HEIGHT. */
function frame(ctx: Ctx, title: string, body: object, subtitleExtra?: string, fit = true): TopLevelSpec {
  const subtitle = subtitleExtra ? `${ctx.subtitle} · ${subtitleExtra}` : ctx.subtitle;
  const size = fit
    ? { width: CHART_WIDTH, height: CHART_HEIGHT, autosize: { type: 'fit', contains: 'padding' } }
    : { autosize: { type: 'pad' } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle },
    ...size,
    padding: 8,
    config: CONFIG,
    ...body,
  } as TopLevelSpec;
}

/** A centred grey note over the plot (e.g. "no ADL in any run"). */
function noteLayer(ctx: Ctx, text: string, yPx?: number): object {
  return {
    data: { values: [{ t: (ctx.dom.fromMs + ctx.dom.toMs) / 2, note: text }] },
    mark: { type: 'text', fontSize: 15, color: '#777', baseline: 'middle' },
    encoding: {
      x: xTime(ctx.dom, true),
      y: { value: yPx ?? { expr: 'height / 2' } },
      text: { field: 'note' },
    },
  };
}

/** The quantitative y encoding (field `y`); with no data, a fixed [0, 1] domain and no tick labels. */
function yQuant(title: string | readonly string[], empty: boolean, scale: object, axis: object = {}): object {
  return {
    field: 'y',
    type: 'quantitative',
    title,
    scale: empty ? { ...scale, domain: [0, 1] } : scale,
    axis: empty ? { ...axis, labels: false, ticks: false } : axis,
  };
}

function priceSpec(ctx: Ctx): TopLevelSpec {
  const { input, labels, ccy } = ctx;
  const dataSeries: (readonly (readonly [number, number])[])[] = [];
  for (const run of input.runs) {
    if (run.dataPrice.length > 0 && !dataSeries.some((s) => sameSeries(s, run.dataPrice))) {
      dataSeries.push(run.dataPrice);
    }
  }
  const dataRows = dataSeries.flatMap((s, i) =>
    seriesRows(s, DATA_PRICE_LABEL).map((r) => ({ ...r, copy: i })),
  );
  const priceRows = input.runs.flatMap((run, i) => seriesRows(run.price, labels[i]!));
  const liqRows: Row[] = input.runs.flatMap((run, i) =>
    largestEvents(run.liquidations)
      .filter((e) => Number.isFinite(e.price))
      .map((e) => ({ t: e.tsUs / 1000, y: e.price, notional: Math.abs(e.notional), series: labels[i]! })),
  );
  const extra = dataRows.length > 0 ? { label: DATA_PRICE_LABEL, colour: DATA_PRICE_COLOUR } : undefined;
  // Type `f` without precision: vega picks the decimals from the tick step (8,000 / 7,950.5).
  const empty = dataRows.length + priceRows.length + liqRows.length === 0;
  const y = yQuant(`price (${ccy})`, empty, { zero: false }, { format: ',f' });
  const colour = colourEncoding(ctx, extra);
  const layer: object[] = [];
  if (dataRows.length > 0) {
    layer.push({
      data: { values: dataRows },
      mark: { type: 'line', strokeDash: [6, 4], strokeWidth: 1.3, clip: true },
      encoding: { x: xTime(ctx.dom, true), y, color: colour, detail: { field: 'copy', type: 'nominal' } },
    });
  }
  layer.push({
    data: { values: priceRows },
    mark: { type: 'line', strokeWidth: 1.6, clip: true },
    encoding: { x: xTime(ctx.dom, true), y, color: colour },
  });
  if (liqRows.length > 0) {
    layer.push({
      data: { values: liqRows },
      mark: { type: 'point', shape: 'circle', filled: true, opacity: 0.45, strokeWidth: 0, clip: true },
      encoding: {
        x: xTime(ctx.dom, true),
        y,
        color: colour,
        size: {
          field: 'notional',
          type: 'quantitative',
          scale: { zero: true, range: [0, 500] },
          legend: {
            // its own column on the right: beside the policy legend it overflows with 4+ runs
            orient: 'right',
            direction: 'vertical',
            title: `liquidation notional (${ccy})`,
            titleOrient: 'top',
            format: '.3~s',
            symbolFillColor: '#888',
            symbolStrokeWidth: 0,
          },
        },
      },
    });
  }
  if (priceRows.length === 0 && dataRows.length === 0) layer.push(noteLayer(ctx, 'no price data'));
  const liqCount = input.runs.reduce((n, r) => n + r.liquidations.length, 0);
  return frame(
    ctx,
    'Price after impact, with liquidations',
    { layer },
    liqCount === 0 ? 'no liquidations' : 'liquidations as points, area ∝ notional',
  );
}

interface TierSegment extends Row {
  t: number;
  t2: number;
  tier: Tier;
}

/** Tier changes → contiguous bands [change, next change), the last until the end of the run. */
export function tierSegments(run: RunSeries, fallbackEndUs: number): TierSegment[] {
  const changes = run.tiers.filter((c) => Number.isFinite(c.tsUs));
  const end = Math.max(runEndUs(run) ?? fallbackEndUs, fallbackEndUs);
  const out: TierSegment[] = [];
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i]!;
    const next = changes[i + 1]?.tsUs ?? end;
    const last = out[out.length - 1];
    if (last && last.tier === c.tier) {
      last.t2 = next / 1000;
      continue;
    }
    out.push({ t: c.tsUs / 1000, t2: next / 1000, tier: c.tier });
  }
  return out;
}

function stressPanel(ctx: Ctx, i: number, panel: boolean): object {
  const run = ctx.input.runs[i]!;
  const endUs = ctx.dom.toMs * 1000;
  const bands = tierSegments(run, endUs);
  const rows = seriesRows(run.stress, ctx.labels[i]!);
  const noneAtAll = ctx.input.runs.every((r) => r.stress.length === 0);
  const last = i === ctx.input.runs.length - 1;
  const layer: object[] = [
    {
      data: { values: bands },
      mark: { type: 'rect', clip: true },
      encoding: {
        // The domain comes from the line layer; stating it here too makes vega-lite warn.
        x: { ...xTime(ctx.dom, !panel || last), scale: { type: 'utc', nice: false } },
        x2: { field: 't2' },
        fill: {
          field: 'tier',
          type: 'nominal',
          title: 'backstop tier',
          scale: { domain: [...TIERS], range: TIERS.map((t) => TIER_COLOURS[t]) },
          legend: { symbolType: 'square', symbolStrokeColor: '#999', symbolStrokeWidth: 0.5 },
        },
      },
    },
    {
      data: { values: rows },
      mark: { type: 'line', strokeWidth: 1.4, clip: true },
      encoding: {
        x: xTime(ctx.dom, !panel || last),
        // Panels share one y scale: only when no run has a stress index is the domain fixed.
        y: yQuant(panel ? ['stress index', '(robust z)'] : 'stress index (robust z)', noneAtAll, {
          zero: false,
        }),
        color: { value: policyColour(i) },
      },
    },
  ];
  if (rows.length === 0)
    layer.push(noteLayer(ctx, 'no stress index', panel ? STRESS_PANEL_HEIGHT / 2 : undefined));
  return panel
    ? {
        title: { text: ctx.labels[i]!, fontSize: 12, color: policyColour(i) },
        width: CHART_WIDTH - 100,
        height: STRESS_PANEL_HEIGHT,
        layer,
      }
    : { layer };
}

function stressSpec(ctx: Ctx): TopLevelSpec {
  const n = ctx.input.runs.length;
  const title = 'Stress index and backstop tier';
  if (n <= 1)
    return frame(ctx, title, n === 0 ? { layer: [noteLayer(ctx, 'no runs')] } : stressPanel(ctx, 0, false));
  // One panel per run (each run has its own tier history), sharing the time axis; no fit
  // autosize for concatenated views, so the height grows with the number of runs.
  return frame(
    ctx,
    title,
    {
      vconcat: ctx.input.runs.map((_, i) => stressPanel(ctx, i, true)),
      spacing: 14,
      // Every panel has the same explicit time domain (independent x keeps vega-lite from merging
      // them); one y scale so the panels compare.
      resolve: { scale: { x: 'independent', y: 'shared', fill: 'shared' }, legend: { fill: 'shared' } },
    },
    undefined,
    false,
  );
}

function fundSpec(ctx: Ctx): TopLevelSpec {
  const rows = ctx.input.runs.flatMap((run, i) => seriesRows(holdToEnd(run.fund, ctx.dom), ctx.labels[i]!));
  const layer: object[] = [
    {
      data: { values: rows },
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.6, clip: true },
      encoding: {
        x: xTime(ctx.dom, true),
        // Padding keeps a flat balance at the top of the domain off the frame.
        y: yQuant(
          `insurance fund (${ctx.ccy})`,
          rows.length === 0,
          { zero: false, padding: 10 },
          { format: '.4~s' },
        ),
        color: colourEncoding(ctx),
      },
    },
  ];
  if (rows.length === 0) layer.push(noteLayer(ctx, 'no insurance fund series'));
  return frame(ctx, 'Insurance fund balance', { layer });
}

function adlSpec(ctx: Ctx): TopLevelSpec {
  const rows: Row[] = ctx.input.runs.flatMap((run, i) =>
    largestEvents(run.adl).map((e) => ({
      t: e.tsUs / 1000,
      y: Math.abs(e.notional),
      series: ctx.labels[i]!,
    })),
  );
  const y = yQuant(`ADL notional (${ctx.ccy})`, rows.length === 0, { zero: true }, { format: '.3~s' });
  const colour = colourEncoding(ctx);
  const layer: object[] = [
    {
      data: { values: rows },
      mark: { type: 'rule', strokeWidth: 1.5, opacity: 0.8, clip: true },
      encoding: { x: xTime(ctx.dom, true), y, y2: { datum: 0 }, color: colour },
    },
    {
      data: { values: rows },
      mark: { type: 'point', shape: 'circle', filled: true, size: 40, opacity: 0.9, clip: true },
      encoding: { x: xTime(ctx.dom, true), y, color: colour },
    },
  ];
  const without = ctx.input.runs
    .map((r, i) => (r.adl.length === 0 ? ctx.labels[i]! : null))
    .filter((l) => l !== null);
  let note: string;
  if (rows.length === 0) {
    layer.push(noteLayer(ctx, ctx.input.runs.length > 1 ? 'no ADL in any run' : 'no ADL'));
    note = 'no ADL';
  } else {
    note = without.length > 0 ? `no ADL: ${without.join(', ')}` : 'one mark per ADL event, height = notional';
  }
  return frame(ctx, 'Auto-deleveraging (ADL)', { layer }, note);
}

function marginSpec(ctx: Ctx): TopLevelSpec {
  const rows = ctx.input.runs.flatMap((run, i) =>
    seriesRows(holdToEnd(run.marginUtilisation, ctx.dom), ctx.labels[i]!, 100),
  );
  const layer: object[] = [
    {
      data: { values: rows },
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.6, clip: true },
      encoding: {
        x: xTime(ctx.dom, true),
        y: yQuant(['share of open interest', 'in margin call (%)'], rows.length === 0, { zero: true }),
        color: colourEncoding(ctx),
      },
    },
  ];
  if (rows.length === 0) layer.push(noteLayer(ctx, 'no margin series'));
  return frame(ctx, 'Open interest in margin call or worse', { layer });
}

/** The vega-lite specs of the report's charts, keyed by chart name (see `CHART_NAMES`). */
export function chartSpecs(input: ReportInput): Record<ChartName, TopLevelSpec> {
  const dom = timeDomain(input);
  const labels = runLabels(input.runs);
  const who = input.runs.length === 1 ? ` · policy ${labels[0]}` : '';
  const ctx: Ctx = {
    input,
    dom,
    labels,
    ccy: input.currency,
    subtitle: `${input.title}${who} · ${rangeText(dom)}`,
  };
  return {
    price: priceSpec(ctx),
    stress: stressSpec(ctx),
    fund: fundSpec(ctx),
    adl: adlSpec(ctx),
    margin: marginSpec(ctx),
  };
}
