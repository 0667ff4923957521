import Type, { type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { TIERS } from '../../domain/decisions.ts';
import type { EngineEvent } from '../../domain/events.ts';
import { schemaError } from './validate.ts';

/**
 * JSON wire form of an engine event (src/domain/events.ts), for inputs that arrive as JSON
 * rather than through a checked file reader: live WebSocket feeds and, later, the HTTP ingest.
 * The wire form is the event itself (`tsUs` in integer µs); `src` is set by the receiver, never
 * sent. Number ranges are the engine's own field checks (`invalidField`), which still run.
 */

const str = Type.String({ minLength: 1 });
const num = Type.Number();
const numOrNull = Type.Union([Type.Number(), Type.Null()]);
const tsUs = Type.Integer();
const level = Type.Tuple([Type.Number(), Type.Number()]);
const levels = Type.Array(level);
/** An exact decimal string (money at the ledger boundary). */
const decimal = Type.String({ pattern: '^-?[0-9]+(\\.[0-9]+)?$' });
const strict = { additionalProperties: false } as const;

const ev = (kind: string, fields: Record<string, TSchema>, options: Record<string, unknown> = {}) =>
  Type.Object({ kind: Type.Literal(kind), tsUs, ...fields }, { ...strict, ...options });

/**
 * Operator controls: `tier` (a tier, or null to end the override) is required with action 'tier'
 * and not allowed otherwise; `instrument` only with halt / resume.
 */
const operator = ev(
  'operator',
  {
    action: Type.Union([Type.Literal('halt'), Type.Literal('resume'), Type.Literal('tier')]),
    reason: str,
    keyId: str,
    instrument: Type.Optional(str),
    tier: Type.Optional(Type.Union([...TIERS.map((t) => Type.Literal(t)), Type.Null()])),
  },
  {
    if: { properties: { action: { const: 'tier' } } },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if / then / else, not a thenable
    then: { required: ['tier'], properties: { instrument: { not: {} } } },
    else: { properties: { tier: { not: {} } } },
  },
);

/** The if / then / else rule above, per field (its own errors say only "must match then schema"). */
function operatorRuleError(data: Record<string, unknown>): { field: string; reason: string } | null {
  if (data.action === 'tier') {
    if (!('tier' in data))
      return {
        field: '/tier',
        reason: 'required when action is "tier" (a tier, or null to end the override)',
      };
    if ('instrument' in data)
      return {
        field: '/instrument',
        reason: 'not allowed when action is "tier" (the override is venue-wide)',
      };
  } else if ('tier' in data) return { field: '/tier', reason: 'only allowed when action is "tier"' };
  return null;
}

const EVENT_SCHEMAS = {
  'book-snapshot': ev('book-snapshot', { instrument: str, bids: levels, asks: levels }),
  'book-delta': ev('book-delta', { instrument: str, reset: Type.Boolean(), bids: levels, asks: levels }),
  'depth-profile': ev('depth-profile', {
    instrument: str,
    bands: Type.Array(Type.Object({ pct: num, depthBase: num, notionalQuote: num }, strict)),
  }),
  trade: ev('trade', {
    instrument: str,
    price: num,
    qty: num,
    side: Type.Union([Type.Literal('buy'), Type.Literal('sell'), Type.Literal('unknown')]),
    id: Type.Union([Type.String(), Type.Null()]),
  }),
  quote: ev('quote', {
    instrument: str,
    bidPrice: numOrNull,
    bidSize: numOrNull,
    askPrice: numOrNull,
    askSize: numOrNull,
  }),
  bar: ev('bar', {
    instrument: str,
    open: num,
    high: num,
    low: num,
    close: num,
    volume: numOrNull,
    trades: numOrNull,
  }),
  'index-price': ev('index-price', { instrument: str, price: num }),
  'mark-price': ev('mark-price', { instrument: str, price: num }),
  'derivative-ticker': ev('derivative-ticker', {
    instrument: str,
    markPrice: numOrNull,
    indexPrice: numOrNull,
    lastPrice: numOrNull,
    openInterest: numOrNull,
    fundingRate: numOrNull,
    predictedFundingRate: numOrNull,
    fundingTsUs: Type.Union([Type.Integer(), Type.Null()]),
  }),
  'option-ticker': ev('option-ticker', {
    instrument: str,
    right: Type.Union([Type.Literal('call'), Type.Literal('put')]),
    strike: num,
    expiryUs: Type.Integer(),
    underlyingId: str,
    underlyingPrice: numOrNull,
    bidPrice: numOrNull,
    askPrice: numOrNull,
    markPrice: numOrNull,
    bidIv: numOrNull,
    askIv: numOrNull,
    markIv: numOrNull,
    openInterest: numOrNull,
  }),
  'implied-vol': ev('implied-vol', {
    underlying: str,
    expiryUs: Type.Integer(),
    svi: Type.Union([Type.Object({ a: num, b: num, rho: num, m: num, sigma: num }, strict), Type.Null()]),
    points: Type.Union([Type.Array(Type.Object({ strike: num, volAnnual: num }, strict)), Type.Null()]),
  }),
  'liquidation-print': ev('liquidation-print', {
    instrument: str,
    side: Type.Union([Type.Literal('buy'), Type.Literal('sell')]),
    price: num,
    qty: num,
  }),
  funding: ev('funding', { instrument: str, rate: num }),
  fill: ev('fill', {
    eventId: str,
    account: str,
    instrument: str,
    qtyContracts: num,
    price: num,
    fee: decimal,
  }),
  transfer: ev('transfer', { eventId: str, account: str, currency: str, amount: decimal }),
  'order-placed': ev('order-placed', {
    orderId: str,
    account: str,
    instrument: str,
    qtyContracts: num,
    limitPrice: num,
  }),
  'order-cancelled': ev('order-cancelled', { orderId: str, account: str }),
  timer: ev('timer', {}),
  governance: ev('governance', {
    proposalId: str,
    action: str,
    params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    keyId: Type.Optional(str),
  }),
  operator,
  'feed-status': ev('feed-status', {
    source: str,
    status: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('stale')]),
  }),
} satisfies Record<EngineEvent['kind'], TSchema>;

