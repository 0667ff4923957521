import { type Money, moneyFromFloat, ROUND_PAYOUT } from '../../core/money.ts';
import type { Result } from '../../core/result.ts';
import type { SeededRng } from '../../core/rng.ts';
import {
  accountKey,
  BACKSTOP_RESERVE,
  FEE_INCOME,
  insuranceFundAccount,
  type LedgerAccount,
  providerAccount,
  SOCIALIZED_LOSS,
  traderAccount,
} from './accounts.ts';
import {
  type Applied,
  BALANCE_POLICY,
  Ledger,
  type LedgerReason,
  type LedgerRejection,
  type LedgerRejectionCode,
  type LiquidationLeg,
  type LossShare,
} from './ledger.ts';

/**
 * A random ledger workload shared by the property test (ops from fast-check) and the soak
 * (`scripts/soak-ledger.ts`, ops from `randomLedgerOp`): deposits, withdrawals, transfers,
 * trades with fees, price moves settling P&L between the two sides of each trade (liquidating
 * the loser with bad debt when it cannot pay), payouts, liquidations, ADL, bad-debt write-off and
 * socialized loss. `LedgerWorkload` applies ops and checks the invariants after each one.
 */

export interface WorkloadMarket {
  readonly id: string;
  readonly currency: string;
  readonly price: number;
}

export interface WorkloadUniverse {
  readonly currencies: Readonly<Record<string, number>>;
  readonly traders: readonly string[];
  readonly providers: readonly string[];
  readonly markets: readonly WorkloadMarket[];
}

export const DEFAULT_UNIVERSE: WorkloadUniverse = {
  currencies: { USDC: 6, BTC: 8, ETH: 18 },
  traders: ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7'],
  providers: ['lp0', 'lp1', 'lp2'],
  markets: [
    { id: 'BTC-PERP', currency: 'USDC', price: 60_000 },
    { id: 'ETH-PERP', currency: 'USDC', price: 3_000 },
    { id: 'BTC-INVERSE', currency: 'BTC', price: 1 },
  ],
};

export type LedgerOp =
  | { readonly op: 'deposit'; readonly to: LedgerAccount; readonly currency: string; readonly amount: bigint }
  | {
      readonly op: 'withdraw';
      readonly from: LedgerAccount;
      readonly currency: string;
      readonly amount: bigint;
      readonly free: bigint;
    }
  | {
      readonly op: 'transfer';
      readonly from: LedgerAccount;
      readonly to: LedgerAccount;
      readonly currency: string;
      readonly amount: bigint;
    }
  /** Opens a long/short pair of `size` in market #`market`; both sides pay `fee`. */
  | {
      readonly op: 'trade';
      readonly market: number;
      readonly long: string;
      readonly short: string;
      readonly size: number;
      readonly fee: bigint;
    }
  /** Relative price move of market #`market`; settles every open pair there. */
  | { readonly op: 'price'; readonly market: number; readonly move: number }
  | {
      readonly op: 'pnl';
      readonly a: string;
      readonly b: string;
      readonly currency: string;
      readonly pnl: bigint;
    }
  | { readonly op: 'fee'; readonly trader: string; readonly currency: string; readonly amount: bigint }
  | {
      readonly op: 'payout';
      readonly market: string | null;
      readonly trader: string;
      readonly currency: string;
      readonly amount: bigint;
    }
  | {
      readonly op: 'liquidate';
      readonly trader: string;
      readonly currency: string;
      readonly legs: readonly LiquidationLeg[];
      readonly badDebt: boolean;
    }
  | {
      readonly op: 'adl';
      readonly from: string;
      readonly to: string;
      readonly currency: string;
      readonly amount: bigint;
    }
  | { readonly op: 'writeOff'; readonly trader: string; readonly currency: string }
  /** Socializes `ppm`/1e6 of the pending loss plus `extra` units across the weighted traders. */
  | {
      readonly op: 'socialize';
      readonly currency: string;
      readonly ppm: number;
      readonly extra: bigint;
      readonly weights: readonly LossShare[];
    }
  /** Re-posts the last applied transaction's id: must be refused as DUPLICATE_ID. */
  | { readonly op: 'replay' };

