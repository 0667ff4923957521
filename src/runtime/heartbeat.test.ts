import { describe, expect, it } from 'vitest';
import { Heartbeat } from './heartbeat.ts';

describe('Heartbeat', () => {
  it('fires each boundary passed, strictly before the clock, once', () => {
    const h = new Heartbeat(1_000);
    expect(h.due(2_500)).toEqual([]); // the first time seen only sets the origin
    expect(h.due(2_900)).toEqual([]);
    expect(h.due(3_000)).toEqual([]); // 3000 is not passed yet: an event at 3000 goes first
    expect(h.due(3_001)).toEqual([3_000]);
    expect(h.due(6_000)).toEqual([4_000, 5_000]);
    expect(h.due(6_000)).toEqual([]);
    expect(h.due(7_500)).toEqual([6_000, 7_000]);
  });

  it('gives the same boundaries however the clock is sampled', () => {
    const dense = new Heartbeat(250);
    const sparse = new Heartbeat(250);
    const a: number[] = [];
    for (let t = 100; t <= 2_000; t += 37) a.push(...dense.due(t));
    const b = [...sparse.due(100), ...sparse.due(2_000 - ((2_000 - 100) % 37))];
    expect(a).toEqual(b);
    expect(a).toEqual([250, 500, 750, 1_000, 1_250, 1_500, 1_750]);
  });

  it('a capped catch-up keeps only the latest boundaries; restore and replay continue it', () => {
    const h = new Heartbeat(1_000);
    h.due(500);
    // 1 000 … 9 999 000 passed: only the last three come back
    expect(h.due(10_000_000, 3)).toEqual([9_997_000, 9_998_000, 9_999_000]);
    expect(h.due(10_000_001, 3)).toEqual([10_000_000]);
    const r = new Heartbeat(1_000);
    r.replayed({ kind: 'index-price', tsUs: 500 });
    r.replayed({ kind: 'timer', tsUs: 3_000 });
    expect(r.last).toBe(3_000);
    expect(r.due(5_500)).toEqual([4_000, 5_000]);
    const s = new Heartbeat(1_000);
    s.restore(r.last);
    expect(s.due(6_500)).toEqual([6_000]);
  });

  it('refuses a period that is not a positive integer', () => {
    expect(() => new Heartbeat(0)).toThrow(/positive integer/);
    expect(() => new Heartbeat(1.5)).toThrow(/positive integer/);
  });
});
