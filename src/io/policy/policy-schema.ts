import Type, { type Static, type TSchema } from 'typebox';

/**
 * The policy file (YAML or JSON; docs/policies.md). Durations are strings with a unit
 * (`500ms`, `30s`, `5m`, `1h`, `2d`); money is a decimal string in the named currency; every
 * object is closed (an unknown field is an error naming its path).
 */
const strict = { additionalProperties: false } as const;
const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(us|ms|s|m|h|d)$', description: 'e.g. 30s, 5m' });
const Decimal = Type.String({ pattern: '^\\d+(\\.\\d+)?$', description: 'decimal string ≥ 0' });
const Frac = (o: { max?: number; exclusiveMinimum?: number } = {}) =>
  Type.Number({
    ...(o.exclusiveMinimum === undefined ? { minimum: 0 } : { exclusiveMinimum: o.exclusiveMinimum }),
    maximum: o.max ?? 1,
  });
const Positive = Type.Number({ exclusiveMinimum: 0 });

const MonitorField = Type.String({
  pattern:
    '^(spreadBps|imbalance|volume|trades|rvCloseToClose|rvEwma|rvParkinson|rvGarmanKlass|amihud|slippageBps|stale|stressIndex|depth(Bid|Ask)\\.\\d+(\\.\\d+)?)$',
});

const Metric = Type.Union([
  Type.Object(
    {
      source: Type.Literal('monitor'),
      field: MonitorField,
      instrument: Type.Optional(Type.String({ minLength: 1 })),
      aggregate: Type.Optional(Type.Union([Type.Literal('max'), Type.Literal('min')])),
    },
    strict,
  ),
  Type.Object(
    {
      source: Type.Literal('var'),
      instrument: Type.String({ minLength: 1 }),
      measure: Type.Union([Type.Literal('var'), Type.Literal('es')]),
      method: Type.Union([
        Type.Literal('historical'),
        Type.Literal('normal'),
        Type.Literal('ewma'),
        Type.Literal('cornish-fisher'),
      ]),
      confidence: Type.Number({ exclusiveMinimum: 0.5, exclusiveMaximum: 1 }),
      window: Type.Integer({ minimum: 10 }),
    },
    strict,
  ),
  Type.Object(
    { source: Type.Literal('fund-drawdown'), currency: Type.String({ minLength: 1 }), window: Duration },
    strict,
  ),
  Type.Object({ source: Type.Literal('margin-call-share') }, strict),
  Type.Object(
    {
      source: Type.Literal('price-move'),
      direction: Type.Union([Type.Literal('down'), Type.Literal('up'), Type.Literal('either')]),
      window: Duration,
      instrument: Type.Optional(Type.String({ minLength: 1 })),
    },
    strict,
  ),
]);

const Leaf = Type.Union([
  Type.Object({ metric: Type.String({ minLength: 1 }), above: Type.Number() }, strict),
  Type.Object({ metric: Type.String({ minLength: 1 }), below: Type.Number() }, strict),
]);
// Two levels of nesting are enough for policies people write; deeper is refused.
const Inner = Type.Union([
  Leaf,
  Type.Object({ any: Type.Array(Leaf, { minItems: 1 }) }, strict),
  Type.Object({ all: Type.Array(Leaf, { minItems: 1 }) }, strict),
]);
const Condition = Type.Union([
  Leaf,
  Type.Object({ any: Type.Array(Inner, { minItems: 1 }) }, strict),
  Type.Object({ all: Type.Array(Inner, { minItems: 1 }) }, strict),
]);
const TierSpec = Type.Object({ enter: Condition, exit: Condition }, strict);

const ReserveQuoting = Type.Object(
  {
    instrument: Type.String({ minLength: 1 }),
    size: Positive,
    spreadBps: Positive,
    levels: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    levelStepBps: Type.Optional(Type.Number({ minimum: 0 })),
    inventoryLimit: Positive,
    lossLimit: Decimal,
    budget: Decimal,
  },
  strict,
);

const Purchases = Type.Object(
  {
    instrument: Type.String({ minLength: 1 }),
    mode: Type.Union([Type.Literal('twap'), Type.Literal('limit')]),
    sliceNotional: Positive,
    interval: Duration,
    priceBandFrac: Frac({ max: 0.5 }),
    budget: Decimal,
    unwindOver: Duration,
  },
  strict,
);

const Actions = Type.Object(
  {
    marginMultiplier: Type.Number({ minimum: 1, maximum: 100 }),
    reserveQuoting: Type.Optional(ReserveQuoting),
    purchases: Type.Optional(Purchases),
  },
  strict,
);

const Capacity = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('equity-fraction'),
      fraction: Frac({ exclusiveMinimum: 0 }),
      window: Duration,
      windowMode: Type.Optional(Type.Union([Type.Literal('fixed'), Type.Literal('rolling')])),
    },
    strict,
  ),
  Type.Object(
    {
      kind: Type.Literal('limits'),
      perMinuteNotional: Type.Optional(Positive),
      perHourNotional: Type.Optional(Positive),
      windowMode: Type.Optional(Type.Union([Type.Literal('fixed'), Type.Literal('rolling')])),
    },
    strict,
  ),
]);

