import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downsampleMinMax, largestEvents, MAX_POINTS } from './downsample.ts';
import { escapeHtml, formatCell, formatFixed } from './html.ts';
import { renderReport } from './render.ts';
import { sampleReportInput } from './sample.ts';
import { CHART_HEIGHT, CHART_NAMES, CHART_WIDTH, chartSpecs, tierSegments } from './specs.ts';
import { compileSpec, specToSvg } from './svg.ts';
import type { RenderedReport, ReportInput } from './types.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk (bytes 16..23, big-endian). */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** The root <svg>'s own width and height attributes. */
function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  return {
    width: Number(/\swidth="([\d.]+)"/.exec(root)?.[1]),
    height: Number(/\sheight="([\d.]+)"/.exec(root)?.[1]),
  };
}

/** Every `title` of an x or y encoding anywhere in a spec, joined when multi-line. */
function axisTitles(spec: unknown, channel: 'x' | 'y'): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    const enc = o.encoding as Record<string, { title?: unknown }> | undefined;
    const t = enc?.[channel]?.title;
    if (typeof t === 'string') out.push(t);
    else if (Array.isArray(t)) out.push(t.join(' '));
    for (const v of Object.values(o)) walk(v);
  };
  walk(spec);
  return out;
}

function dataRows(spec: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    const values = (o.data as { values?: unknown } | undefined)?.values;
    if (Array.isArray(values)) out.push(...(values as Record<string, unknown>[]));
    for (const v of Object.values(o)) walk(v);
  };
  walk(spec);
  return out;
}

/** Two policies over a synthetic crash day; the second run has ADL, the first none. */
const input: ReportInput = sampleReportInput();

