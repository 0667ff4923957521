import { describe, expect, it } from 'vitest';
import { ratFrac, ratInt } from '../../margin/standard/perp-exact.ts';
import {
  accountFillablePrice,
  accountRisk,
  type BookLevel,
  bankruptcyValue,
  canFundCover,
  closingDeltaInputs,
  type DydxPerpAccount,
  type DydxPerpMarket,
  deleverage,
  fillablePrice,
  fillQuoteQuantums,
  insuranceFundDelta,
  isLiquidatable,
  type LiquidationStepConfig,
  liquidateInSteps,
  liquidationStep,
  quantumPriceToUsdPerCoin,
  settleIsolatedLiquidation,
  stepQuantity,
  usdPerCoinToQuantumPrice,
} from './dydx.ts';

// Units as on chain: 1 USDC = 10⁶ quote quantums; BTC atomic resolution −8 (0.1 BTC = 10⁷).
const USD = 1_000_000n;
const BTC = 100_000_000n;
const RES = -8;
const usd = (dollars: number): bigint => BigInt(Math.round(dollars * 100)) * 10_000n;

/** BTC perpetual, IMF 20 %, MMF 10 % (maintenance fraction 50 % of the IMF), oracle in whole USD. */
const btc = (oracleUsd: bigint): DydxPerpMarket => ({
  atomicResolution: RES,
  oraclePriceValue: oracleUsd,
  oraclePriceExponent: 0,
  initialMarginPpm: 200_000,
  maintenanceFractionPpm: 500_000,
});
const BTC_50K = btc(50_000n);
const acct = (positionBaseQuantums: bigint, usdcQuoteQuantums: bigint): DydxPerpAccount => ({
  positionBaseQuantums,
  usdcQuoteQuantums,
});
/** Default test liquidation config: fee 5 000 ppm, BA 1.0, SMMR 0.1. */
const FILLABLE = { bankruptcyAdjustmentPpm: 1_000_000, spreadToMaintenanceMarginRatioPpm: 100_000 };
const usdPrice = (p: ReturnType<typeof fillablePrice>) => quantumPriceToUsdPerCoin(p.price, RES);
const atUsd = (dollars: bigint) => usdPerCoinToQuantumPrice(ratInt(dollars), RES);

describe('dYdX v4 vectors D1–D4: bankruptcy value of a closing delta (oracle $50 000, IMF 20 %, MMF 10 %)', () => {
  it('D1 long 0.1 BTC, USDC −4 501, closing delta −0.1 → $4 501', () => {
    const inputs = closingDeltaInputs(acct(BTC / 10n, -4_501n * USD), BTC_50K, -BTC / 10n);
    expect(inputs).toEqual({
      tnc: 499n * USD,
      tmmr: 500n * USD,
      deltaNnv: -5_000n * USD,
      deltaMmr: -500n * USD,
    });
    expect(bankruptcyValue(inputs)).toBe(4_501n * USD);
  });

  it('D2 short 0.1 BTC, USDC +5 499, delta +0.1 → −$5 499', () => {
    const inputs = closingDeltaInputs(acct(-BTC / 10n, 5_499n * USD), BTC_50K, BTC / 10n);
    expect(inputs.tnc).toBe(499n * USD);
    expect(bankruptcyValue(inputs)).toBe(-5_499n * USD);
  });

  it('D3 long 0.1 BTC, USDC −5 000, delta −0.05 (partial) → $2 500', () => {
    const inputs = closingDeltaInputs(acct(BTC / 10n, -5_000n * USD), BTC_50K, -BTC / 20n);
    expect(inputs).toEqual({ tnc: 0n, tmmr: 500n * USD, deltaNnv: -2_500n * USD, deltaMmr: -250n * USD });
    expect(bankruptcyValue(inputs)).toBe(2_500n * USD);
  });

  it('D4 long 0.1 BTC, USDC −5 100 (TNC −$100 < 0), delta −0.1 → $5 100', () => {
    const inputs = closingDeltaInputs(acct(BTC / 10n, -5_100n * USD), BTC_50K, -BTC / 10n);
    expect(inputs.tnc).toBe(-100n * USD);
    expect(bankruptcyValue(inputs)).toBe(5_100n * USD);
  });

  it('rounds toward +∞ (the floored quotient is subtracted), for positive and negative TNC', () => {
    // 5 000 − 7 × 1/3 = 4 997.67 → 4 998; 5 000 − (−7) × 1/3 = 5 002.33 → 5 003
    expect(bankruptcyValue({ tnc: 7n, tmmr: 3n, deltaNnv: -5_000n, deltaMmr: -1n })).toBe(4_998n);
    expect(bankruptcyValue({ tnc: -7n, tmmr: 3n, deltaNnv: -5_000n, deltaMmr: 1n })).toBe(5_003n);
    expect(bankruptcyValue({ tnc: 7n, tmmr: 3n, deltaNnv: 5_000n, deltaMmr: -1n })).toBe(-5_002n);
  });

  it('rejects TMMR ≤ 0 and deltas that are not closing', () => {
    expect(() => bankruptcyValue({ tnc: 1n, tmmr: 0n, deltaNnv: 0n, deltaMmr: 0n })).toThrow(/tmmr/);
    const a = acct(BTC / 10n, 0n);
    expect(() => closingDeltaInputs(a, BTC_50K, BTC / 10n)).toThrow(/opposite/);
    expect(() => closingDeltaInputs(a, BTC_50K, -BTC)).toThrow(/no larger/);
    expect(() => closingDeltaInputs(a, BTC_50K, 0n)).toThrow(/non-zero/);
  });

  it('keeps exact integers past 2^53 (10 000 BTC at $50 000 = 5·10¹⁴ quote quantums)', () => {
    const big = closingDeltaInputs(acct(10_000n * BTC, -450_010_000n * USD), BTC_50K, -10_000n * BTC);
    expect(big.deltaNnv).toBe(-500_000_000n * USD);
    expect(bankruptcyValue(big)).toBe(450_010_000n * USD);
  });
});

