import type { Instrument, OptionInstrument } from '../domain/instrument.ts';

/**
 * What margin needs to know about one underlying at one instant: the index (spot), forwards
 * per expiry, the mark of each perpetual / future, and an implied vol for each option. Prices in
 * the quote currency (USD-like), vols annual fractions, time in µs.
 */
export interface UnderlyingMarket {
  readonly underlying: string;
  readonly nowUs: number;
  readonly spot: number;
  /** Forward for an expiry (µs); defaults to spot when absent. */
  forwardAt(expiryUs: number): number;
  /** Mark of a perpetual or future; defaults to the forward (future) or spot (perpetual). */
  markOf(instrumentId: string): number | undefined;
  /** Implied vol (annual fraction) for an option. */
  volOf(option: OptionInstrument): number;
  /** Continuously compounded rate for discounting (0 when ignored). */
  readonly rate: number;
}

/** A plain-data market, convenient for files, tests and the CLI. */
export interface MarketSnapshot {
  readonly underlying: string;
  readonly nowUs: number;
  readonly spot: number;
  readonly rate?: number;
  /** expiry µs → forward */
  readonly forwards?: Readonly<Record<string, number>>;
  /** instrument id → mark */
  readonly marks?: Readonly<Record<string, number>>;
  /** option instrument id → vol; `defaultVol` otherwise */
  readonly vols?: Readonly<Record<string, number>>;
  readonly defaultVol?: number;
}

export function marketFromSnapshot(s: MarketSnapshot): UnderlyingMarket {
  return {
    underlying: s.underlying,
    nowUs: s.nowUs,
    spot: s.spot,
    rate: s.rate ?? 0,
    forwardAt: (expiryUs) => s.forwards?.[String(expiryUs)] ?? s.spot,
    markOf: (id) => s.marks?.[id],
    volOf: (o) => {
      const v = s.vols?.[o.id] ?? s.defaultVol;
      if (v === undefined) throw new RangeError(`no implied vol for ${o.id}`);
      return v;
    },
  };
}

export const SECONDS_PER_YEAR_MARGIN = 31_536_000;

/** Years from now to `expiryUs` (365-day year), never negative. */
export function yearsTo(expiryUs: number, nowUs: number): number {
  return Math.max(expiryUs - nowUs, 0) / 1e6 / SECONDS_PER_YEAR_MARGIN;
}

/** The underlying an instrument belongs to (options via their underlying instrument's base). */
export function underlyingOf(i: Instrument): string {
  return i.baseCurrency;
}
