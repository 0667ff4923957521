import { money, moneyFromFloat, moneyToFloat, ROUND_COLLATERAL } from '../core/money.ts';
import { err, ok, type Result } from '../core/result.ts';
import { poolOf } from '../margin/account-margin.ts';
import type { MarginBook } from '../margin/margin-book.ts';
import {
  BACKSTOP_RESERVE,
  type Ledger,
  type LedgerAccount,
  type LedgerRejection,
  providerAccount,
  traderAccount,
} from './ledger/index.ts';

/** The venue account id of the backstop reserve (its positions; its money is the ledger's backstop-reserve). */
export const RESERVE_ACCOUNT = 'backstop-reserve';

/** Why a money movement was refused: the ledger's rejection, or the instrument / currency. */
export interface MoneyRejection {
  readonly code: string;
  readonly message: string;
}

const fromLedger = (e: LedgerRejection): MoneyRejection => ({ code: e.code, message: e.message });

/**
 * The venue's accounts with money on the exact ledger and risk in the margin book
 * (docs/concepts/ledger.md, "Engine wiring"). Every cash change — deposit, withdrawal, a fill's
 * realized P&L or premium and its fee, a liquidation's payments — is first a balanced ledger
 * transaction; only when the ledger accepts it does the margin book change, and the book's
 * float64 cash is then set to the ledger balance, so the two never drift.
 *
 * Floats become money once, here, with the conservative rounding: a fill's cash change is
 * rounded down (ROUND_COLLATERAL) for the holder; the settlement account takes the other side,
 * so no unit is created or lost.
 */
export class VenueAccounts {
  /** Realized P&L of perpetual / future fills per (account, currency) on the current UTC day. */
  private readonly realized = new Map<string, { day: number; units: bigint }>();

  constructor(
    readonly ledger: Ledger,
    readonly margin: MarginBook,
    private readonly providerIds: ReadonlySet<string>,
  ) {}

  isProvider(id: string): boolean {
    return this.providerIds.has(id);
  }

  /** Ledger account of a venue account: the backstop reserve, a backstop liquidity provider or a trader. */
  ledgerAccountOf(id: string): LedgerAccount {
    if (id === RESERVE_ACCOUNT) return BACKSTOP_RESERVE;
    return this.providerIds.has(id) ? providerAccount(id) : traderAccount(id);
  }

  hasCurrency(currency: string): boolean {
    return this.ledger.currencies().some((c) => c.currency === currency);
  }

  scale(currency: string): number {
    return this.ledger.scale(currency);
  }

  cash(id: string, currency: string): bigint {
    return this.ledger.balance(this.ledgerAccountOf(id), currency);
  }

  toFloat(units: bigint, currency: string): number {
    return moneyToFloat(money(units, this.scale(currency), currency));
  }

  /** Float amount → units, rounded down (toward −∞), the holder-side rounding. */
  unitsFloor(value: number, currency: string): bigint {
    return moneyFromFloat(value, this.scale(currency), currency, ROUND_COLLATERAL).units;
  }

  /** Float amount → units rounded up: what a payer must cover in full. */
  unitsCeil(value: number, currency: string): bigint {
    return moneyFromFloat(value, this.scale(currency), currency, 'ceil').units;
  }

  /** Makes the margin book's cash of this pool equal to the ledger. */
  sync(id: string, currency: string): void {
    this.margin.setCollateral(id, currency, this.toFloat(this.cash(id, currency), currency));
  }

  deposit(txId: string, id: string, currency: string, units: bigint): Result<null, MoneyRejection> {
    const r = this.ledger.deposit(txId, this.ledgerAccountOf(id), currency, units);
    if (!r.ok) return err(fromLedger(r.error));
    this.sync(id, currency);
    return ok(null);
  }