describe('dYdX v4 vectors D5–D8: fillable price', () => {
  it('D5 long 0.1 BTC, USDC −4 501 (TNC $499, TMMR $500, ABR 0.002), BA 1.0, SMMR 0.1 → $49 999', () => {
    const r = accountRisk(acct(BTC / 10n, -4_501n * USD), BTC_50K);
    expect(r).toEqual({ pnnv: 5_000n * USD, pmmr: 500n * USD, tnc: 499n * USD, tmmr: 500n * USD });
    const p = fillablePrice({ side: 'long', positionSize: BTC / 10n, ...r, ...FILLABLE });
    expect(p.abr).toEqual(ratFrac(2n, 1_000n));
    expect(p.spreadQuoteQuantums).toEqual(ratInt(100_000n)); // $0.10 on the whole 0.1 BTC
    expect(usdPrice(p)).toEqual(ratInt(49_999n));
  });

  it('D6 as D5 with BA 2.0 → $49 998', () => {
    const p = accountFillablePrice(acct(BTC / 10n, -4_501n * USD), BTC_50K, {
      ...FILLABLE,
      bankruptcyAdjustmentPpm: 2_000_000,
    });
    expect(p.abr).toEqual(ratFrac(4n, 1_000n));
    expect(usdPrice(p)).toEqual(ratInt(49_998n));
  });

  it('D7 as D5 with SMMR 0.2 → $49 998', () => {
    const p = accountFillablePrice(acct(BTC / 10n, -4_501n * USD), BTC_50K, {
      ...FILLABLE,
      spreadToMaintenanceMarginRatioPpm: 200_000,
    });
    expect(usdPrice(p)).toEqual(ratInt(49_998n));
  });

  it('D8 short 0.1 BTC, USDC +5 499 → $50 001; with BA 2.0 → $50 002; with SMMR 0.2 → $50 002', () => {
    const a = acct(-BTC / 10n, 5_499n * USD);
    const r = accountRisk(a, BTC_50K);
    expect(r).toEqual({ pnnv: -5_000n * USD, pmmr: 500n * USD, tnc: 499n * USD, tmmr: 500n * USD });
    expect(usdPrice(fillablePrice({ side: 'short', positionSize: -BTC / 10n, ...r, ...FILLABLE }))).toEqual(
      ratInt(50_001n),
    );
    const ba2 = accountFillablePrice(a, BTC_50K, { ...FILLABLE, bankruptcyAdjustmentPpm: 2_000_000 });
    expect(usdPrice(ba2)).toEqual(ratInt(50_002n));
    const smmr2 = accountFillablePrice(a, BTC_50K, {
      ...FILLABLE,
      spreadToMaintenanceMarginRatioPpm: 200_000,
    });
    expect(usdPrice(smmr2)).toEqual(ratInt(50_002n));
  });

  it('ABR clamps to [0, 1]: TNC ≥ TMMR → oracle; TNC < 0 with BA 1.0 → full spread SMMR × PMMR', () => {
    const healthy = accountFillablePrice(acct(BTC / 10n, -4_000n * USD), BTC_50K, FILLABLE);
    expect(healthy.abr).toEqual(ratInt(0n));
    expect(usdPrice(healthy)).toEqual(ratInt(50_000n));
    const bankrupt = accountFillablePrice(acct(BTC / 10n, -5_100n * USD), BTC_50K, FILLABLE);
    expect(bankrupt.abr).toEqual(ratInt(1n)); // 1 × (1 + 100/500) = 1.2 → 1
    expect(usdPrice(bankrupt)).toEqual(ratInt(49_500n));
  });

  it('is exact where floats are not (TNC/TMMR = 1/3)', () => {
    const p = fillablePrice({
      side: 'long',
      positionSize: 3n,
      pnnv: 300n,
      pmmr: 30n,
      tnc: 1n,
      tmmr: 3n,
      bankruptcyAdjustmentPpm: 1_000_000,
      spreadToMaintenanceMarginRatioPpm: 100_000,
    });
    // ABR 2/3, spread 2/3 × 0.1 × 30 = 2, price (300 − 2)/3
    expect(p.price).toEqual(ratFrac(298n, 3n));
  });

  it('rejects a side that does not match the sign of the position, and TMMR 0', () => {
    const base = { positionSize: 10n, pnnv: 100n, pmmr: 10n, tnc: 5n, tmmr: 10n, ...FILLABLE };
    expect(() => fillablePrice({ ...base, side: 'short' })).toThrow(/does not match/);
    expect(() => fillablePrice({ ...base, side: 'long', tmmr: 0n })).toThrow(/tmmr/);
    expect(() =>
      fillablePrice({ ...base, side: 'long', spreadToMaintenanceMarginRatioPpm: 1_000_001 }),
    ).toThrow(/SMMR|spread/i);
  });
});

