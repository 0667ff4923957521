import { BackstopError } from '../../core/errors.ts';
import { divRound, type Money, money, type Rounding } from '../../core/money.ts';

/**
 * Exact rationals for margin arithmetic that ends in money.
 *
 * Margin inputs are decimal numbers (0.005, 100 000, 0.07). Float products land one ulp off
 * (0.07 × 100 = 7.000000000000001), and a requirement rounded UP to cents would then gain a
 * spurious cent. So the perp models read each float as its shortest round-trip decimal (the
 * same reading as `moneyFromFloat`), compute exactly in bigint, and round once, at the end, with a
 * named rounding. Floats come back out only as the nearest double of the exact value.
 */
export interface Rational {
  readonly num: bigint;
  /** Always > 0. */
  readonly den: bigint;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i;

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}

function make(num: bigint, den: bigint): Rational {
  if (den === 0n) throw new BackstopError('BAD_ARGUMENT', 'rational denominator is zero');
  const sign = den < 0n ? -1n : 1n;
  const n = num * sign;
  const d = den * sign;
  const g = gcd(n, d);
  return g > 1n ? { num: n / g, den: d / g } : { num: n, den: d };
}

/** The integer `n` as a rational. */
export function ratInt(n: bigint): Rational {
  return { num: n, den: 1n };
}

/** `num / den` (den ≠ 0), reduced. */
export function ratFrac(num: bigint, den: bigint): Rational {
  return make(num, den);
}

/**
 * A finite float read exactly as its shortest round-trip decimal (0.1 → 1/10, not
 * 3602879701896397/36028797018963968). Non-finite input throws `NOT_FINITE`.
 */
export function ratFromNumber(value: number): Rational {
  if (!Number.isFinite(value)) {
    throw new BackstopError('NOT_FINITE', `cannot read non-finite ${value} as an exact decimal`, {
      value: String(value),
    });
  }
  const m = DECIMAL.exec(String(value));
  if (!m)
    throw new BackstopError('BAD_DECIMAL', `cannot read ${value} as a decimal`, { value: String(value) });
  const frac = m[3] ?? '';
  const digits = BigInt(`${m[2]}${frac}`) * (m[1] === '-' ? -1n : 1n);
  const exp10 = Number(m[4] ?? '0') - frac.length;
  return exp10 >= 0 ? ratInt(digits * 10n ** BigInt(exp10)) : make(digits, 10n ** BigInt(-exp10));
}

export function ratAdd(a: Rational, b: Rational): Rational {
  return make(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function ratSub(a: Rational, b: Rational): Rational {
  return make(a.num * b.den - b.num * a.den, a.den * b.den);
}

export function ratMul(a: Rational, b: Rational): Rational {
  return make(a.num * b.num, a.den * b.den);
}

/** a / b; b ≠ 0. */
export function ratDiv(a: Rational, b: Rational): Rational {
  if (b.num === 0n) throw new BackstopError('BAD_ARGUMENT', 'rational division by zero');
  return make(a.num * b.den, a.den * b.num);
}

export function ratCmp(a: Rational, b: Rational): -1 | 0 | 1 {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

export function ratIsZero(a: Rational): boolean {
  return a.num === 0n;
}

export function ratMin(a: Rational, b: Rational): Rational {
  return ratCmp(a, b) <= 0 ? a : b;
}

export function ratMax(a: Rational, b: Rational): Rational {
  return ratCmp(a, b) >= 0 ? a : b;
}

function digitCount(n: bigint): number {
  return (n < 0n ? -n : n).toString().length;
}

/** Nearest double of the exact value (via a 21-significant-digit decimal). */
export function ratToNumber(a: Rational): number {
  if (a.den === 1n) return Number(a.num);
  const negative = a.num < 0n;
  const abs = negative ? -a.num : a.num;
  const k = Math.max(0, 21 + digitCount(a.den) - digitCount(abs));
  const q = (abs * 10n ** BigInt(k)) / a.den;
  const x = Number(`${q}e-${k}`);
  return negative ? -x : x;
}

/** Integer count of 10^-scale units, rounded as named (e.g. `ceil` for requirements). */
export function ratToUnits(a: Rational, scale: number, rounding: Rounding): bigint {
  if (!Number.isInteger(scale) || scale < 0) {
    throw new BackstopError('BAD_ARGUMENT', `scale must be an integer >= 0, got ${scale}`, { scale });
  }
  return divRound(a.num * 10n ** BigInt(scale), a.den, rounding);
}

/** Exact value → `Money` at `scale`, rounded once as named (requirements: `ROUND_REQUIREMENT`). */
export function ratToMoney(a: Rational, scale: number, currency: string, rounding: Rounding): Money {
  return money(ratToUnits(a, scale, rounding), scale, currency);
}
