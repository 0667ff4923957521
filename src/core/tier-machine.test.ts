import { describe, expect, it } from 'vitest';
import { TierMachine, validateTierConfig } from './tier-machine.ts';

const levels = ['normal', 'watch', 'stressed', 'crisis'] as const;
type L = (typeof levels)[number];
const config = { levels, enter: [2, 3, 4.5], exit: [1.5, 2.5, 3.5], minDwellUs: 10 };

function run(values: Array<[number, number]>): L[] {
  const m = new TierMachine<L>(config);
  return values.map(([ts, v]) => {
    m.update(v, ts);
    return m.level;
  });
}

describe('TierMachine', () => {
  it('escalates immediately, skipping levels', () => {
    expect(
      run([
        [0, 0],
        [1, 5],
      ]),
    ).toEqual(['normal', 'crisis']);
  });

  it('holds inside the hysteresis band', () => {
    expect(
      run([
        [0, 2.1],
        [20, 1.6],
        [40, 1.9],
      ]),
    ).toEqual(['watch', 'watch', 'watch']);
  });

  it('relaxes only after the dwell and below the exit threshold', () => {
    // enter watch at t=0; 1.0 at t=5 is below exit but inside the 10 µs dwell; at t=11 it drops.
    expect(
      run([
        [0, 2.5],
        [5, 1.0],
        [11, 1.0],
      ]),
    ).toEqual(['watch', 'watch', 'normal']);
  });

  it('drops to the highest level whose exit it still meets', () => {
    // crisis at t=0; value 2.6 at t=20 is below crisis exit 3.5, meets stressed exit 2.5.
    const m = new TierMachine<L>(config);
    m.update(5, 0);
    const t = m.update(2.6, 20);
    expect(t).toEqual({
      from: 'crisis',
      to: 'stressed',
      tsUs: 20,
      value: 2.6,
      threshold: 3.5,
      direction: 'down',
    });
  });

  it('ignores null observations', () => {
    const m = new TierMachine<L>(config);
    expect(m.update(null, 0)).toBeNull();
    expect(m.level).toBe('normal');
  });

  it('rejects inverted thresholds with the field named', () => {
    const problems = validateTierConfig({ levels, enter: [2, 3, 4.5], exit: [2.5, 2.6, 3.5], minDwellUs: 0 });
    expect(problems).toContain('exit[0] (2.5) must not exceed enter[0] (2)');
    expect(() => new TierMachine({ levels, enter: [3, 2, 4], exit: [1, 1.5, 3], minDwellUs: 0 })).toThrow(
      /enter\[1\] must be above enter\[0\]/,
    );
  });
});
