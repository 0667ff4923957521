import { checkBar } from './binance.ts';
import type { FormatSpec } from './format.ts';

/**
 * Plain OHLCV: `timestamp_ms,[time_utc,]open,high,low,close,volume[,extra…]` (bar open time in
 * ms). Index / mark-price klines carry `count` (price samples) instead of `volume`: their
 * volume is null and their count is not a trade count, so `trades` is null too.
 */
function layout(h: readonly string[]): { volume: boolean } | null {
  if (h[0] !== 'timestamp_ms') return null;
  const rest = h[1] === 'time_utc' ? h.slice(2) : h.slice(1);
  if (rest[0] !== 'open' || rest[1] !== 'high' || rest[2] !== 'low' || rest[3] !== 'close') return null;
  if (rest[4] === 'volume') return { volume: true };
  if (rest[4] === 'count' && rest.length === 5) return { volume: false };
  return null;
}

export const ohlcv: FormatSpec = {
  name: 'ohlcv',
  description: 'OHLCV bars: timestamp_ms,[time_utc,]open,high,low,close,volume (or count for index klines)',
  matchHeader: (h) => layout(h) !== null,
  create(ctx, emit) {
    const hasVolume = layout(ctx.columns)?.volume ?? true;
    const c = (n: string) => ctx.col(n);
    const idx = { o: c('open'), h: c('high'), l: c('low'), c: c('close') };
    const iTs = c('timestamp_ms');
    const iVol = hasVolume ? c('volume') : -1;
    return {
      timeUs: (row) => row.timeUs(iTs, 'ms'),
      row(row, tsUs, raw) {
        emit({
          kind: 'bar',
          instrument: ctx.instrument,
          tsUs,
          ...checkBar(row, idx),
          volume: hasVolume ? row.size(iVol) : null,
          trades: null,
          src: { file: ctx.file, line: row.line, raw },
        });
      },
      flush() {},
    };
  },
};
