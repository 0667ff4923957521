import { SeededRng } from '../../core/rng.ts';
import type { Governance } from './governance.ts';
import type { ProposalAction, Support } from './proposals.ts';
import type { GovResult } from './records.ts';

/**
 * A seeded random workload for the governance property and state tests: stakes, fee income,
 * deficits (slashes), unstake requests and claims, proposals, votes, finalizations, executions and
 * cancellations, with time mostly moving forward (sometimes standing still, now and then going
 * back, which must be refused). The fund's value V is kept here, as the ledger would keep it.
 */

export const WORKLOAD_STAKERS = ['alice', 'bob', 'carol', 'dave', 'venue'] as const;
const SUPPORT: readonly Support[] = ['for', 'against', 'abstain'];

export type GovOp =
  | { readonly op: 'stake'; readonly staker: string; readonly amount: bigint; readonly tsUs: number }
  | { readonly op: 'fees'; readonly amount: bigint }
  | { readonly op: 'slash'; readonly permille: number; readonly tsUs: number }
  | { readonly op: 'unstake'; readonly staker: string; readonly permille: number; readonly tsUs: number }
  | { readonly op: 'claim'; readonly staker: string; readonly tsUs: number }
  | { readonly op: 'propose'; readonly id: string; readonly proposer: string; readonly tsUs: number }
  | {
      readonly op: 'vote';
      readonly id: string;
      readonly staker: string;
      readonly support: Support;
      readonly tsUs: number;
    }
  | { readonly op: 'finalize'; readonly id: string; readonly tsUs: number }
  | { readonly op: 'execute'; readonly id: string; readonly tsUs: number }
  | { readonly op: 'cancel'; readonly id: string; readonly by: string; readonly tsUs: number };

/** `n` ops from `seed`, starting at `startUs`; proposal ids p0, p1, … */
export function governanceOps(seed: number, n: number, startUs: number): GovOp[] {
  const rng = new SeededRng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[rng.nextInt(0, xs.length - 1)]!;
  const out: GovOp[] = [];
  let ts = startUs;
  let proposals = 0;
  // Mostly one of the latest proposals (still voting or in its timelock), now and then any id.
  const someId = () =>
    `p${rng.nextFloat() < 0.85 ? Math.max(0, proposals - rng.nextInt(1, 3)) : rng.nextInt(0, proposals)}`;
  for (let i = 0; i < n; i++) {
    const u = rng.nextFloat();
    ts += u < 0.15 ? 0 : u < 0.18 ? -rng.nextInt(1, 50) : rng.nextInt(1, 400);
    const k = rng.nextInt(0, 99);
    const staker = pick(WORKLOAD_STAKERS);
    if (k < 22) {
      const big = rng.nextFloat() < 0.2;
      const amount = BigInt(rng.nextInt(1, big ? 1_000_000_000 : 5_000));
      out.push({ op: 'stake', staker, amount: big ? amount * 1_000_000_000n : amount, tsUs: ts });
    } else if (k < 30) out.push({ op: 'fees', amount: BigInt(rng.nextInt(1, 3_000)) });
    else if (k < 40) out.push({ op: 'slash', permille: rng.nextInt(0, 1_000), tsUs: ts });
    else if (k < 50) out.push({ op: 'unstake', staker, permille: rng.nextInt(0, 1_000), tsUs: ts });
    else if (k < 60) out.push({ op: 'claim', staker, tsUs: ts });
    else if (k < 66) out.push({ op: 'propose', id: `p${proposals++}`, proposer: staker, tsUs: ts });
    else if (k < 84) out.push({ op: 'vote', id: someId(), staker, support: pick(SUPPORT), tsUs: ts });
    else if (k < 89) out.push({ op: 'finalize', id: someId(), tsUs: ts });
    else if (k < 96) out.push({ op: 'execute', id: someId(), tsUs: ts });
    else out.push({ op: 'cancel', id: someId(), by: staker, tsUs: ts });
  }
  return out;
}

/** The fund as the ledger sees it. */
export interface FundLedger {
  value: bigint;
}

/** Applies one op; V follows (stake in, payout out, slash drop, fees in). Returns the call's result. */
export function applyGovOp(g: Governance, fund: FundLedger, op: GovOp): GovResult<unknown> | null {
  switch (op.op) {
    case 'stake': {
      const r = g.stake(op.staker, op.amount, fund.value, op.tsUs);
      if (r.ok) fund.value += op.amount;
      return r;
    }
    case 'fees':
      fund.value += op.amount;
      return null;
    case 'slash': {
      const after = fund.value - (fund.value * BigInt(op.permille)) / 1_000n;
      const r = g.slashReport(fund.value, after, op.tsUs);
      if (r.ok) fund.value = after;
      return r;
    }
    case 'unstake': {
      const shares = (g.stakerShares(op.staker).unlocked * BigInt(op.permille)) / 1_000n;
      return g.requestUnstake(op.staker, shares, op.tsUs);
    }
    case 'claim': {
      const r = g.claimUnstake(op.staker, fund.value, op.tsUs);
      if (r.ok) fund.value -= r.value.payout;
      return r;
    }
    case 'propose': {
      const action: ProposalAction =
        op.id.length % 2 === 0
          ? { kind: 'param-change', path: 'tiers.crisis.marginMultiplier', value: op.tsUs % 7 }
          : { kind: 'authorize-deployment', amount: BigInt(op.tsUs % 100_000) + 1n, purpose: op.id };
      return g.propose(op.id, op.proposer, action, op.tsUs);
    }
    case 'vote':
      return g.vote(op.id, op.staker, op.support, op.tsUs);
    case 'finalize':
      return g.finalize(op.id, op.tsUs);
    case 'execute':
      return g.execute(op.id, op.tsUs);
    case 'cancel':
      return g.cancel(op.id, op.by, op.tsUs);
  }
}
