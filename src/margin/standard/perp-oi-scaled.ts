import { BackstopError } from '../../core/errors.ts';
import { divRound } from '../../core/money.ts';
import { err, ok, type Result } from '../../core/result.ts';

/**
 * dYdX v4 open-interest-scaled initial margin (liquidity tiers), in dYdX's own integer units so
 * floors and ceils match the chain exactly:
 *
 *   effective IMF = min(base + max((OI − lower cap) / (upper cap − lower cap), 0) × (1 − base), 1)
 *
 * - an upper cap of 0 disables scaling (effective IMF = base);
 * - the effective IMF is computed in ppm and FLOORED:
 *   imfPpm = base + ⌊(1 000 000 − base) × (OI − lower) / (upper − lower)⌋ for lower < OI < upper,
 *   base for OI ≤ lower, 1 000 000 for OI ≥ upper;
 * - IM = ⌈notional × imfPpm / 1 000 000⌉ quote quantums (IM rounds up);
 * - maintenance uses the BASE IMF (never OI-scaled): MM = ⌈⌈notional × base / 10⁶⌉ × MF / 10⁶⌉;
 * - notional and OI in quote quantums = ⌊|base quantums| × price × 10^(priceExp + atomicRes + 6)⌋
 *   (dYdX `BaseToQuoteQuantums`, truncating).
 *
 * Source: dydxprotocol/v4-chain, protocol/x/perpetuals/types/liquidity_tier.go
 * (`GetAdjustedInitialMarginPpm`, `GetInitialMarginQuoteQuantums`), keeper `GetMarginRequirements`,
 * lib `BaseToQuoteQuantums`; vectors in ../shared/conformance/dydx-v4/vectors.md.
 */

/** 1 000 000 ppm = 100 %. */
export const ONE_MILLION_PPM = 1_000_000n;

/** dYdX quote currency (USDC) atomic resolution: one quote quantum = 10⁻⁶ USDC. */
export const DYDX_QUOTE_ATOMIC_RESOLUTION = -6;

/** A dYdX liquidity tier (edge form: ppm and quote quantums, as on chain). */
export interface OiLiquidityTier {
  /** Base initial margin fraction, ppm (0 … 1 000 000). */
  readonly initialMarginPpm: number;
  /** Maintenance margin as a fraction of the base IMF, ppm (0 … 1 000 000). */
  readonly maintenanceFractionPpm: number;
  /** Open-notional lower cap, quote quantums. */
  readonly openInterestLowerCapQuoteQuantums: bigint;
  /** Open-notional upper cap, quote quantums; 0 disables OI scaling. */
  readonly openInterestUpperCapQuoteQuantums: bigint;
}

export type OiLiquidityTierErrorCode =
  | 'IMF_PPM_OUT_OF_RANGE'
  | 'MAINTENANCE_FRACTION_PPM_OUT_OF_RANGE'
  | 'NEGATIVE_CAP'
  | 'LOWER_CAP_ABOVE_UPPER_CAP';

export interface OiLiquidityTierError {
  readonly code: OiLiquidityTierErrorCode;
  readonly field: string;
  readonly message: string;
}

function isPpm(x: number): boolean {
  return Number.isInteger(x) && x >= 0 && x <= 1_000_000;
}

/**
 * dYdX `LiquidityTier.Validate` (margin parts): ppm are integers in 0 … 1 000 000; caps ≥ 0;
 * lower cap ≤ upper cap (also when the upper cap is 0, as on chain).
 */
export function validateOiLiquidityTier(
  tier: OiLiquidityTier,
): Result<OiLiquidityTier, OiLiquidityTierError> {
  if (!isPpm(tier.initialMarginPpm)) {
    return err({
      code: 'IMF_PPM_OUT_OF_RANGE',
      field: 'initialMarginPpm',
      message: `initialMarginPpm must be an integer in 0..1000000, got ${tier.initialMarginPpm}`,
    });
  }
  if (!isPpm(tier.maintenanceFractionPpm)) {
    return err({
      code: 'MAINTENANCE_FRACTION_PPM_OUT_OF_RANGE',
      field: 'maintenanceFractionPpm',
      message: `maintenanceFractionPpm must be an integer in 0..1000000, got ${tier.maintenanceFractionPpm}`,
    });
  }
  for (const field of ['openInterestLowerCapQuoteQuantums', 'openInterestUpperCapQuoteQuantums'] as const) {
    if (tier[field] < 0n) {
      return err({ code: 'NEGATIVE_CAP', field, message: `${field} must be >= 0, got ${tier[field]}` });
    }
  }
  if (tier.openInterestLowerCapQuoteQuantums > tier.openInterestUpperCapQuoteQuantums) {
    return err({
      code: 'LOWER_CAP_ABOVE_UPPER_CAP',
      field: 'openInterestLowerCapQuoteQuantums',
      message: `lower cap ${tier.openInterestLowerCapQuoteQuantums} is above upper cap ${tier.openInterestUpperCapQuoteQuantums}`,
    });
  }
  return ok(tier);
}

