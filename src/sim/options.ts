import type { Level } from '../domain/events.ts';
import type { OptionInstrument, OptionRight } from '../domain/instrument.ts';
import { yearsTo } from '../margin/market.ts';
import type { GridModelConfig } from '../margin/portfolio/grid-model.ts';
import { regularGrid, type VolShockSpec } from '../margin/portfolio/scenarios.ts';
import { black76, black76Price } from '../pricing/black76.ts';
import { type BarContext, depthFactor, type SyntheticBookParams, syntheticSpread } from './synthetic-book.ts';

/**
 * Options in the backtest venue (docs/backtesting.md, "Option writers"; docs/synthetic-book.md,
 * "Option books"): linear USDC-settled BTC options on the same underlying as the perpetual, one
 * expiry, strikes ±10 % around the writers' entry prices on a grid, marked by Black-76 at the
 * index with the vol of the source (DVOL), each with a synthetic book around that mark. Pure: the
 * caller reads the files.
 */

/** Strikes are this fraction out of the money at entry: puts at 0.9 × price, calls at 1.1 × price. */
export const OPTION_OTM_FRAC = 0.1;

/** Share of option writers that sell strangles; the rest write covered calls (long perp + short call). */
export const STRANGLE_SHARE = 0.5;

/**
 * The backtest venue's margin with options: the perpetual's ±5 % grid (MM = ½ IM) with each move
 * also taken with option vols shocked up and down, Deribit's portfolio-margin vol shock (up 50 %,
 * down 25 %, scaled by (30 / days to expiry)^0.3 inside 30 days and ^0.13 beyond, up at least to
 * 50 % vol; src/margin/portfolio/presets/deribit-pm.ts). A perpetual has no vega, so its rows
 * are those of `BACKTEST_MARGIN` repeated: perpetual-only accounts are margined identically.
 */
export const OPTION_VOL_SHOCK: VolShockSpec = {
  mode: 'relative',
  upFrac: 0.5,
  downFrac: 0.25,
  pivotDays: 30,
  floorDays: 1,
  shortTermPower: 0.3,
  longTermPower: 0.13,
  minVolUp: 0.5,
};

export const BACKTEST_OPTION_MARGIN: GridModelConfig = {
  name: 'backtest-5pct-vol',
  scenarios: regularGrid([-0.05, 0, 0.05], ['none', 'up', 'down']),
  volShock: OPTION_VOL_SHOCK,
  mmFactor: 0.5,
  contingencies: {},
};

// ------------------------------------------------------------------------------------ vol source

/** One DVOL row: the close (annualised %, e.g. 114.72) of the UTC day starting at `dayStartUs`. */
export interface DvolRow {
  readonly dayStartUs: number;
  readonly closePct: number;
}

const DAY_US = 86_400_000_000;

/**
 * Parses the DVOL CSV (`timestamp_ms,time_utc,dvol_close`, day start UTC, daily close in %).
 * Throws with the line number on a malformed row; rows must be in time order.
 */
export function parseDvolCsv(text: string, name = 'dvol'): DvolRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const head = (lines[0] ?? '').split(',').map((s) => s.trim());
  const ts = head.indexOf('timestamp_ms');
  const close = head.indexOf('dvol_close');
  if (ts < 0 || close < 0) throw new RangeError(`${name}: header needs timestamp_ms and dvol_close`);
  const out: DvolRow[] = [];
  for (let n = 1; n < lines.length; n++) {
    const f = (lines[n] as string).split(',');
    const ms = Number(f[ts]);
    const pct = Number(f[close]);
    if (!Number.isSafeInteger(ms) || !(pct > 0) || !Number.isFinite(pct))
      throw new RangeError(`${name} line ${n + 1}: bad timestamp_ms or dvol_close`);
    const prev = out[out.length - 1];
    if (prev && ms * 1000 <= prev.dayStartUs)
      throw new RangeError(`${name} line ${n + 1}: rows are not in time order`);
    out.push({ dayStartUs: ms * 1000, closePct: pct });
  }
  if (out.length === 0) throw new RangeError(`${name}: no rows`);
  return out;
}

/**
 * The DVOL in force at `tsUs`, as an annual fraction: the close of the last UTC day that ended at
 * or before `tsUs` (a day's close is known when the day is over: no look-ahead). Before the
 * first day's close, that first close (a disclosed look-ahead, reported as `backfilled`).
 */
export function dvolAt(rows: readonly DvolRow[], tsUs: number): { vol: number; backfilled: boolean } {
  let lo = 0;
  let hi = rows.length - 1;
  let found = -1;
  // last row with dayStart + 1 day ≤ tsUs
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((rows[mid] as DvolRow).dayStartUs + DAY_US <= tsUs) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const row = rows[Math.max(found, 0)] as DvolRow;
  return { vol: row.closePct / 100, backfilled: found < 0 };
}

// --------------------------------------------------------------------------- expiry and strikes

/** Earliest expiry: at least this long after the window's first bar (DVOL is a 30-day vol). */
export const MIN_EXPIRY_DAYS = 30;

/**
 * The options' expiry: the first Friday 08:00 UTC (Deribit's expiry time) at least
 * `MIN_EXPIRY_DAYS` after the first bar and at least one day after the window's end, so that no
 * option expires inside the run (expiry settlement is not simulated).
 */
