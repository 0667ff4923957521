import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addMoney,
  allocate,
  divRound,
  exactUnits,
  money,
  moneyFromDecimal,
  moneyFromFloat,
  moneyToDecimal,
  mulRatio,
  ROUND_COLLATERAL,
  ROUND_REQUIREMENT,
} from './money.ts';

describe('money', () => {
  it('parses and prints decimals exactly', () => {
    const m = moneyFromDecimal('-12.34', 4, 'USDT');
    expect(m.units).toBe(-123400n);
    expect(moneyToDecimal(m)).toBe('-12.3400');
    expect(moneyToDecimal(money(5n, 8, 'BTC'))).toBe('0.00000005');
  });

  it('rounds by name (hand-checked table)', () => {
    // 7/2 = 3.5, -7/2 = -3.5, 5/2 = 2.5
    expect(divRound(7n, 2n, 'ceil')).toBe(4n);
    expect(divRound(-7n, 2n, 'ceil')).toBe(-3n);
    expect(divRound(7n, 2n, 'floor')).toBe(3n);
    expect(divRound(-7n, 2n, 'floor')).toBe(-4n);
    expect(divRound(-7n, 2n, 'towardZero')).toBe(-3n);
    expect(divRound(-7n, 2n, 'awayFromZero')).toBe(-4n);
    expect(divRound(7n, 2n, 'halfEven')).toBe(4n);
    expect(divRound(5n, 2n, 'halfEven')).toBe(2n);
    expect(divRound(-5n, 2n, 'halfEven')).toBe(-2n);
    expect(divRound(7n, 3n, 'halfEven')).toBe(2n);
  });

  it('converts floats through their shortest decimal, conservatively', () => {
    expect(moneyFromFloat(0.1, 2, 'USD', ROUND_REQUIREMENT).units).toBe(10n);
    expect(moneyFromFloat(450.001, 2, 'USD', ROUND_REQUIREMENT).units).toBe(45001n);
    expect(moneyFromFloat(450.009, 2, 'USD', ROUND_COLLATERAL).units).toBe(45000n);
    expect(moneyFromFloat(1.5e-7, 8, 'BTC', 'ceil').units).toBe(15n);
    expect(moneyFromFloat(2.5e21, 0, 'X', 'floor').units).toBe(2_500_000_000_000_000_000_000n);
    expect(() => moneyFromFloat(Number.NaN, 2, 'USD', 'floor')).toThrow(/non-finite/);
  });

  it('refuses to mix currencies or scales', () => {
    expect(() => addMoney(money(1n, 2, 'USD'), money(1n, 2, 'BTC'))).toThrow(/USD with BTC/);
    expect(() => addMoney(money(1n, 2, 'USD'), money(1n, 3, 'USD'))).toThrow(/scale/);
  });

  it('scales by a ratio with the named rounding: 100.00 × 1/3', () => {
    expect(mulRatio(money(10000n, 2, 'USD'), 1n, 3n, 'floor').units).toBe(3333n);
    expect(mulRatio(money(10000n, 2, 'USD'), 1n, 3n, 'ceil').units).toBe(3334n);
  });

  it('allocate: 100 units over weights 1,1,1 gives 34,33,33', () => {
    const parts = allocate(money(100n, 0, 'USD'), [1n, 1n, 1n]).map((p) => p.units);
    expect(parts).toEqual([34n, 33n, 33n]);
  });

  it('allocate never creates or loses a unit (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
        fc
          .array(fc.bigInt({ min: 0n, max: 10n ** 9n }), { minLength: 1, maxLength: 12 })
          .filter((w) => w.some((x) => x > 0n)),
        (total, weights) => {
          const parts = allocate(money(total, 6, 'USDC'), weights);
          return parts.reduce((s, p) => s + p.units, 0n) === total;
        },
      ),
      { seed: 42, numRuns: 500 },
    );
  });

  it('conservative rounding never understates a requirement (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e12, noNaN: true }), (x) => {
        const up = moneyFromFloat(x, 6, 'USD', ROUND_REQUIREMENT);
        const down = moneyFromFloat(x, 6, 'USD', ROUND_COLLATERAL);
        return Number(up.units) / 1e6 >= x - x * 1e-15 && Number(down.units) / 1e6 <= x + x * 1e-15;
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});

describe('exactUnits', () => {
  it('reads decimals exactly and never rounds', () => {
    expect(exactUnits('1.5', 6)).toBe(1_500_000n);
    expect(exactUnits('-0.000001', 6)).toBe(-1n);
    expect(exactUnits('2.1000000', 6)).toBe(2_100_000n); // trailing zeros are not precision
    expect(exactUnits('1.0000001', 6)).toBe('too-precise');
    for (const bad of ['', '1.', '.5', '1e3', ' 1', '+1', 'abc'])
      expect(exactUnits(bad, 6)).toBe('malformed');
  });
});
