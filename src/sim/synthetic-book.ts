import type { DepthBand, Level } from '../domain/events.ts';
import { DepthProfile } from '../liquidity/depth-profile.ts';

/**
 * A synthetic L2 order book for backtests on OHLCV data (docs/synthetic-book.md). Spread and
 * depth are functions of the trailing realized volatility (and, optionally, volume); the depth
 * parameters are fitted on Binance USDⓈ-M BTCUSDT `bookDepth` (2025-10-10 00:00–11:59 UTC) by
 * `fitSyntheticBook`, the spread rule, the stress extrapolation and the level grid are assumed.
 *
 * Model, per side, for a distance x from mid (a fraction, 0.01 = 1 %):
 *
 *   D(x) = A(x) · g(rv) · h(volume)                     cumulative depth within x of mid, BTC
 *   A(x): piecewise linear through (0, 0) and (eₖ, Aₖ) at the band edges eₖ = 1 … 5 %, continued
 *         beyond the last edge with the outermost band's density
 *   g(rv) = (min(r, rvHigh) / rvRef)^β · (max(r, rvHigh) / rvHigh)^βₛ,  r = max(rv, rvLow)
 *   h(v)  = 1 (BTC_SYNTHETIC_BOOK), or min(1, (v / vRef)^δ) when a volume rule is given
 *   spread = max(tick, mid · s₀ · (r / rvRef)^k)
 *
 * β is fitted inside the fitted rv range [rvLow, rvHigh]; βₛ (above it) is assumed. Below rvLow
 * the book stays at its rvLow depth (no extrapolation towards deeper books than were observed).
 *
 * Everything here is pure: no I/O, no ambient time or randomness.
 */

// ───────────────────────────── parameters ─────────────────────────────

/** Depth part of the model; sizes in BASE units (BTC for BTC_SYNTHETIC_BOOK). */
export interface SyntheticDepthModel {
  /** Distances from mid (fractions of mid, ascending, > 0) at which `depthAtRef` is given: the bookDepth band edges. */
  readonly bandEdges: readonly number[];
  /** Cumulative depth per side within each band edge when rv = rvRef, base units (fitted: exp of the band's mean log depth, sides pooled). */
  readonly depthAtRef: readonly number[];
  /** Per-minute rv (std dev of 1-minute log returns) at which `depthAtRef` holds: geometric mean of the fit sample's trailing rv. */
  readonly rvRef: number;
  /** Lowest trailing rv in the fit sample (per minute); lower rv is treated as this (the book is never deeper than at rvLow). */
  readonly rvLow: number;
  /** Highest trailing rv in the fit sample (per minute); above it `stressRvElasticity` applies. */
  readonly rvHigh: number;
  /** β = d ln D / d ln rv inside [rvLow, rvHigh] (fitted; negative = depth falls as rv rises). */
  readonly rvElasticity: number;
  /** βₛ = d ln D / d ln rv above rvHigh (assumed, not fitted: the fit sample has no stress). */
  readonly stressRvElasticity: number;
  /**
   * Optional volume rule h(v) = min(1, (v / refQuotePerMinute)^elasticity), v = trailing quote
   * volume per minute (0 = unknown → h = 1). The cap means volume can only thin the book. Null =
   * depth does not depend on volume (BTC_SYNTHETIC_BOOK: no volume exists on the depth data's day).
   */
  readonly volume: { readonly refQuotePerMinute: number; readonly elasticity: number } | null;
}

/** Spread rule (assumed, not fitted: bookDepth has no touch): max(tick, mid · atRefBps/1e4 · (r/rvRef)^rvElasticity). */
export interface SyntheticSpreadModel {
  /** Spread at rv = rvRef, bps of mid. */
  readonly atRefBps: number;
  /** d ln spread / d ln rv. */
  readonly rvElasticity: number;
}

/**
 * Where levels sit (assumed): the touch at half the spread, then steps of `firstStepBps` growing
 * by `stepGrowth` per level, with a level exactly at every band edge, out to `maxDistance`.
 */
export interface SyntheticLevelGrid {
  readonly firstStepBps: number;
  readonly stepGrowth: number;
  /** Outermost level's distance from mid (fraction, ≥ the last band edge, < 1). */
  readonly maxDistance: number;
}

