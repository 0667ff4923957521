import { decodeBigint, encodeBigint } from '../../core/state-codec.ts';
import type { Ratio } from './config.ts';

/**
 * Proposals: what they ask for, their weight snapshot and votes, the pass rule and the status at a
 * given time. Pure data and functions; `Governance` owns the proposals and the clock.
 */

export type Support = 'for' | 'against' | 'abstain';
export const SUPPORTS: readonly Support[] = ['for', 'against', 'abstain'];

/** A change of one policy parameter; `path` is a dotted path the module does not interpret. */
export interface ParamChangeAction {
  readonly kind: 'param-change';
  readonly path: string;
  readonly value: number | string | boolean;
}

/** Authorization to deploy `amount` fund units beyond the policy's limits, for `purpose`. */
export interface AuthorizeDeploymentAction {
  readonly kind: 'authorize-deployment';
  readonly amount: bigint;
  readonly purpose: string;
}

export type ProposalAction = ParamChangeAction | AuthorizeDeploymentAction;

export type ProposalStatus = 'voting' | 'passed' | 'failed' | 'executed' | 'cancelled' | 'expired';

/** What an executed proposal hands to the engine, exactly once. */
export type GovernanceEffect =
  | {
      readonly kind: 'param-change';
      readonly proposalId: string;
      readonly path: string;
      readonly value: number | string | boolean;
      /** The change takes effect at this event time (the execution), not before. */
      readonly effectiveAtUs: number;
    }
  | {
      readonly kind: 'deployment-authorization';
      readonly proposalId: string;
      readonly amount: bigint;
      readonly purpose: string;
      readonly authorizedAtUs: number;
    };

export interface Vote {
  readonly support: Support;
  readonly weight: bigint;
  readonly tsUs: number;
}

/** A proposal as `Governance` keeps it (mutable in place: votes and the three end stamps). */
export interface Proposal {
  readonly id: string;
  readonly proposer: string;
  readonly action: ProposalAction;
  readonly createdAtUs: number;
  readonly votingEndsAtUs: number;
  readonly executableAtUs: number;
  readonly expiresAtUs: number;
  /** Unlocked shares per staker at creation (only those > 0). */
  readonly snapshot: ReadonlyMap<string, bigint>;
  readonly totalWeight: bigint;
  readonly votes: Map<string, Vote>;
  finalizedAtUs: number | null;
  executedAtUs: number | null;
  cancelledAtUs: number | null;
}

export interface Tally {
  readonly forWeight: bigint;
  readonly againstWeight: bigint;
  readonly abstainWeight: bigint;
  /** for + against + abstain. */
  readonly turnout: bigint;
  /** Σ snapshot weights. */
  readonly totalWeight: bigint;
  /** ceil(quorumFrac × totalWeight): the turnout needed. */
  readonly quorumNeeded: bigint;
  readonly quorumMet: boolean;
  /** for / (for + against) > majorityFrac, exactly (false when for + against = 0). */
  readonly majorityMet: boolean;
  readonly passes: boolean;
}

export interface PassRule {
  readonly quorum: Ratio;
  readonly majority: Ratio;
}

const ceilDiv = (n: bigint, d: bigint): bigint => (n + d - 1n) / d;

export function tally(p: Proposal, rule: PassRule): Tally {
  let f = 0n;
  let a = 0n;
  let ab = 0n;
  for (const v of p.votes.values()) {
    if (v.support === 'for') f += v.weight;
    else if (v.support === 'against') a += v.weight;
    else ab += v.weight;
  }
  const turnout = f + a + ab;
  const quorumNeeded = ceilDiv(rule.quorum.num * p.totalWeight, rule.quorum.den);
  const quorumMet = turnout >= quorumNeeded;
  const decided = f + a;
  const majorityMet = decided > 0n && f * rule.majority.den > rule.majority.num * decided;
  return {
    forWeight: f,
    againstWeight: a,
    abstainWeight: ab,
    turnout,
    totalWeight: p.totalWeight,
    quorumNeeded,
    quorumMet,
    majorityMet,
    passes: quorumMet && majorityMet,
  };
}

