/**
 * Paradex portfolio margin (beta) as a grid model. Formula, every parameter's value and source,
 * and what is not modelled: docs/presets/paradex-pm.md.
 *
 * SCAN risk = the largest weighted loss over 24 scenarios: 16 regular ones (spot ±4 % … ±12 %
 * and 0 with vol +40 % and −22 %; ±16 % with vol +40 % only) and 8 tails (−66 % … +500 %, vol
 * +40 %, weighted ≈ range / |move|). Vol shocks scale with (30 / max(1, DTE))^power, power 0.3
 * under 30 days else 0.13. Net IM = max(SCAN, minimum delta requirement), the latter (2 % ×
 * |net Δ| + 1 % × hedged Δ) × spot; MM = 50 % × net IM.
 */
import { BackstopError } from '../../../core/errors.ts';
import type { GridModelConfig } from '../grid-model.ts';
import type { Scenario, VolShockSpec } from '../scenarios.ts';

export interface ParadexTail {
  readonly move: number;
  readonly weight: number;
}

export interface ParadexPmParams {
  /** Largest regular spot shock (±16 %). */
  readonly spotRange: number;
  /** Regular moves per side (4 → ±4 %, ±8 %, ±12 %, ±16 %). */
  readonly stepsPerSide: number;
  /** Vol shocks at 30 days: up +40 %, down −22 % (relative to mark IV). */
  readonly volShockUp: number;
  readonly volShockDown: number;
  /** Vega powers: short term (DTE < 30), long term (DTE ≥ 30). */
  readonly shortTermVegaPower: number;
  readonly longTermVegaPower: number;
  readonly vegaPivotDays: number;
  /** DTE floor in the time scaling (Paradex: max(1, DTE)). */
  readonly dteFloorDays: number;
  /** Tail scenarios on vol up, each with its weight. */
  readonly tails: readonly ParadexTail[];
  /** Minimum delta requirement: netFrac × |net Δ| + hedgedFrac × hedged Δ, × spot. */
  readonly minDeltaNetFrac: number;
  readonly minDeltaHedgedFrac: number;
  /** MM = mmFactor × net IM. */
  readonly mmFactor: number;
}

/**
 * Paradex's published tail table ("Portfolio Margin", docs.paradex.trade/risk/portfolio-margin):
 * weights 24 %, 48 %, 32 %, 16 %, 8 %, 5.33 %, 4 %, 3.20 %. The upside weights are exactly
 * 0.16 / |move|; the downside ones are 0.16 / (2/3) and 0.16 / (1/3), i.e. the −66 % and −33 %
 * tails are weighted as moves of −2/3 and −1/3 (0.16 / 0.66 would be 24.24 %). Kept as published.
 */
export function paradexTails(spotRange = 0.16): ParadexTail[] {
  return [
    { move: -0.66, weight: spotRange / (2 / 3) },
    { move: -0.33, weight: spotRange / (1 / 3) },
    ...[0.5, 1, 2, 3, 4, 5].map((move) => ({ move, weight: spotRange / move })),
  ];
}

export const PARADEX_PM_PARAMS: ParadexPmParams = {
  spotRange: 0.16,
  stepsPerSide: 4,
  volShockUp: 0.4,
  volShockDown: 0.22,
  shortTermVegaPower: 0.3,
  longTermVegaPower: 0.13,
  vegaPivotDays: 30,
  dteFloorDays: 1,
  tails: paradexTails(0.16),
  minDeltaNetFrac: 0.02,
  minDeltaHedgedFrac: 0.01,
  mmFactor: 0.5,
};

/** The 16 regular scenarios in Paradex's order: +16 % (vol up), +12 % up / down, … , −16 % (up). */
export function paradexRegularScenarios(spotRange: number, stepsPerSide: number): Scenario[] {
  const out: Scenario[] = [];
  for (let k = stepsPerSide; k >= -stepsPerSide; k--) {
    const move = (spotRange * k) / stepsPerSide;
    out.push({ move, vol: 'up', weight: 1, family: 'regular' });
    if (Math.abs(k) !== stepsPerSide) out.push({ move, vol: 'down', weight: 1, family: 'regular' });
  }
  return out;
}

function check(ok: boolean, what: string, value: number): void {
  if (!ok) throw new BackstopError('BAD_ARGUMENT', `paradex-pm: bad ${what}`, { [what]: value });
}

/**
 * The Paradex PM grid. `overrides` replaces parameters; overriding `spotRange` without `tails`
 * rescales the published tail weights with it.
 */
export function paradexPm(overrides: Partial<ParadexPmParams> = {}): GridModelConfig {
  const spotRange = overrides.spotRange ?? PARADEX_PM_PARAMS.spotRange;
  const p: ParadexPmParams = { ...PARADEX_PM_PARAMS, tails: paradexTails(spotRange), ...overrides };
  check(p.spotRange > 0 && p.spotRange < 1, 'spotRange', p.spotRange);
  check(Number.isInteger(p.stepsPerSide) && p.stepsPerSide >= 1, 'stepsPerSide', p.stepsPerSide);
  check(p.mmFactor > 0 && p.mmFactor <= 1, 'mmFactor', p.mmFactor);
  for (const t of p.tails) {
    check(Number.isFinite(t.move) && t.move > -1 && t.move !== 0, 'tailMove', t.move);
    check(t.weight >= 0 && t.weight <= 1, 'tailWeight', t.weight);
  }
  const volShock: VolShockSpec = {
    mode: 'relative',
    upFrac: p.volShockUp,
    downFrac: p.volShockDown,
    pivotDays: p.vegaPivotDays,
    floorDays: p.dteFloorDays,
    shortTermPower: p.shortTermVegaPower,
    longTermPower: p.longTermVegaPower,
    minVolUp: 0,
  };
  return {
    name: 'paradex-pm',
    scenarios: [
      ...paradexRegularScenarios(p.spotRange, p.stepsPerSide),
      ...p.tails.map((t): Scenario => ({ move: t.move, vol: 'up', weight: t.weight, family: 'tail' })),
    ],
    volShock,
    mmFactor: p.mmFactor,
    contingencies: { minDeltaRequirement: { netFrac: p.minDeltaNetFrac, hedgedFrac: p.minDeltaHedgedFrac } },
  };
}
