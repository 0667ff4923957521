/**
 * Deribit portfolio margin (segregated PM, one currency pair) as a grid model. Formula, every
 * parameter's value and source, and what is approximated: docs/presets/deribit-pm.md.
 *
 * Standard risk matrix: `bucketsPerSide` evenly spaced moves per side out to ±priceRange × the
 * vol states down / unchanged / up. Extended table: the `extendedMoves` on vol up only, each
 * weighted extendedTableFactor × priceRange / |move|, inverse P&L re-expressed at the range edge
 * spot × (1 ± priceRange), then moved toward 0 by (max(|move| / priceRange, 1) − 1) ×
 * extendedDampener USD. IM = worst loss + roll shock + delta (liquidity) shock; MM = mmFactor × IM.
 */
import { BackstopError } from '../../../core/errors.ts';
import type { GridModelConfig } from '../grid-model.ts';
import { evenMoves, regularGrid, type Scenario, type VolShockSpec, type VolState } from '../scenarios.ts';

export type DeribitUnderlying = 'BTC' | 'ETH';
/** `coin`: the coin-settled (inverse) book, e.g. BTC options and BTC-PERPETUAL; `usdc`: linear. */
export type DeribitSettlement = 'coin' | 'usdc';

/** Deribit's `model_params` of `private/pme/simulate`, named as there (camel case). */
export interface DeribitPmParams {
  /** `currency_pair.price_range`: the largest standard move, a fraction. */
  readonly priceRange: number;
  /** `general.buckets_count`: moves per side (4 → 9 price points with 0). */
  readonly bucketsPerSide: number;
  /** Vol states of the standard table (`general.vol_scenarios_count` = 3). */
  readonly volStates: readonly VolState[];
  /** `volatility_range_up` / `volatility_range_down`: relative vol shocks at 30 days. */
  readonly volatilityRangeUp: number;
  readonly volatilityRangeDown: number;
  /** `short_term_vega_power` (≤ pivot days) / `long_term_vega_power` (> pivot days). */
  readonly shortTermVegaPower: number;
  readonly longTermVegaPower: number;
  /** `min_volatility_for_shock_up`: floor of the shocked-up vol. */
  readonly minVolatilityForShockUp: number;
  /** Days in the time scaling (30 / days)^power; Deribit: 30. */
  readonly vegaPivotDays: number;
  /** Floor on days to expiry in the time scaling (not published by Deribit; assumption: 1). */
  readonly dteFloorDays: number;
  /** Extended-table moves (vol up only). */
  readonly extendedMoves: readonly number[];
  /** `extended_table_factor`: tail weight = factor × priceRange / |move|. */
  readonly extendedTableFactor: number;
  /** `currency.extended_dampener`, USD: tail P&L moved toward 0 by (|move|/range − 1) × this. */
  readonly extendedDampener: number;
  /** `currency.min_annualised_move` / `annualised_move_risk`: roll shock per expiry. */
  readonly minAnnualisedMove: number;
  readonly annualisedMoveRisk: number;
  /** `delta_total_liq_shock_threshold` (USD), `m_inc` (per coin of excess delta), `max_delta_shock`. */
  readonly deltaTotalLiqShockThreshold: number;
  readonly mInc: number;
  readonly maxDeltaShock: number;
  /** `general.mm_factor`: MM = mmFactor × IM. */
  readonly mmFactor: number;
}

type PairParams = Pick<
  DeribitPmParams,
  | 'priceRange'
  | 'volatilityRangeUp'
  | 'volatilityRangeDown'
  | 'shortTermVegaPower'
  | 'longTermVegaPower'
  | 'minVolatilityForShockUp'
  | 'extendedTableFactor'
  | 'deltaTotalLiqShockThreshold'
  | 'mInc'
  | 'maxDeltaShock'
>;
type CurrencyParams = Pick<DeribitPmParams, 'extendedDampener' | 'minAnnualisedMove' | 'annualisedMoveRisk'>;

/**
 * `currency_pair` parameters. BTC: Deribit API reference, `private/pme/simulate` response example
 * (timestamp 1718619740501, 2024-06-17). ETH: a recorded mainnet response of 2026-02-15
 * (../shared/conformance/deribit-pm/recorded-response.md).
 */
export const DERIBIT_PAIR_PARAMS: Readonly<Record<DeribitUnderlying, PairParams>> = {
  BTC: {
    priceRange: 0.16,
    volatilityRangeUp: 0.5,
    volatilityRangeDown: 0.25,
    shortTermVegaPower: 0.3,
    longTermVegaPower: 0.13,
    minVolatilityForShockUp: 0.5,
    extendedTableFactor: 1,
    deltaTotalLiqShockThreshold: 20_000_000,
    mInc: 0.00005,
    maxDeltaShock: 0.1,
  },
  ETH: {
    priceRange: 0.18,
    volatilityRangeUp: 0.4,
    volatilityRangeDown: 0.25,
    shortTermVegaPower: 0.3,
    longTermVegaPower: 0.13,
    minVolatilityForShockUp: 0.5,
    extendedTableFactor: 1,
    deltaTotalLiqShockThreshold: 20_000_000,
    mInc: 0.000004,
    maxDeltaShock: 0.1,
  },
};

