import { readFileSync } from 'node:fs';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { BackstopError } from '../../core/errors.ts';

/**
 * Reads a JSON file and validates it against a TypeBox schema. The first error becomes a
 * BackstopError naming the file, the JSON path of the field and what was wrong (exit 2 at the CLI).
 */
export function readJsonFile<T>(path: string, schema: TSchema, what: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new BackstopError(
      'UNREADABLE_FILE',
      `${path}: cannot read ${what} file (${(e as Error).message})`,
      { file: path },
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new BackstopError('BAD_FIELD', `${path}: not valid JSON (${(e as Error).message})`, { file: path });
  }
  return validateJson<T>(data, schema, path, what);
}

export function validateJson<T>(data: unknown, schema: TSchema, path: string, what: string): T {
  const check = Compile(schema);
  if (check.Check(data)) return data as T;
  const { field, message } = schemaError(check.Errors(data));
  throw new BackstopError('BAD_FIELD', `${path}: ${what} ${field}: ${message}`, {
    file: path,
    field,
    value: null,
  });
}

/** A TypeBox validation error as its checker reports it (the fields used here). */
export interface SchemaErrorLike {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message?: string;
  readonly params?: unknown;
}

/**
 * The one error worth reporting: 'boolean' errors repeat an additionalProperties error one level
 * down, so they are dropped; of the rest the deepest names the field, not the union around it.
 * `field` is a JSON pointer (`/events/3/price`), or `(root)`.
 */
export function schemaError(errors: Iterable<SchemaErrorLike>): { field: string; message: string } {
  const kept = [...errors].filter((e) => e.keyword !== 'boolean');
  // deepest first (by path segments, then length); at one depth a `const` or `type` miss comes
  // after other errors (in a union it is usually another branch's discriminator or shape, not the
  // field at fault) and the union's own `anyOf` summary last
  const depth = (e: SchemaErrorLike) => e.instancePath.split('/').length;
  const rank = (e: SchemaErrorLike) =>
    e.keyword === 'anyOf' ? 2 : e.keyword === 'const' || e.keyword === 'type' ? 1 : 0;
  const first = kept.sort(
    (a, b) => depth(b) - depth(a) || rank(a) - rank(b) || b.instancePath.length - a.instancePath.length,
  )[0];
  const params = first?.params as
    | { additionalProperties?: string[]; requiredProperties?: string[] }
    | undefined;
  const extra = params?.additionalProperties;
  const missing = params?.requiredProperties;
  const base = first?.instancePath ?? '';
  const at = extra ? `${base}/${extra[0]}` : missing?.length ? `${base}/${missing[0]}` : base;
  return {
    field: at === '' ? '(root)' : at,
    message: extra
      ? `unknown field ${extra.join(', ')}`
      : missing?.length
        ? `required field missing`
        : (first?.message ?? 'invalid'),
  };
}
