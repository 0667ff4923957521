import { contractSizeOf, type Instrument, settlementOf } from './instrument.ts';

/**
 * A position in one instrument: signed quantity in contracts (long > 0), average entry price,
 * realized P&L and funding in the settlement currency. Pure value; operations return new ones.
 */
export interface Position {
  readonly instrumentId: string;
  readonly qtyContracts: number;
  readonly avgEntryPrice: number;
  readonly realizedPnlSettle: number;
  readonly fundingPaidSettle: number;
}

export function emptyPosition(instrumentId: string): Position {
  return { instrumentId, qtyContracts: 0, avgEntryPrice: 0, realizedPnlSettle: 0, fundingPaidSettle: 0 };
}

/**
 * P&L of `qtyContracts` (signed) opened at `entry` and valued at `price`, in settlement currency.
 * Linear: q × size × (price − entry). Inverse: q × size × (1/entry − 1/price).
 */
export function pnlSettle(i: Instrument, qtyContracts: number, entry: number, price: number): number {
  const size = contractSizeOf(i);
  if (qtyContracts === 0) return 0;
  return settlementOf(i) === 'linear'
    ? qtyContracts * size * (price - entry)
    : qtyContracts * size * (1 / entry - 1 / price);
}

export function unrealizedPnlSettle(i: Instrument, p: Position, markPrice: number): number {
  return pnlSettle(i, p.qtyContracts, p.avgEntryPrice, markPrice);
}

/**
 * Applies a fill of `qtyContracts` (signed, buy > 0) at `price`. Increasing a position moves the
 * average entry (arithmetic for linear, harmonic for inverse, so P&L stays additive); reducing
 * realizes P&L on the closed part; crossing zero closes then opens at the fill price.
 */
export function applyFill(i: Instrument, p: Position, qtyContracts: number, price: number): Position {
  if (qtyContracts === 0) return p;
  const q0 = p.qtyContracts;
  const sameSide = q0 === 0 || Math.sign(q0) === Math.sign(qtyContracts);
  if (sameSide) {
    const q1 = q0 + qtyContracts;
    const avg =
      q0 === 0
        ? price
        : settlementOf(i) === 'linear'
          ? (q0 * p.avgEntryPrice + qtyContracts * price) / q1
          : q1 / (q0 / p.avgEntryPrice + qtyContracts / price);
    return { ...p, qtyContracts: q1, avgEntryPrice: avg };
  }
  const closing = Math.abs(qtyContracts) <= Math.abs(q0) ? qtyContracts : -q0;
  const realized = pnlSettle(i, -closing, p.avgEntryPrice, price);
  const q1 = q0 + qtyContracts;
  const avg = q1 === 0 ? 0 : Math.sign(q1) === Math.sign(q0) ? p.avgEntryPrice : price;
  return { ...p, qtyContracts: q1, avgEntryPrice: avg, realizedPnlSettle: p.realizedPnlSettle + realized };
}

/**
 * Funding payment for a perpetual: longs pay shorts rate × position value at mark.
 * Returns the new position with the payment added to `fundingPaidSettle` (positive = paid).
 */
export function applyFunding(i: Instrument, p: Position, rate: number, markPrice: number): Position {
  const size = contractSizeOf(i);
  const value =
    settlementOf(i) === 'linear' ? p.qtyContracts * size * markPrice : (p.qtyContracts * size) / markPrice;
  return { ...p, fundingPaidSettle: p.fundingPaidSettle + rate * value };
}
