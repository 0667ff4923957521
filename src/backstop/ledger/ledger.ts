import { BackstopError } from '../../core/errors.ts';
import { allocate, type Money, money, moneyToDecimal } from '../../core/money.ts';
import { err, ok, type Result } from '../../core/result.ts';
import {
  accountKey,
  accountProblem,
  EXTERNAL,
  FEE_INCOME,
  insuranceFundAccount,
  type LedgerAccount,
  type LedgerAccountKind,
  parseAccountKey,
  SETTLEMENT,
  SOCIALIZED_LOSS,
  traderAccount,
} from './accounts.ts';

/**
 * Double-entry ledger in exact bigint units, one fixed scale per currency
 * (docs/concepts/ledger.md). Every change is a transaction of postings that sums to zero per
 * currency, so each currency's total over all accounts (the `external` world included) is
 * always exactly 0n. A transaction that would break a rule is refused whole with a typed
 * `LedgerRejection`; nothing is ever clamped or partly applied.
 */

export type LedgerReason =
  | 'deposit'
  | 'withdrawal'
  | 'transfer'
  | 'pnl'
  | 'fee'
  | 'insurance-payout'
  | 'liquidation'
  | 'adl'
  | 'bad-debt'
  | 'socialized-loss';

const REASONS: ReadonlySet<string> = new Set<LedgerReason>([
  'deposit',
  'withdrawal',
  'transfer',
  'pnl',
  'fee',
  'insurance-payout',
  'liquidation',
  'adl',
  'bad-debt',
  'socialized-loss',
]);

/** One leg: `amount` units (10^-scale of `currency`) added to `account` (negative = taken out). */
export interface Posting {
  readonly account: LedgerAccount;
  readonly currency: string;
  readonly amount: bigint;
}

export interface LedgerTransaction {
  /** Unique for the ledger's lifetime; a second transaction with the same id is refused. */
  readonly id: string;
  readonly reason: LedgerReason;
  readonly postings: readonly Posting[];
  /**
   * Trader ids this transaction may take below zero. Accepted with reason 'liquidation' (bad-debt
   * recognition when a liquidation realizes more loss than the trader's collateral) and 'pnl'
   * (cross margin: a realized loss may take cash below zero while open positions carry gains;
   * the margin engine, not the ledger, judges such an account's solvency).
   */
  readonly allowNegative?: readonly string[];
  /** Liquidity-provider ids this 'pnl' or 'liquidation' transaction may take below zero (as above). */
  readonly allowNegativeProviders?: readonly string[];
  /** The backstop reserve may go below zero on this 'pnl' transaction (its trading losses). */
  readonly allowNegativeReserve?: boolean;
}

export interface Applied {
  /** 1-based order of application. */
  readonly seq: number;
  readonly id: string;
  readonly reason: LedgerReason;
  readonly postings: readonly Posting[];
}

export type LedgerRejectionCode =
  | 'BAD_ID'
  | 'DUPLICATE_ID'
  | 'BAD_REASON'
  | 'EMPTY'
  | 'BAD_ACCOUNT'
  | 'SAME_ACCOUNT'
  | 'UNKNOWN_CURRENCY'
  | 'BAD_AMOUNT'
  | 'BAD_FLAG'
  | 'UNBALANCED'
  | 'NEGATIVE_BALANCE'
  | 'POSITIVE_BALANCE'
  | 'INSUFFICIENT_FREE_COLLATERAL'
  | 'BAD_WEIGHTS'
  | 'NO_BAD_DEBT';

export interface LedgerRejection {
  readonly code: LedgerRejectionCode;
  readonly message: string;
  /** The refused transaction's id (null when the id itself was bad). */
  readonly txId: string | null;
  /** Structured facts the message names; amounts as decimal strings. */
  readonly details: Readonly<Record<string, string>>;
}

/**
 * Negative-balance policy per account kind (docs/concepts/ledger.md):
 * - `negative`: 'never' (refused), 'always', or 'bad-debt' (only for trader / provider ids named
 *   in `allowNegative` / `allowNegativeProviders` of a 'liquidation' or 'pnl' transaction);
 * - `positive`: false for the socialized-loss clearing account, which may only hold a pending
 *   loss (≤ 0): socializing more than is pending is refused.
 * A balance already outside its bounds (a trader in bad debt) may always move toward them.
 */
