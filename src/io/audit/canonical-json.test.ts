import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('is the same text whatever the insertion order', () => {
    expect(canonicalJson({ x: 1, y: 2, 'USD.im': 3 })).toBe(canonicalJson({ 'USD.im': 3, y: 2, x: 1 }));
  });

  it('writes finite numbers as String(n): shortest round trip, -0 as 0, exponents as JS does', () => {
    expect(canonicalJson([10000, 0.1 + 0.2, -0, 1e21, 1e-7, -1.5, 2 ** 53])).toBe(
      '[10000,0.30000000000000004,0,1e+21,1e-7,-1.5,9007199254740992]',
    );
  });

  it('writes bigint as a decimal string, which hashes like the string it reads back as', () => {
    expect(canonicalJson({ n: 123456789012345678901234567890n })).toBe(
      '{"n":"123456789012345678901234567890"}',
    );
    expect(canonicalJson({ n: -5n })).toBe(canonicalJson({ n: '-5' }));
  });

  it('leaves out undefined properties and writes undefined array elements as null (as JSON.stringify)', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, null] })).toBe('{"b":[null,null]}');
  });

  it('sorts keys by UTF-16 code units and escapes strings as JSON.stringify', () => {
    // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FFFF by code units.
    expect(canonicalJson({ '\uffff': 1, '😀': 2, é: 3, z: 4, Z: 5 })).toBe(
      '{"Z":5,"z":4,"é":3,"😀":2,"\uffff":1}',
    );
    expect(canonicalJson('a"b\\c\n\u0001\ud800')).toBe('"a\\"b\\\\c\\n\\u0001\\ud800"');
  });

  it('round-trips through JSON.parse to the same text', () => {
    const v = { k: [1.25, 'x', true, null, { b: -0.000123, a: 1e300 }] };
    const t = canonicalJson(v);
    expect(canonicalJson(JSON.parse(t))).toBe(t);
  });

  it('throws NOT_FINITE for NaN and ±Infinity, naming the path', () => {
    expect(() => canonicalJson({ e: { marginRatio: Number.NaN } })).toThrow(
      expect.objectContaining({ code: 'NOT_FINITE', fields: { path: '$.e.marginRatio' } }),
    );
    expect(() => canonicalJson([Number.POSITIVE_INFINITY])).toThrow(
      expect.objectContaining({ code: 'NOT_FINITE' }),
    );
  });

  it('throws BAD_FIELD for values without a canonical form: Date, Map, class instance, function, cycle', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    class Point {
      x = 1;
    }
    for (const v of [
      { d: new Date(0) },
      new Map(),
      new Point(),
      { f: () => 1 },
      cyclic,
      undefined,
      Symbol('s'),
    ])
      expect(() => canonicalJson(v)).toThrow(expect.objectContaining({ code: 'BAD_FIELD' }));
  });

  it('accepts a shared (non-cyclic) reference and a null-prototype object', () => {
    const shared = { a: 1 };
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 2, a: 1 });
    expect(canonicalJson({ x: shared, y: shared, z: bare })).toBe(
      '{"x":{"a":1},"y":{"a":1},"z":{"a":1,"b":2}}',
    );
  });
});
