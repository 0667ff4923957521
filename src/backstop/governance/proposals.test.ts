import { describe, expect, it } from 'vitest';
import { BackstopError } from '../../core/errors.ts';
import { defaultGovernanceConfig, exactRatio } from './config.ts';
import { Governance } from './governance.ts';
import type { GovernanceEffect, ProposalAction } from './proposals.ts';
import { must, newGov, refused, T0, TEST_CONFIG } from './test-helpers.ts';

// TEST_CONFIG: voting 1000 µs, timelock 500 µs, grace 200 µs, quorum 0.5, majority 0.5.
// Stakers a = 100, b = 200, c = 300 shares (price 1), T = 600, so a proposal created at T0 has
// total weight 600, quorum needed ceil(0.5 × 600) = 300, voting ends T0+1000, executable from
// T0+1500, expired from T0+1700.
const ENDS = T0 + 1_000;
const EXECUTABLE = T0 + 1_500;
const EXPIRES = T0 + 1_700;

const CHANGE: ProposalAction = { kind: 'param-change', path: 'tiers.crisis.marginMultiplier', value: 2 };

function setup(): Governance {
  const g = newGov();
  must(g.stake('a', 100n, 0n, T0));
  must(g.stake('b', 200n, 100n, T0));
  must(g.stake('c', 300n, 300n, T0));
  return g;
}

function passed(action: ProposalAction = CHANGE): Governance {
  const g = setup();
  must(g.propose('p1', 'a', action, T0));
  must(g.vote('p1', 'a', 'for', T0 + 1));
  must(g.vote('p1', 'b', 'for', T0 + 2)); // turnout 300 = quorum; for 300 / (300 + 0) > 0.5
  return g;
}

describe('proposals: quorum and majority', () => {
  it('quorum not met fails even with 100 % for', () => {
    const g = setup();
    must(g.propose('p1', 'a', CHANGE, T0));
    must(g.vote('p1', 'a', 'for', T0 + 1)); // turnout 100 < 300
    expect(g.proposal('p1', ENDS - 1)?.status).toBe('voting');
    expect(g.proposal('p1', ENDS)?.status).toBe('failed');
    const e = refused(g.execute('p1', EXECUTABLE), 'QUORUM_NOT_MET');
    expect(e.message).toContain('turnout 100 of 600');
    expect(e.message).toContain('quorum needs 300');
    const f = must(g.finalize('p1', EXECUTABLE));
    expect(f.status).toBe('failed');
    expect(f.record.reason).toBe('proposal-failed-quorum');
    expect(f.record.evidence).toMatchObject({ turnout: '100', quorumNeeded: '300', quorumMet: false });
    refused(g.finalize('p1', EXECUTABLE), 'ALREADY_FINALIZED');
  });

  it('quorum is reached at exactly quorumFrac × weight (≥)', () => {
    const g = passed();
    const t = g.proposal('p1', ENDS)!.tally;
    expect(t).toMatchObject({ turnout: 300n, quorumNeeded: 300n, quorumMet: true, majorityMet: true });
    expect(g.proposal('p1', ENDS)?.status).toBe('passed');
  });

  it('a majority of exactly 50 % fails (strictly greater is needed)', () => {
    const g = setup();
    must(g.propose('p1', 'a', CHANGE, T0));
    must(g.vote('p1', 'a', 'for', T0 + 1));
    must(g.vote('p1', 'b', 'for', T0 + 1)); // for 300
    must(g.vote('p1', 'c', 'against', T0 + 1)); // against 300 → 300 / 600 = 0.5, not > 0.5
    expect(g.proposal('p1', ENDS)?.status).toBe('failed');
    refused(g.execute('p1', EXECUTABLE), 'MAJORITY_NOT_MET');
    expect(must(g.finalize('p1', ENDS)).record.reason).toBe('proposal-failed-majority');
  });

  it('abstentions count towards quorum, not towards the majority', () => {
    const g = setup();
    must(g.propose('p1', 'a', CHANGE, T0));
    must(g.vote('p1', 'a', 'for', T0 + 1)); // for 100
    must(g.vote('p1', 'c', 'abstain', T0 + 1)); // turnout 400 ≥ 300; 100 / (100 + 0) = 1 > 0.5
    expect(g.proposal('p1', ENDS)?.status).toBe('passed');
    // Abstentions alone reach quorum but no majority (for + against = 0).
    const h = setup();
    must(h.propose('p1', 'a', CHANGE, T0));
    must(h.vote('p1', 'c', 'abstain', T0 + 1));
    refused(h.execute('p1', EXECUTABLE), 'MAJORITY_NOT_MET');
  });
});