export interface SyntheticBookParams {
  readonly depth: SyntheticDepthModel;
  readonly spread: SyntheticSpreadModel;
  readonly grid: SyntheticLevelGrid;
}

export interface BarContext {
  /** Price (quote per base). */
  readonly mid: number;
  /** Realized vol of 1-minute log returns over a trailing window (std dev, per minute), ≥ 0. */
  readonly rvPerMinute: number;
  /** Trailing mean traded quote notional per minute, ≥ 0 (0 if unknown). */
  readonly quoteVolumePerMinute: number;
}

/**
 * BTC book fitted by `scripts/fit-synthetic-book.ts` on Binance USDⓈ-M BTCUSDT bookDepth,
 * 2025-10-10 00:00–11:59 UTC (1 317 snapshots after a 61-minute warm-up; rv over the trailing
 * 60 one-minute returns of the bookDepth mid proxy). Fitted: bandEdges, depthAtRef, rvRef, rvLow,
 * rvHigh, rvElasticity (R² 0.7106 with band effects, 0.0165 within bands). Assumed:
 * stressRvElasticity, volume (none), spread, grid. See docs/synthetic-book.md.
 */
export const BTC_SYNTHETIC_BOOK: SyntheticBookParams = {
  depth: {
    bandEdges: [0.01, 0.02, 0.03, 0.04, 0.05],
    depthAtRef: [
      2161.502517734036, 4203.377684556148, 5644.122535795574, 6686.976236827083, 7555.572891295707,
    ],
    rvRef: 0.000259103632060598,
    rvLow: 0.0001659175434962153,
    rvHigh: 0.00040254533700744444,
    rvElasticity: -0.18398904046177794,
    stressRvElasticity: -1,
    volume: null,
  },
  spread: { atRefBps: 1, rvElasticity: 1 },
  grid: { firstStepBps: 1, stepGrowth: 1.05, maxDistance: 0.1 },
};

// ───────────────────────────── the model ─────────────────────────────

function check(ok: boolean, what: string): void {
  if (!ok) throw new RangeError(`synthetic book: ${what}`);
}

function checkParams(p: SyntheticBookParams): void {
  const d = p.depth;
  const n = d.bandEdges.length;
  check(n >= 2 && d.depthAtRef.length === n, 'need ≥ 2 band edges and one depthAtRef per edge');
  for (let k = 0; k < n; k++) {
    const e = d.bandEdges[k]!;
    const a = d.depthAtRef[k]!;
    check(
      Number.isFinite(e) && e > 0 && (k === 0 || e > d.bandEdges[k - 1]!),
      'band edges must be > 0 and ascending',
    );
    check(
      Number.isFinite(a) && a > 0 && (k === 0 || a > d.depthAtRef[k - 1]!),
      'depthAtRef must be > 0 and ascending',
    );
  }
  check(
    0 < d.rvLow && d.rvLow <= d.rvRef && d.rvRef <= d.rvHigh && Number.isFinite(d.rvHigh),
    'need 0 < rvLow ≤ rvRef ≤ rvHigh',
  );
  check(
    Number.isFinite(d.rvElasticity) && Number.isFinite(d.stressRvElasticity),
    'elasticities must be finite',
  );
  if (d.volume !== null) {
    check(d.volume.refQuotePerMinute > 0 && Number.isFinite(d.volume.elasticity), 'bad volume rule');
  }
  check(p.spread.atRefBps > 0 && Number.isFinite(p.spread.rvElasticity), 'bad spread rule');
  const g = p.grid;
  check(g.firstStepBps > 0 && g.stepGrowth >= 1 && Number.isFinite(g.stepGrowth), 'bad level grid steps');
  check(
    g.maxDistance >= d.bandEdges[n - 1]! && g.maxDistance < 1,
    'grid maxDistance must be in [last band edge, 1)',
  );
}

