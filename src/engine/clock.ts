/**
 * Clock port. The engine itself never asks the time: it takes time from events. Runners use a
 * Clock to stamp live inputs and to raise timer events; tests use the TestClock.
 */
export interface Clock {
  /** Current time in integer microseconds since the epoch. */
  nowUs(): number;
}

/** A clock that moves only when told to: deterministic tests and historical replay. */
export class TestClock implements Clock {
  constructor(private tUs = 0) {}

  nowUs(): number {
    return this.tUs;
  }

  set(tUs: number): void {
    if (tUs < this.tUs) throw new RangeError(`TestClock cannot go back from ${this.tUs} to ${tUs}`);
    this.tUs = tUs;
  }

  advance(dUs: number): void {
    this.set(this.tUs + dUs);
  }
}
