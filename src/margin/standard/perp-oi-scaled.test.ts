import { describe, expect, it } from 'vitest';
import {
  baseToQuoteQuantums,
  dydxPositionMargin,
  maintenanceMarginPpm,
  type OiLiquidityTier,
  oiScaledImfFrac,
  oiScaledImfPpm,
  oiScaledInitialMarginQuoteQuantums,
  oiScaledMargin,
  validateOiLiquidityTier,
} from './perp-oi-scaled.ts';

const tier = (
  initialMarginPpm: number,
  lower: bigint,
  upper: bigint,
  maintenanceFractionPpm = 1_000_000,
): OiLiquidityTier => ({
  initialMarginPpm,
  maintenanceFractionPpm,
  openInterestLowerCapQuoteQuantums: lower,
  openInterestUpperCapQuoteQuantums: upper,
});

// Every statement of ../shared/conformance/dydx-v4/vectors.md, section
// "Initial-margin scaling with open interest (liquidity tiers)".
describe('dYdX v4 vectors: initial-margin scaling with open interest', () => {
  it('base 200 000 ppm, caps 1 000 000 – 2 000 000, OI 1 234 567 → 387 653 ppm (floor of 387 653.6)', () => {
    expect(oiScaledImfPpm(tier(200_000, 1_000_000n, 2_000_000n), 1_234_567n)).toBe(387_653n);
  });

  it('same tier, OI 2 000 000 (= upper cap) → 1 000 000 ppm', () => {
    expect(oiScaledImfPpm(tier(200_000, 1_000_000n, 2_000_000n), 2_000_000n)).toBe(1_000_000n);
  });

  it('IMF 20 %, OI 1.5e12 between caps 1e12 – 2e12 → effective IMF 60 %: IM 300 000 on 500 000', () => {
    const t = tier(200_000, 1_000_000_000_000n, 2_000_000_000_000n);
    expect(oiScaledImfPpm(t, 1_500_000_000_000n)).toBe(600_000n);
    expect(oiScaledInitialMarginQuoteQuantums(t, 500_000n, 1_500_000_000_000n)).toBe(300_000n);
  });

  it('OI 8e13 above the upper cap → IM 500 000 (100 %)', () => {
    // caps as in the vector's sentence (1e12 – 2e12) and as in dYdX's test (2.5e13 – 5e13)
    for (const t of [
      tier(200_000, 1_000_000_000_000n, 2_000_000_000_000n),
      tier(200_000, 25_000_000_000_000n, 50_000_000_000_000n),
    ]) {
      expect(oiScaledImfPpm(t, 80_000_000_000_000n)).toBe(1_000_000n);
      expect(oiScaledInitialMarginQuoteQuantums(t, 500_000n, 80_000_000_000_000n)).toBe(500_000n);
    }
  });

  it('IMF 20 %, notional 500 000 → IM 100 000', () => {
    expect(oiScaledInitialMarginQuoteQuantums(tier(200_000, 0n, 0n), 500_000n, 0n)).toBe(100_000n);
  });

  it('IMF 56.7243 %, notional 123 456 → IM 70 030 (ceil of 70 029.55…)', () => {
    expect(oiScaledInitialMarginQuoteQuantums(tier(567_243, 0n, 0n), 123_456n, 0n)).toBe(70_030n);
  });

  it('price 5 555.0, 7 000 base quantums at atomic resolution −4, IMF 1 %, MF 50 % → IM 38 885 000, MM 19 442 500', () => {
    const t = tier(10_000, 0n, 0n, 500_000);
    for (const [priceValue, priceExponent] of [
      [5_555n, 0],
      [55_550n, -1],
    ] as const) {
      const r = dydxPositionMargin(t, {
        baseQuantums: 7_000n,
        atomicResolution: -4,
        priceValue,
        priceExponent,
      });
      expect(r.notionalQuoteQuantums).toBe(3_888_500_000n); // 0.7 × 5 555 = 3 888.5 USDC
      expect(r.imQuoteQuantums).toBe(38_885_000n);
      expect(r.mmQuoteQuantums).toBe(19_442_500n);
    }
    // a short position has the same requirements
    const short = dydxPositionMargin(t, {
      baseQuantums: -7_000n,
      atomicResolution: -4,
      priceValue: 5_555n,
      priceExponent: 0,
    });
    expect(short.imQuoteQuantums).toBe(38_885_000n);
  });

  it('an upper cap of 0 disables scaling, whatever the OI', () => {
    const t = tier(200_000, 0n, 0n);
    expect(oiScaledImfPpm(t, 1_500_000_000_000n)).toBe(200_000n);
    expect(oiScaledInitialMarginQuoteQuantums(t, 500_000n, 1_500_000_000_000n)).toBe(100_000n);
  });

  it('maintenance = base IMF × maintenance fraction, not OI-scaled', () => {
    const t = tier(200_000, 1_000_000_000_000n, 2_000_000_000_000n, 500_000);
    const r = oiScaledMargin(t, 500_000n, 1_500_000_000_000n);
    expect(r.imQuoteQuantums).toBe(300_000n); // scaled to 60 %
    expect(r.baseImQuoteQuantums).toBe(100_000n); // 20 %
    expect(r.mmQuoteQuantums).toBe(50_000n); // 20 % × 50 %, unchanged by OI
    expect(oiScaledMargin(t, 500_000n, 0n).mmQuoteQuantums).toBe(50_000n);
  });
});

