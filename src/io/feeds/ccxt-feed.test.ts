import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BackstopError } from '../../core/errors.ts';
import type { EngineEvent } from '../../domain/events.ts';
import type { Rejection } from '../../domain/rejection.ts';
import type { SourceItem } from '../../runtime/merge.ts';
import { offlineCcxtExchange } from './ccxt-feed.offline.ts';
import {
  type CcxtFeedOptions,
  type CcxtMarket,
  type CcxtSubscription,
  type CcxtWatcher,
  ccxtFeedSource,
  loadCcxtExchange,
} from './ccxt-feed.ts';

// Recorded fixtures (test/fixtures/ccxt/PROVENANCE.md): ccxt's unified structures, and the raw
// venue messages and REST responses they were parsed from.
const FIXTURES = new URL('../../../test/fixtures/ccxt/', import.meta.url);
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));
type Json = Record<string, unknown>;
type Level = [number, number];
interface Book extends Json {
  bids: Level[];
  asks: Level[];
  timestamp: number;
}
interface Trade extends Json {
  id: string;
  timestamp: number;
  side: string;
  price: number;
  amount: number;
}
const unified = fixture('unified.json') as Record<'bybit' | 'binance', Record<string, unknown>>;
const wsMessages = fixture('ws-messages.json') as Record<string, Record<string, { message: Json }>>;
const markets = fixture('recorded/markets.json') as Record<string, { markets: Record<string, CcxtMarket> }>;
const restCases = fixture('recorded/binance-rest.json') as {
  methods: Record<string, { httpResponse: unknown }[]>;
};
/** A fresh copy, so a test may corrupt it. */
const copy = <T>(x: T): T => structuredClone(x);
const binanceBook = () => copy(unified.binance['orderbook:BTC/USDT:USDT'] as Book);
const binanceTrades = () => copy(unified.binance['trades:BTC/USDT'] as Trade[]);
const binanceSpotTicker = () => copy(unified.binance['ticker:BTC/USDT'] as Json);
const bybitTrades = () => copy(unified.bybit['trades:BTC/USDT:USDT'] as Trade[]);
const bybitTicker = () => copy(unified.bybit['ticker:BTC/USDT:USDT'] as Json & { markPrice: number });
const binanceMarket = (symbol: string) => markets.binance?.markets[symbol] as CcxtMarket;

type Method = 'watchOrderBook' | 'watchTrades' | 'watchTicker' | 'watchMarkPrice';
type Step = { readonly value: unknown } | { readonly error: Error };

function ccxtError(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

/**
 * A ccxt pro exchange that replays scripted results per (method, symbol), then waits like a
 * quiet socket until it is closed; close rejects the waiting calls as ccxt does.
 */
class FakeExchange implements CcxtWatcher {
  readonly id = 'fake';
  has: Record<string, unknown> = {};
  readonly markets: Record<string, CcxtMarket> = {};
  readonly calls: string[] = [];
  readonly limits: (number | undefined)[] = [];
  closes = 0;
  loads = 0;
  private readonly steps = new Map<string, Step[]>();
  private readonly waiting: ((e: Error) => void)[] = [];

  script(method: Method, symbol: string, ...steps: Step[]): this {
    this.steps.set(`${method} ${symbol}`, [...(this.steps.get(`${method} ${symbol}`) ?? []), ...steps]);
    return this;
  }
  /** Resolves when `n` watch calls are waiting (every loop has used up its script). */
  async idle(n: number): Promise<void> {
    for (let i = 0; i < 2_000 && this.waiting.length < n; i++) await new Promise((r) => setTimeout(r, 1));
    expect(this.waiting.length).toBe(n);
  }
  private next<T>(method: Method, symbol: string): Promise<T> {
    this.calls.push(`${method} ${symbol}`);
    const step = this.steps.get(`${method} ${symbol}`)?.shift();
    if (!step) return new Promise<T>((_, reject) => this.waiting.push(reject));
    return 'error' in step ? Promise.reject(step.error) : Promise.resolve(step.value as T);
  }
  watchOrderBook(symbol: string, limit?: number) {
    this.limits.push(limit);
    return this.next<Json>('watchOrderBook', symbol);
  }
  watchTrades(symbol: string) {
    return this.next<Json[]>('watchTrades', symbol);
  }
  watchTicker(symbol: string) {
    return this.next<Json>('watchTicker', symbol);
  }
  watchMarkPrice(symbol: string) {
    return this.next<Json>('watchMarkPrice', symbol);
  }
  async loadMarkets() {
    this.loads++;
    return this.markets;
  }
  market(symbol: string): CcxtMarket {
    const m = this.markets[symbol];
    if (!m) throw ccxtError('BadSymbol', `fake does not have market symbol ${symbol}`);
    return m;
  }
  async close() {
    this.closes++;
    for (const reject of this.waiting.splice(0))
      reject(ccxtError('ExchangeClosedByUser', 'fake closedByUser'));
  }
}

async function drain(items: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const i of items) out.push(i);
  return out;
}
const eventsOf = (items: SourceItem[]): EngineEvent[] => items.flatMap((i) => (i.ok ? [i.event] : []));
const rejectionsOf = (items: SourceItem[]): Rejection[] => items.flatMap((i) => (i.ok ? [] : [i.rejection]));