type Outcome = Result<Applied, LedgerRejection>;

interface Pair {
  readonly market: number;
  readonly long: string;
  readonly short: string;
  readonly size: number;
}

const MAX_PAIRS = 24;

export class LedgerWorkload {
  readonly ledger: Ledger;
  /** Traders a liquidation was allowed to take below zero. */
  readonly badDebtTraders = new Set<string>();
  readonly refused = new Map<LedgerRejectionCode, number>();
  readonly appliedByReason = new Map<LedgerReason, number>();
  applied = 0;
  private readonly prices: number[];
  private pairs: Pair[] = [];
  private next = 0;
  private lastId: string | null = null;
  /** Independent copy of every balance, updated only from applied postings. */
  private readonly shadow = new Map<string, bigint>();

  constructor(readonly universe: WorkloadUniverse = DEFAULT_UNIVERSE) {
    this.ledger = new Ledger({ currencies: universe.currencies });
    this.prices = universe.markets.map((m) => m.price);
  }

  /** Applies one op; returns invariant violations found after it (empty when all hold). */
  apply(op: LedgerOp): string[] {
    const outcomes = this.run(op);
    const problems: string[] = [];
    for (const r of outcomes) {
      if (r.ok) {
        this.applied++;
        this.appliedByReason.set(r.value.reason, (this.appliedByReason.get(r.value.reason) ?? 0) + 1);
        this.lastId = r.value.id;
        for (const p of r.value.postings) {
          const k = `${p.currency} ${accountKey(p.account)}`;
          const v = (this.shadow.get(k) ?? 0n) + p.amount;
          if (v === 0n) this.shadow.delete(k);
          else this.shadow.set(k, v);
          const problem = this.policyProblem(
            p.account,
            p.currency,
            this.ledger.balance(p.account, p.currency),
          );
          if (problem) problems.push(`${r.value.id}: ${problem}`);
        }
      } else {
        this.refused.set(r.error.code, (this.refused.get(r.error.code) ?? 0) + 1);
        if (op.op === 'replay' && r.error.code !== 'DUPLICATE_ID') {
          problems.push(`replay refused with ${r.error.code}, not DUPLICATE_ID`);
        }
      }
    }
    if (op.op === 'replay' && outcomes.some((r) => r.ok)) problems.push('a replayed id was accepted');
    for (const c of Object.keys(this.universe.currencies)) {
      const t = this.ledger.total(c);
      if (t !== 0n) problems.push(`total ${c} is ${t}, not 0`);
    }
    return problems;
  }

