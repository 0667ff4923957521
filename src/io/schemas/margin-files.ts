import Type, { type Static } from 'typebox';
import { InstrumentSchema } from './instrument.ts';

const strict = { additionalProperties: false } as const;
const Level = Type.Tuple([Type.Number({ exclusiveMinimum: 0 }), Type.Number({ minimum: 0 })]);
const Decimal = Type.String({ pattern: '^-?\\d+(\\.\\d+)?$', description: 'exact decimal amount' });

export const PositionSchema = Type.Object(
  {
    instrument: Type.String({ minLength: 1 }),
    qty: Type.Number({ description: 'signed contracts; long > 0' }),
    avgEntryPrice: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'for perpetual / future P&L' }),
    ),
  },
  strict,
);

export const OrderSchema = Type.Object(
  {
    instrument: Type.String({ minLength: 1 }),
    qty: Type.Number({ description: 'signed contracts; buy > 0' }),
    limitPrice: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  strict,
);

/** `--portfolio P.json`: one account. */
export const PortfolioSchema = Type.Object(
  {
    account: Type.String({ minLength: 1 }),
    collateral: Type.Array(Type.Object({ currency: Type.String({ minLength: 1 }), amount: Decimal }, strict)),
    positions: Type.Array(PositionSchema),
    openOrders: Type.Optional(Type.Array(OrderSchema)),
  },
  strict,
);
export type PortfolioJson = Static<typeof PortfolioSchema>;

export const UnderlyingMarketSchema = Type.Object(
  {
    underlying: Type.String({ minLength: 1 }),
    spot: Type.Number({ exclusiveMinimum: 0 }),
    rate: Type.Optional(Type.Number()),
    forwards: Type.Optional(
      Type.Record(Type.String(), Type.Number({ exclusiveMinimum: 0 }), {
        description: 'expiry (ISO-8601) → forward',
      }),
    ),
    marks: Type.Optional(
      Type.Record(Type.String(), Type.Number({ exclusiveMinimum: 0 }), { description: 'instrument → mark' }),
    ),
    vols: Type.Optional(
      Type.Record(Type.String(), Type.Number({ minimum: 0 }), {
        description: 'option instrument → implied vol (fraction)',
      }),
    ),
    defaultVol: Type.Optional(Type.Number({ minimum: 0 })),
  },
  strict,
);

/** `--market M.json`: time, instrument definitions, market per underlying. */
export const MarketSchema = Type.Object(
  {
    now: Type.String({ format: 'date-time' }),
    instruments: Type.Array(InstrumentSchema),
    underlyings: Type.Array(UnderlyingMarketSchema),
    books: Type.Optional(
      Type.Record(Type.String(), Type.Object({ bids: Type.Array(Level), asks: Type.Array(Level) }, strict), {
        description: 'instrument → order book levels [price, size in base units], for --liquidity-addon',
      }),
    ),
  },
  strict,
);
export type MarketJson = Static<typeof MarketSchema>;

/** `--what-if ORDERS.json`: hypothetical trades added to the positions. */
export const WhatIfSchema = Type.Object({ orders: Type.Array(OrderSchema) }, strict);
export type WhatIfJson = Static<typeof WhatIfSchema>;

export const MARGIN_FILE_SCHEMAS = {
  portfolio: PortfolioSchema,
  market: MarketSchema,
  'what-if': WhatIfSchema,
} as const;