describe('renderReport', () => {
  let dir: string;
  let report: RenderedReport;
  let html: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'backstop-report-'));
    report = await renderReport(input, join(dir, 'nested', 'out'));
    html = await readFile(report.htmlPath, 'utf8');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the sample has what the test needs: 2 runs, liquidations, tier changes, one empty ADL', () => {
    expect(input.runs).toHaveLength(2);
    expect(input.runs[0]!.adl).toHaveLength(0);
    expect(input.runs[1]!.adl.length).toBeGreaterThan(0);
    for (const r of input.runs) {
      expect(r.liquidations.length).toBeGreaterThan(0);
      expect(r.tiers.length).toBeGreaterThan(3);
      expect(r.price.length).toBeGreaterThan(MAX_POINTS);
    }
  });

  it('writes report.html with the title, data files, summary values and 5 inline SVG charts', () => {
    expect(report.htmlPath).toBe(join(dir, 'nested', 'out', 'report.html'));
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`<title>${escapeHtml(input.title)}</title>`);
    expect(html).toContain(`<h1>${escapeHtml(input.title)}</h1>`);
    for (const f of input.data) expect(html).toContain(f);
    for (const row of input.summary) {
      for (const [k, v] of Object.entries(row)) expect(html).toContain(escapeHtml(formatCell(k, v)));
    }
    // Money with 2 decimals and separators, fractions as %, booleans as words.
    const s0 = input.summary[0]!;
    expect(html).toContain(`${formatFixed(s0.fundEnd as number, 2)}</td>`);
    expect(formatFixed(s0.fundEnd as number, 2)).toMatch(/^\d{1,3}(,\d{3})+\.\d{2}$/);
    expect(html).toContain(`${formatFixed((s0.maxMarginCallShare as number) * 100, 2)}%</td>`);
    expect(html).toMatch(/<td>no<\/td><td>yes<\/td>/);
    expect(html.match(/<svg\b/g)).toHaveLength(5);
    for (const name of CHART_NAMES) expect(html).toContain(`<figure id="chart-${name}">`);
  });

  it('is self-contained: no scripts, no URLs but the SVG namespace, no external references', () => {
    expect(html.toLowerCase()).not.toContain('<script');
    const urls = html.match(/https?:\/\/[^\s"'<>)]*/g) ?? [];
    expect(urls.length).toBeGreaterThan(0);
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
    expect(html).not.toMatch(/<link\b|<img\b|<iframe\b|@import|url\((?!#)/i);
    // Chart-local ids: every id is unique on the page.
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('writes one PNG per chart with the size of its SVG (1000 × 320 for single views)', async () => {
    expect(report.pngPaths.map((p) => p.slice(p.lastIndexOf('/') + 1))).toEqual(
      CHART_NAMES.map((n) => `chart-${n}.png`),
    );
    const svgs = html.match(/<svg\b[\s\S]*?<\/svg>/g)!;
    for (const [i, path] of report.pngPaths.entries()) {
      const size = pngSize(await readFile(path));
      expect(size).toEqual(svgSize(svgs[i]!));
      if (CHART_NAMES[i] === 'stress') {
        // Two per-run panels: about as wide, taller.
        expect(size.width).toBeGreaterThan(900);
        expect(size.width).toBeLessThanOrEqual(CHART_WIDTH + 50);
        expect(size.height).toBeGreaterThan(CHART_HEIGHT);
      } else {
        expect(size).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
      }
    }
  });

  it('is deterministic: same input, same HTML and PNG bytes', async () => {
    const again = await renderReport(input, join(dir, 'again'));
    expect(await readFile(again.htmlPath, 'utf8')).toBe(html);
    for (const [i, p] of again.pngPaths.entries()) {
      expect((await readFile(p)).equals(await readFile(report.pngPaths[i]!))).toBe(true);
    }
  });
});

describe('chartSpecs', () => {
  const specs = chartSpecs(input);

  it('has the five charts, each compiling without vega-lite warnings', () => {
    expect(Object.keys(specs)).toEqual([...CHART_NAMES]);
    for (const name of CHART_NAMES) expect(compileSpec(specs[name]).warnings).toEqual([]);
  });

  it('titles every axis with its unit; x is UTC time', () => {
    const units: Record<string, string> = {
      price: 'price (USDT)',
      stress: 'stress index (robust z)',
      fund: 'insurance fund (USDT)',
      adl: 'ADL notional (USDT)',
      margin: 'share of open interest in margin call (%)',
    };
    for (const name of CHART_NAMES) {
      const ys = axisTitles(specs[name], 'y');
      expect(ys.length).toBeGreaterThan(0);
      for (const t of ys) expect(t, name).toBe(units[name]);
      expect(axisTitles(specs[name], 'x'), name).toContain('time (UTC)');
    }
  });

  it('keeps the crash low and the high of the price in the downsampled chart data', () => {
    const rows = dataRows(specs.price).filter((r) => r.series === 'none' && typeof r.notional !== 'number');
    expect(rows.length).toBeLessThanOrEqual(MAX_POINTS);
    const ys = rows.map((r) => r.y as number);
    const prices = input.runs[1]!.price.map((p) => p[1]);
    expect(Math.min(...ys)).toBe(Math.min(...prices));
    expect(Math.max(...ys)).toBe(Math.max(...prices));
  });

  it('colours runs by policy with a legend; one run has no colour legend and names the policy', () => {
    const single = chartSpecs({ ...input, runs: input.runs.slice(0, 1), summary: input.summary.slice(0, 1) });
    const fundColour = (s: unknown) =>
      (s as { layer: { encoding: { color: { legend: unknown; scale: { domain: string[] } } } }[] }).layer[0]!
        .encoding.color;
    expect(fundColour(specs.fund).scale.domain).toEqual(['backstop', 'none']);
    expect(fundColour(specs.fund).legend).not.toBeNull();
    expect(fundColour(single.fund).legend).toBeNull();
    expect(JSON.stringify((single.fund as { title: unknown }).title)).toContain('policy backstop');
  });

  it('notes runs without ADL, and an all-empty ADL chart still renders with a "no ADL" note', async () => {
    expect(JSON.stringify((specs.adl as { title: unknown }).title)).toContain('no ADL: backstop');
    const noAdl = { ...input, runs: input.runs.map((r) => ({ ...r, adl: [] })) };
    const svg = await specToSvg(chartSpecs(noAdl).adl, 'chart-adl');
    expect(svg).toContain('no ADL in any run');
  });

  it('renders a run with no series at all without failing', async () => {
    const empty: ReportInput = {
      title: 'empty',
      currency: 'USDC',
      data: [],
      runs: [
        {
          policy: 'p',
          price: [],
          dataPrice: [],
          liquidations: [],
          tiers: [],
          stress: [],
          fund: [],
          adl: [],
          marginUtilisation: [],
        },
      ],
      summary: [],
    };
    const s = chartSpecs(empty);
    for (const name of CHART_NAMES) {
      expect(compileSpec(s[name]).warnings, name).toEqual([]);
      const svg = await specToSvg(s[name], name);
      expect(svg, name).toMatch(/^<svg/);
      expect(svg, name).not.toContain('NaN');
    }
    expect(axisTitles(s.fund, 'y')).toEqual(['insurance fund (USDC)']);
  });
});

describe('escaping and formatting', () => {
  it('escapes a < in the title everywhere (HTML and the SVG charts)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'backstop-report-esc-'));
    try {
      const nasty = 'BTC <b>crash</b> & "friends" <script>alert(1)</script>';
      const r = await renderReport(
        {
          ...sampleReportInput({ stepSeconds: 120, title: nasty }),
          data: ['a<b>.csv'],
          summary: [{ policy: '<i>p</i>', note: '<img src=x>' }],
        },
        dir,
      );
      const html = await readFile(r.htmlPath, 'utf8');
      expect(html).not.toContain('<b>');
      expect(html).not.toContain('<i>');
      expect(html).not.toContain('<img');
      expect(html.toLowerCase()).not.toContain('<script');
      expect(html).toContain('<h1>BTC &lt;b&gt;crash&lt;/b&gt; &amp; &quot;friends&quot; &lt;script&gt;');
      expect(html).toContain('a&lt;b&gt;.csv');
      expect(html).toContain('BTC &lt;b&gt;crash&lt;/b&gt; &amp;'); // in the chart subtitles too
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('formats money, fractions, percents, counts, booleans and nulls', () => {
    expect(formatCell('fundEnd', 1234567.891)).toBe('1,234,567.89');
    expect(formatCell('liquidatedNotional', -1500)).toBe('−1,500.00');
    expect(formatCell('maxMarginCallShare', 0.4566)).toBe('45.66%');
    expect(formatCell('fill_ratio', 1)).toBe('100.00%');
    expect(formatCell('drawdownPct', 12.5)).toBe('12.50%');
    expect(formatCell('adlCount', 12345)).toBe('12,345');
    expect(formatCell('liquidations', 52)).toBe('52');
    expect(formatCell('halted', true)).toBe('yes');
    expect(formatCell('socializedLoss', null)).toBe('—');
    expect(formatCell('sigma', 0.123456789)).toBe('0.1235');
    expect(formatCell('fundEnd', Number.NaN)).toBe('NaN');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('downsampling', () => {
  const crash: [number, number][] = [];
  for (let i = 0; i < 100_000; i++) crash.push([i * 1000, 100 + Math.sin(i / 50) * 3 + (i % 7)]);
  crash[61_234] = [61_234_000, 12.5]; // the one-tick crash low
  crash[7_001] = [7_001_000, 250]; // and a one-tick spike

  it('keeps at most MAX_POINTS, the first, the last, the min and the max, in time order', () => {
    const d = downsampleMinMax(crash);
    expect(d.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(d.length).toBeGreaterThan(MAX_POINTS - 10);
    expect(d[0]).toBe(crash[0]);
    expect(d[d.length - 1]).toBe(crash[crash.length - 1]);
    expect(d).toContain(crash[61_234]);
    expect(d).toContain(crash[7_001]);
    for (let i = 1; i < d.length; i++) expect(d[i]![0]).toBeGreaterThan(d[i - 1]![0]);
    expect(downsampleMinMax(crash)).toEqual(d);
  });

  it('keeps min and max of every bucket for any cut', () => {
    const d = downsampleMinMax(crash, 101);
    expect(d.length).toBeLessThanOrEqual(101);
    expect(Math.min(...d.map((p) => p[1]))).toBe(12.5);
    expect(Math.max(...d.map((p) => p[1]))).toBe(250);
  });

  it('returns short series unchanged and drops non-finite points', () => {
    const short: [number, number][] = [
      [1, 2],
      [2, 3],
    ];
    expect(downsampleMinMax(short)).toBe(short);
    expect(
      downsampleMinMax([
        [1, 2],
        [2, Number.NaN],
        [3, 4],
      ] as [number, number][]),
    ).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('keeps the largest events by notional, in time order', () => {
    const events = Array.from({ length: 10 }, (_, i) => ({ tsUs: i, notional: (i * 7) % 10 }));
    expect(largestEvents(events, 3).map((e) => e.tsUs)).toEqual([1, 4, 7]);
  });
});

describe('tierSegments', () => {
  it('turns changes into bands, merging repeats and running the last to the end', () => {
    const run = { ...input.runs[0]! };
    const segs = tierSegments(
      {
        ...run,
        tiers: [
          { tsUs: 0, tier: 'normal' },
          { tsUs: 1000, tier: 'watch' },
          { tsUs: 2000, tier: 'watch' },
          { tsUs: 3000, tier: 'crisis' },
        ],
        price: [[5000, 1]],
        dataPrice: [],
        liquidations: [],
        stress: [],
        fund: [],
        adl: [],
        marginUtilisation: [],
      },
      4000,
    );
    expect(segs).toEqual([
      { t: 0, t2: 1, tier: 'normal' },
      { t: 1, t2: 3, tier: 'watch' },
      { t: 3, t2: 5, tier: 'crisis' },
    ]);
  });
});