/** Every event kind's wire schema (for documents such as OpenAPI). */
export const EventSchema = Type.Union(Object.values(EVENT_SCHEMAS));

const checkers = new Map(Object.entries(EVENT_SCHEMAS).map(([k, s]) => [k, Compile(s)]));

export type DecodedEvent =
  | { readonly ok: true; readonly event: EngineEvent }
  | { readonly ok: false; readonly field: string; readonly reason: string };

/**
 * Checks one parsed JSON value against the wire form of its `kind`. On failure names the field
 * (a JSON pointer such as `/bids/0/1`) and what was wrong.
 */
export function decodeEvent(data: unknown): DecodedEvent {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    return { ok: false, field: '(root)', reason: 'an event must be a JSON object' };
  const kind = (data as { kind?: unknown }).kind;
  const check = typeof kind === 'string' ? checkers.get(kind) : undefined;
  if (!check)
    return {
      ok: false,
      field: '/kind',
      reason: `unknown event kind ${JSON.stringify(kind)} (one of ${[...checkers.keys()].join(', ')})`,
    };
  if (check.Check(data)) return { ok: true, event: data as EngineEvent };
  // 'if' / 'not' errors come from the operator rule: said per field once the fields themselves are sound
  const errors = [...check.Errors(data)].filter((e) => e.keyword !== 'if' && e.keyword !== 'not');
  const rule =
    kind === 'operator' && errors.every((e) => e.keyword === 'boolean')
      ? operatorRuleError(data as Record<string, unknown>)
      : null;
  if (rule) return { ok: false, ...rule };
  const { field, message } = schemaError(errors);
  return { ok: false, field, reason: message.startsWith('unknown field') ? 'unknown field' : message };
}