function checkContext(ctx: BarContext): void {
  check(Number.isFinite(ctx.mid) && ctx.mid > 0, `mid must be > 0, got ${ctx.mid}`);
  check(
    Number.isFinite(ctx.rvPerMinute) && ctx.rvPerMinute >= 0,
    `rvPerMinute must be ≥ 0, got ${ctx.rvPerMinute}`,
  );
  check(
    Number.isFinite(ctx.quoteVolumePerMinute) && ctx.quoteVolumePerMinute >= 0,
    `quoteVolumePerMinute must be ≥ 0, got ${ctx.quoteVolumePerMinute}`,
  );
}

/** g(rv) · h(volume): the factor applied to `depthAtRef` for this context. */
export function depthFactor(ctx: BarContext, depth: SyntheticDepthModel): number {
  const r = Math.max(ctx.rvPerMinute, depth.rvLow);
  const inRange = (Math.min(r, depth.rvHigh) / depth.rvRef) ** depth.rvElasticity;
  const beyond = (Math.max(r, depth.rvHigh) / depth.rvHigh) ** depth.stressRvElasticity;
  let h = 1;
  if (depth.volume !== null && ctx.quoteVolumePerMinute > 0) {
    h = Math.min(1, (ctx.quoteVolumePerMinute / depth.volume.refQuotePerMinute) ** depth.volume.elasticity);
  }
  return inRange * beyond * h;
}

/** A(x): cumulative depth per side within distance x (fraction of mid) at rv = rvRef. */
function profileAt(depth: SyntheticDepthModel, x: number): number {
  const e = depth.bandEdges;
  const a = depth.depthAtRef;
  if (x <= 0) return 0;
  const n = e.length;
  if (x <= e[0]!) return (a[0]! * x) / e[0]!;
  for (let k = 1; k < n; k++) {
    if (x <= e[k]!) return a[k - 1]! + ((a[k]! - a[k - 1]!) * (x - e[k - 1]!)) / (e[k]! - e[k - 1]!);
  }
  const density = (a[n - 1]! - a[n - 2]!) / (e[n - 1]! - e[n - 2]!);
  return a[n - 1]! + density * (x - e[n - 1]!);
}

/** D(x): the model's cumulative depth per side (base units) within distance x (fraction of mid). */
export function syntheticDepthWithin(ctx: BarContext, params: SyntheticBookParams, x: number): number {
  checkContext(ctx);
  checkParams(params);
  return profileAt(params.depth, x) * depthFactor(ctx, params.depth);
}

/** The spread rule before rounding to the tick grid, as a fraction of mid. */
export function syntheticSpread(ctx: BarContext, params: SyntheticBookParams, tickSize: number): number {
  checkContext(ctx);
  check(Number.isFinite(tickSize) && tickSize > 0, `tickSize must be > 0, got ${tickSize}`);
  const r = Math.max(ctx.rvPerMinute, params.depth.rvLow);
  const rule = (params.spread.atRefBps / 1e4) * (r / params.depth.rvRef) ** params.spread.rvElasticity;
  return Math.max(tickSize / ctx.mid, rule);
}

/** Level distances from mid: the touch at `half`, grid steps, every band edge, out to maxDistance. */
function levelDistances(half: number, p: SyntheticBookParams): number[] {
  const { firstStepBps, stepGrowth, maxDistance } = p.grid;
  const edges = p.depth.bandEdges.filter((e) => e > half);
  if (maxDistance > half && !edges.includes(maxDistance)) edges.push(maxDistance);
  const out = [half];
  let x = half;
  let step = firstStepBps / 1e4;
  for (const edge of edges) {
    // Step towards the edge; a grid point within half a step of it is replaced by the edge.
    while (x + step < edge - step / 2) {
      x += step;
      out.push(x);
      step *= stepGrowth;
    }
    x = edge;
    out.push(edge);
  }
  return out;
}

/** idx · tick without float noise (0.1 × 1215001 = 121500.10000000001 → 121500.1). */
function tickPrice(idx: number, tick: number): number {
  return Number((idx * tick).toPrecision(15));
}

/**
 * The synthetic book for one context: levels best first, sizes in base units, prices on the
 * tick grid (bids rounded down, asks up: liquidity is never placed better than the model),
 * bids strictly below asks, out to `grid.maxDistance` (10 % for BTC_SYNTHETIC_BOOK) on each side.
 * The level at distance xⱼ holds D(xⱼ) − D(xⱼ₋₁) (the touch holds D(half spread)), so the
 * cumulative size through the level at a band edge is D(edge). Throws a RangeError on bad input.
 */
