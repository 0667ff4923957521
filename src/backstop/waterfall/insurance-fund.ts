import { BackstopError } from '../../core/errors.ts';
import {
  assertSameConfig,
  canonicalData,
  decodeBigint,
  decodeNullableNum,
  decodeNum,
  type EncodedNum,
  encodeBigint,
  encodeNullableNum,
  encodeNum,
  type JsonValue,
} from '../../core/state-codec.ts';

/**
 * Insurance fund (waterfall step d): pays the bad debt a liquidation leaves, with payout caps per
 * account and per interval, one isolated fund per market where configured, never below zero.
 * Its balance path (ts, balance) is kept so that the drawdown over a window can trigger ADL
 * (OKX style: a fall of X% from the peak within a window). Deterministic: time is event time in µs,
 * passed in by the caller. See docs/concepts/adl-and-fund.md.
 */

/** Key of a fund: `insurance-fund` (global) or `insurance-fund:<market>`, as the ledger spells it. */
export type FundKey = string;

export function fundKey(market: string | null): FundKey {
  return market === null ? 'insurance-fund' : `insurance-fund:${market}`;
}

export interface FundCaps {
  /** Most one account may receive within one interval (whole life when `intervalUs` is unset). */
  readonly perAccount?: bigint;
  /** Most the fund may pay out, all accounts together, within one interval. */
  readonly perInterval?: bigint;
  /** Interval length in µs of event time; intervals are aligned buckets [k·I, (k+1)·I). */
  readonly intervalUs?: number;
}

export interface BalancePoint {
  readonly tsUs: number;
  readonly balance: bigint;
}

export type PayoutReason =
  | 'paid-in-full'
  | 'insufficient-balance'
  | 'capped-per-account'
  | 'capped-per-interval';

export interface PayoutRequest {
  readonly account: string;
  /** Bad debt to cover, in the fund currency's smallest units; > 0. */
  readonly amount: bigint;
  readonly tsUs: number;
}

export interface PayoutResult {
  readonly fund: FundKey;
  readonly account: string;
  readonly requested: bigint;
  readonly paid: bigint;
  /** requested − paid: what is left for ADL or socialized loss. */
  readonly shortfall: bigint;
  /** The binding constraint when shortfall > 0 (balance, then per-account, then per-interval). */
  readonly reason: PayoutReason;
  readonly balanceAfter: bigint;
  readonly tsUs: number;
}

export interface Drawdown {
  /** (peak − current) / peak within the window; 0 when the peak is ≤ 0. */
  readonly fraction: number;
  readonly peak: bigint;
  readonly current: bigint;
  readonly windowStartUs: number;
  readonly nowUs: number;
}

/**
 * Snapshot of an InsuranceFund; bigints as decimal strings. `caps` (canonical form) is checked
 * on restore. `paidToAccount` (usage in the current interval) is sorted by account: it is only
 * looked up.
 */
export interface InsuranceFundState {
  readonly key: FundKey;
  readonly caps: JsonValue;
  readonly balance: string;
  /** The balance path: [tsUs, balance]. */
  readonly path: readonly (readonly [EncodedNum, string])[];
  readonly lastTsUs: EncodedNum;
  /** Index of the current cap interval; null before the first deposit or payout. */
  readonly intervalIdx: EncodedNum | null;
  readonly paidInInterval: string;
  /** [account, paid in the current interval] */
  readonly paidToAccount: readonly (readonly [string, string])[];
}

/** Snapshot of an InsuranceFundBook: its funds, in `keys()` order. */
export interface InsuranceFundBookState {
  readonly funds: readonly InsuranceFundState[];
}

function bad(message: string, fields: Record<string, string | number | boolean | null> = {}): never {
  throw new BackstopError('BAD_ARGUMENT', message, fields);
}

function checkTs(tsUs: number): void {
  if (!Number.isSafeInteger(tsUs)) bad(`event time must be an integer µs, got ${tsUs}`, { tsUs });
}