export const BALANCE_POLICY: Readonly<
  Record<
    LedgerAccountKind,
    { readonly negative: 'never' | 'always' | 'bad-debt'; readonly positive: boolean }
  >
> = {
  trader: { negative: 'bad-debt', positive: true },
  'insurance-fund': { negative: 'never', positive: true },
  'backstop-reserve': { negative: 'bad-debt', positive: true },
  'liquidity-provider': { negative: 'bad-debt', positive: true },
  'fee-income': { negative: 'never', positive: true },
  'socialized-loss': { negative: 'always', positive: false },
  settlement: { negative: 'always', positive: true },
  external: { negative: 'always', positive: true },
};

export interface LedgerConfig {
  /** Currency code → scale (decimal places of one unit), e.g. `{ USDC: 6, BTC: 8 }`. */
  readonly currencies: Readonly<Record<string, number>>;
}

export interface LedgerBalance {
  readonly account: LedgerAccount;
  readonly key: string;
  readonly currency: string;
  readonly amount: bigint;
}

/** Plain JSON, deterministic order, money as decimal strings: ready for a state hash. */
export interface LedgerSnapshot {
  readonly version: 1;
  readonly transactions: number;
  readonly currencies: readonly { readonly currency: string; readonly scale: number }[];
  /** Non-zero balances sorted by account key, then currency. */
  readonly balances: readonly {
    readonly account: string;
    readonly currency: string;
    readonly amount: string;
  }[];
}

export interface LedgerState {
  readonly seq: number;
  readonly ids: readonly string[];
  /** [account key, currency, units as decimal digits] of every non-zero balance. */
  readonly balances: readonly (readonly [string, string, string])[];
}

export interface LiquidationLeg {
  readonly to: LedgerAccount;
  readonly amount: bigint;
}

export interface LossShare {
  readonly traderId: string;
  readonly weight: bigint;
  /** The ledger account charged, when the holder is not a trader (the reserve, a provider). */
  readonly account?: LedgerAccount;
}

const CURRENCY_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