describe('dYdX v4 vectors D9–D12: insurance-fund delta', () => {
  const d9Account = acct(BTC / 10n, -5_100n * USD);
  const d9Bankruptcy = bankruptcyValue(closingDeltaInputs(d9Account, BTC_50K, -BTC / 10n));

  it('D9 long 0.1, USDC −5 100, sell 0.1 for proceeds $5 610, max fee 0.5 % → +$28.05', () => {
    expect(d9Bankruptcy).toBe(5_100n * USD);
    expect(fillQuoteQuantums(BTC / 10n, atUsd(56_100n))).toBe(5_610n * USD);
    const delta = insuranceFundDelta({
      proceeds: 5_610n * USD,
      bankruptcyValue: d9Bankruptcy,
      maxLiquidationFeePpm: 5_000,
    });
    expect(delta).toBe(usd(28.05));
  });

  it('D10 as D9 with max fee 2.5 % → +$140.25', () => {
    expect(
      insuranceFundDelta({
        proceeds: 5_610n * USD,
        bankruptcyValue: d9Bankruptcy,
        maxLiquidationFeePpm: 25_000,
      }),
    ).toBe(usd(140.25));
  });

  it('D11 as D9 with max fee 100 % → +$510 (the whole surplus)', () => {
    expect(
      insuranceFundDelta({
        proceeds: 5_610n * USD,
        bankruptcyValue: d9Bankruptcy,
        maxLiquidationFeePpm: 1_000_000,
      }),
    ).toBe(510n * USD);
  });

  it('D12 short 0.1, USDC +4 900, buy 0.1 for $4 410 → +$22.05; with max fee 2.5 % → +$110.25', () => {
    const bv = bankruptcyValue(closingDeltaInputs(acct(-BTC / 10n, 4_900n * USD), BTC_50K, BTC / 10n));
    expect(bv).toBe(-4_900n * USD);
    const proceeds = -4_410n * USD; // the account pays $4 410 for the buy
    expect(insuranceFundDelta({ proceeds, bankruptcyValue: bv, maxLiquidationFeePpm: 5_000 })).toBe(
      usd(22.05),
    );
    expect(insuranceFundDelta({ proceeds, bankruptcyValue: bv, maxLiquidationFeePpm: 25_000 })).toBe(
      usd(110.25),
    );
  });

  it('a fill below the bankruptcy value is paid by the fund (negative delta); the fund may not go negative', () => {
    const delta = insuranceFundDelta({
      proceeds: 4_950n * USD,
      bankruptcyValue: d9Bankruptcy,
      maxLiquidationFeePpm: 5_000,
    });
    expect(delta).toBe(-150n * USD);
    expect(canFundCover(150n * USD, delta)).toBe(true);
    expect(canFundCover(149n * USD, delta)).toBe(false);
    expect(canFundCover(0n, 28n * USD)).toBe(true);
    expect(() =>
      insuranceFundDelta({ proceeds: 0n, bankruptcyValue: 0n, maxLiquidationFeePpm: 5_000 }),
    ).toThrow();
  });
});

