import { describe, expect, it } from 'vitest';
import { moneyToDecimal } from '../../core/money.ts';
import {
  type PerpMarginModel,
  type PerpMarginPosition,
  perpMargin,
  validatePerpMarginModel,
} from './perp-margin.ts';
import type { OiLiquidityTier } from './perp-oi-scaled.ts';
import { BINANCE_BTCUSDT_BRACKETS } from './tiered-brackets.ts';

const brackets: PerpMarginModel = { kind: 'brackets', table: BINANCE_BTCUSDT_BRACKETS };
const linear = (qtyBase: number, markPrice: number, contractSize?: number): PerpMarginPosition =>
  contractSize === undefined
    ? { qtyBase, markPrice, settlement: 'linear' }
    : { qtyBase, markPrice, settlement: 'linear', contractSize };

describe('perpMargin — brackets (Binance)', () => {
  it('2 BTC long at 50 000 = 100 000 USDT: MM 450, IM 1 000, bracket 2', () => {
    const r = perpMargin(linear(2, 50_000), brackets, { money: { currency: 'USDT', scale: 2 } });
    expect(r.notionalQuote).toBe(100_000);
    expect(r.sizeBase).toBe(2);
    expect(r.mmQuote).toBe(450);
    expect(r.imQuote).toBe(1_000);
    expect(r.mmFrac).toBe(0.0045);
    expect(r.imFrac).toBe(0.01);
    expect(r.imCoin).toBeUndefined();
    expect(r.explain.kind).toBe('brackets');
    if (r.explain.kind === 'brackets') {
      expect(r.explain.bracketIndex).toBe(1);
      expect(r.explain.bracket.cumQuote).toBe(50);
      expect(r.explain.lines.join('\n')).toContain('100000 × 0.005 − 50 = 450');
    }
    expect(r.imMoney && moneyToDecimal(r.imMoney)).toBe('1000.00');
    expect(r.mmMoney && moneyToDecimal(r.mmMoney)).toBe('450.00');
  });

  it('a short of the same size has the same requirement', () => {
    expect(perpMargin(linear(-2, 50_000), brackets).mmQuote).toBe(450);
  });

  it('money rounds UP once, from the exact value: 0.123456 BTC at 50 000 → MM 24.6912 → 24.70, IM 49.3824 → 49.39', () => {
    const r = perpMargin(linear(0.123456, 50_000), brackets, { money: { currency: 'USDT', scale: 2 } });
    expect(r.notionalQuote).toBe(6_172.8);
    expect(r.mmQuote).toBe(24.6912);
    expect(r.imQuote).toBe(49.3824);
    expect(r.mmMoney && moneyToDecimal(r.mmMoney)).toBe('24.70');
    expect(r.imMoney && moneyToDecimal(r.imMoney)).toBe('49.39');
  });

  it('leverage: 20x → IM 5 000; 200x is capped at the bracket maximum 100x and flagged', () => {
    expect(perpMargin(linear(2, 50_000), { ...brackets, leverage: 20 }).imQuote).toBe(5_000);
    const capped = perpMargin(linear(2, 50_000), { ...brackets, leverage: 200 });
    expect(capped.imQuote).toBe(1_000);
    expect(capped.explain.kind === 'brackets' && capped.explain.leverageCapped).toBe(true);
  });

  it('inverse (coin-settled): 1 000 contracts × 100 USD at mark 50 000 → MM 450 USD = 0.009 BTC, IM 0.02 BTC', () => {
    const r = perpMargin(
      { qtyBase: 1_000, markPrice: 50_000, settlement: 'inverse', contractSize: 100 },
      brackets,
      { money: { currency: 'BTC', scale: 8 } },
    );
    expect(r.notionalQuote).toBe(100_000);
    expect(r.sizeBase).toBe(2);
    expect(r.mmQuote).toBe(450);
    expect(r.mmCoin).toBe(0.009);
    expect(r.imCoin).toBe(0.02);
    expect(r.mmMoney && moneyToDecimal(r.mmMoney)).toBe('0.00900000');
    expect(r.imMoney && moneyToDecimal(r.imMoney)).toBe('0.02000000');
  });

  it('inverse coin margin rounds up: 1 contract × 100 USD at 30 000 → IM 0.8 USD = 0.0000266…67 BTC → 0.00002667', () => {
    const r = perpMargin(
      { qtyBase: 1, markPrice: 30_000, settlement: 'inverse', contractSize: 100 },
      brackets,
      { money: { currency: 'BTC', scale: 8 } },
    );
    expect(r.imQuote).toBe(0.8);
    expect(r.imCoin).toBeCloseTo(0.8 / 30_000, 18);
    expect(r.imMoney && moneyToDecimal(r.imMoney)).toBe('0.00002667');
  });
});