/**
 * Status at `tsUs`: executed / cancelled once so; voting in [createdAt, votingEndsAt); then failed
 * unless it passes; a passed proposal is expired from `expiresAt` = executableAt + gracePeriod.
 */
export function statusAt(p: Proposal, tsUs: number, rule: PassRule): ProposalStatus {
  if (p.executedAtUs !== null) return 'executed';
  if (p.cancelledAtUs !== null) return 'cancelled';
  if (tsUs < p.votingEndsAtUs) return 'voting';
  if (!tally(p, rule).passes) return 'failed';
  return tsUs >= p.expiresAtUs ? 'expired' : 'passed';
}

/** Read-only view of a proposal at a time. */
export interface ProposalView {
  readonly id: string;
  readonly proposer: string;
  readonly action: ProposalAction;
  readonly status: ProposalStatus;
  readonly createdAtUs: number;
  readonly votingEndsAtUs: number;
  readonly executableAtUs: number;
  readonly expiresAtUs: number;
  readonly tally: Tally;
  readonly voters: number;
  readonly finalizedAtUs: number | null;
  readonly executedAtUs: number | null;
  readonly cancelledAtUs: number | null;
}

export function viewOf(p: Proposal, tsUs: number, rule: PassRule): ProposalView {
  return {
    id: p.id,
    proposer: p.proposer,
    action: p.action,
    status: statusAt(p, tsUs, rule),
    createdAtUs: p.createdAtUs,
    votingEndsAtUs: p.votingEndsAtUs,
    executableAtUs: p.executableAtUs,
    expiresAtUs: p.expiresAtUs,
    tally: tally(p, rule),
    voters: p.votes.size,
    finalizedAtUs: p.finalizedAtUs,
    executedAtUs: p.executedAtUs,
    cancelledAtUs: p.cancelledAtUs,
  };
}

const PATH = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/;

/** Why an action is malformed (BAD_AMOUNT for the amount, BAD_INPUT otherwise), or null. */
export function actionProblem(
  action: ProposalAction,
): { readonly code: 'BAD_AMOUNT' | 'BAD_INPUT'; readonly message: string } | null {
  const input = (message: string) => ({ code: 'BAD_INPUT' as const, message });
  switch (action?.kind) {
    case 'param-change': {
      if (typeof action.path !== 'string' || !PATH.test(action.path)) {
        return input(
          `param-change path must be a dotted path like tiers.crisis.marginMultiplier, got ${JSON.stringify(action.path)}`,
        );
      }
      const v = action.value;
      if (typeof v === 'number' && !Number.isFinite(v))
        return input(`param-change value must be finite, got ${v}`);
      if (typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') {
        return input(`param-change value must be a number, string or boolean, got ${typeof v}`);
      }
      return null;
    }
    case 'authorize-deployment':
      if (typeof action.amount !== 'bigint' || action.amount <= 0n) {
        return {
          code: 'BAD_AMOUNT',
          message: `authorize-deployment amount must be a bigint > 0 units, got ${String(action.amount)}`,
        };
      }
      if (typeof action.purpose !== 'string' || action.purpose.trim() === '') {
        return input('authorize-deployment purpose must be a non-empty string');
      }
      return null;
    default:
      return input(
        `proposal kind must be param-change or authorize-deployment, got ${JSON.stringify((action as { kind?: unknown })?.kind)}`,
      );
  }
}

/** The action as stored: -0 becomes 0 (JSON cannot carry −0; a policy value does not need it). */
export function normalizeAction(action: ProposalAction): ProposalAction {
  if (action.kind === 'param-change') {
    const value = typeof action.value === 'number' && action.value === 0 ? 0 : action.value;
    return { kind: 'param-change', path: action.path, value };
  }
  return { kind: 'authorize-deployment', amount: action.amount, purpose: action.purpose };
}

/** Flat evidence fields describing an action. */
export function actionEvidence(action: ProposalAction): Record<string, string | number | boolean> {
  return action.kind === 'param-change'
    ? { action: action.kind, path: action.path, value: action.value }
    : { action: action.kind, amount: encodeBigint(action.amount), purpose: action.purpose };
}

export type ActionState =
  | { readonly kind: 'param-change'; readonly path: string; readonly value: number | string | boolean }
  | { readonly kind: 'authorize-deployment'; readonly amount: string; readonly purpose: string };

