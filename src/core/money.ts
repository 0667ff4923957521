import { BackstopError } from './errors.ts';

/**
 * Exact money: an integer count of 10^-scale units of a currency (dinero.js style).
 * All ledger arithmetic stays in bigint; floats only enter through `moneyFromFloat`
 * with a named rounding (docs/adr/0001-numbers.md).
 */
export interface Money {
  readonly units: bigint;
  readonly scale: number;
  readonly currency: string;
}

/**
 * Named roundings. Conservative use: requirements round up (`ceil`), collateral and payouts
 * round down (`floor`), so rounding never makes the venue less safe.
 */
export type Rounding = 'ceil' | 'floor' | 'towardZero' | 'awayFromZero' | 'halfEven';

export const ROUND_REQUIREMENT: Rounding = 'ceil';
export const ROUND_COLLATERAL: Rounding = 'floor';
export const ROUND_PAYOUT: Rounding = 'floor';

const MAX_SCALE = 36;

function checkScale(scale: number): void {
  if (!Number.isInteger(scale) || scale < 0 || scale > MAX_SCALE) {
    throw new BackstopError(
      'BAD_ARGUMENT',
      `money scale must be an integer in 0..${MAX_SCALE}, got ${scale}`,
      {
        scale,
      },
    );
  }
}

