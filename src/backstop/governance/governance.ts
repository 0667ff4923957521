import { assertSameConfig, canonicalData, encodeBigint, type JsonValue } from '../../core/state-codec.ts';
import { exactRatio, type GovernanceConfig, validateGovernanceConfig } from './config.ts';
import {
  actionEvidence,
  actionProblem,
  decodeProposal,
  encodeProposal,
  type GovernanceEffect,
  normalizeAction,
  type PassRule,
  type Proposal,
  type ProposalAction,
  type ProposalState,
  type ProposalView,
  SUPPORTS,
  type Support,
  statusAt,
  type Tally,
  tally,
  viewOf,
} from './proposals.ts';
import {
  type GovernanceError,
  type GovernanceEvidence,
  type GovernanceRecord,
  type GovResult,
  reject,
  timeText,
} from './records.ts';
import {
  StakeBook,
  type StakerLoss,
  type StakerShares,
  type StakerState,
  type UnstakeRequest,
  valueOfShares,
} from './staking.ts';

/**
 * Fund governance (docs/concepts/governance.md): stakers own the insurance / backstop fund by
 * shares, unstake after a cooldown, bear deficits pro rata; proposals change policy parameters or
 * authorize deployments beyond limits through stake-weighted votes, quorum, majority and a
 * timelock. Deterministic and pure: time is the caller's event time in µs (never backwards), the
 * fund's value V is read from the ledger by the caller at each call. Every accepted call returns a
 * `GovernanceRecord` for the journal; every refused call returns a typed rejection and changes
 * nothing.
 */

export interface StakeOutcome {
  /** Shares minted to the staker: floor(amount × T / V), or `amount` when T = 0. */
  readonly shares: bigint;
  /** Shares first minted to `venue` for value held with no shares (0n if none). */
  readonly venueShares: bigint;
  /** Worthless shares cancelled first because V was 0 with shares outstanding (0n if none). */
  readonly wipedShares: bigint;
  readonly record: GovernanceRecord;
}

export interface UnstakeRequestOutcome {
  readonly request: UnstakeRequest;
  readonly record: GovernanceRecord;
}

export interface ClaimOutcome {
  /** Shares burned (every matured request of the staker). */
  readonly shares: bigint;
  /** Units to pay the staker out of the fund: floor(shares × V / T). */
  readonly payout: bigint;
  readonly record: GovernanceRecord;
}

export interface SlashOutcome {
  readonly drop: bigint;
  /** Per staker (sorted), summing exactly to `drop`. */
  readonly losses: readonly StakerLoss[];
  readonly record: GovernanceRecord;
}

export interface ProposeOutcome {
  readonly proposal: ProposalView;
  readonly record: GovernanceRecord;
}

export interface VoteOutcome {
  readonly weight: bigint;
  readonly tally: Tally;
  readonly record: GovernanceRecord;
}

export interface FinalizeOutcome {
  readonly status: 'passed' | 'failed';
  readonly tally: Tally;
  readonly record: GovernanceRecord;
}

export interface ExecuteOutcome {
  readonly effect: GovernanceEffect;
  readonly record: GovernanceRecord;
}

export interface CancelOutcome {
  readonly record: GovernanceRecord;
}

/** Snapshot of a Governance as plain JSON data; bigints as decimal strings. */
export interface GovernanceState {
  readonly version: 1;
  /** The config in canonical form, checked on restore. */
  readonly config: JsonValue;
  readonly lastTsUs: number | null;
  readonly stakers: readonly StakerState[];
  /** In creation order. */
  readonly proposals: readonly ProposalState[];
}

const big = encodeBigint;

function tallyEvidence(t: Tally): Record<string, string | boolean> {
  return {
    forWeight: big(t.forWeight),
    againstWeight: big(t.againstWeight),
    abstainWeight: big(t.abstainWeight),
    turnout: big(t.turnout),
    totalWeight: big(t.totalWeight),
    quorumNeeded: big(t.quorumNeeded),
    quorumMet: t.quorumMet,
    majorityMet: t.majorityMet,
  };
}

function badId(what: string, id: unknown): GovernanceError | null {
  return typeof id === 'string' && id.trim() !== ''
    ? null
    : { code: 'BAD_INPUT', message: `${what} must be a non-empty string, got ${JSON.stringify(id)}` };
}

