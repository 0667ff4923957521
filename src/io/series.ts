import { readFileSync } from 'node:fs';
import { BackstopError } from '../core/errors.ts';

/** A dated value from a small CSV (prices, returns, VaR series); `tsMs` is Unix milliseconds. */
export interface DatedValue {
  readonly tsMs: number;
  readonly value: number;
}

function fail(file: string, line: number | null, field: string | null, message: string): never {
  const where = line === null ? file : `${file}:${line}`;
  throw new BackstopError('BAD_FIELD', `${where}${field ? `: ${field}` : ''}: ${message}`, {
    file,
    line,
    field,
  });
}

interface Table {
  readonly header: readonly string[];
  readonly rows: readonly { readonly line: number; readonly cells: readonly string[] }[];
}

function readTable(file: string): Table {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BackstopError('UNREADABLE_FILE', `${file}: cannot read (${(e as Error).message})`, { file });
  }
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const rows = [];
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i] as string;
    if (l.trim() === '') continue;
    const cells = l.split(',');
    if (cells.length !== header.length)
      fail(file, i + 1, null, `expected ${header.length} columns, got ${cells.length}`);
    rows.push({ line: i + 1, cells });
  }
  return { header, rows };
}

/** The time column: `timestamp_ms` (ms), else `timestamp` / `time_utc` (ISO-8601 or ms). */
function timeReader(
  file: string,
  header: readonly string[],
): (cells: readonly string[], line: number) => number {
  const ms = header.indexOf('timestamp_ms');
  const iso =
    ms >= 0
      ? -1
      : header.indexOf('timestamp') >= 0
        ? header.indexOf('timestamp')
        : header.indexOf('time_utc');
  if (ms < 0 && iso < 0)
    fail(
      file,
      1,
      null,
      `no time column (timestamp_ms, timestamp or time_utc) in header "${header.join(',')}"`,
    );
  return (cells, line) => {
    const raw = (cells[ms >= 0 ? ms : iso] ?? '').trim();
    const t = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
    if (!Number.isFinite(t))
      fail(file, line, header[ms >= 0 ? ms : iso] ?? 'timestamp', `not a time: "${raw}"`);
    return t;
  };
}

function numberAt(
  file: string,
  header: readonly string[],
  cells: readonly string[],
  line: number,
  column: string,
): number {
  const i = header.indexOf(column);
  const raw = (cells[i] ?? '').trim();
  const v = raw === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(v)) fail(file, line, column, `not a finite number: "${raw}"`);
  return v;
}

function readColumn(file: string, column: string, check?: (v: number) => string | null): DatedValue[] {
  const t = readTable(file);
  if (!t.header.includes(column))
    fail(file, 1, column, `no column "${column}" in header "${t.header.join(',')}"`);
  const time = timeReader(file, t.header);
  const out: DatedValue[] = [];
  for (const r of t.rows) {
    const tsMs = time(r.cells, r.line);
    const value = numberAt(file, t.header, r.cells, r.line, column);
    const problem = check?.(value);
    if (problem) fail(file, r.line, column, problem);
    const prev = out[out.length - 1];
    if (prev && tsMs <= prev.tsMs) fail(file, r.line, 'timestamp', 'timestamps are not strictly increasing');
    out.push({ tsMs, value });
  }
  return out;
}

/** Prices from an OHLCV-style CSV (`--prices FILE [--column close]`); every price must be > 0. */
export function readPrices(file: string, column = 'close'): DatedValue[] {
  return readColumn(file, column, (v) => (v > 0 ? null : `price must be > 0, got ${v}`));
}

/** Returns from a CSV with columns `timestamp,return` (`--returns FILE`). */
export function readReturns(file: string): DatedValue[] {
  return readColumn(file, 'return');
}

/** A VaR series with outcomes: columns `timestamp,var,realized` (VaR a positive loss fraction). */
export function readVarSeries(file: string): { tsMs: number; var: number; realized: number }[] {
  const t = readTable(file);
  for (const c of ['var', 'realized'])
    if (!t.header.includes(c)) fail(file, 1, c, `no column "${c}" in header "${t.header.join(',')}"`);
  const time = timeReader(file, t.header);
  const out: { tsMs: number; var: number; realized: number }[] = [];
  for (const r of t.rows) {
    const tsMs = time(r.cells, r.line);
    const v = numberAt(file, t.header, r.cells, r.line, 'var');
    if (v < 0) fail(file, r.line, 'var', `VaR is a positive loss fraction, got ${v}`);
    const realized = numberAt(file, t.header, r.cells, r.line, 'realized');
    const prev = out[out.length - 1];
    if (prev && tsMs <= prev.tsMs) fail(file, r.line, 'timestamp', 'timestamps are not strictly increasing');
    out.push({ tsMs, var: v, realized });
  }
  return out;
}