function assertTier(tier: OiLiquidityTier): void {
  const r = validateOiLiquidityTier(tier);
  if (!r.ok) throw new BackstopError('BAD_ARGUMENT', r.error.message, { field: r.error.field });
}

function assertNonNegative(name: string, x: bigint): void {
  if (x < 0n)
    throw new BackstopError('BAD_ARGUMENT', `${name} must be >= 0, got ${x}`, { [name]: x.toString() });
}

/** Effective (OI-scaled) initial margin fraction in ppm, floored (dYdX `GetAdjustedInitialMarginPpm`). */
export function oiScaledImfPpm(tier: OiLiquidityTier, openInterestQuoteQuantums: bigint): bigint {
  assertTier(tier);
  assertNonNegative('openInterestQuoteQuantums', openInterestQuoteQuantums);
  const base = BigInt(tier.initialMarginPpm);
  const lower = tier.openInterestLowerCapQuoteQuantums;
  const upper = tier.openInterestUpperCapQuoteQuantums;
  if (upper === 0n || openInterestQuoteQuantums <= lower) return base;
  if (openInterestQuoteQuantums >= upper) return ONE_MILLION_PPM;
  return base + ((ONE_MILLION_PPM - base) * (openInterestQuoteQuantums - lower)) / (upper - lower);
}

/** Maintenance margin fraction in ppm = ⌊base IMF ppm × MF ppm / 10⁶⌋ (dYdX `GetMaintenanceMarginPpm`). */
export function maintenanceMarginPpm(tier: OiLiquidityTier): bigint {
  assertTier(tier);
  return (BigInt(tier.initialMarginPpm) * BigInt(tier.maintenanceFractionPpm)) / ONE_MILLION_PPM;
}

/** ⌈quantums × ppm / 10⁶⌉ (dYdX `BigMulPpm(…, roundUp = true)`), quantums ≥ 0. */
export function mulPpmCeil(quantums: bigint, ppm: bigint): bigint {
  return divRound(quantums * ppm, ONE_MILLION_PPM, 'ceil');
}

/** Initial margin, quote quantums = ⌈notional × OI-scaled IMF ppm / 10⁶⌉. */
export function oiScaledInitialMarginQuoteQuantums(
  tier: OiLiquidityTier,
  notionalQuoteQuantums: bigint,
  openInterestQuoteQuantums: bigint,
): bigint {
  assertNonNegative('notionalQuoteQuantums', notionalQuoteQuantums);
  return mulPpmCeil(notionalQuoteQuantums, oiScaledImfPpm(tier, openInterestQuoteQuantums));
}

/** Initial and maintenance margin of one position under a liquidity tier. */
export interface OiScaledMarginResult {
  /** OI-scaled effective IMF, ppm (floored). */
  readonly imfPpm: bigint;
  /** IM = ⌈notional × imfPpm / 10⁶⌉, quote quantums. */
  readonly imQuoteQuantums: bigint;
  /** Base (unscaled) IM = ⌈notional × base / 10⁶⌉, quote quantums. */
  readonly baseImQuoteQuantums: bigint;
  /** MM = ⌈base IM × MF / 10⁶⌉, quote quantums (not OI-scaled). */
  readonly mmQuoteQuantums: bigint;
}

/** IM (OI-scaled) and MM (base IMF × maintenance fraction) of a notional, in quote quantums. */
export function oiScaledMargin(
  tier: OiLiquidityTier,
  notionalQuoteQuantums: bigint,
  openInterestQuoteQuantums: bigint,
): OiScaledMarginResult {
  assertNonNegative('notionalQuoteQuantums', notionalQuoteQuantums);
  const imfPpm = oiScaledImfPpm(tier, openInterestQuoteQuantums);
  const baseImQuoteQuantums = mulPpmCeil(notionalQuoteQuantums, BigInt(tier.initialMarginPpm));
  return {
    imfPpm,
    imQuoteQuantums: mulPpmCeil(notionalQuoteQuantums, imfPpm),
    baseImQuoteQuantums,
    mmQuoteQuantums: mulPpmCeil(baseImQuoteQuantums, BigInt(tier.maintenanceFractionPpm)),
  };
}

