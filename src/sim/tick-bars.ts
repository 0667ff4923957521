import type { BarEvent, TradeEvent } from '../domain/events.ts';

/**
 * Tick files for the population backtest (docs/backtesting.md, "Tick files"): the population,
 * its synthetic book and the price impact are driven bar by bar, so a file of trades (tardis
 * `trades`, Binance `aggTrades`) is turned into OHLCV bars of `barUs` — open, high, low, close of
 * the trade prices, volume Σ qty (base units), trade count. A bar with no trade repeats the last
 * close with volume 0, so the bars stay a regular grid from the first trade to the last. Pure:
 * same trades, same bars.
 */
export class TradeBars {
  private current: {
    startUs: number;
    o: number;
    h: number;
    l: number;
    c: number;
    v: number;
    n: number;
  } | null = null;
  private readonly out: BarEvent[] = [];
  /**
   * Trades older than the bar being built (out of order across a bar boundary; readers allow 1 s):
   * added to the bar being built — volume and range kept, the close left to the latest trade.
   */
  late = 0;

  constructor(
    readonly instrument: string,
    readonly barUs: number,
  ) {
    if (!Number.isSafeInteger(barUs) || barUs <= 0)
      throw new RangeError(`bar length must be a positive integer µs, got ${barUs}`);
  }

  add(t: TradeEvent): void {
    const startUs = Math.floor(t.tsUs / this.barUs) * this.barUs;
    const c = this.current;
    if (c && startUs < c.startUs) {
      this.late++;
      c.h = Math.max(c.h, t.price);
      c.l = Math.min(c.l, t.price);
      c.v += t.qty;
      c.n++;
      return;
    }
    if (c && startUs === c.startUs) {
      c.h = Math.max(c.h, t.price);
      c.l = Math.min(c.l, t.price);
      c.c = t.price;
      c.v += t.qty;
      c.n++;
      return;
    }
    if (c) {
      this.close(c);
      // empty bars between: flat at the last close
      for (let s = c.startUs + this.barUs; s < startUs; s += this.barUs)
        this.push(s, c.c, c.c, c.c, c.c, 0, 0);
    }
    this.current = { startUs, o: t.price, h: t.price, l: t.price, c: t.price, v: t.qty, n: 1 };
  }

  /** The bars so far, the one being built included (call once the trades are in). */
  finish(): BarEvent[] {
    if (this.current) {
      this.close(this.current);
      this.current = null;
    }
    return this.out;
  }

  private close(c: NonNullable<TradeBars['current']>): void {
    this.push(c.startUs, c.o, c.h, c.l, c.c, c.v, c.n);
  }

  private push(
    tsUs: number,
    open: number,
    high: number,
    low: number,
    close: number,
    volume: number,
    trades: number,
  ) {
    this.out.push({ kind: 'bar', instrument: this.instrument, tsUs, open, high, low, close, volume, trades });
  }
}
