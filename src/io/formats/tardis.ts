import type { Level } from '../../domain/events.ts';
import type { Row } from '../csv/row.ts';
import { type Decoder, type DecoderContext, type FormatSpec, sameColumns } from './format.ts';

// Headers from ../shared/STACK.md §3 (tardis-dev downloadable CSV). Times are µs since epoch.
// We order by `local_timestamp` (arrival time): it is what the venue would have seen, it is
// monotone within a tardis file, and it avoids look-ahead on exchange clocks (ADR 0002).
const COMMON = ['exchange', 'symbol', 'timestamp', 'local_timestamp'] as const;
const L2 = [...COMMON, 'is_snapshot', 'side', 'price', 'amount'];
const TRADES = [...COMMON, 'id', 'side', 'price', 'amount'];
const QUOTES = [...COMMON, 'ask_amount', 'ask_price', 'bid_price', 'bid_amount'];
const TICKER = [
  ...COMMON,
  'funding_timestamp',
  'funding_rate',
  'predicted_funding_rate',
  'open_interest',
  'last_price',
  'index_price',
  'mark_price',
];
const OPTIONS = [
  ...COMMON,
  'type',
  'strike_price',
  'expiration',
  'open_interest',
  'last_price',
  'bid_price',
  'bid_amount',
  'bid_iv',
  'ask_price',
  'ask_amount',
  'ask_iv',
  'mark_price',
  'mark_iv',
  'underlying_index',
  'underlying_price',
  'delta',
  'gamma',
  'vega',
  'theta',
  'rho',
];

function localTime(ctx: DecoderContext): (row: Row) => number {
  const i = ctx.col('local_timestamp');
  return (row) => row.timeUs(i, 'us');
}

/** Rows of one exchange message share `local_timestamp`: apply them together. */
function l2Decoder(ctx: DecoderContext, emit: Parameters<FormatSpec['create']>[1]): Decoder {
  const iSym = ctx.col('symbol');
  const iSnap = ctx.col('is_snapshot');
  const iSide = ctx.col('side');
  const iPrice = ctx.col('price');
  const iAmount = ctx.col('amount');
  const lastWasSnapshot = new Map<string, boolean>();
  let batch: {
    symbol: string;
    tsUs: number;
    snapshot: boolean;
    reset: boolean;
    bids: Level[];
    asks: Level[];
  } | null = null;
  let firstLine = 0;
  let raws: string[] = [];
  const flush = () => {
    if (!batch) return;
    emit({
      kind: 'book-delta',
      instrument: batch.symbol,
      tsUs: batch.tsUs,
      reset: batch.reset,
      bids: batch.bids,
      asks: batch.asks,
      src: { file: ctx.file, line: firstLine, raw: raws.join('\n') },
    });
    batch = null;
    raws = [];
  };
  return {
    timeUs: localTime(ctx),
    row(row, tsUs, raw) {
      const symbol = row.text(iSym);
      const snapshot = row.bool(iSnap);
      const side = row.oneOf(iSide, ['bid', 'ask'] as const);
      const price = row.price(iPrice);
      const amount = row.size(iAmount);
      if (!batch || batch.symbol !== symbol || batch.tsUs !== tsUs || batch.snapshot !== snapshot) {
        flush();
        // A snapshot block that follows incremental rows is a resnapshot: clear the book first.
        const reset = snapshot && lastWasSnapshot.get(symbol) !== true;
        batch = { symbol, tsUs, snapshot, reset, bids: [], asks: [] };
        firstLine = row.line;
      }
      lastWasSnapshot.set(symbol, snapshot);
      (side === 'bid' ? batch.bids : batch.asks).push([price, amount]);
      raws.push(raw);
    },
    flush,
  };
}

export const tardisIncrementalBookL2: FormatSpec = {
  name: 'tardis-incremental-book-l2',
  description: 'tardis-dev incremental_book_L2 (absolute level sizes, 0 removes, snapshot blocks reset)',
  matchHeader: (h) => sameColumns(h, L2),
  create: l2Decoder,
};

