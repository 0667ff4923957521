import { describe, expect, it } from 'vitest';
import { moneyToDecimal } from '../../core/money.ts';
import {
  ratAdd,
  ratCmp,
  ratDiv,
  ratFrac,
  ratFromNumber,
  ratMul,
  ratSub,
  ratToMoney,
  ratToNumber,
  ratToUnits,
} from './perp-exact.ts';

describe('exact rationals', () => {
  it('reads floats as their shortest decimal', () => {
    expect(ratFromNumber(0.1)).toEqual({ num: 1n, den: 10n });
    expect(ratFromNumber(-0.25)).toEqual({ num: -1n, den: 4n });
    expect(ratFromNumber(1e21)).toEqual({ num: 10n ** 21n, den: 1n });
    expect(ratFromNumber(1.5e-7)).toEqual({ num: 3n, den: 20_000_000n });
    expect(ratFromNumber(0)).toEqual({ num: 0n, den: 1n });
    expect(() => ratFromNumber(Number.POSITIVE_INFINITY)).toThrow(/non-finite/);
  });

  it('computes exactly where floats drift', () => {
    expect(ratToNumber(ratAdd(ratFromNumber(0.1), ratFromNumber(0.2)))).toBe(0.3);
    expect(ratToNumber(ratMul(ratFromNumber(0.07), ratFromNumber(100)))).toBe(7);
    expect(ratToNumber(ratSub(ratFromNumber(0.005), ratFromNumber(0.004)))).toBe(0.001);
    expect(ratCmp(ratDiv(ratFromNumber(1), ratFromNumber(3)), ratFrac(1n, 3n))).toBe(0);
  });

  it('gives the nearest double', () => {
    expect(ratToNumber(ratFrac(1n, 3n))).toBe(1 / 3);
    expect(ratToNumber(ratFrac(-2n, 3n))).toBe(-2 / 3);
    expect(ratToNumber(ratFrac(10n ** 30n, 7n))).toBe(1e30 / 7);
  });

  it('rounds once to units or money', () => {
    expect(ratToUnits(ratFrac(1n, 3n), 2, 'ceil')).toBe(34n);
    expect(ratToUnits(ratFrac(1n, 3n), 2, 'floor')).toBe(33n);
    expect(ratToUnits(ratFrac(-1n, 3n), 2, 'ceil')).toBe(-33n);
    expect(moneyToDecimal(ratToMoney(ratFromNumber(450), 2, 'USDT', 'ceil'))).toBe('450.00');
    expect(() => ratToUnits(ratFrac(1n, 3n), -1, 'ceil')).toThrow(/scale/);
  });

  it('refuses a zero denominator', () => {
    expect(() => ratFrac(1n, 0n)).toThrow();
    expect(() => ratDiv(ratFromNumber(1), ratFromNumber(0))).toThrow();
  });
});
