/**
 * Heartbeats on the venue clock (docs/adr/0007-heartbeats.md): a `timer` event at every multiple
 * of the period that the clock has passed. Live and backtest use this one rule, so a recorded
 * episode gives the same timers, and therefore the same decisions, whichever runner replays it:
 * live, the clock is the wall clock polled by `heartbeatSource`; in a backtest, it is the time of
 * the next event (`runLoop`'s `heartbeatUs`).
 */
export class Heartbeat {
  /** The last boundary emitted, or the first time seen (boundaries at or before it never fire). */
  private lastUs: number | null = null;

  constructor(readonly periodUs: number) {
    if (!Number.isSafeInteger(periodUs) || periodUs <= 0)
      throw new RangeError(`heartbeat period must be a positive integer µs, got ${periodUs}`);
  }

  /** The last boundary emitted, or the first time seen; null before any time (saved with a service's snapshot). */
  get last(): number | null {
    return this.lastUs;
  }

  /** Resumes after a restart at the value `last` had when the state was saved. */
  restore(lastUs: number | null): void {
    this.lastUs = lastUs;
  }

  /**
   * Follows a journaled event being replayed after a restart, as `due` would have moved: a timer
   * is an emitted boundary; any first event is the first time seen. Timers themselves are in
   * the journal, so replay re-applies them and never derives them twice.
   */
  replayed(e: { readonly kind: string; readonly tsUs: number }): void {
    if (e.kind === 'timer') this.lastUs = e.tsUs;
    else this.lastUs ??= e.tsUs;
  }

  /**
   * The boundaries k·period with last < k·period < nowUs, oldest first. Strictly before `nowUs`:
   * a boundary equal to an event's time comes after that event (timers rank after data).
   */
  due(nowUs: number, maxBoundaries = Number.POSITIVE_INFINITY): number[] {
    if (this.lastUs === null) {
      this.lastUs = nowUs;
      return [];
    }
    const out: number[] = [];
    const p = this.periodUs;
    let first = (Math.floor(this.lastUs / p) + 1) * p;
    // a catch-up after a long silence keeps only the latest boundaries (the service's wall-clock
    // ticks); the backtest and event-driven heartbeats pass no limit and emit every one
    const lastBoundary = (Math.ceil(nowUs / p) - 1) * p;
    if (Number.isFinite(maxBoundaries) && (lastBoundary - first) / p + 1 > maxBoundaries)
      first = lastBoundary - (maxBoundaries - 1) * p;
    for (let t = first; t < nowUs; t += p) out.push(t);
    if (out.length > 0) this.lastUs = out[out.length - 1] as number;
    return out;
  }
}
