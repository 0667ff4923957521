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

  /**
   * The boundaries k·period with last < k·period < nowUs, oldest first. Strictly before `nowUs`:
   * a boundary equal to an event's time comes after that event (timers rank after data).
   */
  due(nowUs: number): number[] {
    if (this.lastUs === null) {
      this.lastUs = nowUs;
      return [];
    }
    const out: number[] = [];
    const p = this.periodUs;
    for (let t = (Math.floor(this.lastUs / p) + 1) * p; t < nowUs; t += p) out.push(t);
    if (out.length > 0) this.lastUs = out[out.length - 1] as number;
    return out;
  }
}