function badUnits(what: string, x: unknown, min: 0n | 1n): GovernanceError | null {
  if (typeof x === 'bigint' && x >= min) return null;
  const need = min === 0n ? '≥ 0' : '> 0';
  return { code: 'BAD_AMOUNT', message: `${what} must be a bigint ${need} units, got ${String(x)}` };
}

export class Governance {
  readonly config: GovernanceConfig;
  private readonly rule: PassRule;
  private readonly book = new StakeBook();
  private readonly props = new Map<string, Proposal>();
  private lastTs: number | null = null;

  /** Throws a `BAD_CONFIG` BackstopError on an invalid config (see `validateGovernanceConfig`). */
  constructor(config: GovernanceConfig) {
    this.config = Object.freeze({ ...validateGovernanceConfig(config) });
    this.rule = { quorum: exactRatio(config.quorumFrac), majority: exactRatio(config.majorityFrac) };
  }

  // ── clock ──────────────────────────────────────────────────────────────────────────────────

  /** Time of the last accepted call, or null before the first. */
  get lastTsUs(): number | null {
    return this.lastTs;
  }

  private timeProblem(tsUs: number): GovernanceError | null {
    if (typeof tsUs !== 'number' || !Number.isSafeInteger(tsUs)) {
      return { code: 'BAD_TIME', message: `event time must be an integer µs, got ${String(tsUs)}` };
    }
    if (this.lastTs !== null && tsUs < this.lastTs) {
      return {
        code: 'TIME_BACKWARDS',
        message: `time went backwards: ${timeText(tsUs)} is before the last accepted call at ${timeText(this.lastTs)}`,
      };
    }
    return null;
  }

  private accept(
    kind: GovernanceRecord['kind'],
    tsUs: number,
    reason: string,
    evidence: GovernanceEvidence,
  ): GovernanceRecord {
    this.lastTs = tsUs;
    return { kind, tsUs, reason, evidence };
  }

  // ── staking ────────────────────────────────────────────────────────────────────────────────

  /**
   * Mints shares for `amount` units at the price V / T, where V = `fundValueBefore` is the fund's
   * value before this deposit. The caller then moves `amount` into the fund on the ledger.
   */
  stake(staker: string, amount: bigint, fundValueBefore: bigint, tsUs: number): GovResult<StakeOutcome> {
    const problem =
      this.timeProblem(tsUs) ??
      badId('staker', staker) ??
      badUnits('stake amount', amount, 1n) ??
      badUnits('fund value', fundValueBefore, 0n);
    if (problem !== null) return { ok: false, error: problem };
    const plan = this.book.planStake(amount, fundValueBefore);
    if (plan.minted === 0n) {
      return reject(
        'BAD_AMOUNT',
        `stake of ${amount} units buys no share at the price ${fundValueBefore} units / ${plan.sharesBefore} shares`,
      );
    }
    const stakerBefore = this.book.sharesOf(staker).shares;
    this.book.applyStake(staker, plan);
    const record = this.accept('governance-stake', tsUs, 'staked', {
      staker,
      amount: big(amount),
      fundValueBefore: big(fundValueBefore),
      totalSharesBefore: big(plan.sharesBefore),
      sharesMinted: big(plan.minted),
      stakerSharesBefore: big(plan.wipedShares > 0n ? 0n : stakerBefore),
      stakerSharesAfter: big(this.book.sharesOf(staker).shares),
      totalSharesAfter: big(this.book.totalShares),
      venueSharesMinted: big(plan.venueShares),
      sharesWiped: big(plan.wipedShares),
      stakersWiped: plan.wipedStakers,
    });
    return {
      ok: true,
      value: { shares: plan.minted, venueShares: plan.venueShares, wipedShares: plan.wipedShares, record },
    };
  }

  /** Locks `shares` of the staker's unlocked shares; claimable from tsUs + unstakeCooldownUs. */
  requestUnstake(staker: string, shares: bigint, tsUs: number): GovResult<UnstakeRequestOutcome> {
    const problem = this.timeProblem(tsUs) ?? badId('staker', staker) ?? badUnits('shares', shares, 1n);
    if (problem !== null) return { ok: false, error: problem };
    const held = this.book.sharesOf(staker);
    if (held.shares === 0n) return reject('NO_STAKE', `staker ${staker} holds no shares`);
    if (shares > held.unlocked) {
      return reject(
        'INSUFFICIENT_SHARES',
        `staker ${staker} asked to unstake ${shares} shares but holds ${held.unlocked} unlocked (${held.locked} already locked)`,
      );
    }
    const request: UnstakeRequest = {
      shares,
      requestedAtUs: tsUs,
      readyAtUs: tsUs + this.config.unstakeCooldownUs,
    };
    this.book.lock(staker, request);
    const record = this.accept('governance-unstake-request', tsUs, 'unstake-requested', {
      staker,
      shares: big(shares),
      cooldownUs: this.config.unstakeCooldownUs,
      readyAtUs: request.readyAtUs,
      lockedAfter: big(held.locked + shares),
      unlockedAfter: big(held.unlocked - shares),
    });
    return { ok: true, value: { request, record } };
  }