export function optionExpiryUs(firstBarUs: number, endUs: number): number {
  const earliest = Math.max(firstBarUs + MIN_EXPIRY_DAYS * DAY_US, endUs + DAY_US);
  const day = Math.floor(earliest / DAY_US) * DAY_US;
  for (let k = 0; k < 8; k++) {
    const t = day + k * DAY_US + 8 * 3_600_000_000;
    // 1970-01-01 was a Thursday: Friday is day index 1 modulo 7
    if (new Date(t / 1000).getUTCDay() === 5 && t >= earliest) return t;
  }
  throw new RangeError('no Friday within eight days'); // unreachable
}

/** Strike grid: one tenth of the price's power of ten (1 000 USD for BTC at 10 000–99 999). */
export function strikeStep(price: number): number {
  return 10 ** (Math.floor(Math.log10(price)) - 1);
}

/** The put and call strikes of a writer entering at `price`: ∓10 %, rounded to the grid. */
export function writerStrikes(price: number): { put: number; call: number } {
  const step = strikeStep(price);
  return {
    put: Math.round((price * (1 - OPTION_OTM_FRAC)) / step) * step,
    call: Math.round((price * (1 + OPTION_OTM_FRAC)) / step) * step,
  };
}

/** Instrument id, e.g. `BTC-USDC-20221202-18000-P`. */
export function optionId(expiryUs: number, strike: number, right: OptionRight): string {
  const d = new Date(expiryUs / 1000).toISOString().slice(0, 10).replaceAll('-', '');
  return `BTC-USDC-${d}-${strike}-${right === 'call' ? 'C' : 'P'}`;
}

/** A linear USDC-settled BTC option on the index, 1 BTC per contract, tick 0.1 USDC. */
export function backtestOption(expiryUs: number, strike: number, right: OptionRight): OptionInstrument {
  return {
    kind: 'option',
    id: optionId(expiryUs, strike, right),
    baseCurrency: 'BTC',
    quoteCurrency: 'USD',
    settlement: 'linear',
    settlementCurrency: 'USDC',
    contractSize: 1,
    tickSize: 0.1,
    expiryUs,
    strike,
    right,
    underlyingId: 'BTC',
  };
}

/** Black-76 value of one contract (USDC) at forward = index, rate 0: what the margin book marks. */
export function optionMark(o: OptionInstrument, index: number, vol: number, tsUs: number): number {
  return o.contractSize * black76Price(o.right, index, o.strike, yearsTo(o.expiryUs, tsUs), vol, 1);
}

// ---------------------------------------------------------------------------------- option book

/**
 * The synthetic option book (docs/synthetic-book.md, "Option books"): a market maker quoting
 * around the Black-76 mark, charging the cost of its delta hedge through the perpetual's book and
 * a vol margin. Half-spread h = max(tick, |Δ| · hPerp + vega · volHalfSpread), hPerp the
 * perpetual's synthetic half-spread at the same context (USDC per BTC), vega per 1.00 of vol;
 * `levels` levels a side at mark ± h · (1 + j), j = 0 … levels − 1, each of
 * `levelContracts` × g(rv) contracts (g the perpetual book's depth factor: thinner under stress).
 */
export interface OptionBookParams {
  /** Vol margin of the touch, annual vol fraction (0.0025 = ¼ vol point). */
  readonly volHalfSpread: number;
  readonly levels: number;
  /** Contracts (BTC) per level at rvRef. */
  readonly levelContracts: number;
}

export const OPTION_BOOK: OptionBookParams = { volHalfSpread: 0.0025, levels: 10, levelContracts: 10 };

export function optionBook(
  o: OptionInstrument,
  index: number,
  vol: number,
  tsUs: number,
  ctx: BarContext,
  perpBook: SyntheticBookParams,
  perpTick: number,
  params: OptionBookParams = OPTION_BOOK,
): { readonly mark: number; readonly halfSpread: number; readonly bids: Level[]; readonly asks: Level[] } {
  const g = black76({
    right: o.right,
    forward: index,
    strike: o.strike,
    timeYears: yearsTo(o.expiryUs, tsUs),
    volAnnual: vol,
  });
  const mark = optionMark(o, index, vol, tsUs);
  const hPerp = syntheticSpread({ ...ctx, mid: index }, perpBook, perpTick) / 2;
  const tick = o.tickSize;
  const h = Math.max(tick, o.contractSize * (Math.abs(g.delta) * hPerp + g.vega * params.volHalfSpread));
  const size = params.levelContracts * depthFactor(ctx, perpBook.depth);
  const bids: Level[] = [];
  const asks: Level[] = [];
  // prices outward to the tick grid (bids down, asks up), without float dust
  const onTick = (ticks: number) => Number((ticks * tick).toFixed(10));
  for (let j = 0; j < params.levels; j++) {
    const bid = onTick(Math.floor((mark - h * (1 + j)) / tick + 1e-9));
    const ask = onTick(Math.ceil((mark + h * (1 + j)) / tick - 1e-9));
    if (bid > 0 && (bids.length === 0 || bid < (bids[bids.length - 1] as Level)[0])) bids.push([bid, size]);
    if (asks.length === 0 || ask > (asks[asks.length - 1] as Level)[0]) asks.push([ask, size]);
  }
  return { mark, halfSpread: h, bids, asks };
}

// ------------------------------------------------------------------------------------ settings

/** The option part of a backtest: share of writers, the vol source and the venue's options. */
export interface OptionSettings {
  /** Share of accounts that write options (0..1). */
  readonly share: number;
  /** DVOL rows (flat vol per day). */
  readonly dvol: readonly DvolRow[];
  /** Share of writers selling strangles (default STRANGLE_SHARE). */
  readonly strangleShare?: number;
  readonly book?: OptionBookParams;
}