describe('dYdX v4 vector D13: deleveraging', () => {
  it('D13 C short 1 BTC with $54 999 (TNC < 0 at the oracle) against D long 1 BTC with $50 000 → both closed at $54 999', () => {
    const c = acct(-BTC, 54_999n * USD);
    for (const oracle of [55_000n, 60_000n]) {
      const risk = accountRisk(c, btc(oracle));
      expect(risk.tnc < 0n).toBe(true);
      // the bankruptcy value of closing the whole position is −$54 999 whatever the oracle
      expect(bankruptcyValue(closingDeltaInputs(c, btc(oracle), BTC))).toBe(-54_999n * USD);
    }
    const r = deleverage({
      offsetting: { account: 'D', size: BTC, usdc: 50_000n * USD },
      liquidated: { account: 'C', size: -BTC, usdc: 54_999n * USD },
      price: atUsd(54_999n),
    });
    expect(r.quantity).toBe(BTC);
    expect(r.liquidatedReceives).toBe(-54_999n * USD);
    expect(r.offsetting).toEqual({ account: 'D', size: 0n, usdc: 50_000n * USD + 54_999n * USD });
    expect(r.liquidated).toEqual({ account: 'C', size: 0n, usdc: 0n });
    expect(BTC + r.openInterestDelta).toBe(0n); // open interest 1 BTC → 0
  });

  it('partial deleveraging: min of the two sizes; USDC conserved; same-sign positions rejected', () => {
    const r = deleverage({
      offsetting: { account: 'D', size: BTC / 2n, usdc: 0n },
      liquidated: { account: 'C', size: -BTC, usdc: 54_999n * USD },
      price: atUsd(54_999n),
    });
    expect(r.quantity).toBe(BTC / 2n);
    expect(r.liquidated.size).toBe(-BTC / 2n);
    expect(r.liquidated.usdc + r.offsetting.usdc).toBe(54_999n * USD);
    expect(r.openInterestDelta).toBe(-BTC / 2n);
    expect(() =>
      deleverage({
        offsetting: { account: 'D', size: BTC, usdc: 0n },
        liquidated: { account: 'C', size: BTC, usdc: 0n },
        price: atUsd(1n),
      }),
    ).toThrow(/opposite/);
  });
});

describe('dYdX v4 vector D14: isolated market, fund pays into the isolated pool first', () => {
  const iso = { ...btc(100n) };
  const c = { account: 'C', size: -BTC, usdc: 49n * USD };
  const a = { account: 'A', size: BTC, usdc: 100n * USD };
  const bv = bankruptcyValue(closingDeltaInputs(acct(c.size, c.usdc), iso, BTC));

  it('D14 C short 1 with $49, A long 1 with $100, match at $100; pool $149; fund $100 000 → fund pays $51, C $0, A $200', () => {
    expect(bv).toBe(-49n * USD);
    const r = settleIsolatedLiquidation({
      liquidated: c,
      counterparty: a,
      quantity: BTC,
      price: atUsd(100n),
      bankruptcyValue: bv,
      maxLiquidationFeePpm: 5_000,
      isolatedPool: 149n * USD,
      insuranceFund: 100_000n * USD,
    });
    if (!r.ok) throw new Error('expected ok');
    expect(r.insuranceFundDelta).toBe(-51n * USD);
    expect(r.liquidated).toEqual({ account: 'C', size: 0n, usdc: 0n });
    expect(r.counterparty).toEqual({ account: 'A', size: 0n, usdc: 200n * USD });
    expect(r.transfers).toEqual([
      { from: 'insuranceFund', to: 'isolatedPool', amount: 51n * USD, isolatedPoolAfter: 200n * USD },
      { from: 'isolatedPool', to: 'crossPool', amount: 200n * USD, account: 'A', isolatedPoolAfter: 0n },
    ]);
    expect(r.insuranceFund).toBe(99_949n * USD);
    expect(r.isolatedPool).toBe(0n);
    expect(r.crossPool).toBe(200n * USD);
  });

  it('refuses the fill when the isolated fund cannot pay', () => {
    const r = settleIsolatedLiquidation({
      liquidated: c,
      counterparty: a,
      quantity: BTC,
      price: atUsd(100n),
      bankruptcyValue: bv,
      maxLiquidationFeePpm: 5_000,
      isolatedPool: 149n * USD,
      insuranceFund: 50n * USD,
    });
    expect(r).toEqual({ ok: false, reason: 'INSURANCE_FUND_INSUFFICIENT', insuranceFundDelta: -51n * USD });
  });
});

