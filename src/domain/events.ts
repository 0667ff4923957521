import type { Tier } from './tier.ts';

/**
 * Engine inputs (SPEC §2) as a discriminated union on `kind`. Prices are in the instrument's
 * quote currency, sizes in the source's native unit (base coin or contracts, see each reader),
 * times in integer microseconds (UnixMicros). `src` says where an input came from, so a
 * rejection can name the file and line.
 */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
  /** The raw line(s), kept only so a rejection can be quarantined verbatim. */
  readonly raw?: string;
}

interface EventBase {
  readonly tsUs: number;
  readonly src?: SourceRef;
}

/** [price, size] */
export type Level = readonly [number, number];

export interface BookSnapshotEvent extends EventBase {
  readonly kind: 'book-snapshot';
  readonly instrument: string;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

/** Absolute new sizes per level (0 removes); `reset` clears the book first (a new snapshot block). */
export interface BookDeltaEvent extends EventBase {
  readonly kind: 'book-delta';
  readonly instrument: string;
  readonly reset: boolean;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

/** Cumulative depth bands around mid, e.g. Binance bookDepth (±1..5 %). */
export interface DepthBand {
  /** Signed distance from mid in percent: negative = bid side. */
  readonly pct: number;
  readonly depthBase: number;
  readonly notionalQuote: number;
}
export interface DepthProfileEvent extends EventBase {
  readonly kind: 'depth-profile';
  readonly instrument: string;
  readonly bands: readonly DepthBand[];
}

export type TakerSide = 'buy' | 'sell' | 'unknown';
export interface TradeEvent extends EventBase {
  readonly kind: 'trade';
  readonly instrument: string;
  readonly price: number;
  readonly qty: number;
  readonly side: TakerSide;
  readonly id: string | null;
}

export interface QuoteEvent extends EventBase {
  readonly kind: 'quote';
  readonly instrument: string;
  readonly bidPrice: number | null;
  readonly bidSize: number | null;
  readonly askPrice: number | null;
  readonly askSize: number | null;
}

/** An OHLCV bar; `tsUs` is the bar open. `volume` null when the source has none (index klines). */
export interface BarEvent extends EventBase {
  readonly kind: 'bar';
  readonly instrument: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number | null;
  readonly trades: number | null;
}

export interface IndexPriceEvent extends EventBase {
  readonly kind: 'index-price';
  readonly instrument: string;
  readonly price: number;
}

export interface MarkPriceEvent extends EventBase {
  readonly kind: 'mark-price';
  readonly instrument: string;
  readonly price: number;
}

/** tardis `derivative_ticker`: any field may be missing. */
export interface DerivativeTickerEvent extends EventBase {
  readonly kind: 'derivative-ticker';
  readonly instrument: string;
  readonly markPrice: number | null;
  readonly indexPrice: number | null;
  readonly lastPrice: number | null;
  readonly openInterest: number | null;
  readonly fundingRate: number | null;
  readonly predictedFundingRate: number | null;
  readonly fundingTsUs: number | null;
}

/** One option's quote from an options chain (tardis `options_chain`); IVs as fractions. */
export interface OptionTickerEvent extends EventBase {
  readonly kind: 'option-ticker';
  readonly instrument: string;
  readonly right: 'call' | 'put';
  readonly strike: number;
  readonly expiryUs: number;
  readonly underlyingId: string;
  readonly underlyingPrice: number | null;
  readonly bidPrice: number | null;
  readonly askPrice: number | null;
  readonly markPrice: number | null;
  readonly bidIv: number | null;
  readonly askIv: number | null;
  readonly markIv: number | null;
  readonly openInterest: number | null;
}

export interface SviParams {
  readonly a: number;
  readonly b: number;
  readonly rho: number;
  readonly m: number;
  readonly sigma: number;
}
/** Implied-vol update for one expiry: raw SVI or strike points (vol as a fraction, annual). */
export interface ImpliedVolEvent extends EventBase {
  readonly kind: 'implied-vol';
  readonly underlying: string;
  readonly expiryUs: number;
  readonly svi: SviParams | null;
  readonly points: readonly { readonly strike: number; readonly volAnnual: number }[] | null;
}

/** A liquidation seen on a venue's public feed. `side` is the liquidation order's side. */
export interface LiquidationPrintEvent extends EventBase {
  readonly kind: 'liquidation-print';
  readonly instrument: string;
  readonly side: 'buy' | 'sell';
  readonly price: number;
  readonly qty: number;
}

export interface FundingEvent extends EventBase {
  readonly kind: 'funding';
  readonly instrument: string;
  /** Per funding interval, as a fraction; longs pay when positive. */
  readonly rate: number;
}

export interface FillEvent extends EventBase {
  readonly kind: 'fill';
  readonly eventId: string;
  readonly account: string;
  readonly instrument: string;
  /** Signed: buy > 0. */
  readonly qtyContracts: number;
  readonly price: number;
  /** Exact decimal string in the settlement currency (ledger boundary). */
  readonly fee: string;
}

export interface TransferEvent extends EventBase {
  readonly kind: 'transfer';
  readonly eventId: string;
  readonly account: string;
  readonly currency: string;
  /** Exact decimal string; positive = deposit, negative = withdrawal. */
  readonly amount: string;
}

export interface OrderPlacedEvent extends EventBase {
  readonly kind: 'order-placed';
  readonly orderId: string;
  readonly account: string;
  readonly instrument: string;
  readonly qtyContracts: number;
  readonly limitPrice: number;
}
export interface OrderCancelledEvent extends EventBase {
  readonly kind: 'order-cancelled';
  readonly orderId: string;
  readonly account: string;
}

export interface TimerEvent extends EventBase {
  readonly kind: 'timer';
}

export interface GovernanceEvent extends EventBase {
  readonly kind: 'governance';
  readonly proposalId: string;
  readonly action: string;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  /** The API key that sent it, when it came through the service: named in the decisions' evidence. */
  readonly keyId?: string;
}

/**
 * An operator control (docs/policies.md, "Operator controls"): halt or resume trading of the
 * venue or one instrument, or force the backstop tier. An engine input like any other, so it is
 * journaled and replays identically; its decisions name who (`keyId`) and why (`reason`).
 */
export interface OperatorEvent extends EventBase {
  readonly kind: 'operator';
  readonly action: 'halt' | 'resume' | 'tier';
  /** Required, non-empty. */
  readonly reason: string;
  /** The API key id of who did it, non-empty. */
  readonly keyId: string;
  /** halt / resume: one instrument; absent = the whole venue. Not allowed with 'tier'. */
  readonly instrument?: string;
  /** Action 'tier' only (required there): the forced tier, or null to end the override. */
  readonly tier?: Tier | null;
}

export interface FeedStatusEvent extends EventBase {
  readonly kind: 'feed-status';
  readonly source: string;
  readonly status: 'up' | 'down' | 'stale';
}

export type EngineEvent =
  | BookSnapshotEvent
  | BookDeltaEvent
  | DepthProfileEvent
  | TradeEvent
  | QuoteEvent
  | BarEvent
  | IndexPriceEvent
  | MarkPriceEvent
  | DerivativeTickerEvent
  | OptionTickerEvent
  | ImpliedVolEvent
  | LiquidationPrintEvent
  | FundingEvent
  | FillEvent
  | TransferEvent
  | OrderPlacedEvent
  | OrderCancelledEvent
  | TimerEvent
  | GovernanceEvent
  | OperatorEvent
  | FeedStatusEvent;

export type EngineEventKind = EngineEvent['kind'];

/** Market-data events carry an instrument; account and control events do not. */
export function instrumentOf(e: EngineEvent): string | null {
  // an operator event's instrument is the scope of a control, not market data
  return 'instrument' in e && e.kind !== 'operator' ? e.instrument : null;
}
