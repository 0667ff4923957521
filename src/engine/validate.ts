import type { EngineEvent, Level } from '../domain/events.ts';

// Field checks run on every event, so they allocate nothing on the happy path: plain predicates
// first, the message (naming the field) only when one fails.
const isPrice = (v: number | null): boolean => v === null || (Number.isFinite(v) && v > 0);
const isSize = (v: number | null): boolean => v === null || (Number.isFinite(v) && v >= 0);
const isFiniteOrNull = (v: number | null): boolean => v === null || Number.isFinite(v);

const badPrice = (name: string, v: number | null) => `${name} must be a finite number > 0, got ${v}`;
const badSize = (name: string, v: number | null) => `${name} must be a finite number >= 0, got ${v}`;

function badLevels(name: string, ls: readonly Level[]): string | null {
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i] as Level;
    if (!isPrice(l[0])) return badPrice(`${name}[${i}].price`, l[0]);
    if (!isSize(l[1])) return badSize(`${name}[${i}].size`, l[1]);
  }
  return null;
}

/**
 * Field checks for events that arrive through the library API or a live adapter rather than a
 * checked reader: the engine refuses (never throws on) a non-finite or out-of-range number.
 * Returns a message naming the field, or null when the event is sound.
 */
export function invalidField(e: EngineEvent): string | null {
  switch (e.kind) {
    case 'book-snapshot':
    case 'book-delta':
      return badLevels('bids', e.bids) ?? badLevels('asks', e.asks);
    case 'quote':
      if (!isPrice(e.bidPrice)) return badPrice('bidPrice', e.bidPrice);
      if (!isPrice(e.askPrice)) return badPrice('askPrice', e.askPrice);
      if (!isSize(e.bidSize)) return badSize('bidSize', e.bidSize);
      if (!isSize(e.askSize)) return badSize('askSize', e.askSize);
      return null;
    case 'trade':
    case 'liquidation-print':
      if (!isPrice(e.price)) return badPrice('price', e.price);
      return Number.isFinite(e.qty) && e.qty > 0 ? null : `qty must be a finite number > 0, got ${e.qty}`;
    case 'bar':
      for (const [name, v] of [
        ['open', e.open],
        ['high', e.high],
        ['low', e.low],
        ['close', e.close],
      ] as const) {
        if (!isPrice(v)) return badPrice(name, v);
      }
      if (!isSize(e.volume)) return badSize('volume', e.volume);
      if (!isSize(e.trades)) return badSize('trades', e.trades);
      return e.high >= Math.max(e.open, e.close, e.low) && e.low <= Math.min(e.open, e.close)
        ? null
        : 'bar high/low do not contain open/close';
    case 'mark-price':
    case 'index-price':
      return isPrice(e.price) ? null : badPrice('price', e.price);
    case 'derivative-ticker':
      if (!isPrice(e.markPrice)) return badPrice('markPrice', e.markPrice);
      if (!isPrice(e.indexPrice)) return badPrice('indexPrice', e.indexPrice);
      if (!isPrice(e.lastPrice)) return badPrice('lastPrice', e.lastPrice);
      if (!isSize(e.openInterest)) return badSize('openInterest', e.openInterest);
      if (!isFiniteOrNull(e.fundingRate)) return `fundingRate must be finite, got ${e.fundingRate}`;
      if (!isFiniteOrNull(e.predictedFundingRate))
        return `predictedFundingRate must be finite, got ${e.predictedFundingRate}`;
      return null;
    case 'option-ticker':
      for (const [name, v] of [
        ['markIv', e.markIv],
        ['bidIv', e.bidIv],
        ['askIv', e.askIv],
      ] as const) {
        if (!isSize(v)) return badSize(name, v);
      }
      return isPrice(e.underlyingPrice) ? null : badPrice('underlyingPrice', e.underlyingPrice);
    case 'funding':
      return Number.isFinite(e.rate) ? null : `rate must be finite, got ${e.rate}`;
    case 'fill':
      if (!isPrice(e.price)) return badPrice('price', e.price);
      return Number.isFinite(e.qtyContracts) && e.qtyContracts !== 0
        ? null
        : `qtyContracts must be finite and non-zero, got ${e.qtyContracts}`;
    case 'depth-profile':
      for (let i = 0; i < e.bands.length; i++) {
        const b = e.bands[i];
        if (!b) continue;
        if (!Number.isFinite(b.pct)) return `bands[${i}].pct must be finite, got ${b.pct}`;
        if (!isSize(b.depthBase)) return badSize(`bands[${i}].depthBase`, b.depthBase);
        if (!isSize(b.notionalQuote)) return badSize(`bands[${i}].notionalQuote`, b.notionalQuote);
      }
      return null;
    default:
      return null;
  }
}
