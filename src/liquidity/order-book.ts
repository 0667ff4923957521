import type { Level } from '../domain/events.ts';

export type { Level } from '../domain/events.ts';

export type BookSide = 'bid' | 'ask';

/**
 * Outcome of walking one side of the book with a market order sized in quote notional.
 * `filledQuote` / `requested` are quote currency, `filledBase` is the source's size unit.
 */
export interface WalkResult {
  requested: number;
  filledBase: number;
  filledQuote: number;
  /** filledQuote / filledBase; null when nothing was filled. */
  avgPrice: number | null;
  /** Price of the last level (or band edge) touched; null when nothing was filled. */
  worstPrice: number | null;
  /** Cost against mid in bps, positive = worse than mid; null when there is no mid (0 for a zero request). */
  slippageBps: number | null;
  /** False when the side ran out before `requested` was filled. */
  complete: boolean;
}

/**
 * Snapshot of an OrderBook: its levels, best first, as [price, size] pairs. Prices and sizes are
 * always finite and positive, so they need no encoding.
 */
export interface OrderBookState {
  readonly instrument: string;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

export type ApplyResult = { ok: true } | { ok: false; bestBid: number; bestAsk: number };

/** What risk code needs from a liquidity source, whether a full L2 book or coarse depth bands. */
export interface LiquidityView {
  mid(): number | null;
  /** (ask − bid) / mid × 1e4; null when the view has no quotes (DepthProfile). */
  spreadBps(): number | null;
  /** Quote notional (Σ price × size) of `side` within `bps` of mid, inclusive; 0 when there is no mid. */
  depthWithinBps(side: BookSide, bps: number): number;
  /** A market sell of `notionalQuote` of quote notional into the bids. */
  walkSellQuote(notionalQuote: number): WalkResult;
  /** A market buy of `notionalQuote` of quote notional from the asks. */
  walkBuyQuote(notionalQuote: number): WalkResult;
  /**
   * Optional: the distances (bps, ascending) at which this view's depth is actually known, for
   * views coarser than a book (DepthProfile band edges). Absent = any distance is exact.
   */
  bandsBps?(): readonly number[];
}

const BPS = 1e4;
const INITIAL_CAPACITY = 64;
/** Shared success result, so an accepted batch allocates nothing. */
const OK: ApplyResult = Object.freeze({ ok: true });

/**
 * One side of the book as parallel sorted arrays, best price first (bids descending, asks
 * ascending). Binary search plus `copyWithin` keeps updates allocation-free; capacity doubles
 * when full, so a long-lived book stops allocating once it reaches its working size.
 */
class Ladder {
  prices: Float64Array;
  sizes: Float64Array;
  count = 0;

  constructor(
    readonly descending: boolean,
    capacity: number,
  ) {
    this.prices = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
  }

  /** First index whose price is not strictly better than `price`: its slot if present, else where it goes. */
  search(price: number): number {
    const prices = this.prices;
    let lo = 0;
    let hi = this.count;
    // Two loops rather than a comparator so the hot path has no call and no extra branch.
    if (this.descending) {
      while (lo < hi) {
        const m = (lo + hi) >>> 1;
        if (prices[m]! > price) lo = m + 1;
        else hi = m;
      }
    } else {
      while (lo < hi) {
        const m = (lo + hi) >>> 1;
        if (prices[m]! < price) lo = m + 1;
        else hi = m;
      }
    }
    return lo;
  }

  /** Sets an absolute size (0 removes) and returns the size it replaced (0 if absent). */
  set(price: number, size: number): number {
    const i = this.search(price);
    const n = this.count;
    if (i < n && this.prices[i] === price) {
      const prior = this.sizes[i]!;
      if (size > 0) {
        this.sizes[i] = size;
      } else {
        this.prices.copyWithin(i, i + 1, n);
        this.sizes.copyWithin(i, i + 1, n);
        this.count = n - 1;
      }
      return prior;
    }
    if (size > 0) {
      if (n === this.prices.length) this.grow();
      this.prices.copyWithin(i + 1, i, n);
      this.sizes.copyWithin(i + 1, i, n);
      this.prices[i] = price;
      this.sizes[i] = size;
      this.count = n + 1;
    }
    return 0;
  }

