import { TierMachine, type TierMachineState, type TierTransition } from '../../core/tier-machine.ts';
import { TIERS, type Tier } from '../../domain/decisions.ts';
import { type Condition, ELEVATED_TIERS, type TierPolicy } from './policy.ts';

/** Metric values at one evaluation; null = not available (never satisfies a condition). */
export type MetricValues = Readonly<Record<string, number | null>>;

export function holds(c: Condition, v: MetricValues): boolean {
  if ('any' in c) return c.any.some((x) => holds(x, v));
  if ('all' in c) return c.all.every((x) => holds(x, v));
  const x = v[c.metric];
  if (x === null || x === undefined || Number.isNaN(x)) return false;
  return 'above' in c ? x >= c.above : x < c.below;
}

/**
 * The policy's tiers on the foundation's tier machine. Composite conditions become one signal:
 * the highest tier k whose enter condition holds gives k; otherwise the highest tier k at or below
 * the current one whose exit condition does not hold yet gives k − ½; else 0. With enter thresholds k and exit thresholds
 * k − ½ the machine then escalates at once to the highest tier entered (skipping levels), stays
 * while a tier's exit condition is unmet, and relaxes only after the minimum dwell to the highest
 * tier still held — the hysteresis and dwell of docs/concepts/liquidity-monitor.md, for
 * any / all conditions on any metrics.
 */
export class PolicyTiers {
  private machine: TierMachine<Tier>;

  constructor(private tiers: TierPolicy) {
    this.machine = new TierMachine<Tier>({
      levels: TIERS,
      enter: [1, 2, 3],
      exit: [0.5, 1.5, 2.5],
      minDwellUs: tiers.minDwellUs,
    });
  }

  get tier(): Tier {
    return this.machine.level;
  }

  /** A governance change of thresholds or dwell keeps the current tier. */
  reconfigure(tiers: TierPolicy): void {
    const s = this.machine.exportState();
    this.machine = new TierMachine<Tier>({
      levels: TIERS,
      enter: [1, 2, 3],
      exit: [0.5, 1.5, 2.5],
      minDwellUs: tiers.minDwellUs,
    });
    this.machine.restoreState(s);
    this.tiers = tiers;
  }

  /** The signal described above, with which conditions held (for the evidence). */
  signal(v: MetricValues): { value: number; entered: Tier[]; held: Tier[] } {
    const entered: Tier[] = [];
    const held: Tier[] = [];
    let value = 0;
    const current = this.machine.index;
    ELEVATED_TIERS.forEach((t, i) => {
      const k = i + 1;
      const spec = this.tiers[t];
      if (holds(spec.enter, v)) {
        entered.push(t);
        value = Math.max(value, k);
      } else if (k <= current && !holds(spec.exit, v)) {
        held.push(t);
        value = Math.max(value, k - 0.5);
      }
    });
    return { value, entered, held };
  }

  update(
    v: MetricValues,
    tsUs: number,
  ): { transition: TierTransition<Tier> | null; entered: Tier[]; held: Tier[] } {
    const s = this.signal(v);
    return { transition: this.machine.update(s.value, tsUs), entered: s.entered, held: s.held };
  }

  exportState(): TierMachineState<Tier> {
    return this.machine.exportState();
  }

  restoreState(s: TierMachineState<Tier>): void {
    this.machine.restoreState(s);
  }
}