describe('proposals: timelock, execution window, effects', () => {
  it('refuses execution before the timelock ends and executes at exactly its end', () => {
    const g = passed();
    refused(g.execute('p1', ENDS - 1), 'VOTING_OPEN');
    const e = refused(g.execute('p1', EXECUTABLE - 1), 'TIMELOCK_NOT_ELAPSED');
    expect(e.message).toBe(
      `proposal p1: timelock ends at 2026-01-01T00:00:00.001500Z (µs ${EXECUTABLE}); now 2026-01-01T00:00:00.001499Z (µs ${EXECUTABLE - 1})`,
    );
    const x = must(g.execute('p1', EXECUTABLE));
    expect(x.effect).toEqual({
      kind: 'param-change',
      proposalId: 'p1',
      path: 'tiers.crisis.marginMultiplier',
      value: 2,
      effectiveAtUs: EXECUTABLE,
    });
    expect(x.record).toMatchObject({ kind: 'governance-proposal-executed', reason: 'param-change-executed' });
    expect(x.record.evidence).toMatchObject({
      path: 'tiers.crisis.marginMultiplier',
      value: 2,
      forWeight: '300',
      quorumNeeded: '300',
      executableAtUs: EXECUTABLE,
    });
  });

  it('a parameter change takes effect at its execution time and not before', () => {
    const g = passed();
    // The engine applies effects only as `execute` returns them; replay the timeline tick by tick.
    const policy = { tiers: { crisis: { marginMultiplier: 1.5 } } };
    const effects: GovernanceEffect[] = [];
    const seen: [number, number][] = [];
    for (const ts of [T0 + 10, ENDS, EXECUTABLE - 1, EXECUTABLE + 37, EXECUTABLE + 38]) {
      const r = g.execute('p1', ts);
      if (r.ok) {
        effects.push(r.value.effect);
        if (r.value.effect.kind === 'param-change') {
          policy.tiers.crisis.marginMultiplier = r.value.effect.value as number;
        }
      }
      seen.push([ts, policy.tiers.crisis.marginMultiplier]);
    }
    expect(seen).toEqual([
      [T0 + 10, 1.5], // voting
      [ENDS, 1.5], // timelock
      [EXECUTABLE - 1, 1.5], // timelock
      [EXECUTABLE + 37, 2], // executed here
      [EXECUTABLE + 38, 2], // ALREADY_EXECUTED, no second effect
    ]);
    expect(effects).toHaveLength(1);
    expect(effects[0]).toMatchObject({ effectiveAtUs: EXECUTABLE + 37 });
    expect(g.proposal('p1', EXECUTABLE + 38)).toMatchObject({
      status: 'executed',
      executedAtUs: EXECUTABLE + 37,
    });
  });

  it('refuses a second execution', () => {
    const g = passed();
    must(g.execute('p1', EXECUTABLE));
    refused(g.execute('p1', EXECUTABLE + 1), 'ALREADY_EXECUTED');
    refused(g.cancel('p1', 'a', EXECUTABLE + 1), 'ALREADY_EXECUTED');
  });

  it('expires gracePeriodUs after the timelock ends', () => {
    const g = passed();
    expect(g.proposal('p1', EXPIRES - 1)?.status).toBe('passed');
    expect(g.proposal('p1', EXPIRES)?.status).toBe('expired');
    const e = refused(g.execute('p1', EXPIRES), 'EXPIRED');
    expect(e.message).toContain(`µs ${EXPIRES}`);
    refused(g.cancel('p1', 'a', EXPIRES), 'NOT_CANCELLABLE');
  });

  it('authorizes a deployment beyond limits, with the amount exact', () => {
    const g = passed({
      kind: 'authorize-deployment',
      amount: 5_000_000_000_000n,
      purpose: 'BTC-PERP backstop',
    });
    const x = must(g.execute('p1', EXECUTABLE + 5));
    expect(x.effect).toEqual({
      kind: 'deployment-authorization',
      proposalId: 'p1',
      amount: 5_000_000_000_000n,
      purpose: 'BTC-PERP backstop',
      authorizedAtUs: EXECUTABLE + 5,
    });
    expect(x.record.reason).toBe('deployment-authorized');
    expect(x.record.evidence).toMatchObject({ amount: '5000000000000', purpose: 'BTC-PERP backstop' });
  });
});