  /**
   * Burns every matured unstake request of the staker and returns the units to pay out:
   * floor(shares × V / T) with V = `fundValue` now (the remainder stays in the fund).
   */
  claimUnstake(staker: string, fundValue: bigint, tsUs: number): GovResult<ClaimOutcome> {
    const problem =
      this.timeProblem(tsUs) ?? badId('staker', staker) ?? badUnits('fund value', fundValue, 0n);
    if (problem !== null) return { ok: false, error: problem };
    const pending = this.book.requests(staker);
    if (pending.length === 0) return reject('NO_UNSTAKE_REQUEST', `staker ${staker} has no unstake request`);
    const matured = this.book.matured(staker, tsUs);
    if (matured.length === 0) {
      const first = Math.min(...pending.map((r) => r.readyAtUs));
      return reject(
        'COOLDOWN_NOT_ELAPSED',
        `staker ${staker}: unstake cooldown ends at ${timeText(first)}; now ${timeText(tsUs)}`,
      );
    }
    const totalBefore = this.book.totalShares;
    const shares = matured.reduce((s, r) => s + r.shares, 0n);
    const payout = valueOfShares(shares, fundValue, totalBefore);
    this.book.burnMatured(staker, tsUs);
    const record = this.accept('governance-unstake-claim', tsUs, 'unstake-claimed', {
      staker,
      sharesBurned: big(shares),
      requestsClaimed: matured.length,
      fundValue: big(fundValue),
      totalSharesBefore: big(totalBefore),
      payout: big(payout),
      fundValueAfter: big(fundValue - payout),
      totalSharesAfter: big(this.book.totalShares),
      stillLocked: big(this.book.sharesOf(staker).locked),
    });
    return { ok: true, value: { shares, payout, record } };
  }

  /**
   * The fund fell from `fundValueBefore` to `fundValueAfter` (it covered a deficit): each staker's
   * share of the drop, locked shares included, by largest remainder so it sums exactly. Shares do
   * not change — the loss is already in V — this is the auditable account of who bore it.
   */
  slashReport(fundValueBefore: bigint, fundValueAfter: bigint, tsUs: number): GovResult<SlashOutcome> {
    const problem =
      this.timeProblem(tsUs) ??
      badUnits('fund value before', fundValueBefore, 0n) ??
      badUnits('fund value after', fundValueAfter, 0n);
    if (problem !== null) return { ok: false, error: problem };
    if (fundValueAfter >= fundValueBefore) {
      return reject(
        'BAD_AMOUNT',
        `a slash needs the fund to fall; value before ${fundValueBefore}, after ${fundValueAfter}`,
      );
    }
    const drop = fundValueBefore - fundValueAfter;
    const losses = this.book.lossAllocation(drop);
    const evidence: Record<string, string | number> = {
      fundValueBefore: big(fundValueBefore),
      fundValueAfter: big(fundValueAfter),
      drop: big(drop),
      totalShares: big(this.book.totalShares),
      stakers: losses.length,
    };
    for (const l of losses) {
      evidence[`shares:${l.staker}`] = big(l.shares);
      evidence[`loss:${l.staker}`] = big(l.loss);
    }
    const record = this.accept('governance-slash', tsUs, 'fund-covered-deficit', evidence);
    return { ok: true, value: { drop, losses, record } };
  }

  // ── proposals ──────────────────────────────────────────────────────────────────────────────

