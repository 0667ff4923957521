import { describe, expect, it } from 'vitest';
import type { TierPolicy } from './policy.ts';
import { holds, PolicyTiers } from './tiers.ts';

/** One metric `x`: watch at 2 (exit < 1.5), stressed at 3 (exit < 2.25), crisis at 4.5 (exit < 3.5). */
function tiers(minDwellUs: number, hysteresis = true): TierPolicy {
  const t = (enter: number, exit: number) => ({
    enter: { metric: 'x', above: enter },
    exit: { metric: 'x', below: hysteresis ? exit : enter },
  });
  return { minDwellUs, watch: t(2, 1.5), stressed: t(3, 2.25), crisis: t(4.5, 3.5) };
}

const S = 1_000_000;

describe('policy tiers', () => {
  it('conditions: above is ≥, below is <, a missing value never holds; any / all compose', () => {
    expect(holds({ metric: 'x', above: 2 }, { x: 2 })).toBe(true);
    expect(holds({ metric: 'x', below: 2 }, { x: 2 })).toBe(false);
    expect(holds({ metric: 'x', above: 2 }, { x: null })).toBe(false);
    expect(holds({ metric: 'x', below: 2 }, {})).toBe(false);
    const c = {
      any: [
        { metric: 'a', above: 1 },
        {
          all: [
            { metric: 'b', above: 1 },
            { metric: 'c', below: 0 },
          ],
        },
      ],
    };
    expect(holds(c, { a: 0, b: 2, c: -1 })).toBe(true);
    expect(holds(c, { a: 0, b: 2, c: 1 })).toBe(false);
  });

  it('escalates at once (skipping levels) and relaxes one held level at a time after the dwell', () => {
    const p = new PolicyTiers(tiers(60 * S));
    expect(p.update({ x: 5 }, 0).transition?.to).toBe('crisis');
    // 3.6 ≥ crisis exit 3.5: held
    expect(p.update({ x: 3.6 }, 120 * S).transition).toBeNull();
    // 3.2 < 3.5 and dwell passed: down to the highest tier still held — stressed (3.2 ≥ 3 enters it)
    expect(p.update({ x: 3.2 }, 121 * S).transition).toMatchObject({ from: 'crisis', to: 'stressed' });
    // 1.0: below every exit, but the dwell restarted at 121 s
    expect(p.update({ x: 1 }, 150 * S).transition).toBeNull();
    expect(p.update({ x: 1 }, 181 * S).transition).toMatchObject({ from: 'stressed', to: 'normal' });
    // a tier's exit condition does not escalate from below: 2.4 is under watch's exit but not its enter
    const q = new PolicyTiers(tiers(0));
    expect(q.update({ x: 1.8 }, 0).transition).toBeNull();
    expect(q.tier).toBe('normal');
  });

  it('hysteresis and dwell stop a noisy signal from flapping (the same signal flaps without them)', () => {
    // x oscillates around the watch threshold: 1.9, 2.1, 1.9, 2.1 … every second for 10 minutes
    const noisy = (k: number) => (k % 2 === 0 ? 1.9 : 2.1);
    const count = (p: PolicyTiers) => {
      let n = 0;
      for (let k = 0; k < 600; k++) if (p.update({ x: noisy(k) }, k * S).transition) n++;
      return n;
    };
    expect(count(new PolicyTiers(tiers(60 * S)))).toBe(1);
    expect(count(new PolicyTiers(tiers(0, false)))).toBe(599);
  });
});