describe('proposals: votes, cancellation, snapshot, time', () => {
  it('refuses a second vote and a vote after the end', () => {
    const g = setup();
    must(g.propose('p1', 'a', CHANGE, T0));
    must(g.vote('p1', 'b', 'against', T0 + 1));
    const e = refused(g.vote('p1', 'b', 'for', T0 + 2), 'ALREADY_VOTED');
    expect(e.message).toContain('already voted against');
    refused(g.vote('p1', 'c', 'for', ENDS), 'VOTING_CLOSED');
    refused(g.vote('nope', 'c', 'for', ENDS), 'UNKNOWN_PROPOSAL');
    refused(g.vote('p1', 'c', 'maybe' as 'for', T0 + 3), 'BAD_INPUT');
    expect(g.proposal('p1', T0 + 3)?.tally.againstWeight).toBe(200n);
  });

  it('cancelled by the proposer only, before execution', () => {
    const g = passed();
    refused(g.cancel('p1', 'b', ENDS), 'NOT_PROPOSER');
    const c = must(g.cancel('p1', 'a', ENDS));
    expect(c.record).toMatchObject({ kind: 'governance-proposal-cancelled', tsUs: ENDS });
    expect(c.record.evidence).toMatchObject({ statusBefore: 'passed' });
    expect(g.proposal('p1', EXECUTABLE)?.status).toBe('cancelled');
    refused(g.execute('p1', EXECUTABLE), 'CANCELLED');
    refused(g.cancel('p1', 'a', EXECUTABLE), 'CANCELLED');
    refused(g.finalize('p1', EXECUTABLE), 'CANCELLED');
    // Cancelled while voting: later votes are refused.
    const h = setup();
    must(h.propose('p2', 'c', CHANGE, T0));
    must(h.cancel('p2', 'c', T0 + 1));
    refused(h.vote('p2', 'a', 'for', T0 + 2), 'CANCELLED');
  });

  it('weighs votes by the snapshot at creation: shares bought later do not count', () => {
    const g = setup();
    must(g.propose('p1', 'a', CHANGE, T0));
    // After creation: d buys 1000 shares and a buys 500 more (price 1).
    must(g.stake('d', 1_000n, 600n, T0 + 1));
    must(g.stake('a', 500n, 1_600n, T0 + 1));
    refused(g.vote('p1', 'd', 'for', T0 + 2), 'NO_STAKE');
    expect(must(g.vote('p1', 'a', 'for', T0 + 2)).weight).toBe(100n);
    // Quorum is still measured against the creation snapshot: 600 shares, 300 needed.
    expect(g.proposal('p1', T0 + 2)?.tally).toMatchObject({
      totalWeight: 600n,
      quorumNeeded: 300n,
      turnout: 100n,
    });
    // A proposal created now sees the new shares: 600 + 1000 + 500 = 2100.
    expect(must(g.propose('p2', 'd', CHANGE, T0 + 3)).proposal.tally.totalWeight).toBe(2_100n);
  });

  it('refuses time going backwards and leaves the state unchanged', () => {
    const g = setup();
    must(g.propose('p1', 'a', CHANGE, T0 + 10));
    const before = g.exportState();
    const e = refused(g.vote('p1', 'a', 'for', T0 + 5), 'TIME_BACKWARDS');
    expect(e.message).toContain(`µs ${T0 + 5}`);
    expect(e.message).toContain(`µs ${T0 + 10}`);
    refused(g.stake('a', 1n, 600n, T0 + 9), 'TIME_BACKWARDS');
    refused(g.execute('p1', T0 + 9), 'TIME_BACKWARDS');
    expect(g.exportState()).toEqual(before);
    expect(g.lastTsUs).toBe(T0 + 10);
    // Same timestamp is fine.
    must(g.vote('p1', 'a', 'for', T0 + 10));
  });

  it('checks the proposer and the proposal', () => {
    const g = setup();
    refused(g.propose('p1', 'zed', CHANGE, T0), 'NO_STAKE');
    refused(g.propose('p1', 'a', { kind: 'param-change', path: 'bad..path', value: 1 }, T0), 'BAD_INPUT');
    refused(g.propose('p1', 'a', { kind: 'param-change', path: 'x', value: Number.NaN }, T0), 'BAD_INPUT');
    refused(
      g.propose('p1', 'a', { kind: 'authorize-deployment', amount: 0n, purpose: 'x' }, T0),
      'BAD_AMOUNT',
    );
    refused(
      g.propose('p1', 'a', { kind: 'authorize-deployment', amount: 1n, purpose: ' ' }, T0),
      'BAD_INPUT',
    );
    must(g.propose('p1', 'a', CHANGE, T0));
    refused(g.propose('p1', 'b', CHANGE, T0), 'DUPLICATE_PROPOSAL');
    const strict = newGov({ minProposalShares: 150n });
    must(strict.stake('a', 100n, 0n, T0));
    const e = refused(strict.propose('p1', 'a', CHANGE, T0), 'INSUFFICIENT_SHARES');
    expect(e.message).toBe('proposer a holds 100 unlocked shares; a proposal needs 150');
  });

  it('records the numbers that matter on creation and votes', () => {
    const g = setup();
    const p = must(g.propose('p1', 'a', CHANGE, T0));
    expect(p.record).toEqual({
      kind: 'governance-proposal-created',
      tsUs: T0,
      reason: 'proposal-created',
      evidence: {
        proposalId: 'p1',
        proposer: 'a',
        action: 'param-change',
        path: 'tiers.crisis.marginMultiplier',
        value: 2,
        proposerShares: '100',
        minProposalShares: '1',
        snapshotStakers: 3,
        totalWeight: '600',
        quorumNeeded: '300',
        quorumFrac: 0.5,
        majorityFrac: 0.5,
        votingEndsAtUs: ENDS,
        executableAtUs: EXECUTABLE,
        expiresAtUs: EXPIRES,
      },
    });
    const v = must(g.vote('p1', 'c', 'for', T0 + 1));
    expect(v.record.reason).toBe('voted-for');
    expect(v.record.evidence).toMatchObject({
      weight: '300',
      forWeight: '300',
      turnout: '300',
      quorumMet: true,
    });
  });
});