  /** Opens a proposal; the proposer needs ≥ minProposalShares unlocked shares. Voting starts now. */
  propose(id: string, proposer: string, action: ProposalAction, tsUs: number): GovResult<ProposeOutcome> {
    const problem = this.timeProblem(tsUs) ?? badId('proposal id', id) ?? badId('proposer', proposer);
    if (problem !== null) return { ok: false, error: problem };
    const actionBad = actionProblem(action);
    if (actionBad !== null) return reject(actionBad.code, actionBad.message);
    if (this.props.has(id)) return reject('DUPLICATE_PROPOSAL', `proposal ${id} already exists`);
    const held = this.book.sharesOf(proposer);
    const min = this.config.minProposalShares;
    if (held.unlocked < min) {
      return reject(
        held.shares === 0n ? 'NO_STAKE' : 'INSUFFICIENT_SHARES',
        `proposer ${proposer} holds ${held.unlocked} unlocked shares; a proposal needs ${min}`,
      );
    }
    const snapshot = this.book.unlockedSnapshot();
    const votingEndsAtUs = tsUs + this.config.votingPeriodUs;
    const executableAtUs = votingEndsAtUs + this.config.timelockUs;
    const p: Proposal = {
      id,
      proposer,
      action: normalizeAction(action),
      createdAtUs: tsUs,
      votingEndsAtUs,
      executableAtUs,
      expiresAtUs: executableAtUs + this.config.gracePeriodUs,
      snapshot,
      totalWeight: [...snapshot.values()].reduce((a, w) => a + w, 0n),
      votes: new Map(),
      finalizedAtUs: null,
      executedAtUs: null,
      cancelledAtUs: null,
    };
    this.props.set(id, p);
    const t = tally(p, this.rule);
    const record = this.accept('governance-proposal-created', tsUs, 'proposal-created', {
      proposalId: id,
      proposer,
      ...actionEvidence(p.action),
      proposerShares: big(held.unlocked),
      minProposalShares: big(min),
      snapshotStakers: snapshot.size,
      totalWeight: big(p.totalWeight),
      quorumNeeded: big(t.quorumNeeded),
      quorumFrac: this.config.quorumFrac,
      majorityFrac: this.config.majorityFrac,
      votingEndsAtUs,
      executableAtUs,
      expiresAtUs: p.expiresAtUs,
    });
    return { ok: true, value: { proposal: viewOf(p, tsUs, this.rule), record } };
  }

  private find(id: string): Proposal | GovernanceError {
    const p = this.props.get(id);
    return p ?? { code: 'UNKNOWN_PROPOSAL', message: `no proposal ${JSON.stringify(id)}` };
  }

  /**
   * One vote per staker while voting is open. Weight = min(unlocked shares in the proposal's
   * snapshot, unlocked shares now): shares bought after creation do not count, locked ones do not vote.
   */
  vote(proposalId: string, staker: string, support: Support, tsUs: number): GovResult<VoteOutcome> {
    const problem = this.timeProblem(tsUs) ?? badId('staker', staker);
    if (problem !== null) return { ok: false, error: problem };
    const p = this.find(proposalId);
    if ('code' in p) return { ok: false, error: p };
    if (!SUPPORTS.includes(support)) {
      return reject('BAD_INPUT', `support must be for, against or abstain, got ${JSON.stringify(support)}`);
    }
    if (p.cancelledAtUs !== null) {
      return reject('CANCELLED', `proposal ${p.id} was cancelled at ${timeText(p.cancelledAtUs)}`);
    }
    if (tsUs >= p.votingEndsAtUs) {
      return reject(
        'VOTING_CLOSED',
        `proposal ${p.id}: voting closed at ${timeText(p.votingEndsAtUs)}; now ${timeText(tsUs)}`,
      );
    }
    const previous = p.votes.get(staker);
    if (previous !== undefined) {
      return reject(
        'ALREADY_VOTED',
        `staker ${staker} already voted ${previous.support} on proposal ${p.id} at ${timeText(previous.tsUs)}`,
      );
    }
    const snap = p.snapshot.get(staker) ?? 0n;
    if (snap === 0n) {
      return reject(
        'NO_STAKE',
        `staker ${staker} held no unlocked shares when proposal ${p.id} was created at ${timeText(p.createdAtUs)}`,
      );
    }
    const unlocked = this.book.sharesOf(staker).unlocked;
    const weight = snap < unlocked ? snap : unlocked;
    if (weight === 0n) {
      return reject('NO_STAKE', `staker ${staker} has no unlocked shares now (snapshot weight ${snap})`);
    }
    p.votes.set(staker, { support, weight, tsUs });
    const t = tally(p, this.rule);
    const record = this.accept('governance-vote', tsUs, `voted-${support}`, {
      proposalId: p.id,
      staker,
      support,
      weight: big(weight),
      snapshotWeight: big(snap),
      unlockedNow: big(unlocked),
      ...tallyEvidence(t),
      votingEndsAtUs: p.votingEndsAtUs,
    });
    return { ok: true, value: { weight, tally: t, record } };
  }

