import type { Level } from '../src/domain/events.ts';
import type { BookSide, LiquidityView, WalkResult } from '../src/liquidity/order-book.ts';

const BPS = 1e4;

type Side = [number, number][];

const byPriceDesc = (a: readonly [number, number], b: readonly [number, number]): number => b[0] - a[0];
const byPriceAsc = (a: readonly [number, number], b: readonly [number, number]): number => a[0] - b[0];

function isGoodLevel(price: number, size: number): boolean {
  return Number.isFinite(price) && price > 0 && Number.isFinite(size) && size >= 0;
}

/**
 * Benchmark baseline: the straightforward L2 book. Each side is a plain array of mutable
 * [price, size] pairs; a level is found with `findIndex`, removed with `splice`, appended with
 * `push`, and every side a batch touched is re-sorted with `Array.prototype.sort` before the
 * batch returns. The read methods follow `OrderBook`'s definitions (same formulas, same
 * best-first summation order), so a `LiquidityMonitor` driven by either book produces the same
 * rows. Unlike `OrderBook.applyBatch`, `apply` is not atomic: a batch that leaves the book
 * crossed or carries a bad level throws and leaves the book as it is (the bench stream never
 * crosses, so the baseline is not charged for rollback machinery it would never use).
 */
export class NaiveBook implements LiquidityView {
  bids: Side = [];
  asks: Side = [];

  /** Applies absolute sizes (0 removes); `reset` clears both sides first. */
  apply(reset: boolean, bids: readonly Level[], asks: readonly Level[]): void {
    if (reset) {
      this.bids = [];
      this.asks = [];
    }
    if (bids.length > 0) {
      for (const [p, s] of bids) this.set(this.bids, p, s);
      this.bids.sort(byPriceDesc);
    }
    if (asks.length > 0) {
      for (const [p, s] of asks) this.set(this.asks, p, s);
      this.asks.sort(byPriceAsc);
    }
    const b = this.bids[0];
    const a = this.asks[0];
    if (b && a && b[0] >= a[0]) throw new Error(`naive book crossed: bid ${b[0]} >= ask ${a[0]}`);
  }

  private set(side: Side, price: number, size: number): void {
    if (!isGoodLevel(price, size)) throw new RangeError(`bad book level: price ${price}, size ${size}`);
    const i = side.findIndex((l) => l[0] === price);
    if (i >= 0) {
      if (size > 0) side[i]![1] = size;
      else side.splice(i, 1);
    } else if (size > 0) {
      side.push([price, size]);
    }
  }

  levelCount(side: BookSide): number {
    return (side === 'bid' ? this.bids : this.asks).length;
  }

  mid(): number | null {
    const b = this.bids[0];
    const a = this.asks[0];
    return b && a ? (b[0] + a[0]) / 2 : null;
  }

  spreadBps(): number | null {
    const b = this.bids[0];
    const a = this.asks[0];
    return b && a ? ((a[0] - b[0]) / ((b[0] + a[0]) / 2)) * BPS : null;
  }

  depthWithinBps(side: BookSide, bps: number): number {
    const mid = this.mid();
    if (mid === null) return 0;
    let sum = 0;
    if (side === 'bid') {
      const limit = mid * (1 - bps / BPS);
      for (const [p, s] of this.bids) {
        if (p < limit) break;
        sum += p * s;
      }
    } else {
      const limit = mid * (1 + bps / BPS);
      for (const [p, s] of this.asks) {
        if (p > limit) break;
        sum += p * s;
      }
    }
    return sum;
  }

  walkSellQuote(notionalQuote: number): WalkResult {
    return this.walk(this.bids, notionalQuote, -1);
  }

  walkBuyQuote(notionalQuote: number): WalkResult {
    return this.walk(this.asks, notionalQuote, 1);
  }

  private walk(side: Side, requested: number, direction: 1 | -1): WalkResult {
    if (Number.isNaN(requested) || requested < 0) {
      throw new RangeError(`walk notional must be >= 0, got ${requested}`);
    }
    if (requested === 0) {
      return {
        requested,
        filledBase: 0,
        filledQuote: 0,
        avgPrice: null,
        worstPrice: null,
        slippageBps: 0,
        complete: true,
      };
    }
    let remaining = requested;
    let filledBase = 0;
    let filledQuote = 0;
    let worstPrice: number | null = null;
    let complete = false;
    for (const [p, s] of side) {
      const levelQuote = p * s;
      worstPrice = p;
      if (levelQuote >= remaining) {
        filledBase += remaining / p;
        filledQuote = requested;
        complete = true;
        break;
      }
      filledBase += s;
      filledQuote += levelQuote;
      remaining -= levelQuote;
    }
    const avgPrice = filledBase > 0 ? filledQuote / filledBase : null;
    const mid = this.mid();
    const slippageBps = avgPrice === null || mid === null ? null : (direction * (avgPrice - mid) * BPS) / mid;
    return { requested, filledBase, filledQuote, avgPrice, worstPrice, slippageBps, complete };
  }
}
