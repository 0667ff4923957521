import { BackstopError } from '../../core/errors.ts';
import { type Rational, ratAdd, ratCmp, ratFrac, ratFromNumber, ratMul, ratToNumber } from './perp-exact.ts';

/**
 * Drift-style size premium: the margin ratio of a large position grows with the square root of
 * its size in base units.
 *
 *   marginFrac = max(base, 0.8 × base + imfFactor × √|sizeBase|)        (imfFactor = 0: base)
 *
 * Drift applies it to both the initial and the maintenance margin ratio of a perp market
 * (`PerpMarket::get_margin_ratio` → `calculate_size_premium_liability_weight`), with `size` the
 * position's (worst-case) base asset amount — base units, not notional — and `imfFactor` the
 * market's `imf_factor` (on chain an integer at 1e-6, e.g. 1000 = 0.001). There is no cap: a very
 * large position can need more than 100 % margin.
 *
 * Sources: Drift docs "Risk Parameters" (`max(.8 * wgt + sqrt(size) * imf_factor, wgt)`, which
 * the docs apply to "liabilities (borrows, perp positions, etc)"); drift-labs/protocol-v2
 * programs/drift/src/math/margin.rs and constants.rs for the integer form and precisions.
 */

/** The size-premium option of a margin model. */
export interface SizePremium {
  /** Drift `imf_factor` as a plain number (on-chain value / 1e6), ≥ 0; 0 disables the premium. */
  readonly imfFactor: number;
}

/** Share of the base ratio kept under the premium (Drift: `wgt − wgt / 5`). */
export const SIZE_PREMIUM_BASE_KEEP_FRAC = 0.8;

/** max(base, 0.8 × base + imfFactor × √|sizeBase|); base when imfFactor is 0. */
export function sizePremiumMarginFrac(baseMarginFrac: number, sizeBase: number, imfFactor: number): number {
  if (!Number.isFinite(baseMarginFrac) || !Number.isFinite(sizeBase) || !Number.isFinite(imfFactor)) {
    throw new BackstopError('NOT_FINITE', 'size premium inputs must be finite', {
      baseMarginFrac,
      sizeBase,
      imfFactor,
    });
  }
  if (baseMarginFrac < 0 || imfFactor < 0) {
    throw new BackstopError('BAD_ARGUMENT', 'baseMarginFrac and imfFactor must be >= 0', {
      baseMarginFrac,
      imfFactor,
    });
  }
  if (imfFactor === 0) return baseMarginFrac;
  const premium = SIZE_PREMIUM_BASE_KEEP_FRAC * baseMarginFrac + imfFactor * Math.sqrt(Math.abs(sizeBase));
  return Math.max(baseMarginFrac, premium);
}

/**
 * `sizePremiumMarginFrac` on exact values, for requirements that become money: 0.8 × base and
 * the product with imfFactor are exact; only √|size| is a float (exact when |size| is a perfect
 * square, e.g. √10 000 = 100).
 */
export function sizePremiumMarginExact(
  baseMarginFrac: Rational,
  sizeBase: Rational,
  imfFactor: Rational,
): Rational {
  if (baseMarginFrac.num < 0n || imfFactor.num < 0n) {
    throw new BackstopError('BAD_ARGUMENT', 'baseMarginFrac and imfFactor must be >= 0');
  }
  if (imfFactor.num === 0n) return baseMarginFrac;
  const root = ratFromNumber(Math.sqrt(Math.abs(ratToNumber(sizeBase))));
  const premium = ratAdd(ratMul(baseMarginFrac, ratFrac(4n, 5n)), ratMul(imfFactor, root));
  return ratCmp(premium, baseMarginFrac) > 0 ? premium : baseMarginFrac;
}

/** Size at which the premium starts to bind: √size = 0.2 × base / imfFactor (∞ if imfFactor = 0). */
export function sizePremiumThresholdBase(baseMarginFrac: number, imfFactor: number): number {
  if (imfFactor === 0) return Number.POSITIVE_INFINITY;
  const root = ((1 - SIZE_PREMIUM_BASE_KEEP_FRAC) * baseMarginFrac) / imfFactor;
  return root * root;
}

/** Drift precisions: margin ratio 1e-4 (10 000 = 100 %), imf factor 1e-6, base amount 1e-9. */
export const DRIFT_MARGIN_PRECISION = 10_000n;
export const DRIFT_IMF_PRECISION = 1_000_000n;
export const DRIFT_BASE_PRECISION = 1_000_000_000n;

/** ⌊√n⌋ for n ≥ 0 (Newton's method on bigint). */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new BackstopError('BAD_ARGUMENT', 'isqrt of a negative number', { n: n.toString() });
  if (n < 2n) return n;
  // start above √n (2^⌈bits/2⌉) and descend; stops at ⌊√n⌋
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/**
 * The on-chain integer form (drift-labs/protocol-v2 `calculate_size_premium_liability_weight`),
 * for replaying Drift exactly:
 *   √ = ⌊√(|size| × 10 + 1)⌋            (size at 1e-9 → √ at 1e-5)
 *   premium = ratio − ⌊ratio / 5⌋ + ⌊√ × imf / (100 000 × 10⁶ / precision)⌋
 *   result = max(ratio, premium)
 * `ratio` at `precision` (perps: DRIFT_MARGIN_PRECISION), `imfFactor` at 1e-6.
 */
export function driftSizePremiumRatio(
  sizeBasePrecision: bigint,
  imfFactor: bigint,
  ratio: bigint,
  precision: bigint = DRIFT_MARGIN_PRECISION,
): bigint {
  if (imfFactor < 0n || ratio < 0n || precision <= 0n) {
    throw new BackstopError('BAD_ARGUMENT', 'imfFactor and ratio must be >= 0, precision > 0');
  }
  if (imfFactor === 0n) return ratio;
  const abs = sizeBasePrecision < 0n ? -sizeBasePrecision : sizeBasePrecision;
  const sizeSqrt = isqrt(abs * 10n + 1n);
  const denom = (100_000n * DRIFT_IMF_PRECISION) / precision;
  if (denom <= 0n) throw new BackstopError('BAD_ARGUMENT', 'precision too large for the size premium');
  const premium = ratio - ratio / 5n + (sizeSqrt * imfFactor) / denom;
  return premium > ratio ? premium : ratio;
}
