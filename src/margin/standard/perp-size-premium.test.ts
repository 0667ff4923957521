import { describe, expect, it } from 'vitest';
import {
  DRIFT_BASE_PRECISION,
  driftSizePremiumRatio,
  isqrt,
  sizePremiumMarginFrac,
  sizePremiumThresholdBase,
} from './perp-size-premium.ts';

describe('Drift-style size premium: max(base, 0.8 × base + imfFactor × √|size|)', () => {
  it('imfFactor 0 leaves the base ratio', () => {
    expect(sizePremiumMarginFrac(0.1, 1e9, 0)).toBe(0.1);
  });

  it('small position: the premium does not bind (0.8 × 0.05 + 0.0005 × √100 = 0.045 < 0.05)', () => {
    expect(sizePremiumMarginFrac(0.05, 100, 0.0005)).toBe(0.05);
  });

  it('binds from √size = 0.2 × base / imfFactor: base 5 %, factor 0.0005 → 400 base units', () => {
    expect(sizePremiumThresholdBase(0.05, 0.0005)).toBeCloseTo(400, 9);
    expect(sizePremiumMarginFrac(0.05, 400, 0.0005)).toBeCloseTo(0.05, 15); // 0.04 + 0.0005 × 20
    expect(sizePremiumThresholdBase(0.05, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('10 000 base units: 0.8 × 0.05 + 0.0005 × 100 = 0.09 (IM); maintenance 0.8 × 0.03 + 0.05 = 0.074', () => {
    expect(sizePremiumMarginFrac(0.05, 10_000, 0.0005)).toBeCloseTo(0.09, 15);
    expect(sizePremiumMarginFrac(0.03, 10_000, 0.0005)).toBeCloseTo(0.074, 15);
  });

  it('shorts count by absolute size', () => {
    expect(sizePremiumMarginFrac(0.05, -10_000, 0.0005)).toBe(sizePremiumMarginFrac(0.05, 10_000, 0.0005));
  });

  it('is not capped at 100 %: base 10 %, factor 0.001, 1 000 000 units → 0.08 + 1 = 1.08', () => {
    expect(sizePremiumMarginFrac(0.1, 1_000_000, 0.001)).toBeCloseTo(1.08, 14);
  });

  it('refuses non-finite or negative inputs', () => {
    expect(() => sizePremiumMarginFrac(Number.NaN, 1, 0.001)).toThrow();
    expect(() => sizePremiumMarginFrac(0.1, 1, -0.001)).toThrow();
  });
});

describe('on-chain integer form (drift-labs/protocol-v2 calculate_size_premium_liability_weight)', () => {
  it('isqrt floors exactly', () => {
    expect([0n, 1n, 2n, 3n, 4n, 15n, 16n, 17n].map(isqrt)).toEqual([0n, 1n, 1n, 1n, 2n, 3n, 4n, 4n]);
    expect(isqrt(100_000_000_000_001n)).toBe(10_000_000n);
    expect(isqrt(10n ** 40n)).toBe(10n ** 20n);
    expect(isqrt((10n ** 20n + 1n) ** 2n - 1n)).toBe(10n ** 20n);
    expect(() => isqrt(-1n)).toThrow();
  });

  // Drift's own unit test (math/margin/tests.rs `spot_market_asset_weight`): 1 000 tokens,
  // initial liability weight 11 000 (1e-4).
  it.each([
    [11_000n, 10_000n, 11_962n], // 8 800 + ⌊3 162 277 × 10 000 / 10^7⌋ = 8 800 + 3 162
    [11_000n, 100_000n, 40_422n], // 8 800 + 31 622
    [0n, 100_000n, 31_622n], // maintenance weight 0 in that test
  ])('1 000 base units, weight %d, imf %d → %d', (ratio, imf, expected) => {
    expect(driftSizePremiumRatio(1_000n * DRIFT_BASE_PRECISION, imf, ratio)).toBe(expected);
  });

  it('perp market from Drift test: 10 % initial, imf 0.001, 6.147540983 BTC → premium 824 < 1 000 → 1 000', () => {
    expect(driftSizePremiumRatio(6_147_540_983n, 1_000n, 1_000n)).toBe(1_000n);
  });

  it('matches the fraction form: 5 %, imf 0.0005, 10 000 units → 900 (9 %)', () => {
    expect(driftSizePremiumRatio(10_000n * DRIFT_BASE_PRECISION, 500n, 500n)).toBe(900n);
    expect(Number(driftSizePremiumRatio(10_000n * DRIFT_BASE_PRECISION, 500n, 500n)) / 10_000).toBeCloseTo(
      sizePremiumMarginFrac(0.05, 10_000, 0.0005),
      15,
    );
    expect(driftSizePremiumRatio(-10_000n * DRIFT_BASE_PRECISION, 500n, 500n)).toBe(900n);
    expect(driftSizePremiumRatio(10_000n * DRIFT_BASE_PRECISION, 0n, 500n)).toBe(500n);
  });
});