// Further cases from the same upstream tests (dydxprotocol/v4-chain
// protocol/x/perpetuals/types/liquidity_tier_test.go).
describe('dYdX v4 liquidity tier: upstream test cases', () => {
  const t = tier(200_000, 1_000_000n, 2_000_000n);

  it.each([
    [0n, 200_000n],
    [1_000_000n, 200_000n],
    [1_500_000n, 600_000n],
    [2_500_000n, 1_000_000n],
  ])('adjusted IMF at OI %d → %d ppm', (oi, ppm) => {
    expect(oiScaledImfPpm(t, oi)).toBe(ppm);
  });

  it('realistic caps: OI 28 123 456 789 123 in 2.5e13 – 6e13 → IM 135 697 on 500 000', () => {
    const r = tier(200_000, 25_000_000_000_000n, 60_000_000_000_000n);
    expect(oiScaledImfPpm(r, 28_123_456_789_123n)).toBe(271_393n);
    expect(oiScaledInitialMarginQuoteQuantums(r, 500_000n, 28_123_456_789_123n)).toBe(135_697n);
  });

  it('IM of 1 quantum at 10 % rounds up to 1', () => {
    expect(oiScaledInitialMarginQuoteQuantums(tier(100_000, 0n, 0n), 1n, 0n)).toBe(1n);
  });

  it.each([
    [150_000, 800_000, 120_000n],
    [450_000, 770_000, 346_500n],
    [637_239, 289_284, 184_343n], // 184 343.4 floored
    [1_000_000, 0, 0n],
  ])('maintenance margin ppm of IMF %d, MF %d → %d', (im, mf, mm) => {
    expect(maintenanceMarginPpm(tier(im, 0n, 0n, mf))).toBe(mm);
  });

  it('validates like LiquidityTier.Validate', () => {
    expect(validateOiLiquidityTier(tier(200_000, 0n, 0n)).ok).toBe(true);
    const codes = [
      tier(1_000_001, 0n, 0n),
      tier(200_000, 0n, 0n, 1_000_001),
      tier(200_000, 1_000_000n, 500_000n),
      tier(200_000, 1_000_000n, 0n),
      tier(200_000, -1n, 0n),
      tier(0.5, 0n, 0n),
    ].map((x) => {
      const r = validateOiLiquidityTier(x);
      return r.ok ? 'ok' : r.error.code;
    });
    expect(codes).toEqual([
      'IMF_PPM_OUT_OF_RANGE',
      'MAINTENANCE_FRACTION_PPM_OUT_OF_RANGE',
      'LOWER_CAP_ABOVE_UPPER_CAP',
      'LOWER_CAP_ABOVE_UPPER_CAP',
      'NEGATIVE_CAP',
      'IMF_PPM_OUT_OF_RANGE',
    ]);
    expect(() => oiScaledImfPpm(tier(200_000, 2n, 1n), 0n)).toThrow(/lower cap/);
    expect(() => oiScaledImfPpm(t, -1n)).toThrow(/openInterest/);
  });

  it('BaseToQuoteQuantums truncates', () => {
    // 1 base quantum of BTC (1e-10 BTC) at $50 000 = 5e-6 USDC = 5 quantums, exactly
    expect(baseToQuoteQuantums(1n, -10, 50_000n, 0)).toBe(5n);
    // at $5 000 it is 0.5 quantum → truncated to 0; 3 quantums → 1.5 → 1
    expect(baseToQuoteQuantums(1n, -10, 5_000n, 0)).toBe(0n);
    expect(baseToQuoteQuantums(3n, -10, 5_000n, 0)).toBe(1n);
    // 0.1 BTC (1e9 quantums at −10) at $50 000 → 5 000 USDC = 5e9 quantums
    expect(baseToQuoteQuantums(1_000_000_000n, -10, 50_000n, 0)).toBe(5_000_000_000n);
    expect(baseToQuoteQuantums(-1_000_000_000n, -10, 5_000_000_000n, -5)).toBe(5_000_000_000n);
  });
});

describe('oiScaledImfFrac (plain fractions)', () => {
  it('follows the formula without ppm flooring', () => {
    expect(oiScaledImfFrac(0.2, 1.5e12, 1e12, 2e12)).toBeCloseTo(0.6, 15);
    expect(oiScaledImfFrac(0.2, 1_234_567, 1_000_000, 2_000_000)).toBeCloseTo(0.3876536, 12);
    expect(oiScaledImfFrac(0.2, 8e13, 1e12, 2e12)).toBe(1);
    expect(oiScaledImfFrac(0.2, 8e13, 0, 0)).toBe(0.2);
    expect(oiScaledImfFrac(0.2, 5e11, 1e12, 2e12)).toBe(0.2);
    expect(() => oiScaledImfFrac(0.2, 1, 3, 2)).toThrow();
  });
});
