import { describe, expect, it } from 'vitest';
import { deposit, fill, index, ledgerTotals, ofKind } from '../../test/liquidation-fixtures.ts';
import { policyEngine, testPolicy } from '../../test/policy-fixtures.ts';
import { insuranceFundAccount, traderAccount } from '../backstop/ledger/index.ts';
import type { Decision } from '../domain/decisions.ts';
import type { EngineEvent } from '../domain/events.ts';
import type { Engine } from './engine.ts';

const S = 1_000_000;
const T = 1_767_225_600 * S;
const u = (usd: number) => BigInt(Math.round(usd * 1e6));

const gov = (
  tsUs: number,
  action: string,
  params: Record<string, string | number | boolean>,
  proposalId = '',
): EngineEvent => ({ kind: 'governance', tsUs, proposalId, action, params });

function run(e: Engine, events: EngineEvent[]): Decision[] {
  const out: Decision[] = [];
  for (const ev of events) {
    out.push(...e.handle(ev));
    for (const total of Object.values(ledgerTotals(e))) expect(total).toBe(0n);
  }
  return out;
}
const rejected = (ds: Decision[]) => ofKind(ds, 'input-rejected').map((d) => d.code);

/**
 * Fund 50 000 USD (the venue's, no shares), carol stakes 30 000 and dave 10 000: 90 000 shares at
 * 1 unit each (1e-6 USD). Votes: 60 s; timelock 30 s; quorum 40 % of the snapshot weight.
 */
function staked(): Engine {
  const e = policyEngine(
    testPolicy({
      circuitBreaker: undefined,
      guards: undefined,
      governance: {
        currency: 'USD',
        quorumFrac: 0.4,
        majorityFrac: 0.5,
        votingPeriod: '60s',
        timelock: '30s',
        gracePeriod: '1h',
        unstakeCooldown: '120s',
        minProposalShares: '1',
      },
    }),
  );
  const ds = run(e, [
    index(T, 100_000),
    deposit(T + 1, 'carol', '30000'),
    deposit(T + 1, 'dave', '10000'),
    gov(T + 2, 'stake', { staker: 'carol', amount: '30000' }),
    gov(T + 3, 'stake', { staker: 'dave', amount: '10000' }),
  ]);
  expect(rejected(ds)).toEqual([]);
  expect(ofKind(ds, 'governance-action').map((d) => d.action)).toEqual(['stake', 'stake']);
  return e;
}

