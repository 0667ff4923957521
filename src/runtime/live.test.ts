import { afterEach, describe, expect, it, vi } from 'vitest';
import { TestClock } from '../engine/clock.ts';
import { heartbeatSource, LiveClock, PushSource } from './live.ts';
import type { SourceItem } from './merge.ts';

afterEach(() => vi.useRealTimers());

describe('clocks', () => {
  it('TestClock moves only forward and only when told', () => {
    const c = new TestClock(10);
    c.advance(5);
    expect(c.nowUs()).toBe(15);
    expect(() => c.set(14)).toThrow(/cannot go back/);
  });

  it('LiveClock reads wall time in µs; heartbeatSource emits a timer per boundary passed until aborted', async () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const clock = new LiveClock();
    expect(clock.nowUs()).toBe(1_700_000_000_000_000);
    const stop = new AbortController();
    const source = heartbeatSource(clock, 250_000, stop.signal);
    vi.advanceTimersByTime(1000);
    stop.abort();
    const got: SourceItem[] = [];
    for await (const item of source.items) got.push(item);
    expect(got.map((i) => (i.ok ? i.event.tsUs : null))).toEqual([
      // the boundary at +1 s equals the clock when stopped: not passed yet, so not fired
      1_700_000_000_250_000, 1_700_000_000_500_000, 1_700_000_000_750_000,
    ]);
  });

  it('PushSource hands items to a waiting reader and refuses pushes after end', async () => {
    const s = new PushSource('feed', 0);
    const it = s.items[Symbol.asyncIterator]();
    const pending = it.next();
    s.push({ ok: true, event: { kind: 'timer', tsUs: 1 } });
    expect((await pending).value).toEqual({ ok: true, event: { kind: 'timer', tsUs: 1 } });
    s.end();
    expect((await it.next()).done).toBe(true);
    expect(() => s.push({ ok: true, event: { kind: 'timer', tsUs: 2 } })).toThrow(/ended/);
  });
});