interface Entry {
  readonly account: LedgerAccount;
  balance: bigint;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class Ledger {
  private readonly scales = new Map<string, number>();
  /** currency → account key → entry; zero balances are removed so the state is canonical. */
  private readonly books = new Map<string, Map<string, Entry>>();
  private readonly ids = new Set<string>();
  private seq = 0;
  /** (currency, account key) pairs posted to since the last `takeChanges` (null: not tracked). */
  private changed: Map<string, { key: string; currency: string }> | null = null;

  constructor(config: LedgerConfig) {
    const codes = Object.keys(config.currencies).sort(cmp);
    if (codes.length === 0) throw new BackstopError('BAD_ARGUMENT', 'ledger needs at least one currency');
    for (const c of codes) {
      const scale = config.currencies[c];
      if (!CURRENCY_CODE.test(c)) {
        throw new BackstopError('BAD_ARGUMENT', `bad currency code ${JSON.stringify(c)}`, { currency: c });
      }
      if (scale === undefined || !Number.isInteger(scale) || scale < 0 || scale > 36) {
        throw new BackstopError('BAD_ARGUMENT', `currency ${c}: scale must be an integer in 0..36`, {
          currency: c,
          scale: String(scale),
        });
      }
      this.scales.set(c, scale);
      this.books.set(c, new Map());
    }
  }

  // ---------------------------------------------------------------- queries

  /**
   * The balances posted to since the last call (the first call starts tracking and returns
   * every non-zero balance): what a read model of balances must upsert. Amounts in units; a
   * balance that went to zero is reported as 0n.
   */
  takeChanges(): { key: string; currency: string; amount: bigint }[] {
    if (this.changed === null) {
      this.changed = new Map();
      return this.balances().map((b) => ({ key: b.key, currency: b.currency, amount: b.amount }));
    }
    const out = [...this.changed.values()]
      .sort((a, b) => cmp(a.key, b.key) || cmp(a.currency, b.currency))
      .map(({ key, currency }) => ({ key, currency, amount: this.book(currency).get(key)?.balance ?? 0n }));
    this.changed.clear();
    return out;
  }

  currencies(): { currency: string; scale: number }[] {
    return [...this.scales].map(([currency, scale]) => ({ currency, scale }));
  }

  scale(currency: string): number {
    const s = this.scales.get(currency);
    if (s === undefined)
      throw new BackstopError('BAD_ARGUMENT', `unknown currency ${currency}`, { currency });
    return s;
  }

  balance(account: LedgerAccount, currency: string): bigint {
    return this.book(currency).get(accountKey(account))?.balance ?? 0n;
  }

  balanceMoney(account: LedgerAccount, currency: string): Money {
    return money(this.balance(account, currency), this.scale(currency), currency);
  }

  /** Σ over every account (external included). Always 0n: the conservation invariant. */
  total(currency: string): bigint {
    let sum = 0n;
    for (const e of this.book(currency).values()) sum += e.balance;
    return sum;
  }

  /** Non-zero balances sorted by account key, then currency (code-unit order). */
  balances(): LedgerBalance[] {
    const out: LedgerBalance[] = [];
    for (const [currency, book] of this.books) {
      for (const [key, e] of book) out.push({ account: e.account, key, currency, amount: e.balance });
    }
    return out.sort((a, b) => cmp(a.key, b.key) || cmp(a.currency, b.currency));
  }

  hasTransaction(id: string): boolean {
    return this.ids.has(id);
  }

  get transactionCount(): number {
    return this.seq;
  }

  snapshot(): LedgerSnapshot {
    return {
      version: 1,
      transactions: this.seq,
      currencies: this.currencies(),
      balances: this.balances().map((b) => ({
        account: b.key,
        currency: b.currency,
        amount: this.dec(b.currency, b.amount),
      })),
    };
  }

  /**
   * Everything needed to continue exactly (journal snapshots): balances in units, the applied
   * transaction ids in order (they keep refusing duplicates after a restore) and the count.
   */
  exportState(): LedgerState {
    return {
      seq: this.seq,
      ids: [...this.ids],
      balances: this.balances().map((b) => [b.key, b.currency, b.amount.toString()] as const),
    };
  }

  /** Replaces the state by `exportState` output; the currencies must be this ledger's. */
  restoreState(s: LedgerState): void {
    const books = new Map<string, Map<string, Entry>>();
    for (const c of this.scales.keys()) books.set(c, new Map());
    for (const [key, currency, amount] of s.balances) {
      const account = parseAccountKey(key);
      const book = books.get(currency);
      if (account === null || book === undefined || !/^-?\d+$/.test(amount)) {
        throw new BackstopError('BAD_ARGUMENT', `ledger state: bad balance ${key} ${currency} ${amount}`);
      }
      book.set(key, { account, balance: BigInt(amount) });
    }
    for (const [c, b] of books) {
      let sum = 0n;
      for (const e of b.values()) sum += e.balance;
      if (sum !== 0n) throw new BackstopError('INVARIANT', `ledger state: ${c} does not sum to 0`);
    }
    this.books.clear();
    for (const [c, b] of books) this.books.set(c, b);
    this.ids.clear();
    for (const id of s.ids) this.ids.add(id);
    this.seq = s.seq;
  }

  // ---------------------------------------------------------------- posting

  /** Applies a balanced transaction atomically, or refuses it whole (nothing changes). */
  post(tx: LedgerTransaction): Result<Applied, LedgerRejection> {
    const id = tx.id;
    if (typeof id !== 'string' || id === '') {
      return reject('BAD_ID', 'transaction id must be a non-empty string', null);
    }
    if (this.ids.has(id)) return reject('DUPLICATE_ID', `transaction ${id} was already applied`, id);
    if (!REASONS.has(tx.reason)) {
      return reject('BAD_REASON', `unknown reason ${JSON.stringify(tx.reason)}`, id);
    }
    if (!Array.isArray(tx.postings) || tx.postings.length === 0) {
      return reject('EMPTY', `transaction ${id} has no postings`, id);
    }
    const allow = tx.allowNegative ?? [];
    const allowProviders = tx.allowNegativeProviders ?? [];
    const allowReserve = tx.allowNegativeReserve === true;
    if (
      allow.length + allowProviders.length + (allowReserve ? 1 : 0) > 0 &&
      tx.reason !== 'liquidation' &&
      tx.reason !== 'pnl'
    ) {
      return reject(
        'BAD_FLAG',
        `allowNegative is only accepted on a liquidation or a P&L settlement, not ${tx.reason}`,
        id,
        { reason: tx.reason },
      );
    }
    if ([...allow, ...allowProviders].some((t) => typeof t !== 'string' || t === '')) {
      return reject('BAD_FLAG', 'allowNegative must list non-empty ids', id);
    }

    const sums = new Map<string, bigint>();
    const deltas = new Map<
      string,
      { account: LedgerAccount; key: string; currency: string; delta: bigint }
    >();
    const postings: Posting[] = [];
    for (let i = 0; i < tx.postings.length; i++) {
      const p = tx.postings[i] as Posting;
      const problem = accountProblem(p.account);
      if (problem !== null)
        return reject('BAD_ACCOUNT', `posting ${i}: ${problem}`, id, { posting: String(i) });
      if (!this.scales.has(p.currency)) {
        return reject(
          'UNKNOWN_CURRENCY',
          `posting ${i}: unknown currency ${JSON.stringify(p.currency)}`,
          id,
          {
            posting: String(i),
            currency: String(p.currency),
          },
        );
      }
      if (typeof p.amount !== 'bigint' || p.amount === 0n) {
        return reject('BAD_AMOUNT', `posting ${i}: amount must be a non-zero bigint`, id, {
          posting: String(i),
          amount: String(p.amount),
        });
      }
      const key = accountKey(p.account);
      sums.set(p.currency, (sums.get(p.currency) ?? 0n) + p.amount);
      const dk = `${p.currency} ${key}`;
      const d = deltas.get(dk);
      if (d) d.delta += p.amount;
      else deltas.set(dk, { account: p.account, key, currency: p.currency, delta: p.amount });
      postings.push({ account: p.account, currency: p.currency, amount: p.amount });
    }
    for (const c of [...sums.keys()].sort(cmp)) {
      const s = sums.get(c) as bigint;
      if (s !== 0n) {
        return reject('UNBALANCED', `postings in ${c} sum to ${this.dec(c, s)}, not 0`, id, {
          currency: c,
          sum: this.dec(c, s),
        });
      }
    }

    const allowed = new Set(allow);
    const allowedProviders = new Set(allowProviders);
    const updates: {
      book: Map<string, Entry>;
      key: string;
      account: LedgerAccount;
      currency: string;
      after: bigint;
    }[] = [];
    for (const { account, key, currency, delta } of deltas.values()) {
      const book = this.book(currency);
      const before = book.get(key)?.balance ?? 0n;
      const after = before + delta;
      const rule = BALANCE_POLICY[account.kind];
      const facts = {
        account: key,
        currency,
        balance: this.dec(currency, before),
        change: this.dec(currency, delta),
        result: this.dec(currency, after),
      };
      if (delta < 0n && after < 0n) {
        const mayGoNegative =
          rule.negative === 'always' ||
          (rule.negative === 'bad-debt' &&
            ((account.kind === 'trader' && allowed.has(account.id)) ||
              (account.kind === 'liquidity-provider' && allowedProviders.has(account.id)) ||
              (account.kind === 'backstop-reserve' && allowReserve)));
        if (!mayGoNegative) {
          return reject(
            'NEGATIVE_BALANCE',
            `${key} would go to ${facts.result} ${currency} (balance ${facts.balance}, change ${facts.change})`,
            id,
            facts,
          );
        }
      }
      if (delta > 0n && after > 0n && !rule.positive) {
        return reject(
          'POSITIVE_BALANCE',
          `${key} would go to ${facts.result} ${currency}: more than the pending loss ${facts.balance}`,
          id,
          facts,
        );
      }
      updates.push({ book, key, account, currency, after });
    }

    for (const u of updates) {
      this.changed?.set(`${u.currency}\u0000${u.key}`, { key: u.key, currency: u.currency });
      if (u.after === 0n) u.book.delete(u.key);
      else {
        const e = u.book.get(u.key);
        if (e) e.balance = u.after;
        else u.book.set(u.key, { account: u.account, balance: u.after });
      }
    }
    this.ids.add(id);
    this.seq++;
    return ok({ seq: this.seq, id, reason: tx.reason, postings });
  }

  // ---------------------------------------------------------------- operations

  /** external → account. Into a trader, provider, insurance fund or the backstop reserve; amount > 0. */
  deposit(
    id: string,
    account: LedgerAccount,
    currency: string,
    amount: bigint,
  ): Result<Applied, LedgerRejection> {
    const k = account?.kind;
    if (k !== 'trader' && k !== 'liquidity-provider' && k !== 'insurance-fund' && k !== 'backstop-reserve') {
      return reject('BAD_ACCOUNT', `cannot deposit into ${String(k)}`, id, { kind: String(k) });
    }
    const bad = this.positive(id, 'deposit', amount);
    if (bad) return bad;
    return this.move(id, 'deposit', EXTERNAL, account, currency, amount);
  }

  /**
   * account → external, refused beyond `freeCollateral` (the caller's free amount in the same
   * units, computed by the margin layer with ROUND_COLLATERAL) and, in any case, beyond the
   * balance. Not from `external` or the socialized-loss clearing account.
   */
  withdraw(
    id: string,
    account: LedgerAccount,
    currency: string,
    amount: bigint,
    freeCollateral: bigint,
  ): Result<Applied, LedgerRejection> {
    const k = account?.kind;
    if (k === undefined || k === 'external' || k === 'socialized-loss') {
      return reject('BAD_ACCOUNT', `cannot withdraw from ${String(k)}`, id, { kind: String(k) });
    }
    const bad = this.positive(id, 'withdrawal', amount);
    if (bad) return bad;
    if (!this.scales.has(currency)) return this.unknownCurrency(id, currency);
    if (amount > freeCollateral) {
      return reject(
        'INSUFFICIENT_FREE_COLLATERAL',
        `withdrawal of ${this.dec(currency, amount)} ${currency} exceeds free collateral ${this.dec(currency, freeCollateral)}`,
        id,
        { amount: this.dec(currency, amount), free: this.dec(currency, freeCollateral) },
      );
    }
    return this.move(id, 'withdrawal', account, EXTERNAL, currency, amount);
  }

  /** from → to inside the venue (neither may be external: use deposit / withdraw). */
  transfer(
    id: string,
    from: LedgerAccount,
    to: LedgerAccount,
    currency: string,
    amount: bigint,
  ): Result<Applied, LedgerRejection> {
    if (from?.kind === 'external' || to?.kind === 'external') {
      return reject('BAD_ACCOUNT', 'transfer cannot touch external: use deposit or withdraw', id);
    }
    const bad = this.positive(id, 'transfer', amount);
    if (bad) return bad;
    return this.move(id, 'transfer', from, to, currency, amount);
  }

  /** Realized P&L between two traders: `pnlOfA` > 0 is paid by b to a, < 0 by a to b. */
  settlePnl(
    id: string,
    a: string,
    b: string,
    currency: string,
    pnlOfA: bigint,
  ): Result<Applied, LedgerRejection> {
    if (typeof pnlOfA !== 'bigint' || pnlOfA === 0n) {
      return reject('BAD_AMOUNT', 'pnl must be a non-zero bigint', id, { amount: String(pnlOfA) });
    }
    const [from, to] = pnlOfA > 0n ? [b, a] : [a, b];
    return this.move(
      id,
      'pnl',
      traderAccount(from),
      traderAccount(to),
      currency,
      pnlOfA > 0n ? pnlOfA : -pnlOfA,
    );
  }

  /**
   * A fill's cash against the venue: `cashChange` (realized P&L, or option premium, signed for the
   * holder) with the settlement account as counterparty, and `fee` (> 0 paid, < 0 rebate) with fee
   * income. The holder (a trader or a liquidity provider) may end below zero: cross margin lets
   * realized losses ride on open gains. Fee income never goes negative: a rebate it cannot pay is
   * refused. Zero legs are left out; a fill with no cash effect is a no-op (ok, no transaction).
   */
  settleFill(
    id: string,
    holder: LedgerAccount,
    currency: string,
    cashChange: bigint,
    fee: bigint,
  ): Result<Applied | null, LedgerRejection> {
    const k = holder?.kind;
    if (k !== 'trader' && k !== 'liquidity-provider' && k !== 'backstop-reserve') {
      return reject(
        'BAD_ACCOUNT',
        `fills settle for traders, providers and the reserve, not ${String(k)}`,
        id,
      );
    }
    if (typeof cashChange !== 'bigint' || typeof fee !== 'bigint') {
      return reject('BAD_AMOUNT', 'cash change and fee must be bigints', id);
    }
    const postings: Posting[] = [];
    const net = cashChange - fee;
    if (net !== 0n) postings.push({ account: holder, currency, amount: net });
    if (cashChange !== 0n) postings.push({ account: SETTLEMENT, currency, amount: -cashChange });
    if (fee !== 0n) postings.push({ account: FEE_INCOME, currency, amount: fee });
    if (postings.length === 0) return ok(null);
    const who =
      holder.kind === 'trader'
        ? { allowNegative: [holder.id] }
        : holder.kind === 'liquidity-provider'
          ? { allowNegativeProviders: [holder.id] }
          : { allowNegativeReserve: true };
    return this.post({ id, reason: 'pnl', postings, ...who });
  }

  /** trader → fee income. */
  fee(id: string, traderId: string, currency: string, amount: bigint): Result<Applied, LedgerRejection> {
    const bad = this.positive(id, 'fee', amount);
    if (bad) return bad;
    return this.move(id, 'fee', traderAccount(traderId), FEE_INCOME, currency, amount);
  }

  /** Insurance fund (`market` null = global) → trader, e.g. to cover bad debt. Never overdraws the fund. */
  insurancePayout(
    id: string,
    market: string | null,
    traderId: string,
    currency: string,
    amount: bigint,
  ): Result<Applied, LedgerRejection> {
    const bad = this.positive(id, 'insurance payout', amount);
    if (bad) return bad;
    return this.move(
      id,
      'insurance-payout',
      insuranceFundAccount(market),
      traderAccount(traderId),
      currency,
      amount,
    );
  }

  /**
   * Liquidation: the trader pays each leg (realized loss to the providers taking over the
   * position, penalty to an insurance fund or the reserve…). With `recognizeBadDebt` the trader
   * may end below zero — the bad debt, later covered by `insurancePayout` or written off with
   * `writeOffBadDebt` and socialized.
   */
  liquidate(
    id: string,
    traderId: string,
    currency: string,
    legs: readonly LiquidationLeg[],
    opts: { readonly recognizeBadDebt?: boolean } = {},
  ): Result<Applied, LedgerRejection> {
    if (legs.length === 0) return reject('EMPTY', 'liquidation has no legs', id);
    const trader = traderAccount(traderId);
    const tKey = accountProblem(trader) === null ? accountKey(trader) : null;
    const postings: Posting[] = [];
    let sum = 0n;
    for (const [i, leg] of legs.entries()) {
      const k = leg.to?.kind;
      if (k === 'external' || k === 'socialized-loss' || (k !== undefined && accountKey(leg.to) === tKey)) {
        return reject(
          'BAD_ACCOUNT',
          `leg ${i}: a liquidation cannot pay ${String(k)} or the trader itself`,
          id,
          {
            leg: String(i),
          },
        );
      }
      const bad = this.positive(id, `leg ${i}`, leg.amount);
      if (bad) return bad;
      sum += leg.amount;
      postings.push({ account: leg.to, currency, amount: leg.amount });
    }
    postings.unshift({ account: trader, currency, amount: -sum });
    return this.post({
      id,
      reason: 'liquidation',
      postings,
      ...(opts.recognizeBadDebt === true ? { allowNegative: [traderId] } : {}),
    });
  }

  /** Auto-deleveraging settlement: `fromTrader` pays `toTrader` (never below zero). */
  adl(
    id: string,
    fromTrader: string,
    toTrader: string,
    currency: string,
    amount: bigint,
  ): Result<Applied, LedgerRejection> {
    const bad = this.positive(id, 'adl', amount);
    if (bad) return bad;
    return this.move(id, 'adl', traderAccount(fromTrader), traderAccount(toTrader), currency, amount);
  }

  /** Moves a trader's whole negative balance into the socialized-loss clearing account. */
  writeOffBadDebt(id: string, traderId: string, currency: string): Result<Applied, LedgerRejection> {
    if (!this.scales.has(currency)) return this.unknownCurrency(id, currency);
    const trader = traderAccount(traderId);
    if (accountProblem(trader) !== null) return reject('BAD_ACCOUNT', 'trader id must be non-empty', id);
    const b = this.balance(trader, currency);
    if (b >= 0n) {
      return reject('NO_BAD_DEBT', `${accountKey(trader)} has no bad debt in ${currency}`, id, {
        account: accountKey(trader),
        balance: this.dec(currency, b),
      });
    }
    return this.move(id, 'bad-debt', SOCIALIZED_LOSS, trader, currency, -b);
  }

  /**
   * Charges `amount` of pending socialized loss to traders in proportion to `across` weights
   * (largest-remainder `allocate`: the shares sum to `amount` exactly). Refused if any trader
   * would go negative or if `amount` exceeds the pending loss.
   */
  socializeLoss(
    id: string,
    currency: string,
    amount: bigint,
    across: readonly LossShare[],
  ): Result<Applied, LedgerRejection> {
    const bad = this.positive(id, 'socialized loss', amount);
    if (bad) return bad;
    if (!this.scales.has(currency)) return this.unknownCurrency(id, currency);
    const seen = new Set<string>();
    for (const s of across) {
      if (typeof s.traderId !== 'string' || s.traderId === '' || seen.has(s.traderId)) {
        return reject('BAD_WEIGHTS', `trader ids must be non-empty and distinct (${String(s.traderId)})`, id);
      }
      if (typeof s.weight !== 'bigint' || s.weight < 0n) {
        return reject('BAD_WEIGHTS', `weight of ${s.traderId} must be a bigint >= 0`, id);
      }
      seen.add(s.traderId);
    }
    if (across.reduce((t, s) => t + s.weight, 0n) <= 0n) {
      return reject('BAD_WEIGHTS', 'weights must be non-empty and sum to more than zero', id);
    }
    const shares = allocate(
      money(amount, this.scale(currency), currency),
      across.map((s) => s.weight),
    );
    const postings: Posting[] = [{ account: SOCIALIZED_LOSS, currency, amount }];
    across.forEach((s, i) => {
      const share = (shares[i] as Money).units;
      if (share !== 0n)
        postings.push({ account: s.account ?? traderAccount(s.traderId), currency, amount: -share });
    });
    return this.post({ id, reason: 'socialized-loss', postings });
  }

  // ---------------------------------------------------------------- helpers

  private move(
    id: string,
    reason: LedgerReason,
    from: LedgerAccount,
    to: LedgerAccount,
    currency: string,
    amount: bigint,
  ): Result<Applied, LedgerRejection> {
    if (accountProblem(from) === null && accountProblem(to) === null && accountKey(from) === accountKey(to)) {
      return reject('SAME_ACCOUNT', `${reason} from ${accountKey(from)} to itself`, id, {
        account: accountKey(from),
      });
    }
    return this.post({
      id,
      reason,
      postings: [
        { account: from, currency, amount: -amount },
        { account: to, currency, amount },
      ],
    });
  }

  private positive(id: string, what: string, amount: bigint): Result<never, LedgerRejection> | null {
    if (typeof amount === 'bigint' && amount > 0n) return null;
    return reject('BAD_AMOUNT', `${what} amount must be a positive bigint, got ${String(amount)}`, id, {
      amount: String(amount),
    });
  }

  private unknownCurrency(id: string, currency: string): Result<never, LedgerRejection> {
    return reject('UNKNOWN_CURRENCY', `unknown currency ${JSON.stringify(currency)}`, id, {
      currency: String(currency),
    });
  }

  private book(currency: string): Map<string, Entry> {
    const b = this.books.get(currency);
    if (!b) throw new BackstopError('BAD_ARGUMENT', `unknown currency ${currency}`, { currency });
    return b;
  }

  private dec(currency: string, units: bigint): string {
    return moneyToDecimal(money(units, this.scales.get(currency) ?? 0, currency));
  }
}

function reject(
  code: LedgerRejectionCode,
  message: string,
  txId: string | null,
  details: Readonly<Record<string, string>> = {},
): Result<never, LedgerRejection> {
  return err({ code, message, txId, details });
}