  /** Replaces the contents with `levels` (best first), checked for valid, strictly ordered prices. */
  load(levels: readonly Level[], what: string): void {
    if (!Array.isArray(levels)) throw new RangeError(`${what}: expected an array of [price, size] levels`);
    const n = levels.length;
    if (n > this.prices.length) {
      this.prices = new Float64Array(Math.max(INITIAL_CAPACITY, n));
      this.sizes = new Float64Array(Math.max(INITIAL_CAPACITY, n));
    }
    this.count = 0;
    for (let i = 0; i < n; i++) {
      const [price, size] = levels[i]!;
      checkLevel(price, size);
      if (!(size > 0)) throw new RangeError(`${what}: level ${i} has size 0 (a book holds no empty levels)`);
      if (i > 0 && !(this.descending ? price < this.prices[i - 1]! : price > this.prices[i - 1]!)) {
        throw new RangeError(`${what}: level ${i} (price ${price}) is out of order`);
      }
      this.prices[i] = price;
      this.sizes[i] = size;
    }
    this.count = n;
  }

  private grow(): void {
    const capacity = Math.max(INITIAL_CAPACITY, this.prices.length * 2);
    const prices = new Float64Array(capacity);
    const sizes = new Float64Array(capacity);
    prices.set(this.prices.subarray(0, this.count));
    sizes.set(this.sizes.subarray(0, this.count));
    this.prices = prices;
    this.sizes = sizes;
  }
}

function checkLevel(price: number, size: number): void {
  // A NaN would silently break the binary-search order, so this guard stays on the hot path.
  if (!(Number.isFinite(price) && price > 0) || !(Number.isFinite(size) && size >= 0)) {
    throw new RangeError(`bad book level: price ${price}, size ${size} (need price > 0, size >= 0, finite)`);
  }
}

function checkNotional(notionalQuote: number): void {
  if (Number.isNaN(notionalQuote) || notionalQuote < 0) {
    throw new RangeError(`walk notional must be >= 0 (Infinity walks the whole side), got ${notionalQuote}`);
  }
}

/** The result of walking nothing: no fill, no cost, trivially complete. */
function emptyWalk(requested: number): WalkResult {
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

/**
 * L2 order book for one instrument: absolute sizes per price level (0 removes), no order
 * identity. Updates are O(log n) search plus a `copyWithin` shift and allocate nothing in the
 * steady state; `applyBatch` is atomic and refuses to leave the book crossed.
 */
export class OrderBook implements LiquidityView {
  private bids = new Ladder(true, INITIAL_CAPACITY);
  private asks = new Ladder(false, INITIAL_CAPACITY);
  // Spare ladders take the live role on a reset batch, so the old ones survive untouched for a
  // rollback without copying; on success they become the next spares.
  private spareBids = new Ladder(true, INITIAL_CAPACITY);
  private spareAsks = new Ladder(false, INITIAL_CAPACITY);
  // Undo journal of a non-reset batch: side (1 = bid), price, size before the change.
  private undoSide = new Uint8Array(INITIAL_CAPACITY);
  private undoPrice = new Float64Array(INITIAL_CAPACITY);
  private undoSize = new Float64Array(INITIAL_CAPACITY);

  constructor(readonly instrument: string) {}

  /** The book's state as plain JSON data (docs/concepts/journal.md, "State snapshots"). */
  exportState(): OrderBookState {
    return {
      instrument: this.instrument,
      bids: this.levels('bid', this.bids.count),
      asks: this.levels('ask', this.asks.count),
    };
  }

  /** Replaces this book's levels by a state from `exportState`; throws if it is another instrument's or malformed. */
  restoreState(s: OrderBookState): void {
    if (s.instrument !== this.instrument) {
      throw new RangeError(`order book ${this.instrument}: cannot restore the state of ${s.instrument}`);
    }
    // Load into the spares first, so a malformed state leaves the book untouched.
    this.spareBids.load(s.bids, `order book ${this.instrument} state bids`);
    this.spareAsks.load(s.asks, `order book ${this.instrument} state asks`);
    const bids = this.bids;
    const asks = this.asks;
    this.bids = this.spareBids;
    this.asks = this.spareAsks;
    this.spareBids = bids;
    this.spareAsks = asks;
  }

  clear(): void {
    this.bids.count = 0;
    this.asks.count = 0;
  }

  /** Sets the absolute size at `price` (0 removes). No cross check: use `applyBatch` for feed data. */
  setLevel(side: BookSide, price: number, size: number): void {
    checkLevel(price, size);
    (side === 'bid' ? this.bids : this.asks).set(price, size);
  }

  /**
   * Applies a batch atomically: optional reset (clear first), then each level; if the result is
   * crossed (bestBid >= bestAsk) the book is restored exactly to its prior state and
   * `{ ok: false, ... }` returned with the crossed best prices. A bad level (non-finite, negative
   * size, price <= 0) throws a RangeError, also after restoring the prior state.
   */
  applyBatch(reset: boolean, bids: readonly Level[], asks: readonly Level[]): ApplyResult {
    if (reset) return this.applyReset(bids, asks);
    const total = bids.length + asks.length;
    if (total > this.undoSide.length) this.growUndo(total);
    let k = 0;
    try {
      // Indexed loops, not for-of: no iterator objects on the hot path.
      for (let i = 0; i < bids.length; i++) {
        const [price, size] = bids[i]!;
        checkLevel(price, size);
        this.undoSide[k] = 1;
        this.undoPrice[k] = price;
        this.undoSize[k] = this.bids.set(price, size);
        k++;
      }
      for (let i = 0; i < asks.length; i++) {
        const [price, size] = asks[i]!;
        checkLevel(price, size);
        this.undoSide[k] = 0;
        this.undoPrice[k] = price;
        this.undoSize[k] = this.asks.set(price, size);
        k++;
      }
    } catch (e) {
      this.undo(k);
      throw e;
    }
    const crossed = this.crossedPrices();
    if (crossed === null) return OK;
    this.undo(k);
    return crossed;
  }

  bestBid(): number | null {
    return this.bids.count > 0 ? this.bids.prices[0]! : null;
  }

  bestAsk(): number | null {
    return this.asks.count > 0 ? this.asks.prices[0]! : null;
  }

  bestBidSize(): number | null {
    return this.bids.count > 0 ? this.bids.sizes[0]! : null;
  }

  bestAskSize(): number | null {
    return this.asks.count > 0 ? this.asks.sizes[0]! : null;
  }

  isCrossed(): boolean {
    return this.bids.count > 0 && this.asks.count > 0 && this.bids.prices[0]! >= this.asks.prices[0]!;
  }

  levelCount(side: BookSide): number {
    return (side === 'bid' ? this.bids : this.asks).count;
  }

  /** Up to `max` levels of `side`, best first, as fresh [price, size] pairs. */
  levels(side: BookSide, max: number): Level[] {
    const ladder = side === 'bid' ? this.bids : this.asks;
    const n = Math.min(ladder.count, Math.max(0, max));
    const out: Level[] = [];
    for (let i = 0; i < n; i++) out.push([ladder.prices[i]!, ladder.sizes[i]!]);
    return out;
  }

  mid(): number | null {
    if (this.bids.count === 0 || this.asks.count === 0) return null;
    return (this.bids.prices[0]! + this.asks.prices[0]!) / 2;
  }

  spreadBps(): number | null {
    if (this.bids.count === 0 || this.asks.count === 0) return null;
    const bid = this.bids.prices[0]!;
    const ask = this.asks.prices[0]!;
    return ((ask - bid) / ((bid + ask) / 2)) * BPS;
  }

  /**
   * Quote notional (Σ price × size) of `side`'s levels priced within `bps` of mid, bounds
   * inclusive: bids at or above mid × (1 − bps/1e4), asks at or below mid × (1 + bps/1e4).
   * 0 when either side is empty (no mid). Linear in the levels inside the band.
   */
  depthWithinBps(side: BookSide, bps: number): number {
    const mid = this.mid();
    if (mid === null) return 0;
    let sum = 0;
    if (side === 'bid') {
      const limit = mid * (1 - bps / BPS);
      const { prices, sizes, count } = this.bids;
      for (let i = 0; i < count; i++) {
        const p = prices[i]!;
        if (p < limit) break;
        sum += p * sizes[i]!;
      }
    } else {
      const limit = mid * (1 + bps / BPS);
      const { prices, sizes, count } = this.asks;
      for (let i = 0; i < count; i++) {
        const p = prices[i]!;
        if (p > limit) break;
        sum += p * sizes[i]!;
      }
    }
    return sum;
  }

  /** Market sell of `notionalQuote` (quote currency, >= 0, Infinity = whole side) into the bids. */
  walkSellQuote(notionalQuote: number): WalkResult {
    return this.walk(this.bids, notionalQuote, -1);
  }

  /** Market buy of `notionalQuote` (quote currency, >= 0, Infinity = whole side) from the asks. */
  walkBuyQuote(notionalQuote: number): WalkResult {
    return this.walk(this.asks, notionalQuote, 1);
  }

  /** `direction` is +1 for a buy (paying above mid is the cost), −1 for a sell. */
  private walk(ladder: Ladder, requested: number, direction: 1 | -1): WalkResult {
    checkNotional(requested);
    if (requested === 0) return emptyWalk(0);
    const { prices, sizes, count } = ladder;
    let remaining = requested;
    let filledBase = 0;
    let filledQuote = 0;
    let worstPrice: number | null = null;
    let complete = false;
    for (let i = 0; i < count; i++) {
      const p = prices[i]!;
      const s = sizes[i]!;
      const levelQuote = p * s;
      worstPrice = p;
      if (levelQuote >= remaining) {
        filledBase += remaining / p;
        // Report the request itself rather than a float sum a few ulps away from it.
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

  private applyReset(bids: readonly Level[], asks: readonly Level[]): ApplyResult {
    const oldBids = this.bids;
    const oldAsks = this.asks;
    this.bids = this.spareBids;
    this.asks = this.spareAsks;
    this.bids.count = 0;
    this.asks.count = 0;
    const restore = (): void => {
      this.spareBids = this.bids;
      this.spareAsks = this.asks;
      this.bids = oldBids;
      this.asks = oldAsks;
    };
    try {
      for (let i = 0; i < bids.length; i++) {
        const [price, size] = bids[i]!;
        checkLevel(price, size);
        this.bids.set(price, size);
      }
      for (let i = 0; i < asks.length; i++) {
        const [price, size] = asks[i]!;
        checkLevel(price, size);
        this.asks.set(price, size);
      }
    } catch (e) {
      restore();
      throw e;
    }
    const crossed = this.crossedPrices();
    if (crossed !== null) {
      restore();
      return crossed;
    }
    this.spareBids = oldBids;
    this.spareAsks = oldAsks;
    return OK;
  }

  private crossedPrices(): { ok: false; bestBid: number; bestAsk: number } | null {
    if (!this.isCrossed()) return null;
    return { ok: false, bestBid: this.bids.prices[0]!, bestAsk: this.asks.prices[0]! };
  }

  /** Reverts the first `k` journal entries, newest first, so a price touched twice ends at its oldest size. */
  private undo(k: number): void {
    for (let j = k - 1; j >= 0; j--) {
      const ladder = this.undoSide[j] === 1 ? this.bids : this.asks;
      ladder.set(this.undoPrice[j]!, this.undoSize[j]!);
    }
  }

  private growUndo(atLeast: number): void {
    let capacity = this.undoSide.length * 2;
    while (capacity < atLeast) capacity *= 2;
    this.undoSide = new Uint8Array(capacity);
    this.undoPrice = new Float64Array(capacity);
    this.undoSize = new Float64Array(capacity);
  }
}