const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/**
 * Drawdown of a step-function balance path over [nowUs − windowUs, nowUs]: the balance in force
 * at the window start counts, as does every point inside the window. Pure.
 */
export function drawdownOfPath(path: readonly BalancePoint[], windowUs: number, nowUs: number): Drawdown {
  checkTs(nowUs);
  if (!Number.isSafeInteger(windowUs) || windowUs < 0)
    bad(`window must be an integer µs ≥ 0, got ${windowUs}`);
  const start = nowUs - windowUs;
  let peak: bigint | null = null;
  let current: bigint | null = null;
  let inForceAtStart: bigint | null = null;
  for (const p of path) {
    if (p.tsUs > nowUs) break;
    current = p.balance;
    if (p.tsUs <= start) {
      inForceAtStart = p.balance;
      continue;
    }
    peak = peak === null || p.balance > peak ? p.balance : peak;
  }
  if (inForceAtStart !== null) peak = peak === null || inForceAtStart > peak ? inForceAtStart : peak;
  const pk = peak ?? 0n;
  const cur = current ?? 0n;
  const fraction = pk > 0n && cur < pk ? Number(pk - cur) / Number(pk) : 0;
  return { fraction, peak: pk, current: cur, windowStartUs: start, nowUs };
}

/** One fund: bigint balance, caps, payout history and balance path. Deterministic, not pure (it keeps state). */
export class InsuranceFund {
  readonly key: FundKey;
  readonly caps: FundCaps;
  private balanceUnits: bigint;
  private readonly points: BalancePoint[] = [];
  private lastTs: number;
  private intervalIdx: number | null = null;
  private paidInInterval = 0n;
  private readonly paidToAccount = new Map<string, bigint>();

  constructor(key: FundKey, openingBalance: bigint, tsUs: number, caps: FundCaps = {}) {
    checkTs(tsUs);
    if (openingBalance < 0n) bad('opening balance must be ≥ 0', { balance: openingBalance.toString() });
    if (caps.perAccount !== undefined && caps.perAccount < 0n) bad('perAccount cap must be ≥ 0');
    if (caps.perInterval !== undefined && caps.perInterval < 0n) bad('perInterval cap must be ≥ 0');
    if (caps.intervalUs !== undefined && (!Number.isSafeInteger(caps.intervalUs) || caps.intervalUs <= 0)) {
      bad(`intervalUs must be a positive integer, got ${caps.intervalUs}`);
    }
    this.key = key;
    this.caps = caps;
    this.balanceUnits = openingBalance;
    this.lastTs = tsUs;
    this.points.push({ tsUs, balance: openingBalance });
  }

  get balance(): bigint {
    return this.balanceUnits;
  }

  /** Balance path, one point per change (and the opening point), in event-time order. */
  get path(): readonly BalancePoint[] {
    return this.points;
  }

  private advance(tsUs: number): void {
    checkTs(tsUs);
    if (tsUs < this.lastTs) {
      throw new BackstopError('TIME_BACKWARDS', `fund ${this.key}: ${tsUs} < ${this.lastTs}`, {
        fund: this.key,
        tsUs,
        lastTsUs: this.lastTs,
      });
    }
    this.lastTs = tsUs;
    const idx = this.caps.intervalUs === undefined ? 0 : Math.floor(tsUs / this.caps.intervalUs);
    if (idx !== this.intervalIdx) {
      this.intervalIdx = idx;
      this.paidInInterval = 0n;
      this.paidToAccount.clear();
    }
  }

  private record(tsUs: number): void {
    const last = this.points[this.points.length - 1];
    if (last !== undefined && last.tsUs === tsUs)
      this.points[this.points.length - 1] = { tsUs, balance: this.balanceUnits };
    else this.points.push({ tsUs, balance: this.balanceUnits });
  }

  /** Income (liquidation fees, surplus, top-ups). amount > 0. */
  deposit(amount: bigint, tsUs: number): void {
    if (amount <= 0n) bad('deposit must be > 0', { amount: amount.toString() });
    this.advance(tsUs);
    this.balanceUnits += amount;
    this.record(tsUs);
  }

