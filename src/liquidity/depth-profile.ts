import { decodeNum, type EncodedNum, encodeNum } from '../core/state-codec.ts';
import type { DepthBand } from '../domain/events.ts';
import type { BookSide, LiquidityView, WalkResult } from './order-book.ts';

const BPS = 1e4;

/** One side's bands, innermost first; cumulative values with an implicit (0 %, 0, 0) in front. */
interface SideBands {
  /** |pct| of each band edge, strictly increasing. */
  readonly pctAbs: readonly number[];
  readonly depthBase: readonly number[];
  readonly notionalQuote: readonly number[];
}

/**
 * Snapshot of a DepthProfile: its bands as `update` takes them (pct < 0 = bid side), bids then
 * asks, innermost first. The mid estimate is derived from them on restore.
 */
export interface DepthProfileState {
  readonly instrument: string;
  readonly bands: readonly {
    readonly pct: EncodedNum;
    readonly depthBase: EncodedNum;
    readonly notionalQuote: EncodedNum;
  }[];
}

const NO_BANDS: SideBands = { pctAbs: [], depthBase: [], notionalQuote: [] };

/**
 * Liquidity view over cumulative depth bands around mid, for sources with no L2 book
 * (Binance `bookDepth`: every ~30 s, `percentage` ±1..±5, cumulative base `depth` and quote
 * `notional` between mid and mid × (1 + pct/100)). Coarse by nature; the decisions:
 *
 * - **Mid** is not given by the source. It is estimated as the midpoint of the volume-weighted
 *   prices (notional / depth) of the innermost bid band and the innermost ask band (skipping a
 *   band with zero depth). Null unless both sides have such a band. With more liquidity near mid
 *   on one side the estimate leans that way; it is an estimate, not a quote.
 * - **spreadBps()** is always null: the bands say nothing about the touch.
 * - **depthWithinBps** treats cumulative notional as piecewise linear in |pct| between band
 *   edges, starting at 0 at 0 %. Beyond the outermost band it stays at the outermost value,
 *   so it is a lower bound there. 0 when there is no mid (as for OrderBook).
 * - **Walks** take liquidity inside a band as spread uniformly over it: band increments
 *   (differences of cumulatives) are consumed innermost first, a partial band contributing the
 *   same fraction of its base as of its notional. `worstPrice` is the band-edge price
 *   mid × (1 ± pct/100) interpolated at the fill fraction; slippage is measured against the
 *   estimated mid (null, like `worstPrice`, when there is no mid). `complete` is false past
 *   the outermost band.
 * - Bad bands (non-finite, zero or duplicate pct, bid pct <= −100, negative depth or notional,
 *   cumulative values falling outward) throw a RangeError naming the band. Callers validate
 *   feed data first; this is a bug guard.
 */
export class DepthProfile implements LiquidityView {
  private bids: SideBands = NO_BANDS;
  private asks: SideBands = NO_BANDS;
  private midEstimate: number | null = null;

  constructor(
    readonly instrument: string,
    bands: readonly DepthBand[] = [],
  ) {
    this.update(bands);
  }

  /** Replaces all bands (pct < 0 = bid side). Order of `bands` does not matter. */
  update(bands: readonly DepthBand[]): void {
    bands.forEach(checkBand);
    const bids = buildSide(bands, 'bid');
    const asks = buildSide(bands, 'ask');
    const bidVwap = innermostVwap(bids);
    const askVwap = innermostVwap(asks);
    this.bids = bids;
    this.asks = asks;
    this.midEstimate = bidVwap === null || askVwap === null ? null : (bidVwap + askVwap) / 2;
  }

  /** The profile's state as plain JSON data (docs/concepts/journal.md, "State snapshots"). */
  exportState(): DepthProfileState {
    const bands: DepthProfileState['bands'][number][] = [];
    for (const [side, sign] of [
      [this.bids, -1],
      [this.asks, 1],
    ] as const) {
      for (let k = 0; k < side.pctAbs.length; k++) {
        bands.push({
          pct: encodeNum(sign * side.pctAbs[k]!),
          depthBase: encodeNum(side.depthBase[k]!),
          notionalQuote: encodeNum(side.notionalQuote[k]!),
        });
      }
    }
    return { instrument: this.instrument, bands };
  }

  /** Replaces the bands by a state from `exportState`; throws if it is another instrument's or has bad bands. */
  restoreState(s: DepthProfileState): void {
    if (s.instrument !== this.instrument) {
      throw new RangeError(`depth profile ${this.instrument}: cannot restore the state of ${s.instrument}`);
    }
    this.update(
      s.bands.map((b) => ({
        pct: decodeNum(b.pct),
        depthBase: decodeNum(b.depthBase),
        notionalQuote: decodeNum(b.notionalQuote),
      })),
    );
  }

  /** Number of bands held on `side`. */
  bandCount(side: BookSide): number {
    return (side === 'bid' ? this.bids : this.asks).pctAbs.length;
  }

  /**
   * The band edges of both sides as distances from mid in bps, ascending and distinct
   * (e.g. [100, 200, 300, 400, 500] for Binance bookDepth): where depthWithinBps is read off the
   * source rather than interpolated.
   */
  bandsBps(): readonly number[] {
    const edges = new Set<number>();
    // toPrecision trims float noise (0.1 × 100 = 10.000000000000002) so edges print and key cleanly.
    for (const p of [...this.bids.pctAbs, ...this.asks.pctAbs]) edges.add(Number((p * 100).toPrecision(12)));
    return [...edges].sort((a, b) => a - b);
  }