const Liquidation = Type.Object(
  {
    stages: Type.Optional(
      Type.Object(
        {
          cancelOrders: Type.Boolean(),
          bookLiquidation: Type.Boolean(),
          providerTakeover: Type.Boolean(),
          insuranceFund: Type.Boolean(),
          adl: Type.Boolean(),
          socializedLoss: Type.Boolean(),
        },
        strict,
      ),
    ),
    book: Type.Optional(
      Type.Object(
        {
          maxFractionPerStep: Frac({ exclusiveMinimum: 0 }),
          minStepNotional: Type.Number({ minimum: 0 }),
          cooldown: Duration,
          priceBandFrac: Frac(),
          feeFrac: Frac(),
        },
        strict,
      ),
    ),
    distressedFractionOfMm: Type.Optional(Type.Number({ minimum: 0, maximum: 10 })),
    providers: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Type.String({ minLength: 1 }),
            group: Type.Optional(Type.String({ minLength: 1 })),
            priority: Type.Number(),
            capacity: Capacity,
          },
          strict,
        ),
      ),
    ),
    providerMode: Type.Optional(Type.Union([Type.Literal('pro-rata'), Type.Literal('priority')])),
    providerDiscountFrac: Type.Optional(Frac({ max: 0.99 })),
    lotContracts: Type.Optional(Positive),
    counterpartyGuarantee: Type.Optional(Type.Boolean()),
    funds: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
        Type.Object(
          {
            opening: Decimal,
            isolatedOpening: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Decimal)),
            perAccountCap: Type.Optional(Decimal),
            perIntervalCap: Type.Optional(Decimal),
            interval: Type.Optional(Duration),
          },
          strict,
        ),
      ),
    ),
    isolatedMarkets: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    adl: Type.Optional(
      Type.Object(
        {
          rule: Type.Union([
            Type.Literal('bitmex'),
            Type.Literal('hyperliquid'),
            Type.Literal('dydx-random'),
            Type.Literal('pro-rata'),
          ]),
          mode: Type.Union([Type.Literal('rank'), Type.Literal('pro-rata')]),
          seed: Type.Optional(Type.Integer()),
          priceBasis: Type.Union([Type.Literal('bankruptcy'), Type.Literal('mark')]),
          drawdown: Type.Optional(
            Type.Object({ thresholdFrac: Frac({ exclusiveMinimum: 0 }), window: Duration }, strict),
          ),
        },
        strict,
      ),
    ),
    socializeMode: Type.Optional(Type.Union([Type.Literal('open-interest'), Type.Literal('daily-winners')])),
  },
  strict,
);

export const PolicyFileSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    metrics: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]*$' }), Metric)),
    tiers: Type.Optional(
      Type.Object({ minDwell: Duration, watch: TierSpec, stressed: TierSpec, crisis: TierSpec }, strict),
    ),
    guards: Type.Optional(
      Type.Object(
        {
          staleAfter: Duration,
          outlierFrac: Frac({ exclusiveMinimum: 0 }),
          confirmTicks: Type.Integer({ minimum: 1, maximum: 100 }),
          fallback: Type.Union([Type.Literal('index'), Type.Literal('pause')]),
        },
        strict,
      ),
    ),
    actions: Type.Optional(
      Type.Object(
        {
          normal: Type.Optional(Actions),
          watch: Type.Optional(Actions),
          stressed: Type.Optional(Actions),
          crisis: Type.Optional(Actions),
        },
        strict,
      ),
    ),
    circuitBreaker: Type.Optional(
      Type.Object(
        {
          underlying: Type.String({ minLength: 1 }),
          bandFrac: Frac({ exclusiveMinimum: 0 }),
          window: Duration,
          halt: Duration,
          reference: Type.Union([Type.Literal('window-start'), Type.Literal('window-mean')]),
        },
        strict,
      ),
    ),
    reserve: Type.Optional(
      Type.Object({ currency: Type.String({ minLength: 1 }), opening: Decimal }, strict),
    ),
    liquidation: Type.Optional(Liquidation),
    governance: Type.Optional(
      Type.Object(
        {
          currency: Type.String({ minLength: 1 }),
          quorumFrac: Frac({ exclusiveMinimum: 0 }),
          majorityFrac: Type.Number({ minimum: 0.5, exclusiveMaximum: 1 }),
          votingPeriod: Duration,
          timelock: Duration,
          gracePeriod: Duration,
          unstakeCooldown: Duration,
          minProposalShares: Decimal,
        },
        strict,
      ),
    ),
  },
  strict,
);

export type PolicyFile = Static<typeof PolicyFileSchema>;
export type { TSchema };
