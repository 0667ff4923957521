// Writes the JSON Schema files of the margin inputs and the policy file (docs/schemas/) from the
// validators the CLI uses.
import { writeFileSync } from 'node:fs';
import { PolicyFileSchema } from '../src/io/policy/policy-schema.ts';
import { MARGIN_FILE_SCHEMAS } from '../src/io/schemas/margin-files.ts';

export function schemaFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, schema] of Object.entries(MARGIN_FILE_SCHEMAS)) {
    out[`docs/schemas/${name}.schema.json`] = `${JSON.stringify(
      {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        title: `backstop margin --${name}`,
        ...schema,
      },
      null,
      2,
    )}\n`;
  }
  out['docs/schemas/policy.schema.json'] = `${JSON.stringify(
    {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: 'backstop policy file (YAML or JSON)',
      ...PolicyFileSchema,
    },
    null,
    2,
  )}\n`;
  return out;
}

if (process.argv[1]?.endsWith('gen-schemas.ts')) {
  for (const [path, text] of Object.entries(schemaFiles())) writeFileSync(path, text);
}
