import type { Tier } from '../domain/decisions.ts';

/** One run (one policy) of a backtest, as series over event time (integer µs). */
export interface RunSeries {
  readonly policy: string;
  /** [tsUs, price] after impact (the price the engine saw). */
  readonly price: readonly (readonly [number, number])[];
  /** [tsUs, price] of the data before impact (for "with vs without"); may be empty. */
  readonly dataPrice: readonly (readonly [number, number])[];
  readonly liquidations: readonly {
    readonly tsUs: number;
    readonly price: number;
    readonly notional: number;
  }[];
  /** Backstop tier changes (scope 'backstop'); the first entry is the starting tier. */
  readonly tiers: readonly { readonly tsUs: number; readonly tier: Tier }[];
  /** [tsUs, stress index] from the liquidity monitor. */
  readonly stress: readonly (readonly [number, number])[];
  /** [tsUs, insurance fund balance in the settlement currency]. */
  readonly fund: readonly (readonly [number, number])[];
  readonly adl: readonly { readonly tsUs: number; readonly notional: number }[];
  /** [tsUs, share of open-interest notional in margin call or worse, 0..1]. */
  readonly marginUtilisation: readonly (readonly [number, number])[];
}

export interface ReportInput {
  /** E.g. "BTC 2020-03-12 — compare". */
  readonly title: string;
  /** Settlement currency of the money series, e.g. "USDT". */
  readonly currency: string;
  /** Data files the runs replayed. */
  readonly data: readonly string[];
  /** One per policy (1 for backtest, n for compare). */
  readonly runs: readonly RunSeries[];
  /** One row per run: the outcome table (keys → numbers/strings/booleans), shown as an HTML table. */
  readonly summary: readonly Readonly<Record<string, number | string | boolean | null>>[];
}

export interface RenderedReport {
  readonly htmlPath: string;
  readonly pngPaths: readonly string[];
}
