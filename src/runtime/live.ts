import type { Clock } from '../engine/clock.ts';
import type { EventSource, SourceItem } from './merge.ts';

/** Wall-clock time for the live runner (the only place outside adapters that reads it). */
export class LiveClock implements Clock {
  nowUs(): number {
    return Date.now() * 1000;
  }
}

/**
 * A push source for live feeds: adapters `push` events stamped by the Clock; the run loop pulls
 * them in arrival order. `end` closes the feed.
 */
export class PushSource implements EventSource {
  private readonly queue: SourceItem[] = [];
  private waiting: ((r: IteratorResult<SourceItem>) => void) | null = null;
  private ended = false;

  constructor(
    readonly name: string,
    readonly rank: number,
  ) {}

  push(item: SourceItem): void {
    if (this.ended) throw new Error(`source ${this.name} has ended`);
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w({ value: item, done: false });
    } else this.queue.push(item);
  }

  end(): void {
    this.ended = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w({ value: undefined, done: true });
    }
  }

  get items(): AsyncIterable<SourceItem> {
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          const item = this.queue.shift();
          if (item) return Promise.resolve({ value: item, done: false });
          if (this.ended) return Promise.resolve({ value: undefined, done: true });
          return new Promise<IteratorResult<SourceItem>>((resolve) => {
            this.waiting = resolve;
          });
        },
      }),
    };
  }
}

/**
 * Timer events every `periodUs` from a Clock, as a source: in live mode they close monitor
 * intervals on quiet markets and act as the heartbeat that lets the merge advance.
 */
export function timerSource(clock: Clock, periodUs: number, stop: AbortSignal, rank = 1_000): EventSource {
  const push = new PushSource('timer', rank);
  const handle = setInterval(
    () => push.push({ ok: true, event: { kind: 'timer', tsUs: clock.nowUs() } }),
    periodUs / 1000,
  );
  stop.addEventListener('abort', () => {
    clearInterval(handle);
    push.end();
  });
  return push;
}