describe('perpMargin — oi-scaled (dYdX v4)', () => {
  const tier: OiLiquidityTier = {
    initialMarginPpm: 10_000,
    maintenanceFractionPpm: 500_000,
    openInterestLowerCapQuoteQuantums: 0n,
    openInterestUpperCapQuoteQuantums: 0n,
  };

  it('the vector position (0.7 BTC-equivalent at 5 555) → IM 38.885, MM 19.4425 USDC', () => {
    const r = perpMargin(
      linear(0.7, 5_555),
      { kind: 'oi-scaled', tier, openInterestQuoteQuantums: 0n },
      { money: { currency: 'USDC', scale: 6 } },
    );
    expect(r.notionalQuote).toBe(3_888.5);
    expect(r.imQuote).toBe(38.885);
    expect(r.mmQuote).toBe(19.4425);
    expect(r.imMoney?.units).toBe(38_885_000n);
    expect(r.mmMoney?.units).toBe(19_442_500n);
    if (r.explain.kind !== 'oi-scaled') throw new Error('kind');
    expect(r.explain.notionalQuoteQuantums).toBe('3888500000');
    expect(r.explain.imQuoteQuantums).toBe('38885000');
    expect(r.explain.mmQuoteQuantums).toBe('19442500');
    expect(r.explain.imfPpm).toBe(10_000);
  });

  it('open interest halfway between the caps → IMF 60 %; MM stays at base × MF', () => {
    const scaled: OiLiquidityTier = {
      initialMarginPpm: 200_000,
      maintenanceFractionPpm: 500_000,
      openInterestLowerCapQuoteQuantums: 1_000_000_000_000n,
      openInterestUpperCapQuoteQuantums: 2_000_000_000_000n,
    };
    const r = perpMargin(linear(1, 0.5), {
      kind: 'oi-scaled',
      tier: scaled,
      openInterestQuoteQuantums: 1_500_000_000_000n,
    });
    expect(r.imQuote).toBe(0.3); // 500 000 quantums × 60 %
    expect(r.imFrac).toBe(0.6);
    expect(r.mmQuote).toBe(0.05); // 500 000 × 20 % × 50 %
  });

  it('prices notional down to whole quantums, as dYdX does', () => {
    // 1e-7 BTC at 5 USDC = 5e-7 USDC = 0.5 quantum → 0
    const r = perpMargin(linear(1e-7, 5), { kind: 'oi-scaled', tier, openInterestQuoteQuantums: 0n });
    expect(r.imQuote).toBe(0);
  });
});

describe('perpMargin — flat, with optional size premium (Drift)', () => {
  it('no premium: 10 ETH at 2 000, IMF 10 %, MMF 5 % → IM 2 000, MM 1 000', () => {
    const r = perpMargin(linear(10, 2_000), { kind: 'flat', imfFrac: 0.1, mmfFrac: 0.05 });
    expect(r.imQuote).toBe(2_000);
    expect(r.mmQuote).toBe(1_000);
    expect(r.explain.kind === 'flat' && r.explain.premiumApplied).toBe(false);
  });

  it('premium: 10 000 SOL at 100, IMF 5 %, MMF 3 %, factor 0.0005 → IMF 9 % (IM 90 000), MMF 7.4 % (MM 74 000)', () => {
    const r = perpMargin(
      linear(10_000, 100),
      { kind: 'flat', imfFrac: 0.05, mmfFrac: 0.03, sizePremium: { imfFactor: 0.0005 } },
      { money: { currency: 'USDC', scale: 2 } },
    );
    expect(r.imFrac).toBe(0.09);
    expect(r.mmFrac).toBe(0.074);
    expect(r.imQuote).toBe(90_000);
    expect(r.mmQuote).toBe(74_000);
    expect(r.imMoney && moneyToDecimal(r.imMoney)).toBe('90000.00'); // exact: no spurious cent
    expect(r.mmMoney && moneyToDecimal(r.mmMoney)).toBe('74000.00');
    expect(r.explain.kind === 'flat' && r.explain.premiumApplied).toBe(true);
  });

  it('premium below its threshold does nothing: 100 SOL (√100 × 0.0005 = 0.005 < 0.2 × 5 %)', () => {
    const r = perpMargin(linear(100, 100), {
      kind: 'flat',
      imfFrac: 0.05,
      mmfFrac: 0.03,
      sizePremium: { imfFactor: 0.0005 },
    });
    expect(r.imQuote).toBe(500);
    expect(r.mmQuote).toBe(300);
  });

  it('inverse flat: short 500 contracts × 10 USD at 25 000 → 0.2 BTC; IM 100 USD = 0.004 BTC, MM 0.002 BTC', () => {
    const r = perpMargin(
      { qtyBase: -500, markPrice: 25_000, settlement: 'inverse', contractSize: 10 },
      { kind: 'flat', imfFrac: 0.02, mmfFrac: 0.01 },
    );
    expect(r.notionalQuote).toBe(5_000);
    expect(r.sizeBase).toBe(0.2);
    expect(r.imQuote).toBe(100);
    expect(r.imCoin).toBe(0.004);
    expect(r.mmCoin).toBe(0.002);
  });

  it('inverse without contract size: qtyBase is coins', () => {
    const r = perpMargin(
      { qtyBase: 0.2, markPrice: 25_000, settlement: 'inverse' },
      { kind: 'flat', imfFrac: 0.02, mmfFrac: 0.01 },
    );
    expect(r.notionalQuote).toBe(5_000);
    expect(r.imCoin).toBe(0.004);
  });

  it('linear contract size: 3 contracts × 0.001 BTC at 60 000 → 180 notional', () => {
    const r = perpMargin(linear(3, 60_000, 0.001), { kind: 'flat', imfFrac: 0.1, mmfFrac: 0.05 });
    expect(r.sizeBase).toBe(0.003);
    expect(r.notionalQuote).toBe(180);
    expect(r.imQuote).toBe(18);
  });

  it('exact money: notional 100 at IMF 7 % is 7.00, not 7.01', () => {
    const r = perpMargin(
      linear(1, 100),
      { kind: 'flat', imfFrac: 0.07, mmfFrac: 0.07 },
      { money: { currency: 'USD', scale: 2 } },
    );
    expect(r.imMoney && moneyToDecimal(r.imMoney)).toBe('7.00');
  });

  it('zero position: zero requirement, rates are the model rates', () => {
    const r = perpMargin(linear(0, 100), { kind: 'flat', imfFrac: 0.1, mmfFrac: 0.05 });
    expect(r.imQuote).toBe(0);
    expect(r.imFrac).toBe(0.1);
    expect(r.mmFrac).toBe(0.05);
  });
});

