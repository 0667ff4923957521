import { basename } from 'node:path';
import { BackstopError, isBackstopError } from '../core/errors.ts';
import type { EngineEvent, Level } from '../domain/events.ts';
import type { Rejection } from '../domain/rejection.ts';
import type { SourceItem } from '../runtime/merge.ts';
import { type NumberedLine, readLines } from './csv/line-source.ts';
import { Row } from './csv/row.ts';
import { detectFormat, FORMATS, type FormatName, type FormatSpec, formatByName } from './formats/index.ts';

export interface ReadOptions {
  /** Skip detection and use this format (its header, if present, is still checked). */
  readonly format?: FormatName;
  /** Instrument id for formats without a symbol column; default: the file name without extensions. */
  readonly instrument?: string;
  /** How far (µs) a row's time may go back before it is rejected; default 1 s. */
  readonly timeToleranceUs?: number;
  /**
   * Unit of the file's sizes. `base` (default): base-currency quantity (Binance, most linear
   * venues). `quote`: quote-currency amounts, e.g. the USD contracts of Deribit or BitMEX inverse
   * perpetuals; converted on read to base = size / price so every view sees base quantities.
   */
  readonly sizeUnit?: SizeUnit;
}

export type SizeUnit = 'base' | 'quote';

/** Converts quote-denominated sizes to base quantities (size / price). */
export function sizesToBase(e: EngineEvent): EngineEvent {
  const lv = (levels: readonly Level[]): Level[] => levels.map(([p, q]) => [p, q / p]);
  switch (e.kind) {
    case 'book-snapshot':
    case 'book-delta':
      return { ...e, bids: lv(e.bids), asks: lv(e.asks) };
    case 'trade':
    case 'liquidation-print':
      return { ...e, qty: e.qty / e.price };
    case 'quote':
      return {
        ...e,
        bidSize: e.bidSize !== null && e.bidPrice !== null ? e.bidSize / e.bidPrice : e.bidSize,
        askSize: e.askSize !== null && e.askPrice !== null ? e.askSize / e.askPrice : e.askSize,
      };
    default:
      return e;
  }
}

export type { Rejection };
export type ReadItem = SourceItem;

export interface ReadStats {
  rows: number;
  events: number;
  rejected: number;
}

export const DEFAULT_TIME_TOLERANCE_US = 1_000_000;

export function instrumentFromFileName(path: string): string {
  return basename(path)
    .replace(/\.gz$/i, '')
    .replace(/\.csv$/i, '');
}

const NUMERIC_START = /^\s*-?\d/;

interface Layout {
  readonly spec: FormatSpec;
  readonly columns: readonly string[];
  /** True when the first line is a header (and so is not data). */
  readonly headerRow: boolean;
}

function chooseLayout(path: string, first: string, forced: FormatName | undefined): Layout {
  const cells = first.split(',').map((c) => c.trim());
  if (forced !== undefined) {
    const spec = formatByName(forced);
    if (!spec) {
      throw new BackstopError(
        'BAD_ARGUMENT',
        `unknown --format "${forced}" (known: ${FORMATS.map((f) => f.name).join(', ')})`,
        {
          value: forced,
        },
      );
    }
    if (
      spec.matchHeader(cells) ||
      (forced === 'tardis-liquidations' && cells[4] === 'id' && cells.length === 8)
    ) {
      return { spec, columns: cells, headerRow: true };
    }
    if (
      spec.headerlessColumns &&
      NUMERIC_START.test(first) &&
      cells.length === spec.headerlessColumns.length
    ) {
      return { spec, columns: spec.headerlessColumns, headerRow: false };
    }
    throw new BackstopError(
      'BAD_HEADER',
      `${path}: line 1 is not a ${forced} header: "${first.slice(0, 120)}"`,
      {
        file: path,
        line: 1,
      },
    );
  }
  const spec = detectFormat(cells);
  if (spec) return { spec, columns: cells, headerRow: true };
  if (NUMERIC_START.test(first)) {
    const headerless = FORMATS.filter((f) => f.headerlessColumns?.length === cells.length);
    if (headerless.length === 1) {
      const only = headerless[0] as FormatSpec;
      return { spec: only, columns: only.headerlessColumns as readonly string[], headerRow: false };
    }
  }
  throw new BackstopError(
    'UNKNOWN_FORMAT',
    `${path}: unknown format, header "${first.slice(0, 120)}" (use --format)`,
    {
      file: path,
      line: 1,
    },
  );
}

