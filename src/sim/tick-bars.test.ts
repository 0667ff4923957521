import { describe, expect, it } from 'vitest';
import type { TradeEvent } from '../domain/events.ts';
import { TradeBars } from './tick-bars.ts';

const MIN = 60_000_000;
const T0 = Date.UTC(2025, 9, 4) * 1000;
const trade = (tsUs: number, price: number, qty: number): TradeEvent => ({
  kind: 'trade',
  instrument: 'BTCUSDC',
  tsUs,
  price,
  qty,
  side: 'buy',
  id: null,
});

describe('TradeBars', () => {
  it('builds OHLCV per bar, flat bars over a gap; a trade older than the bar being built joins it', () => {
    const b = new TradeBars('BTCUSDC', MIN);
    b.add(trade(T0 + 1_000, 100, 0.5));
    b.add(trade(T0 + 20_000_000, 103, 0.25));
    b.add(trade(T0 + 59_999_999, 99, 1));
    // nothing in minute 1; minute 2 has one trade
    b.add(trade(T0 + 2 * MIN + 5, 101, 2));
    b.add(trade(T0 + 2 * MIN - 3, 100.5, 9)); // late: minute 1 is already behind
    expect(b.late).toBe(1);
    expect(b.finish().map((x) => [x.tsUs - T0, x.open, x.high, x.low, x.close, x.volume, x.trades])).toEqual([
      [0, 100, 103, 99, 99, 1.75, 3],
      [MIN, 99, 99, 99, 99, 0, 0],
      [2 * MIN, 101, 101, 100.5, 101, 11, 2],
    ]);
  });
});