export function syntheticBook(
  ctx: BarContext,
  params: SyntheticBookParams,
  tickSize: number,
): { bids: Level[]; asks: Level[] } {
  checkContext(ctx);
  checkParams(params);
  const spread = syntheticSpread(ctx, params, tickSize);
  const factor = depthFactor(ctx, params.depth);
  const xs = levelDistances(spread / 2, params);
  const mid = ctx.mid;
  const askIdx: number[] = [];
  const bidIdx: number[] = [];
  const sizes: number[] = [];
  let prev = 0;
  for (const x of xs) {
    const cum = profileAt(params.depth, x) * factor;
    sizes.push(cum - prev);
    prev = cum;
    // Outward to the tick grid; the 1e-9 tick keeps float noise (100005.00000000001) on its tick.
    askIdx.push(Math.ceil((mid * (1 + x)) / tickSize - 1e-9));
    bidIdx.push(Math.floor((mid * (1 - x)) / tickSize + 1e-9));
  }
  const bestAsk = askIdx[0]!;
  const side = (idx: readonly number[], isBid: boolean): Level[] => {
    const out: Level[] = [];
    let lastIdx = Number.NaN;
    for (let j = 0; j < idx.length; j++) {
      let i = idx[j]!;
      if (isBid) {
        i = Math.min(i, bestAsk - 1);
        if (i <= 0) break; // no price ≤ 0; only with a tick of the order of mid
      }
      const size = sizes[j]!;
      if (i === lastIdx) {
        const last = out[out.length - 1]!;
        out[out.length - 1] = [last[0], last[1] + size];
      } else {
        out.push([tickPrice(i, tickSize), size]);
        lastIdx = i;
      }
    }
    return out;
  };
  return { bids: side(bidIdx, true), asks: side(askIdx, false) };
}

// ───────────────────────────── context from bars ─────────────────────────────

/**
 * What `trailingBarContext` needs of a bar (a BarEvent is one): its open time, close, and its
 * traded quote notional — `quoteVolume`, or else base `volume` × close (as the monitor counts
 * it); neither = unknown. `open` is used only for bar 0, whose context has no earlier close.
 */
export interface ContextBar {
  readonly tsUs: number;
  readonly close: number;
  readonly open?: number;
  readonly quoteVolume?: number | null;
  readonly volume?: number | null;
}

function quoteVolumeOf(b: ContextBar): number | null {
  if (b.quoteVolume !== undefined && b.quoteVolume !== null) return b.quoteVolume;
  if (b.volume !== undefined && b.volume !== null) return b.volume * b.close;
  return null;
}

/**
 * The BarContext for bar i from bars before i only (no look-ahead): mid = close of bar i − 1
 * (bar 0: its open, which is known at its start); rv = sample std dev (N − 1) of the log returns
 * between consecutive closes ending at bars i − windowBars … i − 1, divided by √barMinutes (per
 * minute); a return across a gap (bars not exactly barMinutes apart) is left out; fewer than 2
 * returns → rv 0 (the model then uses its rvLow). quoteVolumePerMinute = mean quote volume of
 * bars i − windowBars … i − 1 with a known volume, / barMinutes; 0 when none is known.
 * Requires 0 ≤ i ≤ bars.length (i = 0 needs bars[0].open).
 */