  /** Full check: every balance equals the shadow built from applied postings and obeys the policy. */
  fullCheck(): string[] {
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const b of this.ledger.balances()) {
      const k = `${b.currency} ${b.key}`;
      seen.add(k);
      if (this.shadow.get(k) !== b.amount)
        problems.push(`${k}: ledger ${b.amount}, postings ${this.shadow.get(k)}`);
      const problem = this.policyProblem(b.account, b.currency, b.amount);
      if (problem) problems.push(problem);
    }
    for (const k of this.shadow.keys()) if (!seen.has(k)) problems.push(`${k}: missing from the ledger`);
    return problems;
  }

  get refusedCount(): number {
    let n = 0;
    for (const v of this.refused.values()) n += v;
    return n;
  }

  private policyProblem(account: LedgerAccount, currency: string, balance: bigint): string | null {
    const rule = BALANCE_POLICY[account.kind];
    const key = accountKey(account);
    if (balance < 0n && rule.negative === 'never') return `${key} negative in ${currency}: ${balance}`;
    if (balance < 0n && account.kind === 'trader' && !this.badDebtTraders.has(account.id)) {
      return `${key} negative in ${currency} without a bad-debt liquidation: ${balance}`;
    }
    if (balance > 0n && !rule.positive) return `${key} positive in ${currency}: ${balance}`;
    return null;
  }

  private id(): string {
    return `tx${this.next++}`;
  }

  private run(op: LedgerOp): Outcome[] {
    const l = this.ledger;
    switch (op.op) {
      case 'deposit':
        return [l.deposit(this.id(), op.to, op.currency, op.amount)];
      case 'withdraw':
        return [l.withdraw(this.id(), op.from, op.currency, op.amount, op.free)];
      case 'transfer':
        return [l.transfer(this.id(), op.from, op.to, op.currency, op.amount)];
      case 'trade': {
        const m = this.universe.markets[op.market];
        if (!m) return [];
        const r = l.post({
          id: this.id(),
          reason: 'fee',
          postings: [
            { account: traderAccount(op.long), currency: m.currency, amount: -op.fee },
            { account: traderAccount(op.short), currency: m.currency, amount: -op.fee },
            { account: FEE_INCOME, currency: m.currency, amount: 2n * op.fee },
          ],
        });
        if (r.ok && op.long !== op.short) {
          this.pairs.push({ market: op.market, long: op.long, short: op.short, size: op.size });
          if (this.pairs.length > MAX_PAIRS) this.pairs.shift();
        }
        return [r];
      }
      case 'price':
        return this.priceMove(op.market, op.move);
      case 'pnl':
        return [l.settlePnl(this.id(), op.a, op.b, op.currency, op.pnl)];
      case 'fee':
        return [l.fee(this.id(), op.trader, op.currency, op.amount)];
      case 'payout':
        return [l.insurancePayout(this.id(), op.market, op.trader, op.currency, op.amount)];
      case 'liquidate': {
        const r = l.liquidate(this.id(), op.trader, op.currency, op.legs, { recognizeBadDebt: op.badDebt });
        if (r.ok && op.badDebt) this.badDebtTraders.add(op.trader);
        return [r];
      }
      case 'adl':
        return [l.adl(this.id(), op.from, op.to, op.currency, op.amount)];
      case 'writeOff':
        return [l.writeOffBadDebt(this.id(), op.trader, op.currency)];
      case 'socialize': {
        const pending = -l.balance(SOCIALIZED_LOSS, op.currency);
        const amount = (pending * BigInt(op.ppm)) / 1_000_000n + op.extra;
        return [l.socializeLoss(this.id(), op.currency, amount, op.weights)];
      }
      case 'replay':
        return this.lastId === null ? [] : [l.deposit(this.lastId, traderAccount('t0'), 'USDC', 1n)];
    }
  }

  /**
   * Marks market #i to a new price and settles each open pair: the P&L (float risk math) becomes
   * money with ROUND_PAYOUT (floor) on its magnitude, and the same units move loser → winner. A
   * loser who cannot pay is liquidated: it pays the winner in full with bad debt recognized, and
   * the pair is closed.
   */
  private priceMove(i: number, move: number): Outcome[] {
    const m = this.universe.markets[i];
    const old = this.prices[i];
    if (!m || old === undefined) return [];
    const price = old * (1 + move);
    this.prices[i] = price;
    const scale = this.ledger.scale(m.currency);
    const out: Outcome[] = [];
    const keep: Pair[] = [];
    for (const p of this.pairs) {
      if (p.market !== i) {
        keep.push(p);
        continue;
      }
      const pnlLong = p.size * (price - old);
      const units = (moneyFromFloat(Math.abs(pnlLong), scale, m.currency, ROUND_PAYOUT) as Money).units;
      if (units === 0n) {
        keep.push(p);
        continue;
      }
      const [winner, loser] = pnlLong > 0 ? [p.long, p.short] : [p.short, p.long];
      const r = this.ledger.settlePnl(this.id(), winner, loser, m.currency, units);
      out.push(r);
      if (r.ok) keep.push(p);
      else {
        const liq = this.ledger.liquidate(
          this.id(),
          loser,
          m.currency,
          [{ to: traderAccount(winner), amount: units }],
          { recognizeBadDebt: true },
        );
        if (liq.ok) this.badDebtTraders.add(loser);
        else keep.push(p);
        out.push(liq);
      }
    }
    this.pairs = keep;
    return out;
  }
}

// ------------------------------------------------------------------ seeded generator (soak)

function pick<T>(rng: SeededRng, xs: readonly T[]): T {
  return xs[rng.nextInt(0, xs.length - 1)] as T;
}