/**
 * dYdX `BaseToQuoteQuantums`: |base quantums| × priceValue × 10^(priceExponent + atomicResolution
 * − quoteAtomicResolution), truncated. `atomicResolution` is the base currency's (e.g. −10 for
 * BTC); the quote resolution defaults to USDC's −6.
 */
export function baseToQuoteQuantums(
  baseQuantums: bigint,
  atomicResolution: number,
  priceValue: bigint,
  priceExponent: number,
  quoteAtomicResolution: number = DYDX_QUOTE_ATOMIC_RESOLUTION,
): bigint {
  if (!Number.isInteger(atomicResolution) || !Number.isInteger(priceExponent)) {
    throw new BackstopError('BAD_ARGUMENT', 'atomic resolution and price exponent must be integers', {
      atomicResolution,
      priceExponent,
    });
  }
  assertNonNegative('priceValue', priceValue);
  const abs = baseQuantums < 0n ? -baseQuantums : baseQuantums;
  const product = abs * priceValue;
  const exponent = priceExponent + atomicResolution - quoteAtomicResolution;
  return exponent >= 0 ? product * 10n ** BigInt(exponent) : product / 10n ** BigInt(-exponent);
}

/** A dYdX position priced at the oracle, all in chain units. */
export interface DydxPricedPosition {
  /** Signed position size, base quantums. */
  readonly baseQuantums: bigint;
  /** Base currency atomic resolution (one base quantum = 10^atomicResolution coins). */
  readonly atomicResolution: number;
  /** Oracle price = priceValue × 10^priceExponent quote per base. */
  readonly priceValue: bigint;
  readonly priceExponent: number;
  /** The market's open interest, base quantums (0 if omitted). */
  readonly openInterestBaseQuantums?: bigint;
}

/** `GetMarginRequirements` for one position: notional and OI priced, then `oiScaledMargin`. */
export function dydxPositionMargin(
  tier: OiLiquidityTier,
  position: DydxPricedPosition,
): OiScaledMarginResult & {
  readonly notionalQuoteQuantums: bigint;
  readonly openInterestQuoteQuantums: bigint;
} {
  const { atomicResolution, priceValue, priceExponent } = position;
  const notionalQuoteQuantums = baseToQuoteQuantums(
    position.baseQuantums,
    atomicResolution,
    priceValue,
    priceExponent,
  );
  const oi = position.openInterestBaseQuantums ?? 0n;
  assertNonNegative('openInterestBaseQuantums', oi);
  const openInterestQuoteQuantums = baseToQuoteQuantums(oi, atomicResolution, priceValue, priceExponent);
  return {
    ...oiScaledMargin(tier, notionalQuoteQuantums, openInterestQuoteQuantums),
    notionalQuoteQuantums,
    openInterestQuoteQuantums,
  };
}

/**
 * The same scaling on plain fractions (no ppm flooring), for engines that are not replaying
 * dYdX: min(base + max((OI − lower)/(upper − lower), 0) × (1 − base), 1); upper cap 0 disables.
 */
export function oiScaledImfFrac(
  baseImfFrac: number,
  openInterestQuote: number,
  openInterestLowerCapQuote: number,
  openInterestUpperCapQuote: number,
): number {
  const values = [baseImfFrac, openInterestQuote, openInterestLowerCapQuote, openInterestUpperCapQuote];
  if (values.some((v) => !Number.isFinite(v))) {
    throw new BackstopError('NOT_FINITE', 'oiScaledImfFrac inputs must be finite');
  }
  if (!(baseImfFrac >= 0 && baseImfFrac <= 1) || openInterestLowerCapQuote > openInterestUpperCapQuote) {
    throw new BackstopError('BAD_ARGUMENT', 'need 0 <= baseImfFrac <= 1 and lower cap <= upper cap', {
      baseImfFrac,
      openInterestLowerCapQuote,
      openInterestUpperCapQuote,
    });
  }
  if (openInterestUpperCapQuote === 0 || openInterestQuote <= openInterestLowerCapQuote) return baseImfFrac;
  if (openInterestQuote >= openInterestUpperCapQuote) return 1;
  const scale =
    (openInterestQuote - openInterestLowerCapQuote) / (openInterestUpperCapQuote - openInterestLowerCapQuote);
  return Math.min(baseImfFrac + Math.max(scale, 0) * (1 - baseImfFrac), 1);
}
