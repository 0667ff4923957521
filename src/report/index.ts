// Backtest reports: self-contained HTML with inline SVG charts, plus PNG copies (docs/reports.md).
export { downsampleMinMax, largestEvents, MAX_POINTS } from './downsample.ts';
export { escapeHtml, formatCell } from './html.ts';
export { renderReport } from './render.ts';
export { CHART_NAMES, type ChartName, chartSpecs } from './specs.ts';
export { specToSvg, svgToPng } from './svg.ts';
export type { RenderedReport, ReportInput, RunSeries } from './types.ts';
