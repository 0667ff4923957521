import { BackstopError } from '../../core/errors.ts';
import type { DepthBand } from '../../domain/events.ts';
import type { Row } from '../csv/row.ts';
import { type FormatSpec, sameColumns } from './format.ts';

// Binance public data (data.binance.vision) as raw dumps and as re-formatted in ../shared/data.
const BOOK_DEPTH_SHARED = [
  'timestamp_ms',
  'time_utc',
  'percentage',
  'depth',
  'notional',
  'weighted_avg_price',
];
const BOOK_DEPTH_RAW = ['timestamp', 'percentage', 'depth', 'notional'];
const AGG_SHARED = [
  'agg_trade_id',
  'timestamp_us',
  'time_utc',
  'price',
  'quantity',
  'is_buyer_maker',
  'first_trade_id',
  'last_trade_id',
  'is_best_match',
];
const AGG_FUTURES = [
  'agg_trade_id',
  'price',
  'quantity',
  'first_trade_id',
  'last_trade_id',
  'transact_time',
  'is_buyer_maker',
];
const AGG_SPOT_HEADERLESS = [
  'agg_trade_id',
  'price',
  'quantity',
  'first_trade_id',
  'last_trade_id',
  'transact_time',
  'is_buyer_maker',
  'is_best_match',
];
const KLINES = [
  'open_time',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'close_time',
  'quote_volume',
  'count',
  'taker_buy_volume',
  'taker_buy_quote_volume',
  'ignore',
];

/**
 * Binance switched spot dumps from ms to µs on 2025-01-01; futures stay in ms. A value above
 * 1e14 cannot be a ms timestamp before the year 5000, so it is µs.
 */
function binanceTimeUs(row: Row, index: number): number {
  const v = row.num(index);
  return v > 1e14 ? row.timeUs(index, 'us') : row.timeUs(index, 'ms');
}

/** "2025-10-10 00:00:07" (UTC) → µs; the raw bookDepth dumps write time this way. */
function parseUtcDateTimeUs(row: Row, index: number): number {
  const t = row.text(index).trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z?$/.exec(t);
  if (!m) return row.fail('BAD_FIELD', index, `expected "YYYY-MM-DD HH:MM:SS", got "${t}"`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const frac = m[7] ? Number(m[7].padEnd(6, '0')) : 0;
  return daysFromCivil(y, mo, d) * 86_400e6 + ((h * 60 + mi) * 60 + s) * 1e6 + frac;
}

/** H. Hinnant's days_from_civil (proleptic Gregorian, days since 1970-01-01). */
function daysFromCivil(y0: number, m: number, d: number): number {
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

export const binanceBookDepth: FormatSpec = {
  name: 'binance-book-depth',
  description: 'Binance bookDepth: cumulative depth and notional within ±N % of mid, one block per snapshot',
  matchHeader: (h) => sameColumns(h, BOOK_DEPTH_SHARED) || sameColumns(h, BOOK_DEPTH_RAW),
  create(ctx, emit) {
    const shared = ctx.columns[0] === 'timestamp_ms';
    const iTs = ctx.col(shared ? 'timestamp_ms' : 'timestamp');
    const iPct = ctx.col('percentage');
    const iDepth = ctx.col('depth');
    const iNotional = ctx.col('notional');
    let block: { tsUs: number; bands: DepthBand[]; line: number; raws: string[] } | null = null;
    const flush = () => {
      if (!block) return;
      const b = block;
      block = null;
      emit({
        kind: 'depth-profile',
        instrument: ctx.instrument,
        tsUs: b.tsUs,
        bands: b.bands,
        src: { file: ctx.file, line: b.line, raw: b.raws.join('\n') },
      });
    };
    return {
      timeUs: (row) => (shared ? row.timeUs(iTs, 'ms') : parseUtcDateTimeUs(row, iTs)),
      row(row, tsUs, raw) {
        const pct = row.num(iPct);
        if (pct === 0 || Math.abs(pct) > 100)
          row.fail('BAD_FIELD', iPct, `percentage must be in [-100,0)∪(0,100]`);
        const depthBase = row.size(iDepth);
        const notionalQuote = row.size(iNotional);
        if (block && block.tsUs !== tsUs) flush();
        if (!block) block = { tsUs, bands: [], line: row.line, raws: [] };
        if (block.bands.some((b) => b.pct === pct)) {
          throw new BackstopError('BAD_FIELD', `${ctx.file}:${row.line}: percentage: duplicate band ${pct}`, {
            file: ctx.file,
            line: row.line,
            field: 'percentage',
            value: String(pct),
          });
        }
        block.bands.push({ pct, depthBase, notionalQuote });
        block.raws.push(raw);
      },
      flush,
    };
  },
};

export const binanceAggTrades: FormatSpec = {
  name: 'binance-agg-trades',
  description: 'Binance aggTrades (is_buyer_maker=true means the taker sold)',
  matchHeader: (h) => sameColumns(h, AGG_SHARED) || sameColumns(h, AGG_FUTURES),
  headerlessColumns: AGG_SPOT_HEADERLESS,
  create(ctx, emit) {
    const shared = ctx.columns.includes('timestamp_us');
    const iTs = ctx.col(shared ? 'timestamp_us' : 'transact_time');
    const [iId, iPrice, iQty, iMaker] = ['agg_trade_id', 'price', 'quantity', 'is_buyer_maker'].map(
      ctx.col,
    ) as number[];
    return {
      timeUs: (row) => (shared ? row.timeUs(iTs, 'us') : binanceTimeUs(row, iTs)),
      row(row, tsUs, raw) {
        emit({
          kind: 'trade',
          instrument: ctx.instrument,
          tsUs,
          id: row.text(iId as number),
          price: row.price(iPrice as number),
          qty: row.positiveSize(iQty as number),
          side: row.bool(iMaker as number) ? 'sell' : 'buy',
          src: { file: ctx.file, line: row.line, raw },
        });
      },
      flush() {},
    };
  },
};

/** Bar prices must be consistent: low ≤ open, close ≤ high. */
export function checkBar(row: Row, idx: { o: number; h: number; l: number; c: number }) {
  const open = row.price(idx.o);
  const high = row.price(idx.h);
  const low = row.price(idx.l);
  const close = row.price(idx.c);
  if (high < Math.max(open, close, low)) row.fail('BAD_PRICE', idx.h, `high ${high} is below open/low/close`);
  if (low > Math.min(open, close)) row.fail('BAD_PRICE', idx.l, `low ${low} is above open/close`);
  return { open, high, low, close };
}

export const binanceKlines: FormatSpec = {
  name: 'binance-klines',
  description: 'Binance klines (12 columns; count = number of trades)',
  matchHeader: (h) => sameColumns(h, KLINES),
  headerlessColumns: KLINES,
  create(ctx, emit) {
    const c = (n: string) => ctx.col(n);
    const idx = { o: c('open'), h: c('high'), l: c('low'), c: c('close') };
    return {
      timeUs: (row) => binanceTimeUs(row, c('open_time')),
      row(row, tsUs, raw) {
        emit({
          kind: 'bar',
          instrument: ctx.instrument,
          tsUs,
          ...checkBar(row, idx),
          volume: row.size(c('volume')),
          trades: row.size(c('count')),
          src: { file: ctx.file, line: row.line, raw },
        });
      },
      flush() {},
    };
  },
};