  /** A withdrawal that is not a payout (a staker's unstake): no caps; refused beyond the balance. */
  withdraw(amount: bigint, tsUs: number): void {
    if (amount <= 0n) bad('withdrawal must be > 0', { amount: amount.toString() });
    if (amount > this.balanceUnits) bad('withdrawal beyond the fund balance', { amount: amount.toString() });
    this.advance(tsUs);
    this.balanceUnits -= amount;
    this.record(tsUs);
  }

  /** What the caps still allow `account` in the interval of `tsUs` (ignores the balance). Read-only. */
  headroom(account: string, tsUs: number): { perAccount: bigint | null; perInterval: bigint | null } {
    const idx = this.caps.intervalUs === undefined ? 0 : Math.floor(tsUs / this.caps.intervalUs);
    const fresh = idx !== this.intervalIdx;
    const acc = fresh ? 0n : (this.paidToAccount.get(account) ?? 0n);
    const tot = fresh ? 0n : this.paidInInterval;
    return {
      perAccount: this.caps.perAccount === undefined ? null : this.caps.perAccount - acc,
      perInterval: this.caps.perInterval === undefined ? null : this.caps.perInterval - tot,
    };
  }

  /** Pays as much of `amount` as balance and caps allow; never below zero. */
  requestPayout(req: PayoutRequest): PayoutResult {
    if (req.amount <= 0n) bad('payout request must be > 0', { amount: req.amount.toString() });
    this.advance(req.tsUs);
    const room = this.headroom(req.account, req.tsUs);
    let paid = req.amount;
    let reason: PayoutReason = 'paid-in-full';
    if (this.balanceUnits < paid) {
      paid = this.balanceUnits;
      reason = 'insufficient-balance';
    }
    if (room.perAccount !== null && room.perAccount < paid) {
      paid = room.perAccount;
      reason = 'capped-per-account';
    }
    if (room.perInterval !== null && room.perInterval < paid) {
      paid = room.perInterval;
      reason = 'capped-per-interval';
    }
    paid = minBig(paid, req.amount);
    if (paid < 0n) paid = 0n;
    if (paid > 0n) {
      this.balanceUnits -= paid;
      this.paidInInterval += paid;
      this.paidToAccount.set(req.account, (this.paidToAccount.get(req.account) ?? 0n) + paid);
      this.record(req.tsUs);
    }
    return {
      fund: this.key,
      account: req.account,
      requested: req.amount,
      paid,
      shortfall: req.amount - paid,
      reason,
      balanceAfter: this.balanceUnits,
      tsUs: req.tsUs,
    };
  }

  /** The fund's state as plain JSON data (docs/concepts/journal.md, "State snapshots"). */
  exportState(): InsuranceFundState {
    return {
      key: this.key,
      caps: canonicalData(this.caps),
      balance: encodeBigint(this.balanceUnits),
      path: this.points.map((p) => [encodeNum(p.tsUs), encodeBigint(p.balance)] as const),
      lastTsUs: encodeNum(this.lastTs),
      intervalIdx: encodeNullableNum(this.intervalIdx),
      paidInInterval: encodeBigint(this.paidInInterval),
      paidToAccount: [...this.paidToAccount]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([account, paid]) => [account, encodeBigint(paid)] as const),
    };
  }

  /** Replaces all state by a state from `exportState`; throws if it is another fund's or has other caps. */
  restoreState(s: InsuranceFundState): void {
    if (s.key !== this.key) bad(`fund ${this.key}: cannot restore the state of ${s.key}`);
    assertSameConfig(`fund ${this.key} caps`, this.caps, s.caps);
    const balance = decodeBigint(s.balance);
    const points = s.path.map(([tsUs, b]) => ({ tsUs: decodeNum(tsUs), balance: decodeBigint(b) }));
    const lastTs = decodeNum(s.lastTsUs);
    const intervalIdx = decodeNullableNum(s.intervalIdx);
    const paidInInterval = decodeBigint(s.paidInInterval);
    const paidToAccount = s.paidToAccount.map(([account, paid]) => [account, decodeBigint(paid)] as const);
    this.balanceUnits = balance;
    this.points.length = 0;
    this.points.push(...points);
    this.lastTs = lastTs;
    this.intervalIdx = intervalIdx;
    this.paidInInterval = paidInInterval;
    this.paidToAccount.clear();
    for (const [account, paid] of paidToAccount) this.paidToAccount.set(account, paid);
  }

  drawdownOver(windowUs: number, nowUs: number): Drawdown {
    return drawdownOfPath(this.points, windowUs, nowUs);
  }

  /** True when the drawdown over the window reaches `thresholdFrac` (e.g. 0.3 = 30 %). */
  adlTriggered(thresholdFrac: number, windowUs: number, nowUs: number): boolean {
    if (!(thresholdFrac > 0 && thresholdFrac <= 1)) bad(`threshold must be in (0, 1], got ${thresholdFrac}`);
    return this.drawdownOver(windowUs, nowUs).fraction >= thresholdFrac;
  }
}