export function money(units: bigint, scale: number, currency: string): Money {
  checkScale(scale);
  return { units, scale, currency };
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** Parses a decimal string exactly; more fractional digits than `scale` are rounded as asked. */
export function moneyFromDecimal(
  text: string,
  scale: number,
  currency: string,
  rounding: Rounding = 'halfEven',
): Money {
  checkScale(scale);
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new BackstopError('BAD_DECIMAL', `not a decimal number: "${text}"`, { value: text });
  const negative = m[1] === '-';
  const frac = m[3] ?? '';
  const digits = BigInt(`${m[2]}${frac}`);
  const signed = negative ? -digits : digits;
  const units = rescale(signed, frac.length, scale, rounding);
  return { units, scale, currency };
}

/**
 * A decimal string as exact units at `scale`, with no rounding: 'malformed' for anything but
 * an optional '-', digits and an optional fraction; 'too-precise' when non-zero digits lie
 * beyond `scale` (input at the money boundary must not be rounded silently).
 */
export function exactUnits(text: string, scale: number): bigint | 'malformed' | 'too-precise' {
  checkScale(scale);
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return 'malformed';
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (frac.length > scale) return 'too-precise';
  const units = BigInt(`${m[2]}${frac.padEnd(scale, '0')}`);
  return m[1] === '-' ? -units : units;
}

/** Decimal string with exactly `scale` fractional digits, e.g. "-12.3400". */
export function moneyToDecimal(x: Money): string {
  const negative = x.units < 0n;
  const abs = (negative ? -x.units : x.units).toString().padStart(x.scale + 1, '0');
  const intPart = abs.slice(0, abs.length - x.scale);
  const fracPart = abs.slice(abs.length - x.scale);
  return `${negative ? '-' : ''}${intPart}${x.scale > 0 ? `.${fracPart}` : ''}`;
}

/**
 * Float (risk math) → money at `scale`, rounded as named. The float is first written exactly
 * (shortest round-trip decimal), so 0.1 stays 0.1 rather than 0.1000000000000000055….
 */
export function moneyFromFloat(value: number, scale: number, currency: string, rounding: Rounding): Money {
  if (!Number.isFinite(value)) {
    throw new BackstopError('NOT_FINITE', `cannot convert non-finite ${value} to money`, {
      value: String(value),
    });
  }
  return moneyFromDecimal(floatToDecimal(value), scale, currency, rounding);
}

export function moneyToFloat(x: Money): number {
  return Number(moneyToDecimal(x));
}

function floatToDecimal(value: number): string {
  const s = String(value);
  if (!/e/i.test(s)) return s;
  // Expand exponent notation exactly from the shortest round-trip digits.
  const [mant, expText] = s.toLowerCase().split('e') as [string, string];
  const exp = Number(expText);
  const negative = mant.startsWith('-');
  const [ip, fp = ''] = mant.replace('-', '').split('.') as [string, string?];
  const digits = ip + fp;
  const pointAt = ip.length + exp;
  let out: string;
  if (pointAt <= 0) out = `0.${'0'.repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) out = digits + '0'.repeat(pointAt - digits.length);
  else out = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return negative ? `-${out}` : out;
}

/** Changes the scale of an integer amount, rounding as named when digits are dropped. */
export function rescale(units: bigint, fromScale: number, toScale: number, rounding: Rounding): bigint {
  if (toScale >= fromScale) return units * 10n ** BigInt(toScale - fromScale);
  return divRound(units, 10n ** BigInt(fromScale - toScale), rounding);
}

/** Integer division n / d (d > 0) with a named rounding. */
export function divRound(n: bigint, d: bigint, rounding: Rounding): bigint {
  if (d <= 0n) throw new BackstopError('BAD_ARGUMENT', 'divisor must be positive', { divisor: d.toString() });
  const q = n / d; // truncates toward zero
  const r = n % d;
  if (r === 0n) return q;
  const negative = n < 0n;
  switch (rounding) {
    case 'towardZero':
      return q;
    case 'awayFromZero':
      return negative ? q - 1n : q + 1n;
    case 'ceil':
      return negative ? q : q + 1n;
    case 'floor':
      return negative ? q - 1n : q;
    case 'halfEven': {
      const twice = (r < 0n ? -r : r) * 2n;
      const away = twice > d || (twice === d && q % 2n !== 0n);
      return away ? (negative ? q - 1n : q + 1n) : q;
    }
  }
}

function same(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new BackstopError('CURRENCY_MISMATCH', `cannot combine ${a.currency} with ${b.currency}`, {
      left: a.currency,
      right: b.currency,
    });
  }
  if (a.scale !== b.scale) {
    throw new BackstopError(
      'SCALE_MISMATCH',
      `cannot combine scale ${a.scale} with ${b.scale} (${a.currency})`,
      {
        left: a.scale,
        right: b.scale,
      },
    );
  }
}

export function addMoney(a: Money, b: Money): Money {
  same(a, b);
  return { units: a.units + b.units, scale: a.scale, currency: a.currency };
}

export function subMoney(a: Money, b: Money): Money {
  same(a, b);
  return { units: a.units - b.units, scale: a.scale, currency: a.currency };
}

export function negMoney(a: Money): Money {
  return { units: -a.units, scale: a.scale, currency: a.currency };
}

export function compareMoney(a: Money, b: Money): -1 | 0 | 1 {
  same(a, b);
  return a.units < b.units ? -1 : a.units > b.units ? 1 : 0;
}

/** a × (num / den), exact rational scaling with a named rounding (fees, pro-rata shares). */
export function mulRatio(a: Money, num: bigint, den: bigint, rounding: Rounding): Money {
  if (den === 0n) throw new BackstopError('BAD_ARGUMENT', 'ratio denominator is zero');
  const sign = den < 0n ? -1n : 1n;
  return {
    units: divRound(a.units * num * sign, den * sign, rounding),
    scale: a.scale,
    currency: a.currency,
  };
}

/**
 * Splits `total` into parts proportional to `weights` with no unit lost: floor shares, then the
 * remainder goes one unit at a time to the largest fractional parts (ties to the lower index).
 */
export function allocate(total: Money, weights: readonly bigint[]): Money[] {
  if (weights.length === 0) throw new BackstopError('BAD_ARGUMENT', 'allocate needs at least one weight');
  if (weights.some((w) => w < 0n)) throw new BackstopError('BAD_ARGUMENT', 'allocate weights must be >= 0');
  const sum = weights.reduce((s, w) => s + w, 0n);
  if (sum === 0n) throw new BackstopError('BAD_ARGUMENT', 'allocate weights sum to zero');
  const negative = total.units < 0n;
  const abs = negative ? -total.units : total.units;
  const shares = weights.map((w) => (abs * w) / sum);
  const rems = weights.map((w, i) => ({ i, r: (abs * w) % sum }));
  let left = abs - shares.reduce((s, x) => s + x, 0n);
  rems.sort((x, y) => (x.r === y.r ? x.i - y.i : x.r > y.r ? -1 : 1));
  for (let k = 0; left > 0n; k++, left--) {
    const idx = (rems[k % rems.length] as { i: number }).i;
    shares[idx] = (shares[idx] as bigint) + 1n;
  }
  return shares.map((u) => ({ units: negative ? -u : u, scale: total.scale, currency: total.currency }));
}