describe('fund governance in the engine', () => {
  it('stakes move cash into the fund; the venue owns the opening balance', () => {
    const e = staked();
    expect(e.ledger.balance(insuranceFundAccount(null), 'USD')).toBe(u(90_000));
    expect(e.liquidator?.fund('USD')?.balance).toBe(u(90_000));
    expect(e.ledger.balance(traderAccount('carol'), 'USD')).toBe(0n);
    const g = e.policy?.governance;
    expect(g?.stakerShares('venue').shares).toBe(u(50_000));
    expect(g?.stakerShares('carol').shares).toBe(u(30_000));
    expect(g?.totalShares).toBe(u(90_000));
    expect(rejected(e.handle(gov(T + 4, 'stake', { staker: 'carol', amount: '1' })))).toEqual([
      'INSUFFICIENT_FREE_COLLATERAL',
    ]);
    // two stakes by one staker at one event time are two movements, not a duplicate
    run(e, [
      deposit(T + 5, 'dave', '2'),
      gov(T + 6, 'stake', { staker: 'dave', amount: '1' }),
      gov(T + 6, 'stake', { staker: 'dave', amount: '1' }),
    ]);
    expect(e.ledger.balance(insuranceFundAccount(null), 'USD')).toBe(u(90_002));
    // malformed governance input is refused with a reason, never a crash
    expect(rejected(e.handle(gov(T + 7, 'stake', { staker: 'dave', amount: '-5' })))).toEqual(['BAD_FIELD']);
    expect(rejected(e.handle(gov(T + 7, 'teleport', {})))).toEqual(['BAD_FIELD']);
    expect(rejected(e.handle(gov(T + 7, 'vote', { staker: 'dave', support: 'yes' }, 'nope')))).toEqual([
      'BAD_FIELD',
    ]);
    expect(rejected(e.handle(gov(T + 7, 'execute', {}, 'nope')))).toEqual(['UNKNOWN_PROPOSAL']);
  });

  it('quorum not met: execution refused; timelock not elapsed: refused; the change applies at execution, not before', () => {
    const e = staked();
    const path = 'actions.normal.marginMultiplier';
    // an invalid change is refused at proposal time (normal above watch's 1.1)
    expect(
      rejected(
        e.handle(
          gov(T + 5 * S, 'propose', { proposer: 'carol', kind: 'param-change', path, value: 1.2 }, 'p0'),
        ),
      ),
    ).toEqual(['BAD_PARAM_CHANGE']);
    run(e, [
      gov(T + 5 * S, 'propose', { proposer: 'carol', kind: 'param-change', path, value: 1.05 }, 'p1'),
      // only dave votes: 10 000 of 90 000 < 40 %
      gov(T + 10 * S, 'vote', { staker: 'dave', support: 'for' }, 'p1'),
    ]);
    expect(rejected(e.handle(gov(T + 100 * S, 'execute', {}, 'p1')))).toEqual(['QUORUM_NOT_MET']);

    run(e, [
      gov(T + 110 * S, 'propose', { proposer: 'carol', kind: 'param-change', path, value: 1.05 }, 'p2'),
      gov(T + 111 * S, 'vote', { staker: 'carol', support: 'for' }, 'p2'),
      gov(T + 112 * S, 'vote', { staker: 'dave', support: 'for' }, 'p2'),
    ]);
    // voting ends at 170 s, the timelock at 200 s
    expect(rejected(e.handle(gov(T + 199 * S, 'execute', {}, 'p2')))).toEqual(['TIMELOCK_NOT_ELAPSED']);
    expect(e.policy?.policy.actions.normal.marginMultiplier).toBe(1);
    expect(e.margin.marginMultiplier).toBe(1);
    const exec = e.handle(gov(T + 200 * S, 'execute', {}, 'p2'));
    expect(ofKind(exec, 'governance-action')[0]).toMatchObject({
      action: 'proposal-executed',
      proposalId: 'p2',
    });
    expect(ofKind(exec, 'margin-multiplier-change')).toMatchObject([
      { tsUs: T + 200 * S, from: 1, to: 1.05 },
    ]);
    expect(e.policy?.policy.actions.normal.marginMultiplier).toBe(1.05);
    expect(rejected(e.handle(gov(T + 201 * S, 'execute', {}, 'p2')))).toEqual(['ALREADY_EXECUTED']);
  });

  it('a fund payout slashes every staker pro rata (by hand: 1 000 over 50 : 30 : 10); unstake after the cooldown', () => {
    const e = staked();
    const ds = run(e, [
      deposit(T + 4, 'alice', '10000'),
      deposit(T + 4, 'bob', '100000'),
      fill(T + 5, 'alice', 1, 100_000),
      fill(T + 5, 'bob', -1, 100_000),
      index(T + 6, 89_000),
    ]);
    expect(ofKind(ds, 'insurance-payment')[0]).toMatchObject({ account: 'alice', amount: '1000.000000' });
    const [slash] = ofKind(ds, 'governance-action').filter((d) => d.action === 'slash');
    // 1e9 units × 50/90 = 555 555 555.5…, × 30/90 = 333 333 333.3…, × 10/90 = 111 111 111.1…: the
    // leftover unit goes to the largest remainder (venue)
    expect(slash?.evidence).toMatchObject({
      drop: '1000000000',
      'loss:venue': '555555556',
      'loss:carol': '333333333',
      'loss:dave': '111111111',
    });
    // dave unstakes everything: refused before the 120 s cooldown, then paid floor(shares × V / T)
    run(e, [gov(T + 10 * S, 'unstake-request', { staker: 'dave', shares: String(u(10_000)) })]);
    expect(rejected(e.handle(gov(T + 100 * S, 'unstake-claim', { staker: 'dave' })))).toEqual([
      'COOLDOWN_NOT_ELAPSED',
    ]);
    run(e, [gov(T + 130 * S, 'unstake-claim', { staker: 'dave' })]);
    // V = 89 000 USD, T = 90 000 shares: 10 000 × 89 000 / 90 000 = 9 888.888888 (floor)
    expect(e.ledger.balance(traderAccount('dave'), 'USD')).toBe(9_888_888_888n);
    expect(e.liquidator?.fund('USD')?.balance).toBe(u(89_000) - 9_888_888_888n);
  });
});
