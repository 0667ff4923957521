import { BackstopError } from '../../core/errors.ts';

/**
 * Canonical JSON: one text per value, so a hash over it is reproducible (docs/concepts/audit-log.md).
 *
 * - object keys sorted by UTF-16 code units (the default `Array.prototype.sort` order), no
 *   whitespace anywhere; properties whose value is `undefined` are left out (as JSON.stringify);
 * - finite numbers as `String(n)` (the shortest text that reads back as the same double; `-0` → `0`);
 *   `NaN` and `±Infinity` throw NOT_FINITE, they have no JSON form;
 * - bigint as a decimal JSON string (`12n` → `"12"`), so it reads back as a string and hashes the same;
 * - strings, booleans and null as JSON.stringify writes them (lone surrogates escaped `\udxxx`);
 * - arrays keep their order (`undefined` elements become `null`, as JSON.stringify).
 *
 * For plain JSON values this is RFC 8785 (JCS). Only plain objects (prototype `Object.prototype` or
 * null) and arrays are accepted: a Date, Map, class instance, function, symbol or a cycle throws
 * BAD_FIELD naming the path, because its JSON form would not be a function of its contents.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$', new Set());
}

function write(v: unknown, path: string, ancestors: Set<object>): string {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v))
        throw new BackstopError('NOT_FINITE', `canonical JSON: ${path} is ${v}, which JSON cannot carry`, {
          path,
        });
      return String(v);
    case 'bigint':
      return `"${v.toString(10)}"`;
    case 'object': {
      if (v === null) return 'null';
      if (ancestors.has(v)) throw bad(path, 'a cycle');
      ancestors.add(v);
      try {
        if (Array.isArray(v)) {
          const parts = v.map((x, i) => (x === undefined ? 'null' : write(x, `${path}[${i}]`, ancestors)));
          return `[${parts.join(',')}]`;
        }
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) throw bad(path, `a ${describe(v)}`);
        const rec = v as Record<string, unknown>;
        const parts: string[] = [];
        for (const key of Object.keys(rec).sort()) {
          const x = rec[key];
          if (x === undefined) continue;
          parts.push(`${JSON.stringify(key)}:${write(x, `${path}.${key}`, ancestors)}`);
        }
        return `{${parts.join(',')}}`;
      } finally {
        ancestors.delete(v);
      }
    }
    default:
      // undefined at the top level, a function or a symbol
      throw bad(path, `of type ${typeof v}`);
  }
}

function describe(v: object): string {
  const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'non-plain object';
}

function bad(path: string, what: string): BackstopError {
  return new BackstopError('BAD_FIELD', `canonical JSON: ${path} is ${what}, which has no canonical form`, {
    path,
  });
}
