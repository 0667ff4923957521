import type { Clock } from '../engine/clock.ts';
import { Heartbeat } from './heartbeat.ts';
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
  private resolveClosed: () => void = () => {};
  /** Settles when `end` is called: the feed is closed, though its queue may still hold items. */
  readonly closed: Promise<void> = new Promise((resolve) => {
    this.resolveClosed = resolve;
  });

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
    this.resolveClosed();
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
 * Live heartbeats: polls the clock every `pollMs` of wall time and pushes a timer event for
 * every period boundary the clock has passed (the `Heartbeat` rule, shared with the backtest's
 * `runLoop` heartbeats). They close monitor intervals and pace the liquidator on quiet markets,
 * and they let the merge advance. On abort, the boundaries already passed are pushed, then the
 * source ends.
 */
export function heartbeatSource(
  clock: Clock,
  periodUs: number,
  stop: AbortSignal,
  options: { readonly pollMs?: number; readonly rank?: number } = {},
): EventSource {
  const push = new PushSource('heartbeat', options.rank ?? 1_000);
  const beat = new Heartbeat(periodUs);
  const poll = () => {
    for (const tsUs of beat.due(clock.nowUs())) push.push({ ok: true, event: { kind: 'timer', tsUs } });
  };
  poll();
  const handle = setInterval(poll, options.pollMs ?? Math.max(1, Math.floor(periodUs / 4_000)));
  const end = () => {
    clearInterval(handle);
    poll();
    push.end();
  };
  if (stop.aborted) end();
  else stop.addEventListener('abort', end, { once: true });
  return push;
}
