import Type, { type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { EngineEvent } from '../../domain/events.ts';

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

const ev = (kind: string, fields: Record<string, TSchema>) =>
  Type.Object({ kind: Type.Literal(kind), tsUs, ...fields }, strict);

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
  }),
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
  const errors = [...check.Errors(data)].filter((e) => e.keyword !== 'boolean');
  const first = errors.sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
  const extra = (first?.params as { additionalProperties?: string[] } | undefined)?.additionalProperties;
  if (extra) return { ok: false, field: `${first?.instancePath ?? ''}/${extra[0]}`, reason: 'unknown field' };
  return { ok: false, field: first?.instancePath || '(root)', reason: first?.message ?? 'invalid' };
}