  /** Estimated mid (see class notes). */
  mid(): number | null {
    return this.midEstimate;
  }

  /** Always null: cumulative bands carry no top-of-book. */
  spreadBps(): null {
    return null;
  }

  /** Cumulative notional at |pct| = bps/100, linear between band edges, capped at the outermost band. */
  depthWithinBps(side: BookSide, bps: number): number {
    if (this.midEstimate === null || !(bps > 0)) return 0;
    const { pctAbs, notionalQuote } = side === 'bid' ? this.bids : this.asks;
    const x = bps / 100;
    let prevPct = 0;
    let prevNotional = 0;
    for (let k = 0; k < pctAbs.length; k++) {
      const p = pctAbs[k]!;
      const n = notionalQuote[k]!;
      // Exact at an edge rather than a + (b − a), which can miss b by an ulp.
      if (x === p) return n;
      if (x < p) return prevNotional + ((n - prevNotional) * (x - prevPct)) / (p - prevPct);
      prevPct = p;
      prevNotional = n;
    }
    return prevNotional;
  }

  /** Market sell of `notionalQuote` (>= 0, Infinity = all bands) into the bid bands. */
  walkSellQuote(notionalQuote: number): WalkResult {
    return this.walk(this.bids, notionalQuote, -1);
  }

  /** Market buy of `notionalQuote` (>= 0, Infinity = all bands) from the ask bands. */
  walkBuyQuote(notionalQuote: number): WalkResult {
    return this.walk(this.asks, notionalQuote, 1);
  }

  /** `direction` is +1 for a buy (prices above mid), −1 for a sell. */
  private walk(side: SideBands, requested: number, direction: 1 | -1): WalkResult {
    if (Number.isNaN(requested) || requested < 0) {
      throw new RangeError(`walk notional must be >= 0 (Infinity walks all bands), got ${requested}`);
    }
    const mid = this.midEstimate;
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
    const { pctAbs, depthBase, notionalQuote } = side;
    let remaining = requested;
    let filledBase = 0;
    let filledQuote = 0;
    let worstPct: number | null = null;
    let complete = false;
    let prevPct = 0;
    let prevBase = 0;
    let prevNotional = 0;
    for (let k = 0; k < pctAbs.length; k++) {
      const p = pctAbs[k]!;
      const bandBase = depthBase[k]! - prevBase;
      const bandQuote = notionalQuote[k]! - prevNotional;
      if (bandQuote > 0) {
        if (bandQuote >= remaining) {
          const f = remaining / bandQuote;
          filledBase += f * bandBase;
          filledQuote = requested; // the request itself, not a float sum ulps away
          worstPct = prevPct + f * (p - prevPct);
          complete = true;
          break;
        }
        filledBase += bandBase;
        filledQuote += bandQuote;
        remaining -= bandQuote;
        worstPct = p;
      }
      prevPct = p;
      prevBase = depthBase[k]!;
      prevNotional = notionalQuote[k]!;
    }
    const avgPrice = filledBase > 0 ? filledQuote / filledBase : null;
    const worstPrice = mid === null || worstPct === null ? null : mid * (1 + (direction * worstPct) / 100);
    const slippageBps = avgPrice === null || mid === null ? null : (direction * (avgPrice - mid) * BPS) / mid;
    return { requested, filledBase, filledQuote, avgPrice, worstPrice, slippageBps, complete };
  }
}

function bandName(b: DepthBand, i: number): string {
  return `depth band ${i} (pct ${b.pct}, depthBase ${b.depthBase}, notionalQuote ${b.notionalQuote})`;
}

function checkBand(b: DepthBand, i: number): void {
  if (!Number.isFinite(b.pct) || !Number.isFinite(b.depthBase) || !Number.isFinite(b.notionalQuote)) {
    throw new RangeError(`${bandName(b, i)}: non-finite value`);
  }
  if (b.pct === 0 || b.pct <= -100)
    throw new RangeError(`${bandName(b, i)}: pct must be in (−100, 0) or > 0`);
  if (b.depthBase < 0 || b.notionalQuote < 0) throw new RangeError(`${bandName(b, i)}: negative depth`);
}

/** `side`'s bands of `bands`, innermost first, checked for outward-monotone cumulatives. */
function buildSide(bands: readonly DepthBand[], side: BookSide): SideBands {
  const sorted = bands
    .map((b, i) => ({ b, i, pctAbs: Math.abs(b.pct) }))
    .filter((s) => (side === 'bid' ? s.b.pct < 0 : s.b.pct > 0))
    .sort((x, y) => x.pctAbs - y.pctAbs);
  for (let k = 1; k < sorted.length; k++) {
    const inner = sorted[k - 1]!;
    const outer = sorted[k]!;
    const name = bandName(outer.b, outer.i);
    if (outer.pctAbs === inner.pctAbs) throw new RangeError(`${name}: duplicate pct`);
    if (outer.b.depthBase < inner.b.depthBase || outer.b.notionalQuote < inner.b.notionalQuote) {
      throw new RangeError(`${name}: cumulative depth falls below the band inside it (pct ${inner.b.pct})`);
    }
  }
  return {
    pctAbs: sorted.map((s) => s.pctAbs),
    depthBase: sorted.map((s) => s.b.depthBase),
    notionalQuote: sorted.map((s) => s.b.notionalQuote),
  };
}

/** notional / depth of the innermost band holding any base; null if none does. */
function innermostVwap(side: SideBands): number | null {
  for (let k = 0; k < side.pctAbs.length; k++) {
    const base = side.depthBase[k]!;
    if (base > 0) return side.notionalQuote[k]! / base;
  }
  return null;
}