/**
 * An opened market-data file: its detected (or given) format and a stream of events and
 * rejections in file order. Opening reads only the first line; streaming is constant memory.
 * Throws (exit 2 at the CLI) when the file cannot be read or its header is unknown.
 */
export class MarketFile {
  readonly stats: ReadStats = { rows: 0, events: 0, rejected: 0 };
  /** Bytes of the file (compressed, for .gz) read so far, for progress bars. */
  readonly progress = { bytesRead: 0 };

  private constructor(
    readonly path: string,
    readonly layout: Layout,
    readonly instrument: string,
    private readonly toleranceUs: number,
    private readonly sizeUnit: SizeUnit,
  ) {}

  get format(): FormatName {
    return this.layout.spec.name;
  }

  static async open(path: string, options: ReadOptions = {}): Promise<MarketFile> {
    let first: NumberedLine | undefined;
    const lines = readLines(path);
    try {
      const r = await lines.next();
      first = r.done ? undefined : r.value;
    } finally {
      await lines.return(undefined);
    }
    if (!first) throw new BackstopError('UNKNOWN_FORMAT', `${path}: file is empty`, { file: path });
    const layout = chooseLayout(path, first.text, options.format);
    return new MarketFile(
      path,
      layout,
      options.instrument ?? instrumentFromFileName(path),
      options.timeToleranceUs ?? DEFAULT_TIME_TOLERANCE_US,
      options.sizeUnit ?? 'base',
    );
  }

  async *items(): AsyncGenerator<ReadItem> {
    const { spec, columns, headerRow } = this.layout;
    const index = new Map(columns.map((c, i) => [c, i]));
    const col = (name: string): number => {
      const i = index.get(name);
      if (i === undefined) throw new BackstopError('INVARIANT', `format ${spec.name} has no column ${name}`);
      return i;
    };
    const queue: EngineEvent[] = [];
    const decoder = spec.create({ file: this.path, instrument: this.instrument, col, columns }, (e) =>
      queue.push(e),
    );
    let maxTsUs = Number.NEGATIVE_INFINITY;
    const stats = this.stats;
    const convert = this.sizeUnit === 'quote';
    const drain = function* (): Generator<ReadItem> {
      for (const event of queue) {
        stats.events++;
        yield { ok: true, event: convert ? sizesToBase(event) : event };
      }
      queue.length = 0;
    };
    for await (const { line, text } of readLines(this.path, this.progress)) {
      if (line === 1 && headerRow) continue;
      stats.rows++;
      const fields = text.split(',');
      const row = new Row(this.path, line, fields, columns);
      try {
        if (fields.length !== columns.length) {
          throw new BackstopError(
            'BAD_ROW_COLUMNS',
            `${this.path}:${line}: expected ${columns.length} columns, got ${fields.length}`,
            { file: this.path, line, field: null, value: String(fields.length) },
          );
        }
        const tsUs = decoder.timeUs(row);
        if (tsUs < maxTsUs - this.toleranceUs) {
          throw new BackstopError(
            'TIME_BACKWARDS',
            `${this.path}:${line}: time ${tsUs} µs is ${maxTsUs - tsUs} µs before the latest row (tolerance ${this.toleranceUs} µs)`,
            { file: this.path, line, field: 'timestamp', value: String(tsUs) },
          );
        }
        decoder.row(row, tsUs, text);
        if (tsUs > maxTsUs) maxTsUs = tsUs;
      } catch (e) {
        if (!isBackstopError(e)) throw e;
        stats.rejected++;
        yield { ok: false, rejection: toRejection(e, this.path, line, text) };
      }
      yield* drain();
    }
    decoder.flush();
    yield* drain();
  }
}

function toRejection(e: BackstopError, file: string, line: number, raw: string): Rejection {
  const f = e.fields;
  return {
    file,
    line,
    code: e.code,
    field: typeof f.field === 'string' ? f.field : null,
    value: f.value === undefined || f.value === null ? null : String(f.value),
    reason: e.message,
    raw,
  };
}
