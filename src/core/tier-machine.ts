import { decodeNullableNum, type EncodedNum, encodeNullableNum } from './state-codec.ts';

/**
 * A reusable escalation state machine with hysteresis and minimum dwell.
 *
 * Levels are ordered (index 0 is calm). Level k (k ≥ 1) is entered when the value reaches
 * `enter[k-1]` and left when the value falls below `exit[k-1]` (exit < enter: hysteresis).
 * Escalation is immediate and may skip levels (risk first); de-escalation waits until the
 * current level has been held for `minDwellUs` and then drops to the highest level whose
 * exit threshold the value still meets. Time is event time, passed in by the caller.
 */
export interface TierMachineConfig<L extends string> {
  readonly levels: readonly L[];
  /** enter[k] / exit[k] are the thresholds of levels[k + 1]. */
  readonly enter: readonly number[];
  readonly exit: readonly number[];
  readonly minDwellUs: number;
}

export interface TierTransition<L extends string> {
  readonly from: L;
  readonly to: L;
  readonly tsUs: number;
  readonly value: number;
  /** The threshold that was crossed (enter when escalating, exit when relaxing). */
  readonly threshold: number;
  readonly direction: 'up' | 'down';
}

export class TierConfigError extends Error {}

/** Snapshot of a TierMachine: the current level and when it was entered (null before the first update). */
export interface TierMachineState<L extends string = string> {
  readonly level: L;
  readonly sinceUs: EncodedNum | null;
}

export function validateTierConfig<L extends string>(c: TierMachineConfig<L>): string[] {
  const problems: string[] = [];
  const n = c.levels.length - 1;
  if (n < 1) problems.push('levels: need at least two levels');
  if (c.enter.length !== n) problems.push(`enter: expected ${n} thresholds, got ${c.enter.length}`);
  if (c.exit.length !== n) problems.push(`exit: expected ${n} thresholds, got ${c.exit.length}`);
  for (let k = 0; k < Math.min(n, c.enter.length, c.exit.length); k++) {
    const en = c.enter[k] as number;
    const ex = c.exit[k] as number;
    if (!Number.isFinite(en) || !Number.isFinite(ex)) problems.push(`enter[${k}]/exit[${k}]: must be finite`);
    if (ex > en) problems.push(`exit[${k}] (${ex}) must not exceed enter[${k}] (${en})`);
    if (k > 0 && en <= (c.enter[k - 1] as number)) problems.push(`enter[${k}] must be above enter[${k - 1}]`);
    if (k > 0 && ex <= (c.exit[k - 1] as number)) problems.push(`exit[${k}] must be above exit[${k - 1}]`);
  }
  if (!(c.minDwellUs >= 0)) problems.push('minDwellUs: must be >= 0');
  return problems;
}

export class TierMachine<L extends string> {
  private levelIndex = 0;
  private sinceUs: number | null = null;

  constructor(private readonly config: TierMachineConfig<L>) {
    const problems = validateTierConfig(config);
    if (problems.length > 0) throw new TierConfigError(`invalid tier config: ${problems.join('; ')}`);
  }

  get level(): L {
    return this.config.levels[this.levelIndex] as L;
  }

  get index(): number {
    return this.levelIndex;
  }

  /** The machine's state as plain JSON data (docs/concepts/journal.md, "State snapshots"). */
  exportState(): TierMachineState<L> {
    return { level: this.level, sinceUs: encodeNullableNum(this.sinceUs) };
  }

  /** Restores a state from `exportState` of a machine with the same levels; throws on an unknown level. */
  restoreState(s: TierMachineState<L>): void {
    const index = this.config.levels.indexOf(s.level);
    if (index < 0) {
      throw new RangeError(
        `tier machine state: level ${JSON.stringify(s.level)} is not one of this machine's levels`,
      );
    }
    const sinceUs = decodeNullableNum(s.sinceUs);
    this.levelIndex = index;
    this.sinceUs = sinceUs;
  }

  /** Feeds one observation; returns the transition if the level changed. A null value holds. */
  update(value: number | null, tsUs: number): TierTransition<L> | null {
    if (this.sinceUs === null) this.sinceUs = tsUs;
    if (value === null || Number.isNaN(value)) return null;
    const { enter, exit, levels, minDwellUs } = this.config;
    let up = this.levelIndex;
    for (let k = enter.length - 1; k >= this.levelIndex; k--) {
      if (value >= (enter[k] as number)) {
        up = k + 1;
        break;
      }
    }
    if (up > this.levelIndex) {
      return this.move(up, tsUs, value, enter[up - 1] as number, 'up', levels);
    }
    if (this.levelIndex === 0) return null;
    const exitHere = exit[this.levelIndex - 1] as number;
    if (value >= exitHere || tsUs - this.sinceUs < minDwellUs) return null;
    let down = 0;
    for (let k = this.levelIndex - 1; k >= 1; k--) {
      if (value >= (exit[k - 1] as number)) {
        down = k;
        break;
      }
    }
    return this.move(down, tsUs, value, exitHere, 'down', levels);
  }

  private move(
    to: number,
    tsUs: number,
    value: number,
    threshold: number,
    direction: 'up' | 'down',
    levels: readonly L[],
  ): TierTransition<L> {
    const from = levels[this.levelIndex] as L;
    this.levelIndex = to;
    this.sinceUs = tsUs;
    return { from, to: levels[to] as L, tsUs, value, threshold, direction };
  }
}
