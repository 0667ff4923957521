import { policyColour, runLabels } from './specs.ts';
import type { ReportInput } from './types.ts';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** How a summary value is shown, from the words of its key (camelCase, snake_case, kebab-case). */
export type CellKind = 'percent' | 'fraction' | 'money' | 'count' | 'plain';

const PERCENT_WORDS = new Set(['pct', 'percent']);
const FRACTION_WORDS = new Set(['share', 'ratio', 'fraction', 'utilisation', 'utilization', 'rate']);
const COUNT_WORDS = new Set(['count', 'n', 'num', 'number', 'events', 'steps', 'trades', 'accounts', 'rows']);
const MONEY_WORDS = new Set([
  'notional',
  'fund',
  'loss',
  'losses',
  'pnl',
  'balance',
  'fee',
  'fees',
  'payout',
  'payouts',
  'equity',
  'cost',
  'costs',
  'deficit',
  'shortfall',
  'premium',
  'collateral',
  'reserve',
  'reserves',
  'capital',
  'price',
  'amount',
  'value',
  'debt',
  'margin',
  'usd',
]);

function keyWords(key: string): string[] {
  return key
    .split(/(?<=[a-z0-9])(?=[A-Z])|[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
}

/**
 * Classifies a summary key: `…Pct`/`…Percent` are already percent; `…Share`, `…Ratio`,
 * `…Fraction`, `…Utilisation`, `…Rate` are fractions shown as %; `…Count`, `n…`, `…Events`, … are
 * counts; money words (`notional`, `fund`, `loss`, `pnl`, `balance`, `fee`, `payout`, `equity`,
 * `price`, …) are amounts in the settlement currency. Checked in that order.
 */
export function cellKind(key: string): CellKind {
  const words = keyWords(key);
  if (words.some((w) => PERCENT_WORDS.has(w))) return 'percent';
  if (words.some((w) => FRACTION_WORDS.has(w))) return 'fraction';
  if (words.some((w) => COUNT_WORDS.has(w))) return 'count';
  if (words.some((w) => MONEY_WORDS.has(w))) return 'money';
  return 'plain';
}

/** Fixed decimals with thousands separators, independent of the host locale. */
export function formatFixed(v: number, decimals: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const s = Math.abs(v).toFixed(decimals);
  const [int, frac] = s.split('.') as [string, string | undefined];
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const body = frac === undefined ? grouped : `${grouped}.${frac}`;
  return v < 0 && Number(s) !== 0 ? `−${body}` : body;
}

function formatPlain(v: number): string {
  if (Number.isInteger(v)) return formatFixed(v, 0);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e15)) return v.toExponential(4);
  return formatFixed(v, 4).replace(/\.?0+$/, '');
}

/** One summary cell as display text (not yet escaped). */
export function formatCell(key: string, value: number | string | boolean | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return value;
  switch (cellKind(key)) {
    case 'percent':
      return `${formatFixed(value, 2)}%`;
    case 'fraction':
      return `${formatFixed(value * 100, 2)}%`;
    case 'money':
      return formatFixed(value, 2);
    case 'count':
      return Number.isInteger(value) ? formatFixed(value, 0) : formatPlain(value);
    default:
      return formatPlain(value);
  }
}

function unitSuffix(key: string, currency: string): string {
  const kind = cellKind(key);
  if (kind === 'money') return ` (${currency})`;
  if (kind === 'percent' || kind === 'fraction') return ' (%)';
  return '';
}

/** The summary as a table with one column per run and one row per key (keys in first-seen order). */
export function summaryTable(input: ReportInput): string {
  const rows = input.summary;
  if (rows.length === 0) return '<p class="note">No summary.</p>';
  const labels = runLabels(input.runs);
  const heads = rows.map((r, i) => {
    const p = r.policy;
    return typeof p === 'string' && p !== '' ? p : (labels[i] ?? `run ${i + 1}`);
  });
  const keys: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (k !== 'policy' && !keys.includes(k)) keys.push(k);
  const swatch = (i: number): string =>
    i < input.runs.length ? `<span class="swatch" style="background:${policyColour(i)}"></span>` : '';
  const head = `<tr><th scope="col">metric</th>${heads.map((h, i) => `<th scope="col">${swatch(i)}${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = keys
    .map((k) => {
      const cells = rows
        .map((r) => {
          const v = r[k];
          const cls = typeof v === 'number' ? ' class="num"' : '';
          return `<td${cls}>${escapeHtml(formatCell(k, v))}</td>`;
        })
        .join('');
      const unit = unitSuffix(k, input.currency);
      const unitHtml = unit === '' ? '' : `<span class="unit">${escapeHtml(unit)}</span>`;
      return `<tr><th scope="row">${escapeHtml(k)}${unitHtml}</th>${cells}</tr>`;
    })
    .join('\n');
  return `<div class="table-wrap"><table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
}

export interface HtmlChart {
  readonly name: string;
  readonly heading: string;
  readonly caption: string;
  readonly svg: string;
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f5f6f8; color: #1d2330; font: 15px/1.45 "DejaVu Sans", Verdana, Arial, sans-serif; }
main { max-width: 1060px; margin: 0 auto; padding: 24px 16px 48px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; }
h2 { font-size: 1.15rem; margin: 28px 0 8px; }
.meta { color: #555; margin: 0 0 8px; }
ul.files { margin: 0; padding-left: 20px; }
code { font: 0.85rem/1.4 "DejaVu Sans Mono", Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; background: #fff; border: 1px solid #d9dce1; border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { padding: 5px 10px; border-bottom: 1px solid #eceef1; text-align: left; vertical-align: top; }
thead th { background: #eef0f3; position: sticky; top: 0; }
tbody th { font-weight: normal; color: #333; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.unit { color: #777; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
figure { margin: 18px 0 0; background: #fff; border: 1px solid #d9dce1; border-radius: 6px; padding: 8px; }
figure svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { font-size: 0.85rem; color: #555; padding: 4px 4px 8px; }
figcaption strong { color: #1d2330; }
.note { color: #666; }
`.trim();

/** The whole report page: no scripts, no external resources. */
export function reportHtml(input: ReportInput, charts: readonly HtmlChart[]): string {
  const labels = runLabels(input.runs);
  const files =
    input.data.length === 0
      ? '<p class="note">No data files listed.</p>'
      : `<ul class="files">${input.data.map((f) => `<li><code>${escapeHtml(f)}</code></li>`).join('')}</ul>`;
  const figures = charts
    .map(
      (c) =>
        `<figure id="chart-${escapeHtml(c.name)}">\n<figcaption><strong>${escapeHtml(c.heading)}.</strong> ${escapeHtml(c.caption)}</figcaption>\n${c.svg}\n</figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>
${CSS}
</style>
</head>
<body>
<main>
<h1>${escapeHtml(input.title)}</h1>
<p class="meta">${escapeHtml(`${labels.length === 1 ? 'policy' : 'policies'}: ${labels.join(', ') || '—'} · settlement currency: ${input.currency}`)}</p>
<h2>Data</h2>
${files}
<h2>Summary</h2>
${summaryTable(input)}
<h2>Charts</h2>
${figures}
</main>
</body>
</html>
`;
}