describe('partial liquidation into the book in steps', () => {
  // long 1 BTC, USDC −45 500 at $50 000: TNC $4 500 < TMMR $5 000; ABR 0.1 → fillable $49 950
  const start = acct(BTC, -45_500n * USD);
  const config: LiquidationStepConfig = {
    maxLiquidationFeePpm: 5_000,
    ...FILLABLE,
    maxFractionPerStepPpm: 250_000,
    minStepNotionalQuoteQuantums: 1_000n * USD,
    lotBaseQuantums: BTC / 1_000n,
    cooldownBlocks: 2,
  };
  const bids = (...levels: [bigint, bigint][]): BookLevel[] =>
    levels.map(([price, size]) => ({ price: atUsd(price), size }));

  it('step size: max fraction, the minimum notional, the lot, capped at the position', () => {
    expect(stepQuantity(BTC, 50_000n * USD, config)).toBe(BTC / 4n);
    expect(stepQuantity(BTC / 100n, 500n * USD, config)).toBe(BTC / 100n); // min notional > position
    expect(stepQuantity(BTC, 50_000n * USD, { ...config, minStepNotionalQuoteQuantums: 30_000n * USD })).toBe(
      (BTC * 6n) / 10n,
    );
    expect(stepQuantity(123_456_789n, 1n, { ...config, maxFractionPerStepPpm: 1_000_000 })).toBe(
      123_456_789n,
    );
  });

  it('one step: fills at the fillable price or better, stops at the price limit, fees go to the fund', () => {
    expect(isLiquidatable(accountRisk(start, BTC_50K))).toBe(true);
    const s = liquidationStep({
      account: start,
      market: BTC_50K,
      config,
      levels: bids([49_990n, BTC / 10n], [49_950n, BTC / 10n], [49_940n, BTC]),
      insuranceFund: 1_000n * USD,
    });
    expect(s.targetQuantity).toBe(BTC / 4n);
    expect(s.limitPrice && quantumPriceToUsdPerCoin(s.limitPrice, RES)).toEqual(ratInt(49_950n));
    expect(s.stop).toBe('PRICE_LIMIT');
    expect(s.fills.map((f) => f.delta)).toEqual([-BTC / 10n, -BTC / 10n]);
    // first fill: bankruptcy = 5 000 − 4 500 × 500/5 000 = 4 550; proceeds 4 999; fee min(24.995, 449) = 24.995
    expect(s.fills[0]?.bankruptcyValue).toBe(4_550n * USD);
    expect(s.fills[0]?.insuranceFundDelta).toBe(24_995_000n);
    const paid = s.fills.reduce((t, f) => t + f.insuranceFundDelta, 0n);
    const proceeds = s.fills.reduce((t, f) => t + f.proceeds, 0n);
    expect(s.insuranceFund).toBe(1_000n * USD + paid);
    expect(s.account).toEqual({
      positionBaseQuantums: (BTC * 8n) / 10n,
      usdcQuoteQuantums: -45_500n * USD + proceeds - paid,
    });
  });

  it('a price band on the oracle tightens the limit', () => {
    const s = liquidationStep({
      account: start,
      market: BTC_50K,
      config: { ...config, priceBandPpm: 100 }, // 0.01 % → $49 995
      levels: bids([49_990n, BTC]),
      insuranceFund: 0n,
    });
    expect(s.limitPrice && quantumPriceToUsdPerCoin(s.limitPrice, RES)).toEqual(ratInt(49_995n));
    expect(s.stop).toBe('PRICE_LIMIT');
    expect(s.fills).toEqual([]);
  });

  it('stops before a fill the insurance fund cannot cover', () => {
    // TNC < 0: long 1 BTC with USDC −51 000 (TNC −$1 000); ABR 1 → fillable $49 500
    const s = liquidationStep({
      account: acct(BTC, -51_000n * USD),
      market: BTC_50K,
      config,
      levels: bids([49_500n, BTC]),
      insuranceFund: 100n * USD,
    });
    // bankruptcy of 0.25 BTC = 12 500 + 1 000 × 1 250/5 000 = 12 750; proceeds 12 375 → fund pays 375 > 100
    expect(s.stop).toBe('INSURANCE_FUND_INSUFFICIENT');
    expect(s.fills).toEqual([]);
    expect(s.insuranceFund).toBe(100n * USD);
  });

  it('steps with a cooldown until the position is closed', () => {
    const book = bids([49_990n, 10n * BTC]);
    const blocks = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((block) => ({ block, market: BTC_50K, levels: book }));
    const r = liquidateInSteps({ account: start, config, blocks, insuranceFund: 0n });
    // one step sells 0.25 BTC near the oracle and the fee is small: TNC $4 435 > TMMR $3 750, healthy again
    expect(r.steps.map((s) => s.block)).toEqual([1]);
    expect(r.outcome).toBe('HEALTHY');
    const deep = acct(BTC, -49_000n * USD); // TNC $1 000 stays below TMMR as it is closed
    const r2 = liquidateInSteps({ account: deep, config, blocks, insuranceFund: 0n });
    // steps at blocks 1, 3, 5, 7, 9 (cooldown 2); each ⌊25 % of what is left⌋ to the 0.001 BTC lot
    expect(r2.steps.map((s) => s.block)).toEqual([1, 3, 5, 7, 9]);
    expect(r2.steps.map((s) => s.targetQuantity)).toEqual([
      25_000_000n,
      18_700_000n,
      14_000_000n,
      10_500_000n,
      7_900_000n,
    ]);
    // first fill: bankruptcy 12 500 − 1 000 × 1 250/5 000 = 12 250; proceeds 0.25 × 49 990 = 12 497.50;
    // fee min(0.5 % × 12 497.50 = 62.4875, surplus 247.50)
    expect(r2.steps[0]?.fills).toEqual([
      {
        delta: -25_000_000n,
        price: atUsd(49_990n),
        proceeds: usd(12_497.5),
        bankruptcyValue: 12_250n * USD,
        insuranceFundDelta: 62_487_500n,
      },
    ]);
    expect(r2.insuranceFund).toBe(
      r2.steps.reduce((t, s) => t + s.fills.reduce((u, f) => u + f.insuranceFundDelta, 0n), 0n),
    );
    expect(r2.outcome).toBe('STALLED');
    // TNC < 0 (long 1 BTC, USDC −50 500): stays liquidatable; the fund pays the shortfall of each fill
    const all = liquidateInSteps({
      account: acct(BTC, -50_500n * USD),
      config: { ...config, maxFractionPerStepPpm: 500_000, minStepNotionalQuoteQuantums: 20_000n * USD },
      blocks,
      insuranceFund: 10_000n * USD,
    });
    expect(all.outcome).toBe('CLOSED');
    expect(all.steps.map((s) => [s.block, s.targetQuantity])).toEqual([
      [1, BTC / 2n],
      [3, (BTC * 4n) / 10n], // the $20 000 minimum notional beats 50 % of 0.5 BTC
      [5, BTC / 10n], // capped at what is left
    ]);
    // first fill: bankruptcy 25 000 + 500 × 2 500/5 000 = 25 250; proceeds 24 995 → the fund pays 255
    expect(all.steps[0]?.fills[0]?.insuranceFundDelta).toBe(-255n * USD);
    // in total the fund pays the whole shortfall: 50 500 − 49 990 = 510
    expect(all.insuranceFund).toBe(10_000n * USD - 510n * USD);
    expect(all.account).toEqual({ positionBaseQuantums: 0n, usdcQuoteQuantums: 0n });
    expect(all.account.positionBaseQuantums).toBe(0n);
  });
});