export function trailingBarContext(
  bars: readonly ContextBar[],
  i: number,
  windowBars: number,
  barMinutes: number,
): BarContext {
  check(
    Number.isInteger(i) && i >= 0 && i <= bars.length,
    `bar index must be in [0, ${bars.length}], got ${i}`,
  );
  check(
    Number.isInteger(windowBars) && windowBars >= 2,
    `windowBars must be an integer ≥ 2, got ${windowBars}`,
  );
  check(Number.isFinite(barMinutes) && barMinutes > 0, `barMinutes must be > 0, got ${barMinutes}`);
  if (i === 0) {
    const open = bars[0]?.open;
    check(open !== undefined, 'the context of bar 0 needs its open (there is no earlier close)');
    return { mid: open as number, rvPerMinute: 0, quoteVolumePerMinute: 0 };
  }
  const stepUs = barMinutes * 60_000_000;
  const from = Math.max(0, i - windowBars);
  const returns: number[] = [];
  let volSum = 0;
  let volCount = 0;
  for (let j = from; j < i; j++) {
    const b = bars[j]!;
    const qv = quoteVolumeOf(b);
    if (qv !== null) {
      volSum += qv;
      volCount++;
    }
    if (j === 0) continue;
    const a = bars[j - 1]!;
    if (b.tsUs - a.tsUs === stepUs) returns.push(Math.log(b.close / a.close));
  }
  return {
    mid: bars[i - 1]!.close,
    rvPerMinute: sampleSd(returns) / Math.sqrt(barMinutes),
    quoteVolumePerMinute: volCount > 0 ? volSum / volCount / barMinutes : 0,
  };
}

/** Sample std dev (N − 1); 0 for fewer than 2 values. */
function sampleSd(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= n;
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2;
  return Math.sqrt(ss / (n - 1));
}

// ───────────────────────────── the fit ─────────────────────────────

/** One depth snapshot (a DepthProfileEvent satisfies this). */
export interface DepthSnapshot {
  readonly tsUs: number;
  readonly bands: readonly DepthBand[];
}

export interface FitOptions {
  /** Trailing rv window in 1-minute returns. */
  readonly windowMinutes: number;
  /** Newey–West (Bartlett) lag for the HAC standard errors, in snapshots (~30 s each). */
  readonly hacLagSnapshots: number;
}

export const FIT_OPTIONS: FitOptions = { windowMinutes: 60, hacLagSnapshots: 240 };

export type StressBucket = 'low' | 'mid' | 'high';

export interface SyntheticBookFit {
  /** The fitted part of SyntheticDepthModel. */
  readonly depth: Pick<
    SyntheticDepthModel,
    'bandEdges' | 'depthAtRef' | 'rvRef' | 'rvLow' | 'rvHigh' | 'rvElasticity'
  >;
  readonly options: FitOptions;
  readonly snapshots: {
    readonly total: number;
    /** Snapshots without exactly the first snapshot's band set on both sides, or without a mid. */
    readonly incomplete: number;
    /** Snapshots without a full trailing rv window (warm-up, gaps). */
    readonly warmup: number;
    readonly used: number;
    readonly firstUsedTsUs: number;
    readonly lastUsedTsUs: number;
  };
  /** Regression rows: used snapshots × sides × bands. */
  readonly observations: number;
  /** 1 − SSR/SST of ln depth (band effects + rv). */
  readonly r2: number;
  /** Share of the variance of ln depth around its band means explained by rv. */
  readonly r2Within: number;
  /** Standard errors: OLS (iid) and Newey–West HAC over snapshots. */
  readonly se: {
    readonly rvElasticityOls: number;
    readonly rvElasticityHac: number;
    /** Of ln depthAtRef[k]; ≈ relative standard error of depthAtRef[k]. */
    readonly logDepthOls: readonly number[];
    readonly logDepthHac: readonly number[];
  };
  /** Diagnostics: the same regression per band, and per side (band effects kept). */
  readonly rvElasticityByBand: readonly number[];
  readonly rvElasticityBySide: { readonly bid: number; readonly ask: number };
  /** Mean residual per side (ln units): the pooled symmetric profile against each side. */
  readonly meanResidualBySide: { readonly bid: number; readonly ask: number };
  /** Residual (ln depth) by stress bucket (terciles of the snapshots' rv) and band edge. */
  readonly residuals: readonly {
    readonly bucket: StressBucket;
    readonly rvFrom: number;
    readonly rvTo: number;
    readonly snapshots: number;
    readonly byBand: readonly { readonly edge: number; readonly mean: number; readonly rms: number }[];
  }[];
  /** Residual quantiles (ln units): 5, 25, 50, 75, 95 %. */
  readonly residualQuantiles: readonly number[];
  /** SSR / observations (ln units squared). */
  readonly residualMeanSquare: number;
}

/**
 * Last mid proxy per UTC minute: the DepthProfile estimate (midpoint of the ±1 % bands' average
 * prices), as the liquidity monitor uses it. Snapshots without a mid are skipped.
 */
