/**
 * Time-ordered buffers keyed by timestamp: history and live stream points merge here, a point
 * seen twice (history overlapping the stream after a reconnect) is stored once, and the buffer
 * keeps only the newest `cap` points.
 */
export class TimeSeries<T> {
  private ts: number[] = [];
  private vs: T[] = [];
  /** Bumped on every change, so a chart redraws only when its data moved. */
  version = 0;
  /** Earliest timestamp written since the last `takeChangedFrom()` (+∞: none). */
  private changedFrom = Number.POSITIVE_INFINITY;

  constructor(private readonly cap: number) {}

  get length(): number {
    return this.ts.length;
  }

  get lastTs(): number | null {
    return this.ts.length > 0 ? (this.ts[this.ts.length - 1] ?? null) : null;
  }

  get last(): T | null {
    return this.vs.length > 0 ? (this.vs[this.vs.length - 1] ?? null) : null;
  }

  /** Inserts or replaces the point at `t` (usually an append). */
  put(t: number, v: T): void {
    const n = this.ts.length;
    const lastT = n > 0 ? (this.ts[n - 1] as number) : Number.NEGATIVE_INFINITY;
    if (t > lastT) {
      this.ts.push(t);
      this.vs.push(v);
    } else if (t === lastT) {
      this.vs[n - 1] = v;
    } else {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((this.ts[mid] as number) < t) lo = mid + 1;
        else hi = mid;
      }
      if (this.ts[lo] === t) this.vs[lo] = v;
      else {
        this.ts.splice(lo, 0, t);
        this.vs.splice(lo, 0, v);
      }
    }
    if (this.ts.length > this.cap) {
      const drop = this.ts.length - this.cap;
      this.ts.splice(0, drop);
      this.vs.splice(0, drop);
    }
    if (t < this.changedFrom) this.changedFrom = t;
    this.version++;
  }

  /** The earliest timestamp written since the previous call (+∞ when nothing changed). */
  takeChangedFrom(): number {
    const t = this.changedFrom;
    this.changedFrom = Number.POSITIVE_INFINITY;
    return t;
  }

  /** Index of the first point at or after `t`. */
  indexFrom(t: number): number {
    let lo = 0;
    let hi = this.ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ts[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  times(): readonly number[] {
    return this.ts;
  }

  values(): readonly T[] {
    return this.vs;
  }
}