/** 0.01 … 100 000 whole units, or (rarely) zero / negative to exercise refusals. */
function amount(rng: SeededRng, scale: number, big = false): bigint {
  const r = rng.nextInt(0, 99);
  if (r === 0) return 0n;
  if (r === 1) return -BigInt(rng.nextInt(1, 1000));
  const mant = BigInt(rng.nextInt(1, 10_000));
  const exp = scale - 2 + rng.nextInt(0, big ? 3 : 2);
  return exp >= 0 ? mant * 10n ** BigInt(exp) : mant;
}

/** One random op over `u`, drawn only from `rng`. */
export function randomLedgerOp(rng: SeededRng, u: WorkloadUniverse = DEFAULT_UNIVERSE): LedgerOp {
  const currencies = Object.keys(u.currencies);
  const currency = pick(rng, currencies);
  const scale = u.currencies[currency] ?? 0;
  const trader = () => pick(rng, u.traders);
  const fund = () => (rng.nextInt(0, 2) === 0 ? null : pick(rng, u.markets).id);
  const internal = (): LedgerAccount => {
    switch (rng.nextInt(0, 5)) {
      case 0:
      case 1:
        return traderAccount(trader());
      case 2:
        return providerAccount(pick(rng, u.providers));
      case 3:
        return insuranceFundAccount(fund());
      case 4:
        return BACKSTOP_RESERVE;
      default:
        return FEE_INCOME;
    }
  };
  const k = rng.nextInt(0, 99);
  if (k < 18) return { op: 'deposit', to: internal(), currency, amount: amount(rng, scale, true) };
  if (k < 26) {
    const a = amount(rng, scale);
    const free = rng.nextInt(0, 3) === 0 ? a - 1n : a + BigInt(rng.nextInt(0, 1000));
    return { op: 'withdraw', from: internal(), currency, amount: a, free };
  }
  if (k < 32)
    return { op: 'transfer', from: internal(), to: internal(), currency, amount: amount(rng, scale) };
  if (k < 44) {
    const market = rng.nextInt(0, u.markets.length - 1);
    const m = u.markets[market] as WorkloadMarket;
    const s = u.currencies[m.currency] ?? 0;
    return {
      op: 'trade',
      market,
      long: trader(),
      short: trader(),
      size: rng.nextInt(1, 50_000) / 1000,
      fee: BigInt(rng.nextInt(1, 1000)) * 10n ** BigInt(Math.max(0, s - 3)),
    };
  }
  if (k < 58) {
    return {
      op: 'price',
      market: rng.nextInt(0, u.markets.length - 1),
      move: Math.max(-0.5, rng.nextNormal() * 0.03),
    };
  }
  if (k < 63) {
    const pnl = amount(rng, scale);
    return { op: 'pnl', a: trader(), b: trader(), currency, pnl: rng.nextInt(0, 1) === 0 ? pnl : -pnl };
  }
  if (k < 67) return { op: 'fee', trader: trader(), currency, amount: amount(rng, scale) };
  if (k < 73) return { op: 'payout', market: fund(), trader: trader(), currency, amount: amount(rng, scale) };
  if (k < 80) {
    const legs: LiquidationLeg[] = [];
    const n = rng.nextInt(0, 3);
    for (let i = 0; i < n; i++) {
      const to =
        rng.nextInt(0, 2) === 0 ? insuranceFundAccount(fund()) : providerAccount(pick(rng, u.providers));
      legs.push({ to, amount: amount(rng, scale) });
    }
    return { op: 'liquidate', trader: trader(), currency, legs, badDebt: rng.nextInt(0, 1) === 0 };
  }
  if (k < 85) return { op: 'adl', from: trader(), to: trader(), currency, amount: amount(rng, scale) };
  if (k < 90) return { op: 'writeOff', trader: trader(), currency };
  if (k < 98) {
    const weights: LossShare[] = [];
    for (const t of u.traders)
      if (rng.nextInt(0, 2) > 0) weights.push({ traderId: t, weight: BigInt(rng.nextInt(0, 1000)) });
    const extra = rng.nextInt(0, 9) === 0 ? BigInt(rng.nextInt(1, 1000)) : 0n;
    return { op: 'socialize', currency, ppm: rng.nextInt(0, 1_000_000), extra, weights };
  }
  return { op: 'replay' };
}