/** `currency` parameters of the settlement currency (same sources; `usd` = the USDC book). */
export const DERIBIT_CURRENCY_PARAMS: Readonly<Record<DeribitUnderlying | 'USDC', CurrencyParams>> = {
  BTC: { extendedDampener: 100_000, minAnnualisedMove: 0.01, annualisedMoveRisk: 0.075 },
  ETH: { extendedDampener: 200_000, minAnnualisedMove: 0.005, annualisedMoveRisk: 0.05 },
  USDC: { extendedDampener: 25_000, minAnnualisedMove: 0.01, annualisedMoveRisk: 0.1 },
};

/** The extended table's moves (Deribit support article "Portfolio Margin"). */
export const DERIBIT_EXTENDED_MOVES: readonly number[] = [-0.66, -0.33, 0.5, 1, 2, 3, 4, 5];

/** All parameters of one book (pair + settlement currency + general). */
export function deribitPmParams(
  underlying: DeribitUnderlying = 'BTC',
  settlement: DeribitSettlement = 'coin',
): DeribitPmParams {
  const pair = DERIBIT_PAIR_PARAMS[underlying];
  if (!pair)
    throw new BackstopError('BAD_ARGUMENT', `deribit-pm: no parameters for ${underlying}`, { underlying });
  return {
    ...pair,
    ...DERIBIT_CURRENCY_PARAMS[settlement === 'usdc' ? 'USDC' : underlying],
    bucketsPerSide: 4,
    volStates: ['down', 'none', 'up'],
    vegaPivotDays: 30,
    dteFloorDays: 1,
    extendedMoves: DERIBIT_EXTENDED_MOVES,
    mmFactor: 0.8,
  };
}

export interface DeribitPmOptions {
  readonly underlying?: DeribitUnderlying;
  readonly settlement?: DeribitSettlement;
  /** Any parameter, e.g. today's values from `private/pme/simulate` → `model_params`. */
  readonly overrides?: Partial<DeribitPmParams>;
}

function check(ok: boolean, what: string, value: number): void {
  if (!ok) throw new BackstopError('BAD_ARGUMENT', `deribit-pm: bad ${what}`, { [what]: value });
}

/** Deribit's extended-table scenarios for a price range (vol up, weighted, revalued, dampened). */
export function deribitExtendedScenarios(p: DeribitPmParams): Scenario[] {
  return p.extendedMoves.map((move) => {
    check(Number.isFinite(move) && move !== 0 && move > -1, 'extendedMove', move);
    const ratio = Math.abs(move) / p.priceRange;
    const dampener = (Math.max(ratio, 1) - 1) * p.extendedDampener;
    return {
      move,
      vol: 'up',
      weight: p.extendedTableFactor / ratio,
      family: 'tail',
      valuationMove: Math.sign(move) * p.priceRange,
      ...(dampener > 0 ? { dampenerQuote: dampener } : {}),
    };
  });
}

/** The Deribit PM grid for one underlying and settlement currency. */
export function deribitPm(opts: DeribitPmOptions = {}): GridModelConfig {
  const underlying = opts.underlying ?? 'BTC';
  const settlement = opts.settlement ?? 'coin';
  const p: DeribitPmParams = { ...deribitPmParams(underlying, settlement), ...opts.overrides };
  check(p.priceRange > 0 && p.priceRange < 1, 'priceRange', p.priceRange);
  check(Number.isInteger(p.bucketsPerSide) && p.bucketsPerSide >= 1, 'bucketsPerSide', p.bucketsPerSide);
  check(p.mmFactor > 0 && p.mmFactor <= 1, 'mmFactor', p.mmFactor);
  check(p.extendedDampener >= 0, 'extendedDampener', p.extendedDampener);
  const volShock: VolShockSpec = {
    mode: 'relative',
    upFrac: p.volatilityRangeUp,
    downFrac: p.volatilityRangeDown,
    pivotDays: p.vegaPivotDays,
    floorDays: p.dteFloorDays,
    shortTermPower: p.shortTermVegaPower,
    longTermPower: p.longTermVegaPower,
    minVolUp: p.minVolatilityForShockUp,
  };
  return {
    name: `deribit-pm:${underlying}${settlement === 'usdc' ? ':usdc' : ''}`,
    scenarios: [
      ...regularGrid(evenMoves(p.priceRange, p.bucketsPerSide), p.volStates),
      ...deribitExtendedScenarios(p),
    ],
    volShock,
    mmFactor: p.mmFactor,
    contingencies: {
      rollShock: { minAnnualisedMove: p.minAnnualisedMove, annualisedMoveRisk: p.annualisedMoveRisk },
      deltaLiquidityShock: {
        thresholdQuote: p.deltaTotalLiqShockThreshold,
        mInc: p.mInc,
        maxShock: p.maxDeltaShock,
      },
    },
  };
}