/** Runs the feed until every loop waits on the fake, then stops it and drains the source. */
async function run(
  fake: FakeExchange,
  subs: CcxtSubscription[],
  options: Partial<CcxtFeedOptions> = {},
): Promise<{ items: SourceItem[]; feed: ReturnType<typeof ccxtFeedSource> }> {
  const feed = ccxtFeedSource(fake, subs, { name: 'ccxt-test', sleep: async () => {}, ...options });
  await fake.idle(subs.reduce((n, s) => n + s.channels.length, 0));
  await feed.stop();
  return { items: await drain(feed.source.items), feed };
}

const PERP = { symbol: 'BTC/USDT:USDT', instrument: 'BTC-PERP' } as const;
const SPOT = { symbol: 'BTC/USDT', instrument: 'BTC-USDT' } as const;

describe('ccxtFeedSource: mapping ccxt structures to events', () => {
  it('an order book becomes a book-snapshot with the recorded levels and time', async () => {
    const book = binanceBook();
    // the unified fixture is ccxt's parse of the recorded REST response: best bid "42651.10"
    const raw = restCases.methods.fetchOrderBook?.[0]?.httpResponse as { bids: string[][]; T: string };
    expect(book.bids[0]).toEqual([Number(raw.bids[0]?.[0]), Number(raw.bids[0]?.[1])]);
    expect(book.timestamp).toBe(Number(raw.T));

    const fake = new FakeExchange().script('watchOrderBook', PERP.symbol, { value: book });
    fake.markets[PERP.symbol] = binanceMarket(PERP.symbol); // linear, contractSize 1: sizes as is
    const { items, feed } = await run(fake, [{ ...PERP, channels: ['orderbook'] }]);
    expect(items).toEqual([
      {
        ok: true,
        event: {
          kind: 'book-snapshot',
          tsUs: book.timestamp * 1000,
          instrument: 'BTC-PERP',
          bids: book.bids,
          asks: book.asks,
          src: { file: 'ccxt-test', line: 1 },
        },
      },
    ]);
    const e = eventsOf(items)[0];
    expect(e?.kind === 'book-snapshot' && [e.tsUs, e.bids[0], e.asks[0], e.bids.length]).toEqual([
      1_706_803_917_258_000,
      [42651.1, 470.672],
      [42878, 7.011],
      5,
    ]);
    expect(feed.counters).toEqual({ updates: 1, events: 1, rejected: 0, errors: 0, duplicates: 0 });
    expect(fake.limits).toEqual([undefined, undefined]);
  });

  it('cuts the book to `depth` (also asked of ccxt) and stamps a book without a time with the clock', async () => {
    const book = binanceBook();
    const timeless = { ...binanceBook(), timestamp: undefined };
    const clockUs = book.timestamp * 1000 + 1_234;
    const fake = new FakeExchange().script(
      'watchOrderBook',
      PERP.symbol,
      { value: book },
      { value: timeless },
    );
    const { items } = await run(fake, [{ ...PERP, channels: ['orderbook'], depth: 3 }], {
      now: () => clockUs,
    });
    const [a, b] = eventsOf(items);
    expect(a?.kind === 'book-snapshot' && [a.tsUs, a.bids, a.asks]).toEqual([
      book.timestamp * 1000,
      book.bids.slice(0, 3),
      book.asks.slice(0, 3),
    ]);
    expect(b?.tsUs).toBe(clockUs);
    expect(fake.limits[0]).toBe(3);
  });

  it('trades become trade events (taker side, id, qty = amount), and repeats are dropped', async () => {
    const [bt] = bybitTrades();
    const [nt] = binanceTrades();
    if (!bt || !nt) throw new Error('fixture');
    const idless = { ...bt, id: undefined };
    const fake = new FakeExchange()
      // ccxt with newUpdates: false hands its whole cache back on every call
      .script(
        'watchTrades',
        PERP.symbol,
        { value: [bt] },
        { value: [bt] },
        { value: [bt, idless] },
        { value: [idless] },
      )
      .script('watchTrades', SPOT.symbol, { value: [nt] });
    const { items, feed } = await run(fake, [
      { ...PERP, channels: ['trades'] },
      { ...SPOT, channels: ['trades'] },
    ]);
    const trades = eventsOf(items);
    const perp = {
      kind: 'trade',
      instrument: 'BTC-PERP',
      tsUs: bt.timestamp * 1000,
      price: bt.price,
      qty: bt.amount,
    };
    expect(trades).toEqual([
      { ...perp, side: 'buy', id: bt.id, src: { file: 'ccxt-test', line: 1 } },
      {
        kind: 'trade',
        instrument: 'BTC-USDT',
        tsUs: nt.timestamp * 1000,
        price: nt.price,
        qty: nt.amount,
        side: nt.side,
        id: nt.id,
        src: { file: 'ccxt-test', line: 2 },
      },
      // the trade without an id is keyed by (time, price, amount, side): once, not twice
      { ...perp, side: 'buy', id: null, src: { file: 'ccxt-test', line: 4 } },
    ]);
    expect([bt.price, bt.amount, bt.id, nt.price, nt.amount, nt.id]).toEqual([
      16578.5,
      0.001,
      '20f43950-d8dd-5b31-9112-a178eb6023af',
      73238.7,
      0.00109,
      '2913537567',
    ]);
    expect(feed.counters).toEqual({ updates: 5, events: 3, rejected: 0, errors: 0, duplicates: 3 });
  });

  it('a ticker gives mark-price and index-price when it has them, and nothing otherwise', async () => {
    const t = bybitTicker();
    const fake = new FakeExchange()
      .script('watchTicker', PERP.symbol, { value: t })
      .script('watchTicker', SPOT.symbol, { value: binanceSpotTicker() });
    const { items, feed } = await run(fake, [
      { ...PERP, channels: ['ticker'] },
      { ...SPOT, channels: ['ticker'] },
    ]);
    const at = {
      tsUs: (t.timestamp as number) * 1000,
      instrument: 'BTC-PERP',
      src: { file: 'ccxt-test', line: 1 },
    };
    expect(eventsOf(items)).toEqual([
      { kind: 'mark-price', price: t.markPrice, ...at },
      { kind: 'index-price', price: t.indexPrice, ...at },
    ]);
    expect([t.markPrice, t.indexPrice, t.timestamp]).toEqual([17217.33, 17227.36, 1673272861686]);
    expect(binanceSpotTicker().markPrice).toBeUndefined();
    expect(feed.counters).toMatchObject({ updates: 2, events: 2, rejected: 0 });
  });

  it('the ticker channel of a contract reads watchMarkPrice where ccxt has it', async () => {
    const mark = copy(
      unified.binance['ticker:BTC/USDT:USDT'] as Json & { markPrice: number; indexPrice: number },
    );
    const fake = new FakeExchange()
      .script('watchMarkPrice', PERP.symbol, { value: mark })
      .script('watchTicker', SPOT.symbol, { value: binanceSpotTicker() });
    fake.has = { watchMarkPrice: true };
    fake.markets[PERP.symbol] = binanceMarket(PERP.symbol);
    fake.markets[SPOT.symbol] = { contract: false };
    const { items } = await run(fake, [
      { ...PERP, channels: ['ticker'] },
      { ...SPOT, channels: ['ticker'] },
    ]);
    expect(eventsOf(items).map((e) => [e.kind, 'price' in e ? e.price : null])).toEqual([
      ['mark-price', 11794.15],
      ['index-price', 11784.62659091],
    ]);
    expect(fake.calls.slice(0, 2).sort()).toEqual(['watchMarkPrice BTC/USDT:USDT', 'watchTicker BTC/USDT']);
    expect(fake.loads).toBe(2);
  });

  it('converts contract sizes to base units: linear × contractSize, inverse × contractSize / price', async () => {
    // The recorded inverse market (Binance BTC/USD:BTC, 100 USD contracts) over the recorded
    // book's numbers read as contract counts: only the arithmetic is under test here.
    const inverse = binanceMarket('BTC/USD:BTC');
    expect([inverse.inverse, inverse.contractSize]).toEqual([true, 100]);
    const book = binanceBook();
    const [trade] = binanceTrades();
    if (!trade) throw new Error('fixture');
    const fake = new FakeExchange()
      .script('watchOrderBook', 'BTC/USD:BTC', { value: book })
      .script('watchTrades', 'BTC/USD:BTC', { value: [trade] });
    fake.markets['BTC/USD:BTC'] = inverse;
    const { items } = await run(fake, [
      { symbol: 'BTC/USD:BTC', instrument: 'BTC-USD-INV', channels: ['orderbook', 'trades'] },
    ]);
    const toBase = ([p, n]: Level): Level => [p, (n * 100) / p];
    const [b, t] = eventsOf(items);
    expect(b?.kind === 'book-snapshot' && [b.bids, b.asks]).toEqual([
      book.bids.map(toBase),
      book.asks.map(toBase),
    ]);
    expect(t?.kind === 'trade' && t.qty).toBe((trade.amount * 100) / trade.price);
  });
});

