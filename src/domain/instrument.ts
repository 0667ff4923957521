/**
 * Instruments as a discriminated union on `kind`. Every tradable kind is linear
 * (quote-settled, P&L in quote currency) or inverse (coin-settled, contracts worth a fixed
 * quote amount, P&L in base coin, Deribit / BitMEX style).
 */
export type Settlement = 'linear' | 'inverse';
export type OptionRight = 'call' | 'put';

interface InstrumentBase {
  readonly id: string;
  readonly baseCurrency: string;
  readonly quoteCurrency: string;
}

interface Tradable extends InstrumentBase {
  readonly settlement: Settlement;
  readonly settlementCurrency: string;
  /** Linear: base units per contract. Inverse: quote units (e.g. USD) per contract. */
  readonly contractSize: number;
  readonly tickSize: number;
}

export interface IndexInstrument extends InstrumentBase {
  readonly kind: 'index';
}
export interface SpotInstrument extends InstrumentBase {
  readonly kind: 'spot';
  readonly tickSize: number;
}
export interface PerpetualInstrument extends Tradable {
  readonly kind: 'perpetual';
  readonly fundingIntervalUs: number;
}
export interface FutureInstrument extends Tradable {
  readonly kind: 'future';
  readonly expiryUs: number;
}
export interface OptionInstrument extends Tradable {
  readonly kind: 'option';
  readonly expiryUs: number;
  readonly strike: number;
  readonly right: OptionRight;
  /** Instrument whose price is the option's forward (a future or the index). */
  readonly underlyingId: string;
}

export type Instrument =
  | IndexInstrument
  | SpotInstrument
  | PerpetualInstrument
  | FutureInstrument
  | OptionInstrument;
export type InstrumentKind = Instrument['kind'];

/** Exhaustive table by kind: adding a kind is a compile error until every table handles it. */
export type ByKind<T> = { readonly [K in InstrumentKind]: T };

export const IS_TRADABLE: ByKind<boolean> = {
  index: false,
  spot: true,
  perpetual: true,
  future: true,
  option: true,
};

export const HAS_EXPIRY: ByKind<boolean> = {
  index: false,
  spot: false,
  perpetual: false,
  future: true,
  option: true,
};

export function settlementOf(i: Instrument): Settlement {
  return i.kind === 'index' || i.kind === 'spot' ? 'linear' : i.settlement;
}

export function contractSizeOf(i: Instrument): number {
  return i.kind === 'index' || i.kind === 'spot' ? 1 : i.contractSize;
}

/**
 * Value of `qtyContracts` at `price` in the settlement currency.
 * Linear: qty × size × price (quote). Inverse: qty × size / price (base coin).
 */
export function notionalSettlement(i: Instrument, qtyContracts: number, price: number): number {
  const size = contractSizeOf(i);
  return settlementOf(i) === 'linear' ? qtyContracts * size * price : (qtyContracts * size) / price;
}

/** Value of `qtyContracts` at `price` in the quote currency (USD for inverse contracts). */
export function notionalQuote(i: Instrument, qtyContracts: number, price: number): number {
  const size = contractSizeOf(i);
  return settlementOf(i) === 'linear' ? qtyContracts * size * price : qtyContracts * size;
}