function snapshotLevels(h: readonly string[]): number | null {
  if (h.length < 8 || !sameColumns(h.slice(0, 4), COMMON)) return null;
  const rest = h.slice(4);
  if (rest.length % 4 !== 0) return null;
  const n = rest.length / 4;
  for (let k = 0; k < n; k++) {
    const want = [`asks[${k}].price`, `asks[${k}].amount`, `bids[${k}].price`, `bids[${k}].amount`];
    if (!sameColumns(rest.slice(4 * k, 4 * k + 4), want)) return null;
  }
  return n;
}

export const tardisBookSnapshot: FormatSpec = {
  name: 'tardis-book-snapshot',
  description: 'tardis-dev book_snapshot_N (N levels per side, ask then bid per level)',
  matchHeader: (h) => snapshotLevels(h) !== null,
  create(ctx, emit) {
    const n = snapshotLevels(ctx.columns) ?? 0;
    const iSym = ctx.col('symbol');
    return {
      timeUs: localTime(ctx),
      row(row, tsUs, raw) {
        const bids: Level[] = [];
        const asks: Level[] = [];
        for (let k = 0; k < n; k++) {
          const base = 4 + 4 * k;
          const ap = row.optPrice(base);
          const aa = row.optSize(base + 1);
          const bp = row.optPrice(base + 2);
          const ba = row.optSize(base + 3);
          if (ap !== null && aa !== null && aa > 0) asks.push([ap, aa]);
          if (bp !== null && ba !== null && ba > 0) bids.push([bp, ba]);
        }
        emit({
          kind: 'book-snapshot',
          instrument: row.text(iSym),
          tsUs,
          bids,
          asks,
          src: { file: ctx.file, line: row.line, raw },
        });
      },
      flush() {},
    };
  },
};

export const tardisTrades: FormatSpec = {
  name: 'tardis-trades',
  description: 'tardis-dev trades (side = taker side)',
  matchHeader: (h) => sameColumns(h, TRADES),
  create(ctx, emit) {
    const [iSym, iId, iSide, iPrice, iAmount] = ['symbol', 'id', 'side', 'price', 'amount'].map(
      ctx.col,
    ) as number[];
    return {
      timeUs: localTime(ctx),
      row(row, tsUs, raw) {
        const id = row.text(iId as number);
        emit({
          kind: 'trade',
          instrument: row.text(iSym as number),
          tsUs,
          id: id === '' ? null : id,
          side: row.oneOf(iSide as number, ['buy', 'sell', 'unknown'] as const),
          price: row.price(iPrice as number),
          qty: row.positiveSize(iAmount as number),
          src: { file: ctx.file, line: row.line, raw },
        });
      },
      flush() {},
    };
  },
};

export const tardisLiquidations: FormatSpec = {
  name: 'tardis-liquidations',
  description: 'tardis-dev liquidations (side = liquidation order side: sell = a long was liquidated)',
  // Same columns as trades; only `--format tardis-liquidations` selects it.
  matchHeader: () => false,
  create(ctx, emit) {
    const [iSym, iSide, iPrice, iAmount] = ['symbol', 'side', 'price', 'amount'].map(ctx.col) as number[];
    return {
      timeUs: localTime(ctx),
      row(row, tsUs, raw) {
        emit({
          kind: 'liquidation-print',
          instrument: row.text(iSym as number),
          tsUs,
          side: row.oneOf(iSide as number, ['buy', 'sell'] as const),
          price: row.price(iPrice as number),
          qty: row.positiveSize(iAmount as number),
          src: { file: ctx.file, line: row.line, raw },
        });
      },
      flush() {},
    };
  },
};

