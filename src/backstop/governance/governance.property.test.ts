import { describe, expect, it } from 'vitest';
import { defaultGovernanceConfig } from './config.ts';
import { Governance } from './governance.ts';
import { VENUE_STAKER } from './staking.ts';
import { T0 } from './test-helpers.ts';
import { applyGovOp, type FundLedger, governanceOps } from './workload.ts';

// Periods short enough that cooldowns, votes, timelocks and expiries all happen within a run
// (ops are ~200 µs apart on average).
const CONFIG = defaultGovernanceConfig({
  unstakeCooldownUs: 1_500,
  votingPeriodUs: 3_000,
  timelockUs: 1_000,
  gracePeriodUs: 2_000,
  quorumFrac: 0.3,
  majorityFrac: 0.5,
  minProposalShares: 1n,
});

/**
 * Σ staker values ≤ V and V − Σ < n (n stakers): each value is floor(sᵢ·V / T) and Σ sᵢ = T, so
 * V − Σ is the sum of n fractional parts, each < 1. With no shares the venue owns all of V.
 */
function checkInvariants(g: Governance, fund: FundLedger, where: string): void {
  const fail = (what: string) => expect.fail(`${where}: ${what}`);
  const ids = g.stakers();
  let sumShares = 0n;
  let sum = 0n;
  for (const id of ids) {
    const s = g.stakerShares(id);
    if (s.locked < 0n || s.locked > s.shares) fail(`${id} has ${s.locked} of ${s.shares} shares locked`);
    sumShares += s.shares;
    sum += g.stakerValue(id, fund.value);
  }
  if (sumShares !== g.totalShares) fail(`Σ shares ${sumShares} ≠ total ${g.totalShares}`);
  if (ids.length === 0) {
    if (g.stakerValue(VENUE_STAKER, fund.value) !== fund.value) fail('an unshared fund is not the venue’s');
    return;
  }
  if (sum > fund.value) fail(`Σ values ${sum} > V ${fund.value}`);
  if (fund.value - sum >= BigInt(ids.length)) fail(`dust ${fund.value - sum} ≥ ${ids.length} stakers`);
}

describe('governance property: random stake / unstake / slash sequences', () => {
  for (const seed of [1, 2, 3, 42, 2026, 77_777]) {
    it(`seed ${seed}: values never exceed V and only floor dust stays unowned`, () => {
      const g = new Governance(CONFIG);
      const fund: FundLedger = { value: 0n };
      const counts = new Map<string, number>();
      for (const [i, op] of governanceOps(seed, 3_000, T0).entries()) {
        const valueBefore = fund.value;
        const r = applyGovOp(g, fund, op);
        const key = `${op.op}:${r === null ? 'n/a' : r.ok ? 'ok' : r.error.code}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        if (r?.ok && op.op === 'slash') {
          const v = r.value as { drop: bigint; losses: { loss: bigint }[] };
          if (v.losses.reduce((s, l) => s + l.loss, 0n) !== v.drop) expect.fail(`op ${i}: losses ≠ drop`);
        }
        if (r?.ok && op.op === 'claim') {
          if (fund.value < 0n || fund.value > valueBefore) expect.fail(`op ${i}: claim paid more than V`);
        }
        checkInvariants(g, fund, `seed ${seed} op ${i} (${op.op})`);
      }
      // The workload reaches the interesting paths (not just rejections).
      for (const k of ['stake:ok', 'slash:ok', 'claim:ok', 'unstake:ok', 'vote:ok', 'execute:ok']) {
        expect(counts.get(k) ?? 0, `${k} in ${JSON.stringify([...counts])}`).toBeGreaterThan(0);
      }
      expect(counts.get('vote:TIME_BACKWARDS') ?? 0).toBeGreaterThan(0);
    });
  }
});
