import Type, { type Static } from 'typebox';
import { BackstopError } from '../core/errors.ts';
import type { Instrument } from '../domain/instrument.ts';
import { instrumentFromJson } from './margin-input.ts';
import { InstrumentSchema } from './schemas/instrument.ts';
import { readJsonFile } from './schemas/validate.ts';

/** `{instruments: [...]}`: a venue's instruments in the form of docs/formats.md (the `--market` file's list). */
export const VenueFileSchema = Type.Object(
  { instruments: Type.Array(InstrumentSchema, { minItems: 1 }) },
  { additionalProperties: true },
);
type VenueFile = Static<typeof VenueFileSchema>;

/**
 * The instruments of a venue file for `backstop serve` (docs/operations.md, "Venue"): validated
 * with the field named, ids unique. A `--market` file works too (its other fields are ignored).
 */
export function loadVenueInstruments(path: string): Instrument[] {
  const j = readJsonFile<VenueFile>(path, VenueFileSchema, 'venue');
  const seen = new Set<string>();
  return j.instruments.map((ij, k) => {
    if (seen.has(ij.id))
      throw new BackstopError(
        'BAD_FIELD',
        `${path}: venue /instruments/${k}/id: duplicate instrument ${ij.id}`,
        {
          file: path,
          field: `/instruments/${k}/id`,
          value: ij.id,
        },
      );
    seen.add(ij.id);
    return instrumentFromJson(ij, path, `/instruments/${k}`);
  });
}
