import Type, { type Static } from 'typebox';

/** JSON shape of an instrument definition (docs/formats.md). Times are ISO-8601 UTC strings. */
const common = {
  id: Type.String({ minLength: 1 }),
  baseCurrency: Type.String({ minLength: 1 }),
  quoteCurrency: Type.String({ minLength: 1 }),
};
const tradable = {
  ...common,
  settlement: Type.Union([Type.Literal('linear'), Type.Literal('inverse')]),
  settlementCurrency: Type.String({ minLength: 1 }),
  contractSize: Type.Number({ exclusiveMinimum: 0 }),
  tickSize: Type.Number({ exclusiveMinimum: 0 }),
};
const strict = { additionalProperties: false } as const;

export const InstrumentSchema = Type.Union([
  Type.Object({ kind: Type.Literal('index'), ...common }, strict),
  Type.Object(
    { kind: Type.Literal('spot'), ...common, tickSize: Type.Number({ exclusiveMinimum: 0 }) },
    strict,
  ),
  Type.Object(
    {
      kind: Type.Literal('perpetual'),
      ...tradable,
      fundingIntervalHours: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    },
    strict,
  ),
  Type.Object(
    { kind: Type.Literal('future'), ...tradable, expiry: Type.String({ format: 'date-time' }) },
    strict,
  ),
  Type.Object(
    {
      kind: Type.Literal('option'),
      ...tradable,
      expiry: Type.String({ format: 'date-time' }),
      strike: Type.Number({ exclusiveMinimum: 0 }),
      right: Type.Union([Type.Literal('call'), Type.Literal('put')]),
      underlyingId: Type.String({ minLength: 1 }),
    },
    strict,
  ),
]);
export type InstrumentJson = Static<typeof InstrumentSchema>;