export interface ProposalState {
  readonly id: string;
  readonly proposer: string;
  readonly action: ActionState;
  readonly createdAtUs: number;
  readonly votingEndsAtUs: number;
  readonly executableAtUs: number;
  readonly expiresAtUs: number;
  /** [staker, weight], sorted by staker. */
  readonly snapshot: readonly (readonly [string, string])[];
  /** [staker, support, weight, tsUs], in vote order. */
  readonly votes: readonly (readonly [string, Support, string, number])[];
  readonly finalizedAtUs: number | null;
  readonly executedAtUs: number | null;
  readonly cancelledAtUs: number | null;
}

const byKey = (a: readonly [string, unknown], b: readonly [string, unknown]): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

export function encodeProposal(p: Proposal): ProposalState {
  const action: ActionState =
    p.action.kind === 'param-change'
      ? { kind: 'param-change', path: p.action.path, value: p.action.value }
      : { kind: 'authorize-deployment', amount: encodeBigint(p.action.amount), purpose: p.action.purpose };
  return {
    id: p.id,
    proposer: p.proposer,
    action,
    createdAtUs: p.createdAtUs,
    votingEndsAtUs: p.votingEndsAtUs,
    executableAtUs: p.executableAtUs,
    expiresAtUs: p.expiresAtUs,
    snapshot: [...p.snapshot].sort(byKey).map(([s, w]) => [s, encodeBigint(w)] as const),
    votes: [...p.votes].map(([s, v]) => [s, v.support, encodeBigint(v.weight), v.tsUs] as const),
    finalizedAtUs: p.finalizedAtUs,
    executedAtUs: p.executedAtUs,
    cancelledAtUs: p.cancelledAtUs,
  };
}

function ts(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw new RangeError(`state: bad ${what} ${String(v)}`);
  return v;
}

function nullableTs(v: unknown, what: string): number | null {
  return v === null ? null : ts(v, what);
}

/** Inverse of `encodeProposal`; throws a RangeError on malformed data. */
export function decodeProposal(s: ProposalState): Proposal {
  const where = `proposal ${JSON.stringify(s.id)}`;
  if (typeof s.id !== 'string' || s.id === '' || typeof s.proposer !== 'string') {
    throw new RangeError(`state: ${where}: bad id or proposer`);
  }
  const action: ProposalAction =
    s.action.kind === 'authorize-deployment'
      ? { kind: 'authorize-deployment', amount: decodeBigint(s.action.amount), purpose: s.action.purpose }
      : { kind: 'param-change', path: s.action.path, value: s.action.value };
  const problem = actionProblem(action);
  if (problem !== null) throw new RangeError(`state: ${where}: ${problem.message}`);
  const snapshot = new Map<string, bigint>();
  for (const [staker, w] of s.snapshot) snapshot.set(staker, decodeBigint(w));
  const votes = new Map<string, Vote>();
  for (const [staker, support, w, t] of s.votes) {
    if (!SUPPORTS.includes(support)) throw new RangeError(`state: ${where}: bad support ${String(support)}`);
    if (votes.has(staker)) throw new RangeError(`state: ${where}: two votes by ${staker}`);
    votes.set(staker, { support, weight: decodeBigint(w), tsUs: ts(t, 'vote time') });
  }
  return {
    id: s.id,
    proposer: s.proposer,
    action,
    createdAtUs: ts(s.createdAtUs, 'createdAtUs'),
    votingEndsAtUs: ts(s.votingEndsAtUs, 'votingEndsAtUs'),
    executableAtUs: ts(s.executableAtUs, 'executableAtUs'),
    expiresAtUs: ts(s.expiresAtUs, 'expiresAtUs'),
    snapshot,
    totalWeight: [...snapshot.values()].reduce((a, w) => a + w, 0n),
    votes,
    finalizedAtUs: nullableTs(s.finalizedAtUs, 'finalizedAtUs'),
    executedAtUs: nullableTs(s.executedAtUs, 'executedAtUs'),
    cancelledAtUs: nullableTs(s.cancelledAtUs, 'cancelledAtUs'),
  };
}
