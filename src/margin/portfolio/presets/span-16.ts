/**
 * CME SPAN's standard 16 risk scenarios as a grid model. Formula, every parameter's value and
 * source, and what is not modelled: docs/presets/span-16.md.
 *
 * Scenarios 1–14: price unchanged, ±1/3, ±2/3, ±3/3 of the price scan range, each with vol up and
 * vol down by the volatility scan range; 15–16: ± extremeMultiple × the scan range, vol unchanged,
 * weight extremeWeight (the cover fraction). Requirement = max(scan risk, short option minimum)
 * − net option value (long option value credited, short option value charged), ≥ 0;
 * IM = initialToMaintenance × requirement, MM = requirement.
 */
import { BackstopError } from '../../../core/errors.ts';
import type { GridModelConfig } from '../grid-model.ts';
import type { Scenario, VolShockSpec } from '../scenarios.ts';

export interface Span16Options {
  /** Price scan range as a fraction of the underlying price (CME sets it in $ per contract). */
  readonly priceScanRangeFrac?: number;
  /** Volatility scan range: vol points (absolute, e.g. 0.05 = 5 points) or a relative fraction. */
  readonly volScanRange?: number;
  readonly volScanMode?: 'absolute' | 'relative';
  /** Extreme moves (scenarios 15–16) at ± this multiple of the price scan range. */
  readonly extremeMultiple?: number;
  /** Cover fraction of the extreme moves' P&L. */
  readonly extremeWeight?: number;
  /** Short option minimum per short option, as a fraction of spot × contract size. */
  readonly shortOptionMinimumFrac?: number;
  /** CME counts max(short calls, short puts); 'total' counts both. */
  readonly shortOptionMinimumMethod?: 'maxCallsPuts' | 'total';
  /** Apply the net option value (default true). */
  readonly netOptionValue?: boolean;
  /** IM / MM, e.g. 1.1 for CME speculative accounts; 1 for hedge / member accounts (default). */
  readonly initialToMaintenance?: number;
  readonly name?: string;
}

/**
 * Defaults: CME's structure; scan ranges derived from BTC data (docs/presets/span-16.md): PSR =
 * 99th percentile of 2-day |log return| 2017–2023, VSR = 99th percentile of 2-day |ΔDVOL|.
 */
export const SPAN16_DEFAULTS = {
  priceScanRangeFrac: 0.164,
  volScanRange: 0.179,
  volScanMode: 'absolute',
  extremeMultiple: 2,
  extremeWeight: 0.35,
  shortOptionMinimumMethod: 'maxCallsPuts',
  netOptionValue: true,
  initialToMaintenance: 1,
} as const;

/** The 16 SPAN scenarios in CME's order (1-based scenario k is index k − 1). */
export function span16Scenarios(psr: number, extremeMultiple: number, extremeWeight: number): Scenario[] {
  const out: Scenario[] = [
    { move: 0, vol: 'up', weight: 1, family: 'regular' },
    { move: 0, vol: 'down', weight: 1, family: 'regular' },
  ];
  for (const third of [1, 2, 3])
    for (const sign of [1, -1])
      for (const vol of ['up', 'down'] as const)
        out.push({ move: (sign * psr * third) / 3, vol, weight: 1, family: 'regular' });
  out.push(
    { move: extremeMultiple * psr, vol: 'none', weight: extremeWeight, family: 'tail' },
    { move: -extremeMultiple * psr, vol: 'none', weight: extremeWeight, family: 'tail' },
  );
  return out;
}

function check(ok: boolean, what: string, value: number): void {
  if (!ok) throw new BackstopError('BAD_ARGUMENT', `span-16: bad ${what}`, { [what]: value });
}

export function span16(opts: Span16Options = {}): GridModelConfig {
  const psr = opts.priceScanRangeFrac ?? SPAN16_DEFAULTS.priceScanRangeFrac;
  const vsr = opts.volScanRange ?? SPAN16_DEFAULTS.volScanRange;
  const extremeMultiple = opts.extremeMultiple ?? SPAN16_DEFAULTS.extremeMultiple;
  const extremeWeight = opts.extremeWeight ?? SPAN16_DEFAULTS.extremeWeight;
  const ratio = opts.initialToMaintenance ?? SPAN16_DEFAULTS.initialToMaintenance;
  // Default SOM: 10 % of the outright margin of one underlying (= the price scan range).
  const som = opts.shortOptionMinimumFrac ?? 0.1 * psr;
  check(psr > 0 && psr < 1, 'priceScanRangeFrac', psr);
  check(vsr >= 0, 'volScanRange', vsr);
  check(extremeMultiple > 0 && extremeMultiple * psr < 1, 'extremeMultiple', extremeMultiple);
  check(extremeWeight >= 0 && extremeWeight <= 1, 'extremeWeight', extremeWeight);
  check(som >= 0, 'shortOptionMinimumFrac', som);
  check(ratio >= 1, 'initialToMaintenance', ratio);
  const mode = opts.volScanMode ?? SPAN16_DEFAULTS.volScanMode;
  // Relative mode without time scaling: powers 0 make (pivot / days)^0 = 1.
  const volShock: VolShockSpec = {
    mode,
    upFrac: vsr,
    downFrac: vsr,
    pivotDays: 30,
    floorDays: 1,
    shortTermPower: 0,
    longTermPower: 0,
    minVolUp: 0,
  };
  return {
    name: opts.name ?? 'span-16',
    scenarios: span16Scenarios(psr, extremeMultiple, extremeWeight),
    volShock,
    mmFactor: 1 / ratio,
    contingencies: {
      ...(som > 0
        ? {
            shortOptionMinimumFrac: som,
            shortOptionMinimumMethod:
              opts.shortOptionMinimumMethod ?? SPAN16_DEFAULTS.shortOptionMinimumMethod,
          }
        : {}),
      netOptionValue: opts.netOptionValue ?? SPAN16_DEFAULTS.netOptionValue,
      ...(ratio !== 1 ? { requirementMultiplier: ratio } : {}),
    },
  };
}
