import type { Instrument } from './instrument.ts';
import { applyFill, emptyPosition, type Position, unrealizedPnlSettle } from './position.ts';

/**
 * An account: positions by instrument. Balances are exact money and live in the ledger
 * (backstop issue); here the account keeps what risk needs: positions and their P&L.
 */
export interface Account {
  readonly id: string;
  readonly positions: ReadonlyMap<string, Position>;
}

export function emptyAccount(id: string): Account {
  return { id, positions: new Map() };
}

export function accountAfterFill(a: Account, i: Instrument, qtyContracts: number, price: number): Account {
  const positions = new Map(a.positions);
  const next = applyFill(i, positions.get(i.id) ?? emptyPosition(i.id), qtyContracts, price);
  positions.set(i.id, next);
  return { id: a.id, positions };
}

/** Sum of unrealized P&L per settlement currency, at the given marks (missing marks skipped). */
export function unrealizedBySettlement(
  a: Account,
  instruments: ReadonlyMap<string, Instrument>,
  marks: ReadonlyMap<string, number>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of a.positions.values()) {
    const i = instruments.get(p.instrumentId);
    const mark = marks.get(p.instrumentId);
    if (!i || mark === undefined || i.kind === 'index') continue;
    const ccy = i.kind === 'spot' ? i.quoteCurrency : i.settlementCurrency;
    out.set(ccy, (out.get(ccy) ?? 0) + unrealizedPnlSettle(i, p, mark));
  }
  return out;
}