export function minuteMidCloses(snapshots: readonly DepthSnapshot[]): Map<number, number> {
  const closes = new Map<number, number>();
  const profile = new DepthProfile('fit');
  for (const s of snapshots) {
    profile.update(s.bands);
    const m = profile.mid();
    if (m !== null) closes.set(Math.floor(s.tsUs / 60_000_000), m);
  }
  return closes;
}

function neweyWest(u: readonly number[], lag: number): number {
  let s = 0;
  for (const v of u) s += v * v;
  for (let l = 1; l <= lag && l < u.length; l++) {
    let c = 0;
    for (let t = l; t < u.length; t++) c += u[t]! * u[t - l]!;
    s += 2 * (1 - l / (lag + 1)) * c;
  }
  return s;
}

/** Type-7 quantile of sorted values. */
function quantileSorted(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Fits the depth part of the model on cumulative depth snapshots (Binance bookDepth): for every
 * snapshot with a full band set and a full trailing window, rv = sample std dev of the
 * `windowMinutes` 1-minute log returns of the minute mid closes (minuteMidCloses) ending with the
 * minute before the snapshot's minute (no look-ahead). Then least squares on logs, pooling bid
 * and ask:  ln D(t, side, k) = αₖ + β · ln(rv_t / rvRef) + ε,  rvRef = geometric mean of rv_t,
 * so αₖ is the band's mean ln depth and β = Σ x·(y − αₖ) / Σ x² (x is centred, hence orthogonal
 * to the band effects). depthAtRef[k] = exp(αₖ).
 */