describe('config', () => {
  it('throws at construction on an invalid config', () => {
    const bad = (o: Parameters<typeof defaultGovernanceConfig>[0], msg: string) => {
      expect(() => new Governance(defaultGovernanceConfig(o))).toThrow(BackstopError);
      expect(() => new Governance(defaultGovernanceConfig(o))).toThrow(msg);
    };
    bad({ votingPeriodUs: -1 }, 'votingPeriodUs must be an integer µs > 0, got -1');
    bad({ unstakeCooldownUs: -5 }, 'unstakeCooldownUs must be an integer µs ≥ 0, got -5');
    bad({ timelockUs: 1.5 }, 'timelockUs must be an integer µs ≥ 0');
    bad({ gracePeriodUs: 0 }, 'gracePeriodUs must be an integer µs > 0');
    bad({ quorumFrac: 0 }, 'quorumFrac must be in (0, 1], got 0');
    bad({ quorumFrac: 1.1 }, 'quorumFrac must be in (0, 1]');
    bad({ majorityFrac: 0.4 }, 'majorityFrac must be in [0.5, 1), got 0.4');
    bad({ majorityFrac: 1 }, 'majorityFrac must be in [0.5, 1)');
    bad({ minProposalShares: -1n }, 'minProposalShares must be a bigint ≥ 0');
    expect(() => new Governance(defaultGovernanceConfig({ quorumFrac: 1, timelockUs: 0 }))).not.toThrow();
    expect(() => new Governance(TEST_CONFIG)).not.toThrow();
  });

  it('reads fractions as exact rationals', () => {
    expect(exactRatio(0.2)).toEqual({ num: 2n, den: 10n });
    expect(exactRatio(0.5)).toEqual({ num: 5n, den: 10n });
    expect(exactRatio(1)).toEqual({ num: 1n, den: 1n });
    expect(exactRatio(1.5e-7)).toEqual({ num: 15n, den: 100_000_000n });
  });

  it('quorum is exact for share counts beyond 2^53', () => {
    const g = newGov({ quorumFrac: 0.3 });
    const big = 10n ** 24n; // 10^18 USDC units ×10^6… any size
    must(g.stake('a', big * 3n, 0n, T0));
    must(g.stake('b', big * 7n - 1n, big * 3n, T0)); // T = 10^25 − 1
    must(g.propose('p1', 'a', CHANGE, T0));
    // ceil(0.3 × (10^25 − 1)) = 3·10^24 − 0.3 → 3·10^24: a's 3·10^24 exactly meets it.
    expect(must(g.vote('p1', 'a', 'for', T0)).tally).toMatchObject({
      quorumNeeded: big * 3n,
      quorumMet: true,
    });
  });
});