describe('perpMargin — one model per instrument', () => {
  it('the engine picks the model by instrument id', () => {
    const models: Record<string, PerpMarginModel> = {
      'BTCUSDT-PERP': brackets,
      'BTC-USD': {
        kind: 'oi-scaled',
        tier: {
          initialMarginPpm: 50_000,
          maintenanceFractionPpm: 600_000,
          openInterestLowerCapQuoteQuantums: 0n,
          openInterestUpperCapQuoteQuantums: 0n,
        },
        openInterestQuoteQuantums: 0n,
      },
      'SOL-PERP': { kind: 'flat', imfFrac: 0.1, mmfFrac: 0.05, sizePremium: { imfFactor: 0.001 } },
    };
    const mm = Object.fromEntries(
      Object.entries(models).map(([id, m]) => [id, perpMargin(linear(2, 50_000), m).mmQuote]),
    );
    // 100 000 notional: Binance 450; dYdX 5 % × 60 % = 3 000; flat 5 % with premium max(0.05, 0.04 + 0.001 √2)
    expect(mm).toEqual({ 'BTCUSDT-PERP': 450, 'BTC-USD': 3_000, 'SOL-PERP': 5_000 });
  });
});

describe('perpMargin — bad input', () => {
  it('validatePerpMarginModel names the problem', () => {
    const code = (m: PerpMarginModel) => {
      const r = validatePerpMarginModel(m);
      return r.ok ? 'ok' : r.error.code;
    };
    expect(code({ kind: 'flat', imfFrac: 0, mmfFrac: 0 })).toBe('FLAT_IMF_OUT_OF_RANGE');
    expect(code({ kind: 'flat', imfFrac: 0.1, mmfFrac: 0.2 })).toBe('FLAT_MMF_OUT_OF_RANGE');
    expect(code({ kind: 'flat', imfFrac: 0.1, mmfFrac: 0.05, sizePremium: { imfFactor: -1 } })).toBe(
      'SIZE_PREMIUM_OUT_OF_RANGE',
    );
    expect(code({ ...brackets, leverage: 0 })).toBe('BRACKET_LEVERAGE_OUT_OF_RANGE');
    const tier: OiLiquidityTier = {
      initialMarginPpm: 50_000,
      maintenanceFractionPpm: 600_000,
      openInterestLowerCapQuoteQuantums: 5n,
      openInterestUpperCapQuoteQuantums: 1n,
    };
    expect(code({ kind: 'oi-scaled', tier, openInterestQuoteQuantums: 0n })).toBe('OI_TIER_INVALID');
    expect(
      code({
        kind: 'oi-scaled',
        tier: { ...tier, openInterestLowerCapQuoteQuantums: 0n },
        openInterestQuoteQuantums: -1n,
      }),
    ).toBe('OI_NEGATIVE');
    expect(
      code({
        kind: 'oi-scaled',
        tier: { ...tier, openInterestLowerCapQuoteQuantums: 0n },
        openInterestQuoteQuantums: 0n,
        quoteAtomicResolution: 2,
      }),
    ).toBe('QUOTE_RESOLUTION_INVALID');
    expect(code(brackets)).toBe('ok');
  });

  it('throws on a bad position or model', () => {
    const flat: PerpMarginModel = { kind: 'flat', imfFrac: 0.1, mmfFrac: 0.05 };
    expect(() => perpMargin(linear(1, 0), flat)).toThrow(/markPrice/);
    expect(() => perpMargin(linear(Number.NaN, 1), flat)).toThrow(/qtyBase/);
    expect(() => perpMargin(linear(1, 1, 0), flat)).toThrow(/contractSize/);
    expect(() => perpMargin(linear(1, 1), { kind: 'flat', imfFrac: 0.1, mmfFrac: 0.5 })).toThrow(/mmfFrac/);
  });
});