export interface FundBookConfig {
  /** Markets with an isolated fund; every other market draws on the global fund. */
  readonly isolatedMarkets?: readonly string[];
  readonly caps?: FundCaps;
  /** Caps per fund key, overriding `caps`. */
  readonly capsByFund?: Readonly<Record<FundKey, FundCaps>>;
  readonly openingBalances?: Readonly<Record<FundKey, bigint>>;
  readonly openingTsUs: number;
}

/**
 * The set of funds: one global, one per isolated market. A market's bad debt is paid by its own
 * fund only; an isolated fund never draws on the global one, nor the other way round.
 */
export class InsuranceFundBook {
  private readonly isolated: ReadonlySet<string>;
  private readonly funds = new Map<FundKey, InsuranceFund>();

  constructor(config: FundBookConfig) {
    this.isolated = new Set(config.isolatedMarkets ?? []);
    const keys = [fundKey(null), ...[...this.isolated].sort().map((m) => fundKey(m))];
    for (const k of keys) {
      const caps = config.capsByFund?.[k] ?? config.caps ?? {};
      this.funds.set(k, new InsuranceFund(k, config.openingBalances?.[k] ?? 0n, config.openingTsUs, caps));
    }
  }

  keyFor(market: string | null): FundKey {
    return market !== null && this.isolated.has(market) ? fundKey(market) : fundKey(null);
  }

  fundFor(market: string | null): InsuranceFund {
    const f = this.funds.get(this.keyFor(market));
    if (f === undefined) throw new BackstopError('INVARIANT', `no fund for ${market ?? 'global'}`);
    return f;
  }

  keys(): FundKey[] {
    return [...this.funds.keys()];
  }

  requestPayout(market: string | null, req: PayoutRequest): PayoutResult {
    return this.fundFor(market).requestPayout(req);
  }

  /** The state of every fund as plain JSON data (docs/concepts/journal.md, "State snapshots"). */
  exportState(): InsuranceFundBookState {
    return { funds: [...this.funds.values()].map((f) => f.exportState()) };
  }

  /** Restores every fund from a state from `exportState`; throws unless it holds exactly this book's funds. */
  restoreState(s: InsuranceFundBookState): void {
    const have = this.keys().join(', ');
    const got = s.funds.map((f) => f.key).join(', ');
    if (have !== got) bad(`fund book: state holds funds [${got}], this book has [${have}]`);
    // Try each fund state on a scratch fund first, so a bad one leaves the book untouched; the
    // live fund objects are then restored in place (callers may hold them).
    for (const fs of s.funds) {
      const live = this.funds.get(fs.key)!;
      new InsuranceFund(live.key, 0n, 0, live.caps).restoreState(fs);
    }
    for (const fs of s.funds) this.funds.get(fs.key)!.restoreState(fs);
  }
}
