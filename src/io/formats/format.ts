import type { EngineEvent } from '../../domain/events.ts';
import type { Row } from '../csv/row.ts';

/** Names accepted by `--format`; detection from the header picks one of these. */
export type FormatName =
  | 'tardis-incremental-book-l2'
  | 'tardis-book-snapshot'
  | 'tardis-trades'
  | 'tardis-quotes'
  | 'tardis-derivative-ticker'
  | 'tardis-options-chain'
  | 'tardis-liquidations'
  | 'binance-book-depth'
  | 'binance-agg-trades'
  | 'binance-klines'
  | 'ohlcv';

export interface DecoderContext {
  readonly file: string;
  /** Instrument id for formats without a symbol column (from `--instrument` or the file name). */
  readonly instrument: string;
  /** Column index by name, from the header (or the format's positional columns). */
  readonly col: (name: string) => number;
  readonly columns: readonly string[];
}

/**
 * Turns validated rows into engine events. `timeUs` reads the row's event time (checked for
 * order by the reader before `row` is called); `row` may buffer rows that belong to one
 * message (same timestamp) and emits events through `emit`; `flush` ends the input.
 */
export interface Decoder {
  timeUs(row: Row): number;
  row(row: Row, tsUs: number, raw: string): void;
  flush(): void;
}

export interface FormatSpec {
  readonly name: FormatName;
  readonly description: string;
  /** True when `header` (split on commas) is this format's header. */
  matchHeader(header: readonly string[]): boolean;
  /** Column names for files without a header row (raw Binance dumps), if supported. */
  readonly headerlessColumns?: readonly string[];
  create(ctx: DecoderContext, emit: (e: EngineEvent) => void): Decoder;
}

export function sameColumns(header: readonly string[], expected: readonly string[]): boolean {
  return header.length === expected.length && header.every((h, i) => h === expected[i]);
}
