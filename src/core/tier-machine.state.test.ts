import { describe, expect, it } from 'vitest';
import { SeededRng } from './rng.ts';
import { TierMachine, type TierMachineState } from './tier-machine.ts';

const levels = ['normal', 'watch', 'stressed', 'crisis'] as const;
type L = (typeof levels)[number];
const config = { levels, enter: [2, 3, 4.5], exit: [1.5, 2.5, 3.5], minDwellUs: 50 };

function inputs(seed: number, n: number): [number | null, number][] {
  const rng = new SeededRng(seed);
  let ts = 0;
  return Array.from({ length: n }, () => {
    ts += rng.nextInt(1, 30);
    const r = rng.nextFloat();
    return [r < 0.05 ? null : r < 0.08 ? Number.NaN : rng.nextFloat() * 6, ts];
  });
}

describe('TierMachine state snapshots', () => {
  it('restore + the same continued input gives identical transitions and state', () => {
    const all = inputs(31, 600);
    const a = new TierMachine<L>(config);
    for (const [v, ts] of all.slice(0, 300)) a.update(v, ts);
    const snap: TierMachineState<L> = JSON.parse(JSON.stringify(a.exportState()));
    const b = new TierMachine<L>(config);
    b.restoreState(snap);
    const outA = all.slice(300).map(([v, ts]) => [a.update(v, ts), a.level]);
    const outB = all.slice(300).map(([v, ts]) => [b.update(v, ts), b.level]);
    expect(outB).toEqual(outA);
    expect(outA.filter(([t]) => t !== null).length).toBeGreaterThan(10);
    expect(b.exportState()).toEqual(a.exportState());
  });

  it('keeps "no time yet" (null) and a dwell start that matters', () => {
    const fresh = new TierMachine<L>(config);
    expect(fresh.exportState()).toEqual({ level: 'normal', sinceUs: null });
    const a = new TierMachine<L>(config);
    a.update(5, 100); // crisis since 100
    const b = new TierMachine<L>(config);
    b.restoreState({ ...a.exportState(), sinceUs: 0 }); // a wrong dwell start relaxes too early
    expect(a.update(0, 120)).toBeNull();
    expect(b.update(0, 120)?.to).toBe('normal');
  });

  it('refuses a level this machine does not have', () => {
    const m = new TierMachine<L>(config);
    expect(() => m.restoreState({ level: 'panic' as L, sinceUs: 0 })).toThrow(/level "panic" is not one of/);
  });
});