  /** Records the outcome of a vote once voting has ended (for the audit log; optional for execute). */
  finalize(proposalId: string, tsUs: number): GovResult<FinalizeOutcome> {
    const problem = this.timeProblem(tsUs);
    if (problem !== null) return { ok: false, error: problem };
    const p = this.find(proposalId);
    if ('code' in p) return { ok: false, error: p };
    const gate = this.closedGate(p, tsUs);
    if (gate !== null) return { ok: false, error: gate };
    if (p.finalizedAtUs !== null) {
      return reject('ALREADY_FINALIZED', `proposal ${p.id} was finalized at ${timeText(p.finalizedAtUs)}`);
    }
    const t = tally(p, this.rule);
    p.finalizedAtUs = tsUs;
    const reason = t.passes
      ? 'proposal-passed'
      : !t.quorumMet
        ? 'proposal-failed-quorum'
        : 'proposal-failed-majority';
    const record = this.accept('governance-proposal-finalized', tsUs, reason, {
      proposalId: p.id,
      ...actionEvidence(p.action),
      ...tallyEvidence(t),
      quorumFrac: this.config.quorumFrac,
      majorityFrac: this.config.majorityFrac,
      votingEndsAtUs: p.votingEndsAtUs,
      executableAtUs: t.passes ? p.executableAtUs : null,
      expiresAtUs: t.passes ? p.expiresAtUs : null,
    });
    return { ok: true, value: { status: t.passes ? 'passed' : 'failed', tally: t, record } };
  }

  /** Refusals shared by finalize and execute: executed, cancelled, still voting. */
  private closedGate(p: Proposal, tsUs: number): GovernanceError | null {
    if (p.executedAtUs !== null) {
      return {
        code: 'ALREADY_EXECUTED',
        message: `proposal ${p.id} was executed at ${timeText(p.executedAtUs)}`,
      };
    }
    if (p.cancelledAtUs !== null) {
      return { code: 'CANCELLED', message: `proposal ${p.id} was cancelled at ${timeText(p.cancelledAtUs)}` };
    }
    if (tsUs < p.votingEndsAtUs) {
      return {
        code: 'VOTING_OPEN',
        message: `proposal ${p.id}: voting ends at ${timeText(p.votingEndsAtUs)}; now ${timeText(tsUs)}`,
      };
    }
    return null;
  }

  /**
   * Executes a passed proposal inside [executableAt, expiresAt) and returns its effect, exactly once.
   * A param change takes effect at `tsUs`, the execution, never before.
   */
  execute(proposalId: string, tsUs: number): GovResult<ExecuteOutcome> {
    const problem = this.timeProblem(tsUs);
    if (problem !== null) return { ok: false, error: problem };
    const p = this.find(proposalId);
    if ('code' in p) return { ok: false, error: p };
    const gate = this.closedGate(p, tsUs);
    if (gate !== null) return { ok: false, error: gate };
    const t = tally(p, this.rule);
    if (!t.quorumMet) {
      return reject(
        'QUORUM_NOT_MET',
        `proposal ${p.id} failed: turnout ${t.turnout} of ${t.totalWeight} snapshot shares; quorum needs ${t.quorumNeeded} (quorumFrac ${this.config.quorumFrac})`,
      );
    }
    if (!t.majorityMet) {
      return reject(
        'MAJORITY_NOT_MET',
        `proposal ${p.id} failed: for ${t.forWeight}, against ${t.againstWeight}; for / (for + against) must exceed ${this.config.majorityFrac}`,
      );
    }
    if (tsUs < p.executableAtUs) {
      return reject(
        'TIMELOCK_NOT_ELAPSED',
        `proposal ${p.id}: timelock ends at ${timeText(p.executableAtUs)}; now ${timeText(tsUs)}`,
      );
    }
    if (tsUs >= p.expiresAtUs) {
      return reject(
        'EXPIRED',
        `proposal ${p.id}: execution window closed at ${timeText(p.expiresAtUs)}; now ${timeText(tsUs)}`,
      );
    }
    p.executedAtUs = tsUs;
    const a = p.action;
    const effect: GovernanceEffect =
      a.kind === 'param-change'
        ? { kind: 'param-change', proposalId: p.id, path: a.path, value: a.value, effectiveAtUs: tsUs }
        : {
            kind: 'deployment-authorization',
            proposalId: p.id,
            amount: a.amount,
            purpose: a.purpose,
            authorizedAtUs: tsUs,
          };
    const record = this.accept(
      'governance-proposal-executed',
      tsUs,
      a.kind === 'param-change' ? 'param-change-executed' : 'deployment-authorized',
      {
        proposalId: p.id,
        proposer: p.proposer,
        ...actionEvidence(a),
        ...tallyEvidence(t),
        votingEndsAtUs: p.votingEndsAtUs,
        executableAtUs: p.executableAtUs,
        expiresAtUs: p.expiresAtUs,
      },
    );
    return { ok: true, value: { effect, record } };
  }

