/**
 * Helpers for component state snapshots (`exportState()` / `restoreState()`, see
 * docs/concepts/journal.md): states are plain JSON data, so values JSON cannot carry exactly are
 * encoded as strings — NaN, ±Infinity and −0 (which JSON would print as 0) by `encodeNum`,
 * bigint as its decimal digits by `encodeBigint`.
 */

/** A float64 as JSON carries it exactly: a finite number, or "NaN" / "Infinity" / "-Infinity" / "-0". */
export type EncodedNum = number | string;

/** Plain JSON data. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** `x` as a JSON-exact value: finite numbers as themselves, NaN, ±Infinity and −0 as strings. */
export function encodeNum(x: number): EncodedNum {
  if (Number.isFinite(x)) return Object.is(x, -0) ? '-0' : x;
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

/** Inverse of `encodeNum`; throws a RangeError on anything `encodeNum` does not produce. */
export function decodeNum(v: EncodedNum): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v))
      throw new RangeError(`state: expected a finite number or an encoded one, got ${v}`);
    return v;
  }
  switch (v) {
    case 'NaN':
      return Number.NaN;
    case 'Infinity':
      return Number.POSITIVE_INFINITY;
    case '-Infinity':
      return Number.NEGATIVE_INFINITY;
    case '-0':
      return -0;
    default:
      throw new RangeError(`state: bad encoded number ${JSON.stringify(v)}`);
  }
}

/** `encodeNum` of a nullable number (null stays null). */
export function encodeNullableNum(x: number | null): EncodedNum | null {
  return x === null ? null : encodeNum(x);
}

/** Inverse of `encodeNullableNum`. */
export function decodeNullableNum(v: EncodedNum | null): number | null {
  return v === null ? null : decodeNum(v);
}

/** A bigint as its decimal digits (with a leading '-' when negative). */
export function encodeBigint(x: bigint): string {
  return x.toString();
}

/** Inverse of `encodeBigint`; throws a RangeError on anything but optional '-' and decimal digits. */
export function decodeBigint(v: string): bigint {
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) {
    throw new RangeError(`state: bad bigint ${JSON.stringify(v)} (need decimal digits)`);
  }
  return BigInt(v);
}

/**
 * A canonical JSON form of plain configuration data, for comparing a state's recorded config
 * with the live one: object keys sorted, undefined members dropped, numbers through `encodeNum`,
 * bigints through `encodeBigint`. Throws on functions, symbols and class instances other than arrays.
 */
export function canonicalData(value: unknown): JsonValue {
  if (value === null) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      return encodeNum(value);
    case 'bigint':
      return encodeBigint(value);
    case 'object': {
      if (Array.isArray(value)) return value.map(canonicalData);
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError('canonicalData: only plain objects and arrays are supported');
      }
      const out: { [key: string]: JsonValue } = {};
      for (const key of Object.keys(value).sort()) {
        const member = (value as Record<string, unknown>)[key];
        if (member !== undefined) out[key] = canonicalData(member);
      }
      return out;
    }
    default:
      throw new TypeError(`canonicalData: cannot encode a ${typeof value}`);
  }
}

/** The path of the first difference between two JSON values (e.g. `stress.window`), or null if equal. */
export function firstDifference(a: JsonValue, b: JsonValue, path = ''): string | null {
  const here = path === '' ? '(root)' : path;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return Object.is(a, b) ? null : here;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return here;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${here} (length ${a.length} vs ${b.length})`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i]!, b[i]!, `${path}[${i}]`);
      if (d !== null) return d;
    }
    return null;
  }
  const ao = a as { [key: string]: JsonValue };
  const bo = b as { [key: string]: JsonValue };
  const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort();
  for (const key of keys) {
    const sub = path === '' ? key : `${path}.${key}`;
    if (!(key in ao) || !(key in bo)) return sub;
    const d = firstDifference(ao[key]!, bo[key]!, sub);
    if (d !== null) return d;
  }
  return null;
}

/**
 * Throws a RangeError naming the first differing field when the config recorded in a state
 * (`recorded`, already canonical) differs from the live object's (`live`).
 */
export function assertSameConfig(what: string, live: unknown, recorded: JsonValue): void {
  const d = firstDifference(canonicalData(live), recorded);
  if (d !== null) {
    throw new RangeError(
      `${what}: state was exported under a different config (first difference at ${d}); ` +
        'restore into an object constructed with the same config',
    );
  }
}