describe('ccxtFeedSource: bad payloads and feed errors', () => {
  it('a malformed structure becomes a rejection naming the ccxt field; the good ones still flow', async () => {
    const nanBid = binanceBook();
    (nanBid.bids[0] as Level)[0] = Number.NaN;
    const negAsk = binanceBook();
    (negAsk.asks[1] as Level)[1] = -(negAsk.asks[1] as Level)[1];
    const badTime = { ...binanceBook(), timestamp: 'yesterday' };
    const [t] = bybitTrades();
    if (!t) throw new Error('fixture');
    const noTime = { ...t, id: 'a', timestamp: undefined };
    const negQty = { ...t, id: 'b', amount: -t.amount };
    const badSide = { ...t, id: 'c', side: 'sideways' };
    const nanPrice = { ...t, id: 'd', price: Number.NaN };
    const nanMark = { ...bybitTicker(), markPrice: Number.NaN };
    const fake = new FakeExchange()
      .script(
        'watchOrderBook',
        PERP.symbol,
        { value: nanBid },
        { value: negAsk },
        { value: badTime },
        {
          value: binanceBook(),
        },
      )
      .script(
        'watchTrades',
        PERP.symbol,
        { value: [noTime, negQty, badSide, nanPrice, t] },
        { value: { not: 'a list' } },
      )
      .script('watchTicker', PERP.symbol, { value: nanMark });
    const { items, feed } = await run(fake, [{ ...PERP, channels: ['orderbook', 'trades', 'ticker'] }]);
    const bad = rejectionsOf(items);
    expect(bad.map((r) => [r.code, r.field, r.value]).sort()).toEqual(
      [
        ['BAD_NUMBER', '/bids/0/0', 'NaN'],
        ['BAD_SIZE', '/asks/1/1', String(-(binanceBook().asks[1] as Level)[1])],
        ['BAD_FIELD', '/timestamp', 'yesterday'],
        ['BAD_FIELD', '/timestamp', null],
        ['BAD_SIZE', '/amount', String(-t.amount)],
        ['BAD_FIELD', '/side', 'sideways'],
        ['BAD_NUMBER', '/price', 'NaN'],
        ['BAD_MESSAGE', null, null],
        ['BAD_NUMBER', '/markPrice', 'NaN'],
      ].sort(),
    );
    expect(bad.every((r) => r.file === 'ccxt-test' && r.line > 0)).toBe(true);
    const nan = bad.find((r) => r.field === '/bids/0/0');
    expect(JSON.parse(nan?.raw ?? '{}').bids[0]).toEqual(['NaN', 470.672]);
    expect(nan?.reason).toMatch(/BTC\/USDT:USDT orderbook: \/bids\/0\/0/);
    expect(bad.find((r) => r.field === '/amount')?.reason).toMatch(/qty must be > 0/);
    // what was sound went through: the last book, the good trade, the ticker's index price
    expect(
      eventsOf(items)
        .map((e) => e.kind)
        .sort(),
    ).toEqual(['book-snapshot', 'index-price', 'trade']);
    expect(feed.counters).toMatchObject({ updates: 7, events: 3, rejected: 9, errors: 0 });
  });

  it('a watch call that throws is a FEED_ERROR rejection, retried with capped exponential backoff', async () => {
    const down = (i: number) => ({ error: ccxtError('NetworkError', `connection lost ${i}`) });
    const fake = new FakeExchange().script(
      'watchOrderBook',
      PERP.symbol,
      down(1),
      down(2),
      down(3),
      down(4),
      down(5),
      { value: binanceBook() },
      down(6),
      { value: binanceBook() },
    );
    const delays: number[] = [];
    const { items, feed } = await run(fake, [{ ...PERP, channels: ['orderbook'] }], {
      initialBackoffMs: 100,
      maxBackoffMs: 250,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    expect(delays).toEqual([100, 200, 250, 250, 250, 100]);
    const errors = rejectionsOf(items);
    expect(errors.map((r) => [r.code, r.field, r.value])).toEqual(
      Array(6).fill(['FEED_ERROR', null, 'NetworkError']),
    );
    expect(errors[0]?.reason).toBe(
      'BTC/USDT:USDT orderbook: NetworkError: connection lost 1; retry 1 in 100 ms',
    );
    expect(errors[5]?.reason).toMatch(/connection lost 6; retry 1 in 100 ms$/);
    expect(eventsOf(items).map((e) => e.kind)).toEqual(['book-snapshot', 'book-snapshot']);
    expect(feed.counters).toEqual({ updates: 2, events: 2, rejected: 6, errors: 6, duplicates: 0 });
    expect(fake.calls).toHaveLength(9);
  });

  it('an error retrying cannot fix stops the channel; with no channel left the feed ends', async () => {
    const fake = new FakeExchange().script('watchTrades', 'NOPE/USDT', {
      error: ccxtError('BadSymbol', 'binance does not have market symbol NOPE/USDT'),
    });
    let slept = 0;
    const feed = ccxtFeedSource(fake, [{ symbol: 'NOPE/USDT', instrument: 'NOPE', channels: ['trades'] }], {
      name: 'ccxt-test',
      sleep: async () => {
        slept++;
      },
    });
    const items = await drain(feed.source.items); // ends without stop()
    expect(items.map((i) => !i.ok && [i.rejection.code, i.rejection.reason])).toEqual([
      [
        'FEED_ERROR',
        'NOPE/USDT trades: BadSymbol: binance does not have market symbol NOPE/USDT (not retryable: this channel stops)',
      ],
    ]);
    expect([slept, fake.calls.length]).toEqual([0, 1]);
    await feed.stop();
    expect(fake.closes).toBe(1);
  });

  it('stop() ends the loops, closes the exchange once and ends the source, even during a backoff', async () => {
    const fake = new FakeExchange()
      .script('watchOrderBook', PERP.symbol, { value: binanceBook() })
      .script('watchTrades', PERP.symbol, { error: ccxtError('RequestTimeout', 'timed out') });
    const feed = ccxtFeedSource(fake, [{ ...PERP, channels: ['orderbook', 'trades'] }], {
      name: 'ccxt-test',
      initialBackoffMs: 600_000, // the real (abortable) sleep: stop must not wait for it
    });
    await fake.idle(1); // the book loop waits on ccxt, the trades loop sleeps
    const t0 = Date.now();
    const stopping = feed.stop();
    expect(feed.stop()).toBe(stopping);
    await stopping;
    expect(Date.now() - t0).toBeLessThan(1_000);
    const items = await drain(feed.source.items);
    expect(items.map((i) => (i.ok ? i.event.kind : i.rejection.code))).toEqual([
      'book-snapshot',
      'FEED_ERROR',
    ]);
    expect(fake.closes).toBe(1);
    const calls = fake.calls.length;
    await new Promise((r) => setTimeout(r, 20));
    expect(fake.calls).toHaveLength(calls); // no watch call after stop
  });

  it('stop() records a failing close, and gives up on a close that hangs after the grace period', async () => {
    const failing = new FakeExchange();
    failing.close = async () => {
      throw new Error('socket already gone');
    };
    const a = ccxtFeedSource(failing, [{ ...PERP, channels: ['ticker'] }], {
      name: 'ccxt-test',
      stopGraceMs: 20,
    });
    await a.stop();
    expect(rejectionsOf(await drain(a.source.items)).map((r) => [r.code, r.reason])).toEqual([
      ['FEED_ERROR', 'closing the exchange failed: socket already gone'],
    ]);
    const hanging = new FakeExchange();
    hanging.close = () => new Promise<void>(() => {});
    const b = ccxtFeedSource(hanging, [{ ...PERP, channels: ['ticker'] }], {
      name: 'ccxt-test',
      stopGraceMs: 20,
    });
    await b.stop();
    expect(await drain(b.source.items)).toEqual([]);
  });

  it('refuses a bad subscription list with a BAD_CONFIG error', () => {
    const fake = new FakeExchange();
    const bad = (subs: unknown[]) => () => ccxtFeedSource(fake, subs as CcxtSubscription[], { name: 'x' });
    for (const subs of [
      [{ ...PERP, channels: [] }],
      [{ ...PERP, channels: ['orderbook', 'funding'] }],
      [{ ...PERP, channels: ['trades', 'trades'] }],
      [{ ...PERP, channels: ['orderbook'], depth: 0 }],
      [{ ...PERP, instrument: '', channels: ['orderbook'] }],
    ]) {
      expect(bad(subs)).toThrow(expect.objectContaining({ code: 'BAD_CONFIG' }));
    }
    expect(bad([{ ...PERP, channels: ['funding'] }])).toThrow(/unknown channel "funding"/);
  });
});

describe('ccxt itself', () => {
  it('loadCcxtExchange finds binance, and an unknown id is a typed error that suggests ids', async () => {
    const ex = await loadCcxtExchange('binance');
    expect([ex.id, typeof ex.watchOrderBook, ex.has?.watchTrades, ex.has?.watchMarkPrice]).toEqual([
      'binance',
      'function',
      true,
      true,
    ]);
    await ex.close();
    const err = await loadCcxtExchange('binanse').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackstopError);
    expect(err).toMatchObject({ code: 'BAD_CONFIG', fields: { exchange: 'binanse' } });
    expect((err as Error).message).toMatch(
      /^unknown ccxt pro exchange "binanse": one of \d+ ids such as binance, /,
    );
  });

  it("recorded bybit WebSocket messages through ccxt's own client and parser give the recorded numbers", async () => {
    const msg = wsMessages.bybit as Record<'orderbook' | 'trades' | 'ticker', { message: Json }>;
    const book = msg.orderbook.message as { ts: number; data: { b: string[][]; a: string[][] } };
    const trades = msg.trades.message as {
      data: { T: number; S: string; v: string; p: string; i: string }[];
    };
    const ticker = msg.ticker.message as { ts: number; data: { markPrice: string; indexPrice: string } };
    const offline = await offlineCcxtExchange('bybit', markets.bybit?.markets ?? {});
    const feed = ccxtFeedSource(
      offline.exchange,
      [{ ...PERP, channels: ['orderbook', 'trades', 'ticker'], depth: 50 }],
      {
        name: 'bybit',
      },
    );
    const it = feed.source.items[Symbol.asyncIterator]();
    const next = async () => ((await it.next()).value as SourceItem | undefined) ?? null;
    const hashes = ['orderbook:BTC/USDT:USDT', 'trade:BTC/USDT:USDT', 'ticker:BTC/USDT:USDT'];
    await offline.waitFor(hashes);
    // each watch call subscribes its topic (sent through ccxt's rate limiter)
    for (let i = 0; i < 500 && offline.sent.length < 3; i++) await new Promise((r) => setTimeout(r, 2));
    expect(offline.sent.flatMap((m) => (m as { op: string; args: string[] }).args).sort()).toEqual([
      'orderbook.50.BTCUSDT',
      'publicTrade.BTCUSDT',
      'tickers.BTCUSDT',
    ]);
    offline.deliver(msg.orderbook.message);
    offline.deliver(msg.trades.message);
    offline.deliver(msg.ticker.message);
    const got = [await next(), await next(), await next(), await next()].map((i) => (i?.ok ? i.event : i));
    const level = (l: string[]): Level => [Number(l[0]), Number(l[1])];
    const t = trades.data[0];
    if (!t) throw new Error('fixture');
    const src = (line: number) => ({ file: 'bybit', line });
    expect(got).toEqual([
      {
        kind: 'book-snapshot',
        tsUs: book.ts * 1000,
        instrument: 'BTC-PERP',
        bids: book.data.b.map(level),
        asks: book.data.a.map(level),
        src: src(1),
      },
      {
        kind: 'trade',
        tsUs: t.T * 1000,
        instrument: 'BTC-PERP',
        price: Number(t.p),
        qty: Number(t.v),
        side: t.S.toLowerCase(),
        id: t.i,
        src: src(2),
      },
      {
        kind: 'mark-price',
        tsUs: ticker.ts * 1000,
        instrument: 'BTC-PERP',
        price: Number(ticker.data.markPrice),
        src: src(3),
      },
      {
        kind: 'index-price',
        tsUs: ticker.ts * 1000,
        instrument: 'BTC-PERP',
        price: Number(ticker.data.indexPrice),
        src: src(3),
      },
    ]);
    expect(got[0]).toMatchObject({
      bids: [
        [16493.5, 0.006],
        [16493, 0.1],
      ],
      asks: [
        [16611, 0.029],
        [16612, 0.213],
      ],
    });
    // the venue sends the same trade again: ccxt caches it twice, the feed passes it on once
    await offline.waitFor(['trade:BTC/USDT:USDT']);
    offline.deliver(msg.trades.message);
    await offline.waitFor(['trade:BTC/USDT:USDT']);
    expect(feed.counters).toEqual({ updates: 4, events: 4, rejected: 0, errors: 0, duplicates: 1 });
    await feed.stop();
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('on binance the ticker channel of a perpetual reads the mark price stream', async () => {
    const msg = (wsMessages.binance as Record<string, { message: Json }>).markPrice?.message as {
      E: number;
      p: string;
      i: string;
    };
    const offline = await offlineCcxtExchange('binance', markets.binance?.markets ?? {});
    const feed = ccxtFeedSource(offline.exchange, [{ ...PERP, channels: ['ticker'] }], { name: 'binance' });
    await offline.waitFor(['markPrice:markPrice@BTC/USDT:USDT']);
    offline.deliver(msg);
    await offline.waitFor(['markPrice:markPrice@BTC/USDT:USDT']);
    await feed.stop();
    expect(eventsOf(await drain(feed.source.items))).toEqual([
      {
        kind: 'mark-price',
        tsUs: msg.E * 1000,
        instrument: 'BTC-PERP',
        price: Number(msg.p),
        src: { file: 'binance', line: 1 },
      },
      {
        kind: 'index-price',
        tsUs: msg.E * 1000,
        instrument: 'BTC-PERP',
        price: Number(msg.i),
        src: { file: 'binance', line: 1 },
      },
    ]);
    expect([Number(msg.p), Number(msg.i), msg.E]).toEqual([11794.15, 11784.62659091, 1562305380000]);
  });

  it('importing ccxt-feed.ts does not load ccxt', () => {
    const source = readFileSync(new URL('./ccxt-feed.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/^\s*import\b[^;]*['"]ccxt['"]/m);
    // A child process records every module its loader loads (a module.register hook); that it
    // sees ccxt-feed.ts and typebox (a package ccxt-feed.ts does load) shows the probe works.
    const hooks = `let port;
      export function initialize(data) { port = data.port; }
      export async function load(url, context, next) { port.postMessage(url); return next(url, context); }`;
    const script = `
      import { register } from 'node:module';
      import { MessageChannel } from 'node:worker_threads';
      const { port1, port2 } = new MessageChannel();
      const urls = [];
      port1.on('message', (u) => urls.push(u));
      port1.unref();
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}), {
        data: { port: port2 }, transferList: [port2] });
      const feed = await import(${JSON.stringify(new URL('./ccxt-feed.ts', import.meta.url).href)});
      await new Promise((r) => setTimeout(r, 100));
      const loaded = (part) => urls.filter((u) => u.includes(part)).length;
      console.log(JSON.stringify({
        ccxt: loaded('/node_modules/ccxt/'),
        feed: loaded('/src/io/feeds/ccxt-feed.ts'),
        typebox: loaded('/node_modules/typebox/') > 0,
        exported: typeof feed.loadCcxtExchange,
      }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(out).toEqual({ ccxt: 0, feed: 1, typebox: true, exported: 'function' });
  });
});