  /** The proposer withdraws a proposal that is still voting or passed (not executed, failed or expired). */
  cancel(proposalId: string, by: string, tsUs: number): GovResult<CancelOutcome> {
    const problem = this.timeProblem(tsUs) ?? badId('canceller', by);
    if (problem !== null) return { ok: false, error: problem };
    const p = this.find(proposalId);
    if ('code' in p) return { ok: false, error: p };
    if (by !== p.proposer) {
      return reject('NOT_PROPOSER', `only proposer ${p.proposer} may cancel proposal ${p.id}, not ${by}`);
    }
    const status = statusAt(p, tsUs, this.rule);
    if (status === 'executed') {
      return reject('ALREADY_EXECUTED', `proposal ${p.id} was executed at ${timeText(p.executedAtUs!)}`);
    }
    if (status === 'cancelled') {
      return reject('CANCELLED', `proposal ${p.id} was cancelled at ${timeText(p.cancelledAtUs!)}`);
    }
    if (status === 'failed' || status === 'expired') {
      return reject('NOT_CANCELLABLE', `proposal ${p.id} is ${status} at ${timeText(tsUs)}`);
    }
    p.cancelledAtUs = tsUs;
    const record = this.accept('governance-proposal-cancelled', tsUs, 'proposal-cancelled', {
      proposalId: p.id,
      proposer: p.proposer,
      statusBefore: status,
      ...actionEvidence(p.action),
    });
    return { ok: true, value: { record } };
  }

  // ── queries ────────────────────────────────────────────────────────────────────────────────

  get totalShares(): bigint {
    return this.book.totalShares;
  }

  /** floor(shares × V / T); with no shares outstanding the whole V is the venue's. */
  stakerValue(staker: string, fundValue: bigint): bigint {
    return this.book.valueOf(staker, fundValue);
  }

  stakerShares(staker: string): StakerShares {
    return this.book.sharesOf(staker);
  }

  unstakeRequests(staker: string): readonly UnstakeRequest[] {
    return this.book.requests(staker);
  }

  /** Stakers holding shares, sorted by id. */
  stakers(): string[] {
    return this.book.stakers();
  }

  /** The proposal with its status and tally at `tsUs`, or null. */
  proposal(id: string, tsUs: number): ProposalView | null {
    const p = this.props.get(id);
    return p === undefined ? null : viewOf(p, tsUs, this.rule);
  }

  /** Proposal ids in creation order. */
  proposalIds(): string[] {
    return [...this.props.keys()];
  }

  // ── state ──────────────────────────────────────────────────────────────────────────────────

  exportState(): GovernanceState {
    return {
      version: 1,
      config: canonicalData(this.config),
      lastTsUs: this.lastTs,
      stakers: this.book.exportState(),
      proposals: [...this.props.values()].map(encodeProposal),
    };
  }

  /**
   * Replaces all state by one from `exportState`. Throws (and changes nothing) when the state was
   * exported under another config or is malformed.
   */
  restoreState(s: GovernanceState): void {
    if (s.version !== 1) throw new RangeError(`governance state: unknown version ${String(s.version)}`);
    assertSameConfig('governance', this.config, s.config);
    if (s.lastTsUs !== null && !Number.isSafeInteger(s.lastTsUs)) {
      throw new RangeError(`governance state: bad lastTsUs ${String(s.lastTsUs)}`);
    }
    const scratch = new StakeBook();
    scratch.restoreState(s.stakers);
    const props = new Map<string, Proposal>();
    for (const ps of s.proposals) {
      const p = decodeProposal(ps);
      if (props.has(p.id)) throw new RangeError(`governance state: duplicate proposal ${p.id}`);
      props.set(p.id, p);
    }
    this.book.restoreState(s.stakers);
    this.props.clear();
    for (const [id, p] of props) this.props.set(id, p);
    this.lastTs = s.lastTsUs;
  }
}