export const tardisQuotes: FormatSpec = {
  name: 'tardis-quotes',
  description: 'tardis-dev quotes / book_ticker (best bid and ask)',
  matchHeader: (h) => sameColumns(h, QUOTES),
  create(ctx, emit) {
    const [iSym, iAa, iAp, iBp, iBa] = ['symbol', 'ask_amount', 'ask_price', 'bid_price', 'bid_amount'].map(
      ctx.col,
    ) as number[];
    return {
      timeUs: localTime(ctx),
      row(row, tsUs, raw) {
        emit({
          kind: 'quote',
          instrument: row.text(iSym as number),
          tsUs,
          askSize: row.optSize(iAa as number),
          askPrice: row.optPrice(iAp as number),
          bidPrice: row.optPrice(iBp as number),
          bidSize: row.optSize(iBa as number),
          src: { file: ctx.file, line: row.line, raw },
        });
      },
      flush() {},
    };
  },
};

export const tardisDerivativeTicker: FormatSpec = {
  name: 'tardis-derivative-ticker',
  description: 'tardis-dev derivative_ticker (mark, index, funding, open interest; any field may be empty)',
  matchHeader: (h) => sameColumns(h, TICKER),
  create(ctx, emit) {
    const c = (n: string) => ctx.col(n);
    return {
      timeUs: localTime(ctx),
      row(row, tsUs, raw) {
        const fundingTs = row.optNum(c('funding_timestamp'));
        emit({
          kind: 'derivative-ticker',
          instrument: row.text(c('symbol')),
          tsUs,
          fundingTsUs: fundingTs === null ? null : row.timeUs(c('funding_timestamp'), 'us'),
          fundingRate: row.optNum(c('funding_rate')),
          predictedFundingRate: row.optNum(c('predicted_funding_rate')),
          openInterest: row.optSize(c('open_interest')),
          lastPrice: row.optPrice(c('last_price')),
          indexPrice: row.optPrice(c('index_price')),
          markPrice: row.optPrice(c('mark_price')),
          src: { file: ctx.file, line: row.line, raw },
        });
      },
      flush() {},
    };
  },
};

export const tardisOptionsChain: FormatSpec = {
  name: 'tardis-options-chain',
  description: 'tardis-dev options_chain (prices in underlying coin, IVs in percent → fractions)',
  matchHeader: (h) => sameColumns(h, OPTIONS),
  create(ctx, emit) {
    const c = (n: string) => ctx.col(n);
    const iv = (row: Row, n: string) => {
      const v = row.optNum(c(n));
      if (v !== null && v < 0) row.fail('BAD_NUMBER', c(n), `implied vol must be >= 0, got ${v}`);
      return v === null ? null : v / 100;
    };
    return {
      timeUs: localTime(ctx),
      row(row, tsUs, raw) {
        emit({
          kind: 'option-ticker',
          instrument: row.text(c('symbol')),
          tsUs,
          right: row.oneOf(c('type'), ['call', 'put'] as const),
          strike: row.price(c('strike_price')),
          expiryUs: row.timeUs(c('expiration'), 'us'),
          openInterest: row.optSize(c('open_interest')),
          bidPrice: row.optPrice(c('bid_price')),
          askPrice: row.optPrice(c('ask_price')),
          markPrice: row.optPrice(c('mark_price')),
          bidIv: iv(row, 'bid_iv'),
          askIv: iv(row, 'ask_iv'),
          markIv: iv(row, 'mark_iv'),
          underlyingId: row.text(c('underlying_index')),
          underlyingPrice: row.optPrice(c('underlying_price')),
          src: { file: ctx.file, line: row.line, raw },
        });
      },
      flush() {},
    };
  },
};

export const TARDIS_FORMATS: readonly FormatSpec[] = [
  tardisIncrementalBookL2,
  tardisBookSnapshot,
  tardisTrades,
  tardisQuotes,
  tardisDerivativeTicker,
  tardisOptionsChain,
  tardisLiquidations,
];
