import { binanceAggTrades, binanceBookDepth, binanceKlines } from './binance.ts';
import type { FormatName, FormatSpec } from './format.ts';
import { ohlcv } from './ohlcv.ts';
import { TARDIS_FORMATS } from './tardis.ts';

export type { Decoder, DecoderContext, FormatName, FormatSpec } from './format.ts';

export const FORMATS: readonly FormatSpec[] = [
  ...TARDIS_FORMATS,
  binanceBookDepth,
  binanceAggTrades,
  binanceKlines,
  ohlcv,
];

export const FORMAT_NAMES: readonly FormatName[] = FORMATS.map((f) => f.name);

export function formatByName(name: string): FormatSpec | undefined {
  return FORMATS.find((f) => f.name === name);
}

export function detectFormat(header: readonly string[]): FormatSpec | undefined {
  return FORMATS.find((f) => f.matchHeader(header));
}
