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
  // 'boolean' errors repeat an additionalProperties error one level down; drop them. Then prefer
  // the deepest error: it names the field, not the union around it.
  const errors = [...check.Errors(data)].filter((e) => e.keyword !== 'boolean');
  const first = errors.sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
  const extra = (first?.params as { additionalProperties?: string[] } | undefined)?.additionalProperties;
  const at = extra ? `${first?.instancePath ?? ''}/${extra[0]}` : (first?.instancePath ?? '');
  const field = at === '' ? '(root)' : at;
  const message = extra ? `unknown field ${extra.join(', ')}` : (first?.message ?? 'invalid');
  throw new BackstopError('BAD_FIELD', `${path}: ${what} ${field}: ${message}`, {
    file: path,
    field,
    value: null,
  });
}
