import { BackstopError } from '../../core/errors.ts';
import { allocate } from '../../core/money.ts';

/**
 * Socialized loss (waterfall step f), the last resort after the insurance fund and ADL: the
 * remaining loss is spread exactly (bigint, largest remainder, no unit lost) either across open
 * interest (Drift style) or among the day's winners, capped at each winner's realized P&L
 * (Deribit style). Each call returns the allocation and a record for the audit trail.
 */

export interface LossAllocation {
  readonly account: string;
  /** Share of the loss this account bears, ≥ 0, in the settlement currency's smallest units. */
  readonly amount: bigint;
}

export type SocializationMethod = 'open-interest' | 'daily-winners';

export interface SocializedLossRecord {
  readonly kind: 'socialized-loss';
  readonly method: SocializationMethod;
  readonly reason: string;
  readonly loss: bigint;
  /** Σ allocations. */
  readonly allocated: bigint;
  /** loss − allocated: nobody left to bear it (no open interest, or winners' P&L exhausted). */
  readonly uncovered: bigint;
  readonly evidence: {
    /** Σ weights: total |notional| or total positive realized P&L. */
    readonly basis: bigint;
    /** Accounts with a positive weight. */
    readonly participants: number;
    /** Haircut as an exact fraction allocated / basis (0/1 when no basis). */
    readonly haircutNum: bigint;
    readonly haircutDen: bigint;
    readonly market: string | null;
    readonly tsUs: number | null;
  };
}

export interface SocializeResult {
  readonly allocations: LossAllocation[];
  readonly record: SocializedLossRecord;
}

export interface SocializeContext {
  readonly reason?: string;
  readonly market?: string | null;
  readonly tsUs?: number;
}

function checkLoss(loss: bigint): void {
  if (loss < 0n) throw new BackstopError('BAD_ARGUMENT', 'loss must be ≥ 0', { loss: loss.toString() });
}

function checkUnique(accounts: readonly string[]): void {
  const seen = new Set<string>();
  for (const a of accounts) {
    if (seen.has(a)) throw new BackstopError('BAD_ARGUMENT', `duplicate account ${a}`, { account: a });
    seen.add(a);
  }
}

/** Splits min(loss, cap) by weights; each share ≤ its weight when the cap is Σ weights. */
function split(
  loss: bigint,
  accounts: readonly string[],
  weights: readonly bigint[],
  cap: bigint | null,
): { allocations: LossAllocation[]; allocated: bigint; basis: bigint; participants: number } {
  const basis = weights.reduce((s, w) => s + w, 0n);
  const participants = weights.filter((w) => w > 0n).length;
  const target = cap !== null && cap < loss ? cap : loss;
  if (basis === 0n || target === 0n) {
    return {
      allocations: accounts.map((account) => ({ account, amount: 0n })),
      allocated: 0n,
      basis,
      participants,
    };
  }
  const shares = allocate({ units: target, scale: 0, currency: 'LOSS' }, weights);
  const allocations = accounts.map((account, i) => ({
    account,
    amount: (shares[i] as { units: bigint }).units,
  }));
  return { allocations, allocated: target, basis, participants };
}

function record(
  method: SocializationMethod,
  defaultReason: string,
  loss: bigint,
  s: { allocated: bigint; basis: bigint; participants: number },
  ctx: SocializeContext,
): SocializedLossRecord {
  return {
    kind: 'socialized-loss',
    method,
    reason: ctx.reason ?? defaultReason,
    loss,
    allocated: s.allocated,
    uncovered: loss - s.allocated,
    evidence: {
      basis: s.basis,
      participants: s.participants,
      haircutNum: s.basis === 0n ? 0n : s.allocated,
      haircutDen: s.basis === 0n ? 1n : s.basis,
      market: ctx.market ?? null,
      tsUs: ctx.tsUs ?? null,
    },
  };
}

/**
 * Drift style: every open position bears the loss in proportion to its open interest (|notional|).
 * Accounts without open interest pay nothing; with no open interest at all the whole loss is
 * `uncovered`. See docs/concepts/adl-and-fund.md for how far the Drift mechanism was verified.
 */
export function socializeAcrossOpenInterest(
  loss: bigint,
  positions: readonly { account: string; notional: bigint }[],
  ctx: SocializeContext = {},
): SocializeResult {
  checkLoss(loss);
  checkUnique(positions.map((p) => p.account));
  const weights = positions.map((p) => (p.notional < 0n ? -p.notional : p.notional));
  const s = split(
    loss,
    positions.map((p) => p.account),
    weights,
    null,
  );
  return {
    allocations: s.allocations,
    record: record(
      'open-interest',
      'insurance fund and ADL exhausted: loss spread across open interest',
      loss,
      s,
      ctx,
    ),
  };
}

/**
 * Deribit style: the day's winners (realized P&L > 0) bear the loss in proportion to their
 * winnings, nobody above what they won; losers and flat accounts pay nothing. Whatever exceeds
 * the total winnings is `uncovered`.
 */
export function socializeAmongWinners(
  loss: bigint,
  pnl: readonly { account: string; realizedToday: bigint }[],
  ctx: SocializeContext = {},
): SocializeResult {
  checkLoss(loss);
  checkUnique(pnl.map((p) => p.account));
  const weights = pnl.map((p) => (p.realizedToday > 0n ? p.realizedToday : 0n));
  const basis = weights.reduce((a, w) => a + w, 0n);
  const s = split(
    loss,
    pnl.map((p) => p.account),
    weights,
    basis,
  );
  for (const [i, a] of s.allocations.entries()) {
    if (a.amount > (weights[i] as bigint)) {
      throw new BackstopError('INVARIANT', `socialized share above winnings for ${a.account}`);
    }
  }
  return {
    allocations: s.allocations,
    record: record(
      'daily-winners',
      'insurance fund exhausted: loss socialized among the day’s winners',
      loss,
      s,
      ctx,
    ),
  };
}