  /** A withdrawal of at most the free collateral (equity above initial margin, rounded down). */
  withdraw(txId: string, id: string, currency: string, units: bigint): Result<null, MoneyRejection> {
    const freeF = this.margin.freeCollateral(id, currency) ?? 0;
    const free = this.unitsFloor(freeF, currency);
    const r = this.ledger.withdraw(txId, this.ledgerAccountOf(id), currency, units, free < 0n ? 0n : free);
    if (!r.ok) return err(fromLedger(r.error));
    this.sync(id, currency);
    return ok(null);
  }

  /**
   * A fill of `qty` contracts at `price` with `feeUnits` (settlement currency, > 0 paid): the
   * ledger settles its cash against the venue first; refused whole if the ledger refuses.
   * Returns the cash change booked (units, signed for the holder, before the fee).
   */
  fill(
    txId: string,
    id: string,
    instrumentId: string,
    qty: number,
    price: number,
    feeUnits: bigint,
    tsUs: number,
  ): Result<bigint, MoneyRejection> {
    const i = this.margin.instrument(instrumentId);
    if (!i) return err({ code: 'UNKNOWN_INSTRUMENT', message: `unknown instrument ${instrumentId}` });
    const currency = poolOf(i);
    if (!this.hasCurrency(currency)) {
      return err({
        code: 'UNKNOWN_CURRENCY',
        message: `settlement currency ${currency} is not on the ledger`,
      });
    }
    const cash = this.unitsFloor(this.margin.previewFill(id, instrumentId, qty, price), currency);
    const r = this.ledger.settleFill(txId, this.ledgerAccountOf(id), currency, cash, feeUnits);
    if (!r.ok) return err(fromLedger(r.error));
    this.margin.onFill(id, instrumentId, qty, price);
    this.sync(id, currency);
    if (cash !== 0n && (i.kind === 'perpetual' || i.kind === 'future'))
      this.noteRealized(id, currency, cash, tsUs);
    return ok(cash);
  }

  /**
   * Moves `units` between two ledger accounts for a liquidation stage (fees to a fund, payouts,
   * write-offs) as one transaction, syncing any venue account it touches. `allowNegative` names a
   * venue account that may end below zero (bad-debt recognition).
   */
  move(
    txId: string,
    reason: 'liquidation' | 'insurance-payout' | 'bad-debt' | 'transfer',
    from: LedgerAccount,
    to: LedgerAccount,
    currency: string,
    units: bigint,
  ): Result<null, MoneyRejection> {
    const r = this.ledger.post({
      id: txId,
      reason,
      postings: [
        { account: from, currency, amount: -units },
        { account: to, currency, amount: units },
      ],
    });
    if (!r.ok) return err(fromLedger(r.error));
    for (const a of [from, to]) {
      if (a.kind === 'trader' || a.kind === 'liquidity-provider') this.sync(a.id, currency);
      if (a.kind === 'backstop-reserve') this.sync(RESERVE_ACCOUNT, currency);
    }
    return ok(null);
  }

  /** Realized P&L (units) of perpetual / future fills on the UTC day of `tsUs`. */
  realizedToday(id: string, currency: string, tsUs: number): bigint {
    const r = this.realized.get(`${currency} ${id}`);
    return r !== undefined && r.day === utcDay(tsUs) ? r.units : 0n;
  }

  private noteRealized(id: string, currency: string, units: bigint, tsUs: number): void {
    const key = `${currency} ${id}`;
    const day = utcDay(tsUs);
    const r = this.realized.get(key);
    this.realized.set(key, { day, units: (r !== undefined && r.day === day ? r.units : 0n) + units });
  }

  /** Realized-today entries as plain data, sorted (state hash and snapshots). */
  exportRealized(): { key: string; day: number; units: string }[] {
    return [...this.realized.keys()].sort().map((key) => {
      const r = this.realized.get(key) as { day: number; units: bigint };
      return { key, day: r.day, units: r.units.toString() };
    });
  }

  restoreRealized(rows: readonly { key: string; day: number; units: string }[]): void {
    this.realized.clear();
    for (const r of rows) this.realized.set(r.key, { day: r.day, units: BigInt(r.units) });
  }
}

const DAY_US = 86_400_000_000;
const utcDay = (tsUs: number): number => Math.floor(tsUs / DAY_US);
