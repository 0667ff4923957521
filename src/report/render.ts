import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type HtmlChart, reportHtml } from './html.ts';
import { CHART_NAMES, type ChartName, chartSpecs } from './specs.ts';
import { specToSvg, svgToPng } from './svg.ts';
import type { RenderedReport, ReportInput } from './types.ts';

const HEADINGS: Readonly<Record<ChartName, string>> = {
  price: 'Price',
  stress: 'Stress index and tiers',
  fund: 'Insurance fund',
  adl: 'Auto-deleveraging',
  margin: 'Margin calls',
};

function caption(name: ChartName, currency: string): string {
  switch (name) {
    case 'price':
      return `Price after impact (what the engine saw) per policy, in ${currency}; the data price before impact dashed grey; liquidations as points whose area is proportional to notional (${currency}).`;
    case 'stress':
      return 'Composite stress index of the liquidity monitor (robust z-score, no unit) over the backstop tier bands: normal very light, watch yellow, stressed orange, crisis red. One panel per policy when several are compared.';
    case 'fund':
      return `Insurance fund balance in ${currency}, as a step line (the balance holds between events).`;
    case 'adl':
      return `Auto-deleveraging events: one mark per event, height = deleveraged notional in ${currency}.`;
    case 'margin':
      return 'Share of open-interest notional in margin call or worse, in % (step line).';
  }
}

/**
 * Writes `report.html` (self-contained: inline SVG charts, inline CSS, no scripts or network) and
 * one PNG per chart (`chart-<name>.png`) into outDir (created if missing). Same input → same
 * bytes. Returns absolute paths.
 */
export async function renderReport(input: ReportInput, outDir: string): Promise<RenderedReport> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const specs = chartSpecs(input);
  const charts: HtmlChart[] = [];
  const pngPaths: string[] = [];
  for (const name of CHART_NAMES) {
    const svg = await specToSvg(specs[name], `chart-${name}`);
    const pngPath = resolve(dir, `chart-${name}.png`);
    await writeFile(pngPath, svgToPng(svg));
    pngPaths.push(pngPath);
    charts.push({ name, heading: HEADINGS[name], caption: caption(name, input.currency), svg });
  }
  const htmlPath = resolve(dir, 'report.html');
  await writeFile(htmlPath, reportHtml(input, charts));
  return { htmlPath, pngPaths };
}
