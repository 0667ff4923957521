import { describe, expect, it } from 'vitest';
import type { Decision } from '../domain/decisions.ts';
import type { EngineEvent } from '../domain/events.ts';
import type { Instrument } from '../domain/instrument.ts';
import { defaultEngineConfig, Engine } from './engine.ts';

const perp: Instrument = {
  kind: 'perpetual',
  id: 'BTCUSDT',
  baseCurrency: 'BTC',
  quoteCurrency: 'USDT',
  settlement: 'linear',
  settlementCurrency: 'USDT',
  contractSize: 0.001,
  tickSize: 0.1,
  fundingIntervalUs: 8 * 3600e6,
};

const snap = (tsUs: number, bids: [number, number][], asks: [number, number][]): EngineEvent => ({
  kind: 'book-snapshot',
  instrument: 'BTCUSDT',
  tsUs,
  bids,
  asks,
  src: { file: 'f.csv', line: tsUs, raw: `row ${tsUs}` },
});

describe('Engine', () => {
  it('refuses a book update that would cross, keeps the book, and says why with the source', () => {
    const engine = new Engine(defaultEngineConfig());
    expect(engine.handle(snap(1, [[100, 1]], [[101, 1]]))).toEqual([]);
    const out = engine.handle({
      kind: 'book-delta',
      instrument: 'BTCUSDT',
      tsUs: 2,
      reset: false,
      bids: [[101.5, 2]],
      asks: [],
      src: { file: 'f.csv', line: 7, raw: 'raw line 7' },
    });
    expect(out).toEqual([
      {
        kind: 'input-rejected',
        tsUs: 2,
        code: 'BOOK_CROSSED',
        reason: 'BTCUSDT: update would cross the book (best bid 101.5 >= best ask 101); not applied',
        evidence: { eventKind: 'book-delta' },
        src: { file: 'f.csv', line: 7, raw: 'raw line 7' },
      },
    ]);
    const book = engine.books.get('BTCUSDT');
    expect(book?.levels('bid', 5)).toEqual([[100, 1]]);
    expect(book?.levels('ask', 5)).toEqual([[101, 1]]);
    expect(engine.stats).toEqual({ events: 2, rejected: 1, decisions: 1 });
  });

  it('keeps quote tops apart from the L2 book', () => {
    const engine = new Engine(defaultEngineConfig());
    engine.handle(
      snap(
        1,
        [
          [100, 1],
          [99, 5],
        ],
        [[101, 1]],
      ),
    );
    engine.handle({
      kind: 'quote',
      instrument: 'BTCUSDT',
      tsUs: 2,
      bidPrice: 100,
      bidSize: 1,
      askPrice: 101,
      askSize: 1,
    });
    expect(engine.books.get('BTCUSDT')?.levelCount('bid')).toBe(2);
    expect(engine.viewOf('BTCUSDT')?.mid()).toBe(100.5);
    const crossed = engine.handle({
      kind: 'quote',
      instrument: 'ETHUSDT',
      tsUs: 3,
      bidPrice: 10,
      bidSize: 1,
      askPrice: 9,
      askSize: 1,
    });
    expect(crossed[0]?.kind === 'input-rejected' && crossed[0].code).toBe('BOOK_CROSSED');
  });

  it('refuses bad numbers from API callers with BAD_NUMBER, without throwing or losing closed intervals', () => {
    const engine = new Engine(defaultEngineConfig());
    engine.handle(snap(0, [[100, 1]], [[101, 1]]));
    const nanQuote = engine.handle({
      kind: 'quote',
      instrument: 'BTCUSDT',
      tsUs: 1_500_000,
      bidPrice: Number.NaN,
      bidSize: 1,
      askPrice: 101,
      askSize: -2,
    });
    expect(nanQuote).toEqual([
      {
        kind: 'input-rejected',
        tsUs: 1_500_000,
        code: 'BAD_NUMBER',
        reason: 'quote BTCUSDT: bidPrice must be a finite number > 0, got NaN',
        evidence: { eventKind: 'quote' },
        src: null,
      },
    ]);
    const badTrade = engine.handle({
      kind: 'trade',
      instrument: 'BTCUSDT',
      tsUs: 1_600_000,
      price: Number.POSITIVE_INFINITY,
      qty: 1,
      side: 'buy',
      id: null,
    });
    expect(badTrade[0]).toMatchObject({
      code: 'BAD_NUMBER',
      reason: 'trade BTCUSDT: price must be a finite number > 0, got Infinity',
    });
    const badLevel = engine.handle({
      kind: 'book-delta',
      instrument: 'BTCUSDT',
      tsUs: 1_700_000,
      reset: false,
      bids: [[99, -1]],
      asks: [],
    });
    expect(badLevel[0]).toMatchObject({
      code: 'BAD_NUMBER',
      reason: 'book-delta BTCUSDT: bids[0].size must be a finite number >= 0, got -1',
    });
    // The interval [0, 1 s) closed on the first bad event; the book is untouched.
    expect(engine.books.get('BTCUSDT')?.levels('bid', 5)).toEqual([[100, 1]]);
    expect(engine.stats.rejected).toBe(3);
  });

  it('applies fills to positions and rejects fills on unknown instruments', () => {
    const engine = new Engine(defaultEngineConfig({ instruments: [perp] }));
    const fill = (qty: number, price: number, instrument = 'BTCUSDT'): Decision[] =>
      engine.handle({
        kind: 'fill',
        eventId: `f${qty}`,
        account: 'a1',
        instrument,
        qtyContracts: qty,
        price,
        fee: '0',
        tsUs: 10,
      });
    fill(2000, 100);
    fill(-500, 120);
    const a = engine.margin.accountInput('a1');
    // 2 BTC long at 100, sold 0.5 BTC at 120: realized 0.5 × 20 = 10 USDT into the pool's cash
    expect(a?.positions).toEqual([{ instrumentId: 'BTCUSDT', qty: 1500, avgEntryPrice: 100 }]);
    expect(a?.collateral[0]?.currency).toBe('USDT');
    expect(a?.collateral[0]?.amount).toBeCloseTo(10, 12);
    const out = fill(1, 100, 'NOPE');
    expect(out[0]).toMatchObject({ kind: 'input-rejected', code: 'UNKNOWN_INSTRUMENT' });
  });

  it('never moves time backwards and is deterministic', () => {
    const run = () => {
      const engine = new Engine(defaultEngineConfig());
      const decisions: Decision[] = [];
      for (let i = 0; i < 200; i++) {
        const spread = i > 150 ? 5 : 0.5 + (i % 2) * 0.1;
        decisions.push(...engine.handle(snap(i * 1_000_000, [[100, 10]], [[100 + spread, 10]])));
      }
      decisions.push(...engine.handle(snap(5, [[100, 1]], [[101, 1]])));
      return { decisions, time: engine.timeUs };
    };
    const a = run();
    expect(a.time).toBe(199_000_000);
    expect(JSON.stringify(run())).toBe(JSON.stringify(a));
    // The spread jump after 150 s is a tier escalation with its evidence.
    const up = a.decisions.find((d) => d.kind === 'tier-change');
    expect(up).toMatchObject({
      kind: 'tier-change',
      scope: 'BTCUSDT',
      from: 'normal',
      reason: 'stress index reached enter threshold',
    });
    expect(up?.tsUs).toBe(152_000_000);
    expect(Number(up?.evidence.stressIndex)).toBeGreaterThanOrEqual(2);
  });
});