export function fitSyntheticBook(
  snapshots: readonly DepthSnapshot[],
  options: FitOptions = FIT_OPTIONS,
): SyntheticBookFit {
  const W = options.windowMinutes;
  check(snapshots.length > 0, 'no snapshots to fit');
  // Band set: |pct| present on both sides in the first snapshot.
  const first = snapshots[0]!.bands;
  const edgesPct = [...new Set(first.filter((b) => b.pct > 0).map((b) => b.pct))]
    .filter((p) => first.some((b) => b.pct === -p))
    .sort((a, b) => a - b);
  const K = edgesPct.length;
  check(K >= 2, 'need ≥ 2 band edges on both sides');
  const closes = minuteMidCloses(snapshots);
  const ret = (m: number): number | null => {
    const a = closes.get(m - 1);
    const b = closes.get(m);
    return a === undefined || b === undefined ? null : Math.log(b / a);
  };

  // Per used snapshot: rv and ln depth [side][band].
  const rows: { tsUs: number; rv: number; bid: number[]; ask: number[] }[] = [];
  let incomplete = 0;
  let warmup = 0;
  const profile = new DepthProfile('fit');
  for (const s of snapshots) {
    const bid: number[] = [];
    const ask: number[] = [];
    for (const p of edgesPct) {
      const b = s.bands.find((x) => x.pct === -p);
      const a = s.bands.find((x) => x.pct === p);
      if (b && b.depthBase > 0) bid.push(Math.log(b.depthBase));
      if (a && a.depthBase > 0) ask.push(Math.log(a.depthBase));
    }
    profile.update(s.bands);
    if (s.bands.length !== 2 * K || bid.length !== K || ask.length !== K || profile.mid() === null) {
      incomplete++;
      continue;
    }
    const m = Math.floor(s.tsUs / 60_000_000);
    const rs: number[] = [];
    for (let j = m - W; j < m; j++) {
      const r = ret(j);
      if (r !== null) rs.push(r);
    }
    if (rs.length < W) {
      warmup++;
      continue;
    }
    rows.push({ tsUs: s.tsUs, rv: sampleSd(rs), bid, ask });
  }
  const T = rows.length;
  check(T >= 10, `only ${T} snapshots have a full band set and rv window`);

  let meanLnRv = 0;
  for (const r of rows) meanLnRv += Math.log(r.rv);
  meanLnRv /= T;
  const rvRef = Math.exp(meanLnRv);
  const x = rows.map((r) => Math.log(r.rv) - meanLnRv);

  // Band effects (pooled sides) and the common slope.
  const alpha = new Array<number>(K).fill(0);
  for (const r of rows) for (let k = 0; k < K; k++) alpha[k]! += r.bid[k]! + r.ask[k]!;
  for (let k = 0; k < K; k++) alpha[k] = alpha[k]! / (2 * T);
  let sxx = 0;
  let sxy = 0;
  for (let t = 0; t < T; t++) {
    const r = rows[t]!;
    let dev = 0;
    for (let k = 0; k < K; k++) dev += r.bid[k]! - alpha[k]! + (r.ask[k]! - alpha[k]!);
    sxx += x[t]! ** 2;
    sxy += x[t]! * dev;
  }
  const beta = sxy / (2 * K * sxx);

  // Residuals, fit quality.
  const n = 2 * K * T;
  let grand = 0;
  for (const a of alpha) grand += a;
  grand /= K;
  let ssr = 0;
  let sst = 0;
  let sstWithin = 0;
  const resid: { bid: number[]; ask: number[] }[] = [];
  for (let t = 0; t < T; t++) {
    const r = rows[t]!;
    const e = { bid: [] as number[], ask: [] as number[] };
    for (let k = 0; k < K; k++) {
      for (const side of ['bid', 'ask'] as const) {
        const y = r[side][k]!;
        const res = y - alpha[k]! - beta * x[t]!;
        e[side].push(res);
        ssr += res ** 2;
        sst += (y - grand) ** 2;
        sstWithin += (y - alpha[k]!) ** 2;
      }
    }
    resid.push(e);
  }

  // Standard errors.
  const sigma2 = ssr / (n - K - 1);
  const scoreBeta = resid.map(
    (e, t) => x[t]! * (e.bid.reduce((s, v) => s + v, 0) + e.ask.reduce((s, v) => s + v, 0)),
  );
  const L = options.hacLagSnapshots;
  const seAlphaOls: number[] = [];
  const seAlphaHac: number[] = [];
  for (let k = 0; k < K; k++) {
    seAlphaOls.push(Math.sqrt(sigma2 / (2 * T)));
    seAlphaHac.push(
      Math.sqrt(
        neweyWest(
          resid.map((e) => e.bid[k]! + e.ask[k]!),
          L,
        ),
      ) /
        (2 * T),
    );
  }

  // Diagnostics: slope per band and per side.
  const slope = (dev: (t: number) => number, count: number): number => {
    let s = 0;
    for (let t = 0; t < T; t++) s += x[t]! * dev(t);
    return s / (count * sxx);
  };
  const byBand = edgesPct.map((_, k) => slope((t) => rows[t]!.bid[k]! + rows[t]!.ask[k]! - 2 * alpha[k]!, 2));
  const sideSlope = (side: 'bid' | 'ask') =>
    slope((t) => rows[t]![side].reduce((s, v, k) => s + v - alpha[k]!, 0), K);
  const meanRes = (side: 'bid' | 'ask') =>
    resid.reduce((s, e) => s + e[side].reduce((a, v) => a + v, 0), 0) / (K * T);

  // Residuals by stress tercile (rank of rv) and band.
  const order = rows.map((_, t) => t).sort((a, b) => rows[a]!.rv - rows[b]!.rv || a - b);
  const buckets: StressBucket[] = ['low', 'mid', 'high'];
  const residuals = buckets.map((bucket, q) => {
    const ts = order.slice(Math.floor((q * T) / 3), Math.floor(((q + 1) * T) / 3));
    return {
      bucket,
      rvFrom: rows[ts[0]!]!.rv,
      rvTo: rows[ts[ts.length - 1]!]!.rv,
      snapshots: ts.length,
      byBand: edgesPct.map((p, k) => {
        let s = 0;
        let s2 = 0;
        for (const t of ts) {
          for (const v of [resid[t]!.bid[k]!, resid[t]!.ask[k]!]) {
            s += v;
            s2 += v * v;
          }
        }
        const m = 2 * ts.length;
        return { edge: p / 100, mean: s / m, rms: Math.sqrt(s2 / m) };
      }),
    };
  });
  const all = resid.flatMap((e) => [...e.bid, ...e.ask]).sort((a, b) => a - b);

  const rvs = rows.map((r) => r.rv);
  return {
    depth: {
      bandEdges: edgesPct.map((p) => p / 100),
      depthAtRef: alpha.map((a) => Math.exp(a)),
      rvRef,
      rvLow: Math.min(...rvs),
      rvHigh: Math.max(...rvs),
      rvElasticity: beta,
    },
    options,
    snapshots: {
      total: snapshots.length,
      incomplete,
      warmup,
      used: T,
      firstUsedTsUs: rows[0]!.tsUs,
      lastUsedTsUs: rows[T - 1]!.tsUs,
    },
    observations: n,
    r2: 1 - ssr / sst,
    r2Within: 1 - ssr / sstWithin,
    se: {
      rvElasticityOls: Math.sqrt(sigma2 / (2 * K * sxx)),
      rvElasticityHac: Math.sqrt(neweyWest(scoreBeta, L)) / (2 * K * sxx),
      logDepthOls: seAlphaOls,
      logDepthHac: seAlphaHac,
    },
    rvElasticityByBand: byBand,
    rvElasticityBySide: { bid: sideSlope('bid'), ask: sideSlope('ask') },
    meanResidualBySide: { bid: meanRes('bid'), ask: meanRes('ask') },
    residuals,
    residualQuantiles: [0.05, 0.25, 0.5, 0.75, 0.95].map((p) => quantileSorted(all, p)),
    residualMeanSquare: ssr / n,
  };
}

