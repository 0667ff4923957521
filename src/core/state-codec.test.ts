import { describe, expect, it } from 'vitest';
import {
  assertSameConfig,
  canonicalData,
  decodeBigint,
  decodeNullableNum,
  decodeNum,
  encodeBigint,
  encodeNullableNum,
  encodeNum,
  firstDifference,
} from './state-codec.ts';

describe('state codec', () => {
  it('round-trips every float64 through JSON, including NaN, ±Infinity and −0', () => {
    const xs = [
      0,
      -0,
      1,
      -1.5,
      0.1 + 0.2,
      Number.MIN_VALUE,
      -Number.MAX_VALUE,
      1e300,
      NaN,
      Infinity,
      -Infinity,
    ];
    const back = JSON.parse(JSON.stringify(xs.map(encodeNum))).map(decodeNum);
    expect(back).toHaveLength(xs.length);
    for (const [i, x] of xs.entries()) expect(Object.is(back[i], x)).toBe(true);
    expect(xs.map(encodeNum).slice(-3)).toEqual(['NaN', 'Infinity', '-Infinity']);
    expect(encodeNum(-0)).toBe('-0');
    expect(encodeNum(2.5)).toBe(2.5);
    expect(encodeNullableNum(null)).toBeNull();
    expect(decodeNullableNum(encodeNullableNum(-Infinity))).toBe(-Infinity);
  });

  it('refuses strings it did not produce', () => {
    expect(() => decodeNum('inf')).toThrow(/bad encoded number "inf"/);
    expect(() => decodeNum('1.5')).toThrow(RangeError);
    expect(() => decodeNum(Number.NaN)).toThrow(RangeError);
  });

  it('round-trips bigints as decimal strings and refuses anything else', () => {
    for (const b of [0n, -1n, 123456789012345678901234567890n, -(2n ** 200n)]) {
      expect(decodeBigint(JSON.parse(JSON.stringify(encodeBigint(b))))).toBe(b);
    }
    expect(encodeBigint(-42n)).toBe('-42');
    expect(() => decodeBigint('1e3')).toThrow(/bad bigint/);
    expect(() => decodeBigint('0x10')).toThrow(/bad bigint/);
    expect(() => decodeBigint('')).toThrow(/bad bigint/);
  });

  it('canonical data sorts keys, drops undefined, encodes numbers and bigints', () => {
    expect(canonicalData({ b: 1, a: [Infinity, 2n], c: undefined, d: { z: null, y: true } })).toEqual({
      a: ['Infinity', '2'],
      b: 1,
      d: { y: true, z: null },
    });
    expect(JSON.stringify(canonicalData({ y: 1, x: 2 }))).toBe(JSON.stringify(canonicalData({ x: 2, y: 1 })));
    expect(() => canonicalData({ f: () => 1 })).toThrow(TypeError);
    expect(() => canonicalData(new Map())).toThrow(TypeError);
  });

  it('names the first difference and refuses a different config', () => {
    const a = canonicalData({ interval: 1, stress: { window: 10, weights: [1, 2] } });
    expect(firstDifference(a, a)).toBeNull();
    expect(firstDifference(a, canonicalData({ interval: 1, stress: { window: 11, weights: [1, 2] } }))).toBe(
      'stress.window',
    );
    expect(firstDifference(a, canonicalData({ interval: 1, stress: { window: 10, weights: [1, 3] } }))).toBe(
      'stress.weights[1]',
    );
    expect(firstDifference(a, canonicalData({ interval: 1 }))).toBe('stress');
    expect(() => assertSameConfig('thing', { interval: 2 }, canonicalData({ interval: 1 }))).toThrow(
      /thing: state was exported under a different config \(first difference at interval\)/,
    );
    expect(() => assertSameConfig('thing', { interval: 1 }, canonicalData({ interval: 1 }))).not.toThrow();
  });
});
