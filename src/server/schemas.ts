import Type from 'typebox';
import { TIERS } from '../domain/decisions.ts';

/**
 * Request and response schemas of the service (docs/api.md). Fastify validates requests with
 * them (TypeBox's own checker) and @fastify/swagger builds `/openapi.json` from the same objects.
 */

const Reason = Type.String({ minLength: 1, maxLength: 500, description: 'why (recorded in the audit log)' });
const Id = Type.String({ minLength: 1, maxLength: 200 });

export const ErrorBody = Type.Object({
  error: Type.String(),
  message: Type.String(),
  path: Type.Optional(Type.String({ description: 'JSON pointer of the field at fault' })),
});

export const IngestBody = Type.Object(
  {
    events: Type.Array(Type.Unknown(), {
      maxItems: 10_000,
      description: 'engine events in their wire form (docs/formats.md); each is validated on its own',
    }),
  },
  { additionalProperties: false },
);

export const IngestReply = Type.Object({
  accepted: Type.Integer(),
  rejected: Type.Array(
    Type.Object({ index: Type.Integer(), code: Type.String(), message: Type.String(), path: Type.String() }),
  ),
  decisions: Type.Integer(),
});

export const AccountParams = Type.Object({ id: Id });
export const AccountsQuery = Type.Object(
  {
    sort: Type.Optional(Type.Literal('utilisation')),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 20 })),
  },
  { additionalProperties: false },
);
export const ExplainQuery = Type.Object(
  { explain: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('0'), Type.Literal('true')])) },
  { additionalProperties: false },
);

export const WhatIfBody = Type.Object(
  {
    account: Id,
    orders: Type.Array(
      Type.Object(
        {
          instrument: Id,
          qty: Type.Number({ description: 'contracts, signed: + buy, − sell' }),
          price: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 100 },
    ),
  },
  { additionalProperties: false },
);

export const HistoryQuery = Type.Object(
  {
    instrument: Type.Optional(Id),
    currency: Type.Optional(Id),
    since: Type.Optional(Type.Integer({ minimum: 0, description: 'µs since the epoch' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 2_000 })),
  },
  { additionalProperties: false },
);

export const TierHistoryQuery = Type.Object(
  {
    scope: Type.Optional(
      Type.String({ minLength: 1, description: "'backstop' (default) or an instrument id" }),
    ),
    since: Type.Optional(Type.Integer({ minimum: 0, description: 'µs since the epoch' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1_000 })),
  },
  { additionalProperties: false },
);

export const LedgerQuery = Type.Object(
  {
    account: Type.Optional(
      Type.String({ minLength: 1, description: 'a ledger account key, e.g. trader:alice' }),
    ),
  },
  { additionalProperties: false },
);

export const AuditQuery = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const LimitQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) },
  { additionalProperties: false },
);

export const HaltBody = Type.Object(
  { reason: Reason, instrument: Type.Optional(Id) },
  { additionalProperties: false },
);

export const TierBody = Type.Object(
  {
    tier: Type.Union([...TIERS.map((t) => Type.Literal(t)), Type.Null()], {
      description: 'the forced tier, or null to end the override',
    }),
    reason: Reason,
  },
  { additionalProperties: false },
);

export const ProposeBody = Type.Object(
  {
    proposalId: Id,
    proposer: Id,
    kind: Type.Union([Type.Literal('param-change'), Type.Literal('authorize-deployment')]),
    path: Type.Optional(Type.String({ minLength: 1 })),
    value: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    amount: Type.Optional(Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$' })),
    purpose: Type.Optional(Type.String()),
    reason: Reason,
  },
  { additionalProperties: false },
);

export const ProposalParams = Type.Object({ id: Id });

export const VoteBody = Type.Object(
  {
    staker: Id,
    support: Type.Union([Type.Literal('for'), Type.Literal('against'), Type.Literal('abstain')]),
    reason: Reason,
  },
  { additionalProperties: false },
);

export const ExecuteBody = Type.Object({ reason: Reason }, { additionalProperties: false });

export const GovernanceActionBody = Type.Object(
  {
    action: Type.Union([
      Type.Literal('stake'),
      Type.Literal('unstake-request'),
      Type.Literal('unstake-claim'),
      Type.Literal('cancel'),
    ]),
    proposalId: Type.Optional(Type.String()),
    params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    reason: Reason,
  },
  { additionalProperties: false },
);

export const DecisionsReply = Type.Object({ decisions: Type.Array(Type.Unknown()) });
