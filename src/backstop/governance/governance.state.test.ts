import { describe, expect, it } from 'vitest';
import { defaultGovernanceConfig } from './config.ts';
import { Governance, type GovernanceState } from './governance.ts';
import { T0 } from './test-helpers.ts';
import { applyGovOp, type FundLedger, governanceOps } from './workload.ts';

const CONFIG = defaultGovernanceConfig({
  unstakeCooldownUs: 1_500,
  votingPeriodUs: 3_000,
  timelockUs: 1_000,
  gracePeriodUs: 2_000,
  quorumFrac: 0.3,
  majorityFrac: 0.6,
  minProposalShares: 10n,
});

const viaJson = (s: GovernanceState): GovernanceState => JSON.parse(JSON.stringify(s)) as GovernanceState;

function views(g: Governance, tsUs: number) {
  return g.proposalIds().map((id) => g.proposal(id, tsUs));
}

describe('governance state: export / restore', () => {
  for (const seed of [5, 6, 7]) {
    it(`seed ${seed}: a restored copy continues exactly like the original`, () => {
      const ops = governanceOps(seed, 1_200, T0);
      const a = new Governance(CONFIG);
      const fundA: FundLedger = { value: 0n };
      for (const op of ops.slice(0, 600)) applyGovOp(a, fundA, op);

      const saved = viaJson(a.exportState());
      const b = new Governance(CONFIG);
      b.restoreState(saved);
      const fundB: FundLedger = { value: fundA.value };
      expect(b.exportState()).toEqual(a.exportState());
      expect(views(b, T0 + 1e9)).toEqual(views(a, T0 + 1e9));

      for (const op of ops.slice(600)) {
        expect(applyGovOp(b, fundB, op)).toEqual(applyGovOp(a, fundA, op));
      }
      expect(fundB.value).toBe(fundA.value);
      expect(b.exportState()).toEqual(a.exportState());
      expect(b.stakers()).toEqual(a.stakers());
      expect(b.stakers().map((s) => b.stakerValue(s, fundB.value))).toEqual(
        a.stakers().map((s) => a.stakerValue(s, fundA.value)),
      );
      expect(views(b, T0 + 1e9)).toEqual(views(a, T0 + 1e9));
      expect(a.proposalIds().length).toBeGreaterThan(5);
    });
  }

  it('the state is plain JSON data with bigints as decimal strings', () => {
    const g = new Governance(CONFIG);
    g.stake('alice', 12_345_678_901_234_567_890n, 0n, T0);
    g.propose('p1', 'alice', { kind: 'authorize-deployment', amount: 10n ** 20n, purpose: 'x' }, T0);
    const s = g.exportState();
    expect(viaJson(s)).toEqual(s);
    expect(s.stakers[0]).toEqual({ id: 'alice', shares: '12345678901234567890', requests: [] });
    expect(s.proposals[0]?.action).toEqual({
      kind: 'authorize-deployment',
      amount: '100000000000000000000',
      purpose: 'x',
    });
    expect(s.config).toMatchObject({ minProposalShares: '10', quorumFrac: 0.3 });
  });

  it('refuses a state from another config or a malformed one, and then changes nothing', () => {
    const a = new Governance(CONFIG);
    a.stake('alice', 100n, 0n, T0);
    const s = a.exportState();
    const other = new Governance(defaultGovernanceConfig({ ...CONFIG, quorumFrac: 0.4 }));
    expect(() => other.restoreState(s)).toThrow(/different config \(first difference at quorumFrac\)/);

    const b = new Governance(CONFIG);
    b.stake('bob', 7n, 0n, T0);
    const before = b.exportState();
    const broken = {
      ...s,
      stakers: [
        { id: 'alice', shares: '100', requests: [{ shares: '200', requestedAtUs: T0, readyAtUs: T0 }] },
      ],
    };
    expect(() => b.restoreState(broken)).toThrow(/100 shares with 200 locked/);
    expect(() => b.restoreState({ ...s, stakers: [{ id: 'x', shares: '1.5', requests: [] }] })).toThrow(
      /bad bigint/,
    );
    expect(b.exportState()).toEqual(before);
  });
});
