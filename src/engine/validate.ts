import type { EngineEvent, Level } from '../domain/events.ts';

/**
 * Field checks for events that arrive through the library API or a live adapter rather than a
 * checked reader: the engine refuses (never throws on) a non-finite or out-of-range number.
 * Returns a message naming the field, or null when the event is sound.
 */
export function invalidField(e: EngineEvent): string | null {
  const price = (name: string, v: number | null) =>
    v === null || (Number.isFinite(v) && v > 0) ? null : `${name} must be a finite number > 0, got ${v}`;
  const size = (name: string, v: number | null) =>
    v === null || (Number.isFinite(v) && v >= 0) ? null : `${name} must be a finite number >= 0, got ${v}`;
  const finite = (name: string, v: number | null) =>
    v === null || Number.isFinite(v) ? null : `${name} must be finite, got ${v}`;
  const levels = (name: string, ls: readonly Level[]) => {
    for (let i = 0; i < ls.length; i++) {
      const [p, s] = ls[i] as Level;
      const bad = price(`${name}[${i}].price`, p) ?? size(`${name}[${i}].size`, s);
      if (bad) return bad;
    }
    return null;
  };
  switch (e.kind) {
    case 'book-snapshot':
    case 'book-delta':
      return levels('bids', e.bids) ?? levels('asks', e.asks);
    case 'quote':
      return (
        price('bidPrice', e.bidPrice) ??
        price('askPrice', e.askPrice) ??
        size('bidSize', e.bidSize) ??
        size('askSize', e.askSize)
      );
    case 'trade':
    case 'liquidation-print':
      return (
        price('price', e.price) ??
        (Number.isFinite(e.qty) && e.qty > 0 ? null : `qty must be a finite number > 0, got ${e.qty}`)
      );
    case 'bar':
      return (
        price('open', e.open) ??
        price('high', e.high) ??
        price('low', e.low) ??
        price('close', e.close) ??
        size('volume', e.volume) ??
        size('trades', e.trades) ??
        (e.high >= Math.max(e.open, e.close, e.low) && e.low <= Math.min(e.open, e.close)
          ? null
          : 'bar high/low do not contain open/close')
      );
    case 'mark-price':
    case 'index-price':
      return price('price', e.price);
    case 'derivative-ticker':
      return (
        price('markPrice', e.markPrice) ??
        price('indexPrice', e.indexPrice) ??
        price('lastPrice', e.lastPrice) ??
        size('openInterest', e.openInterest) ??
        finite('fundingRate', e.fundingRate) ??
        finite('predictedFundingRate', e.predictedFundingRate)
      );
    case 'funding':
      return finite('rate', e.rate);
    case 'fill':
      return (
        price('price', e.price) ??
        (Number.isFinite(e.qtyContracts) && e.qtyContracts !== 0
          ? null
          : `qtyContracts must be finite and non-zero, got ${e.qtyContracts}`)
      );
    case 'depth-profile':
      for (let i = 0; i < e.bands.length; i++) {
        const b = e.bands[i];
        const bad =
          b &&
          (finite(`bands[${i}].pct`, b.pct) ??
            size(`bands[${i}].depthBase`, b.depthBase) ??
            size(`bands[${i}].notionalQuote`, b.notionalQuote));
        if (bad) return bad;
      }
      return null;
    default:
      return null;
  }
}
