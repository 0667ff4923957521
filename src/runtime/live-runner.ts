import type { Clock } from '../engine/clock.ts';
import type { Engine } from '../engine/engine.ts';
import { heartbeatSource, type PushSource } from './live.ts';
import { type RunHooks, type RunSummary, runLoop } from './run-loop.ts';

export interface LiveRunOptions {
  readonly engine: Engine;
  /** Live feeds (e.g. `jsonFeedSource`); the run ends once every feed has closed and drained. */
  readonly feeds: readonly PushSource[];
  /** The venue clock: `LiveClock` in production, a clock driven by a recording in drills and tests. */
  readonly clock: Clock;
  /** Heartbeat period (µs): timers at every boundary the clock passes (docs/adr/0007-heartbeats.md). */
  readonly heartbeatUs: number;
  readonly hooks?: RunHooks;
  /** How often the heartbeat polls the clock, in wall milliseconds (default: a quarter period). */
  readonly pollMs?: number;
}

/**
 * The live runner: feeds plus clock heartbeats through the same `runLoop` and engine as the
 * backtest. When the last feed closes the heartbeat pushes the boundaries already passed and
 * stops; the loop finishes when the feeds' queues are drained.
 */
export async function runLive(o: LiveRunOptions): Promise<RunSummary> {
  const stop = new AbortController();
  // heartbeats stop when the feeds close (not when they drain: the merge needs the heartbeat's
  // end to release the feeds' queued events once the clock stops moving)
  void Promise.all(o.feeds.map((f) => f.closed)).then(() => stop.abort());
  const beat = heartbeatSource(o.clock, o.heartbeatUs, stop.signal, {
    ...(o.pollMs === undefined ? {} : { pollMs: o.pollMs }),
  });
  try {
    return await runLoop(o.engine, [...o.feeds, beat], o.hooks ?? {});
  } finally {
    stop.abort();
  }
}
