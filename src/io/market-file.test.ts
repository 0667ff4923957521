import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../domain/events.ts';
import type { Rejection } from '../domain/rejection.ts';
import { MarketFile } from './market-file.ts';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../test/fixtures/readers/${name}`, import.meta.url));

async function readAll(name: string, options = {}) {
  const file = await MarketFile.open(fixture(name), options);
  const events: EngineEvent[] = [];
  const rejections: Rejection[] = [];
  for await (const item of file.items()) {
    if (item.ok) events.push(item.event);
    else rejections.push(item.rejection);
  }
  return { file, events, rejections };
}

/** Events without their source references, for compact comparisons. */
const bare = (events: EngineEvent[]) => events.map(({ src: _src, ...rest }) => rest);

describe('tardis-dev readers', () => {
  it('trades: taker side, empty id → null, µs local timestamps', async () => {
    const { file, events } = await readAll('tardis_trades.csv');
    expect(file.format).toBe('tardis-trades');
    expect(bare(events)).toEqual([
      {
        kind: 'trade',
        instrument: 'BTCUSDT',
        tsUs: 1582329602418379,
        id: '42377944',
        side: 'buy',
        price: 9682,
        qty: 0.132,
      },
      {
        kind: 'trade',
        instrument: 'BTCUSDT',
        tsUs: 1582329602500000,
        id: null,
        side: 'sell',
        price: 9681.5,
        qty: 0.5,
      },
      {
        kind: 'trade',
        instrument: 'BTCUSDT',
        tsUs: 1582329602600000,
        id: '42377946',
        side: 'unknown',
        price: 9681,
        qty: 1,
      },
    ]);
    expect(events[0]?.src).toEqual({
      file: fixture('tardis_trades.csv'),
      line: 2,
      raw: 'binance-futures,BTCUSDT,1582329602111000,1582329602418379,42377944,buy,9682,0.132',
    });
  });

  it('quotes: one-sided quotes keep nulls', async () => {
    const { events } = await readAll('tardis_quotes.csv');
    expect(bare(events)[1]).toEqual({
      kind: 'quote',
      instrument: 'BTCUSDT',
      tsUs: 1582329602500000,
      askSize: null,
      askPrice: null,
      bidPrice: 9681,
      bidSize: 3,
    });
  });

  it('derivative_ticker: empty fields are null', async () => {
    const { events } = await readAll('tardis_derivative_ticker.csv');
    expect(bare(events)).toEqual([
      {
        kind: 'derivative-ticker',
        instrument: 'BTC-PERPETUAL',
        tsUs: 1577836800000100,
        fundingTsUs: 1577865600000000,
        fundingRate: -0.000125,
        predictedFundingRate: null,
        openInterest: 12.345,
        lastPrice: 100,
        indexPrice: 99.5,
        markPrice: 99.75,
      },
    ]);
  });

  it('options_chain: IVs from percent to fractions, prices kept in coin', async () => {
    const { events } = await readAll('tardis_options_chain.csv');
    const e = bare(events)[0] as Record<string, unknown>;
    expect(e).toMatchObject({
      kind: 'option-ticker',
      instrument: 'BTC-9JUN20-9875-P',
      right: 'put',
      strike: 9875,
      expiryUs: 1591689600000000,
      bidPrice: 0.0205,
      askPrice: 0.0235,
      markPrice: 0.02210436,
      underlyingId: 'SYN.BTC-9JUN20',
      underlyingPrice: 9756.36,
      openInterest: 0.1,
    });
    expect(e.bidIv).toBeCloseTo(0.5591, 12);
    expect(e.askIv).toBeCloseTo(0.6894, 12);
    expect(e.markIv).toBeCloseTo(0.6289, 12);
  });

  it('book_snapshot_5: levels from alternating ask/bid columns, empty levels skipped', async () => {
    const { file, events } = await readAll('tardis_book_snapshot_5.csv');
    expect(file.format).toBe('tardis-book-snapshot');
    expect(bare(events)).toEqual([
      {
        kind: 'book-snapshot',
        instrument: 'BTC-PERPETUAL',
        tsUs: 1585699200355684,
        asks: [
          [6421.5, 18640],
          [6422, 100],
          [6422.5, 50],
        ],
        bids: [
          [6421, 1000],
          [6420.5, 200],
          [6420, 300],
        ],
      },
    ]);
  });

  it('liquidations need --format (same header as trades) and keep the order side', async () => {
    const detected = await readAll('tardis_liquidations.csv');
    expect(detected.file.format).toBe('tardis-trades');
    const { events } = await readAll('tardis_liquidations.csv', { format: 'tardis-liquidations' });
    expect(bare(events)).toEqual([
      {
        kind: 'liquidation-print',
        instrument: 'BTCUSD',
        tsUs: 1591574400196008,
        side: 'sell',
        price: 9700.5,
        qty: 1500,
      },
    ]);
  });

  it('incremental_book_L2: one event per message, snapshot block resets, bad rows rejected with reasons', async () => {
    const { events, rejections, file } = await readAll('bad-rows_incremental_book_L2.csv');
    const first = bare(events)[0];
    expect(first).toEqual({
      kind: 'book-delta',
      instrument: 'BTC-PERPETUAL',
      tsUs: 1585699200355684,
      reset: true,
      bids: [
        [6420, 5000],
        [6419.5, 700],
      ],
      asks: [
        [6421.5, 18640],
        [6422, 100],
      ],
    });
    expect(events[0]?.src?.line).toBe(2);
    expect(events[0]?.src?.raw?.split('\n')).toHaveLength(4);
    expect(rejections.map((r) => [r.line, r.code, r.field])).toEqual([
      [6, 'BAD_ROW_COLUMNS', null],
      [7, 'BAD_NUMBER', 'price'],
      [8, 'BAD_NUMBER', 'amount'],
      [9, 'BAD_PRICE', 'price'],
      [10, 'BAD_SIZE', 'amount'],
      [12, 'TIME_BACKWARDS', 'timestamp'],
      [15, 'BAD_FIELD', 'is_snapshot'],
      [16, 'BAD_NUMBER', 'amount'],
    ]);
    expect(rejections[1]?.reason).toContain(
      'bad-rows_incremental_book_L2.csv:7: price: not a finite number: "abc"',
    );
    expect(rejections[1]?.raw).toBe(
      'deribit,BTC-PERPETUAL,1585699200300000,1585699200400001,false,bid,abc,10',
    );
    // 16 data rows: 8 rejected; the good ones form 1 snapshot batch + 4 single-row deltas
    expect(file.stats).toEqual({ rows: 16, events: 5, rejected: 8 });
    expect(bare(events).slice(1)).toEqual([
      {
        kind: 'book-delta',
        instrument: 'BTC-PERPETUAL',
        tsUs: 1585699200400005,
        reset: false,
        bids: [[6418, 25]],
        asks: [],
      },
      {
        kind: 'book-delta',
        instrument: 'BTC-PERPETUAL',
        tsUs: 1585699200400006,
        reset: false,
        bids: [[6421.5, 3]],
        asks: [],
      },
      {
        kind: 'book-delta',
        instrument: 'BTC-PERPETUAL',
        tsUs: 1585699200400007,
        reset: false,
        bids: [],
        asks: [[6422, 0]],
      },
      {
        kind: 'book-delta',
        instrument: 'BTC-PERPETUAL',
        tsUs: 1585699200400010,
        reset: false,
        bids: [],
        asks: [[6425, 2]],
      },
    ]);
  });
});

describe('size units', () => {
  it('quote-denominated sizes (Deribit USD contracts) become base = size / price', async () => {
    const { events } = await readAll('tardis_book_snapshot_5.csv', { sizeUnit: 'quote' });
    const e = events[0];
    expect(e?.kind === 'book-snapshot' ? e.asks[0] : null).toEqual([6421.5, 18640 / 6421.5]);
    const t = await readAll('tardis_trades.csv', { sizeUnit: 'quote' });
    expect(t.events[0]?.kind === 'trade' ? t.events[0].qty : null).toBe(0.132 / 9682);
  });
});

describe('Binance readers', () => {
  it('futures aggTrades with header: ms → µs, is_buyer_maker → taker side', async () => {
    const { file, events } = await readAll('binance_futures_aggTrades.csv', { instrument: 'BTCUSDT' });
    expect(file.format).toBe('binance-agg-trades');
    expect(bare(events)).toEqual([
      {
        kind: 'trade',
        instrument: 'BTCUSDT',
        tsUs: 1700000000000000,
        id: '100',
        price: 60000.1,
        qty: 0.5,
        side: 'sell',
      },
      {
        kind: 'trade',
        instrument: 'BTCUSDT',
        tsUs: 1700000000500000,
        id: '101',
        price: 60000.2,
        qty: 0.25,
        side: 'buy',
      },
    ]);
  });

  it('headerless spot aggTrades are recognised by column count, µs times by magnitude', async () => {
    const { file, events } = await readAll('binance_spot_aggTrades_headerless.csv');
    expect(file.format).toBe('binance-agg-trades');
    expect(file.instrument).toBe('binance_spot_aggTrades_headerless');
    expect(events.map((e) => e.tsUs)).toEqual([1759536000061015, 1759536000061999]);
    expect(events.map((e) => (e.kind === 'trade' ? e.side : null))).toEqual(['sell', 'buy']);
  });

  it('raw bookDepth with "YYYY-MM-DD HH:MM:SS" times: one depth-profile per snapshot', async () => {
    const { events } = await readAll('binance_raw_bookDepth.csv', { instrument: 'BTCUSDT' });
    // 2025-10-10T00:00:07Z = 1760054407 s
    expect(bare(events)).toEqual([
      {
        kind: 'depth-profile',
        instrument: 'BTCUSDT',
        tsUs: 1760054407000000,
        bands: [
          { pct: -1, depthBase: 100, notionalQuote: 11900000 },
          { pct: 1, depthBase: 80, notionalQuote: 9680000 },
        ],
      },
      {
        kind: 'depth-profile',
        instrument: 'BTCUSDT',
        tsUs: 1760054437000000,
        bands: [
          { pct: -1, depthBase: 110, notionalQuote: 13090000 },
          { pct: 1, depthBase: 90, notionalQuote: 10890000 },
        ],
      },
    ]);
  });

  it('headerless klines: count is the trade count', async () => {
    const { file, events } = await readAll('binance_klines_headerless.csv');
    expect(file.format).toBe('binance-klines');
    expect(bare(events)[0]).toEqual({
      kind: 'bar',
      instrument: 'binance_klines_headerless',
      tsUs: 1700000000000000,
      open: 37000.1,
      high: 37010,
      low: 36990,
      close: 37005,
      volume: 12.5,
      trades: 321,
    });
  });
});

describe('OHLCV reader', () => {
  it('accepts the header without time_utc and rejects inconsistent bars and negative volume', async () => {
    const { events, rejections } = await readAll('ohlcv_no_time_utc.csv');
    expect(events.map((e) => e.tsUs)).toEqual([1700000000000000, 1700000180000000]);
    expect(rejections.map((r) => [r.line, r.code, r.field])).toEqual([
      [3, 'BAD_PRICE', 'high'],
      [4, 'BAD_SIZE', 'volume'],
    ]);
    expect(rejections[0]?.reason).toContain('high 103 is below open/low/close');
  });

  it('reads the bundled 1m crash-day bars', async () => {
    const { events } = await readAll('../../../data/samples/btc_usdt_binance_spot_1m_2021-05-19.csv');
    expect(events).toHaveLength(1440);
    // row copied from the file: 1621429200000,2021-05-19T13:00:00Z,35234.62,36013.2,34000.0,34483.64,1008.29045
    expect(bare([events[780] as EngineEvent])[0]).toEqual({
      kind: 'bar',
      instrument: 'btc_usdt_binance_spot_1m_2021-05-19',
      tsUs: 1621429200000000,
      open: 35234.62,
      high: 36013.2,
      low: 34000,
      close: 34483.64,
      volume: 1008.29045,
      trades: null,
    });
  });

  it('index klines (count instead of volume) have no volume and no trade count', async () => {
    // first rows of shared/data/orderbook/btcusd_perp_binance_coinm_priceindex_1m_2025-10-09.csv
    const { file, events } = await readAll('index_klines_count.csv');
    expect(file.format).toBe('ohlcv');
    expect(bare(events)[0]).toEqual({
      kind: 'bar',
      instrument: 'index_klines_count',
      tsUs: 1759968000000000,
      open: 123277.8306468,
      high: 123326.1,
      low: 123274.87146947,
      close: 123310.1,
      volume: null,
      trades: null,
    });
  });
});

describe('header and file errors', () => {
  it('unknown header → UNKNOWN_FORMAT naming the file', async () => {
    await expect(MarketFile.open(fixture('unknown_header.csv'))).rejects.toMatchObject({
      code: 'UNKNOWN_FORMAT',
      message: expect.stringContaining('unknown_header.csv: unknown format, header "foo,bar"'),
    });
  });

  it('a forced format whose header does not match → BAD_HEADER', async () => {
    await expect(MarketFile.open(fixture('tardis_trades.csv'), { format: 'ohlcv' })).rejects.toMatchObject({
      code: 'BAD_HEADER',
    });
  });

  it('a missing file → UNREADABLE_FILE', async () => {
    await expect(MarketFile.open(fixture('nope.csv'))).rejects.toMatchObject({ code: 'UNREADABLE_FILE' });
  });
});