/**
 * The same book with its depth scaled by `factor` (> 0): for a venue or year thinner than the
 * 2025 Binance USDⓈ-M book the fit comes from (docs/synthetic-book.md, "Limitations").
 */
export function scaledBook(params: SyntheticBookParams, factor: number): SyntheticBookParams {
  if (!(factor > 0) || !Number.isFinite(factor))
    throw new RangeError(`depth scale must be > 0, got ${factor}`);
  return {
    ...params,
    depth: { ...params.depth, depthAtRef: params.depth.depthAtRef.map((x) => x * factor) },
  };
}

/**
 * Traded quote volume per minute assumed for the market the depth was fitted on (Binance USDⓈ-M
 * BTCUSDT, October 2025): 14 M USDT a minute, about 20 bn a day. An assumption, not data: no
 * volume of that market is in the dev data (docs/synthetic-book.md, "Depth per window").
 */
export const FITTED_MARKET_QUOTE_PER_MINUTE = 14_000_000;

/** Bounds of the automatic depth scale: never deeper than the fitted book, never below 1 %. */
export const AUTO_DEPTH_SCALE_BOUNDS = { min: 0.01, max: 1 } as const;

/**
 * The depth scale for a window's market: its median quote volume per minute over the first
 * `leadFrac` of the bars (the population's warm-up, before the window's events: no look-ahead
 * into the crash) ÷ the fitted market's, clamped to AUTO_DEPTH_SCALE_BOUNDS. Depth is taken
 * proportional to traded volume (elasticity 1, assumed). Bars without volume are left out;
 * with none at all the scale is 1.
 */
export function depthScaleFromVolume(
  bars: readonly ContextBar[],
  barMinutes: number,
  leadFrac = 0.2,
  refQuotePerMinute = FITTED_MARKET_QUOTE_PER_MINUTE,
): number {
  check(barMinutes > 0 && Number.isFinite(barMinutes), `barMinutes must be > 0, got ${barMinutes}`);
  check(leadFrac > 0 && leadFrac <= 1, `leadFrac must be in (0, 1], got ${leadFrac}`);
  const n = Math.max(1, Math.ceil(bars.length * leadFrac));
  const perMinute = bars
    .slice(0, n)
    .map(quoteVolumeOf)
    .filter((v): v is number => v !== null)
    .map((v) => v / barMinutes)
    .sort((a, b) => a - b);
  if (perMinute.length === 0) return 1;
  const mid = perMinute.length >> 1;
  const median =
    perMinute.length % 2 === 1
      ? (perMinute[mid] as number)
      : ((perMinute[mid - 1] as number) + (perMinute[mid] as number)) / 2;
  const { min, max } = AUTO_DEPTH_SCALE_BOUNDS;
  return Math.min(max, Math.max(min, median / refQuotePerMinute));
}
