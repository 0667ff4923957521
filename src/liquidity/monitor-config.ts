import type { TierMachineConfig } from '../core/tier-machine.ts';
import { TIERS, type Tier } from '../domain/decisions.ts';

/** Stress-index components; each is oriented so that a higher value means more stress. */
export type StressComponent = 'spreadBps' | 'thinDepth' | 'slippageBps' | 'volatility' | 'volume';

export interface MonitorConfig {
  /** Interval length in µs; rows cover [start, start + interval). Intervals align to the epoch. */
  readonly intervalUs: number;
  /** Depth bands (bps from mid) reported for full order books. */
  readonly bandsBps: readonly number[];
  /** Band used for imbalance and the depth stress component (present in books and Binance bookDepth). */
  readonly imbalanceBandBps: number;
  /** Quote notional sold into the bids for `slippageBps`. */
  readonly slippageNotionalQuote: number;
  /** Intervals in the realized-vol and Amihud window. */
  readonly rvWindow: number;
  readonly ewmaLambda: number;
  readonly stress: {
    /** Past intervals the robust z-scores compare against. */
    readonly window: number;
    /** A component counts only once it has this many past values. */
    readonly warmup: number;
    /** |z| is clamped here so that one metric cannot dominate. */
    readonly clampZ: number;
    readonly weights: Readonly<Record<StressComponent, number>>;
    /**
     * Smallest scale of a z-score, in the units of the (log-transformed) component: spread,
     * slippage, depth, volatility and volume enter as logarithms, so 0.1 means a 10 % move
     * can count at most ~1 z even after a flat stretch.
     */
    readonly minScale: number;
    /** EWMA weight of the newest composite value (1 = no smoothing). */
    readonly smoothingAlpha: number;
  };
  readonly tiers: TierMachineConfig<Tier>;
  /** Empty intervals filled in a data gap before the monitor skips ahead. */
  readonly maxEmptyIntervals: number;
}

/** Defaults, justified in docs/concepts/liquidity-monitor.md. */
export function defaultMonitorConfig(
  intervalUs = 1_000_000,
  slippageNotionalQuote = 1_000_000,
): MonitorConfig {
  return {
    intervalUs,
    bandsBps: [10, 25, 50, 100],
    imbalanceBandBps: 100,
    slippageNotionalQuote,
    rvWindow: 60,
    ewmaLambda: 0.94,
    stress: {
      window: 240,
      warmup: 30,
      clampZ: 10,
      weights: { spreadBps: 0.25, thinDepth: 0.25, slippageBps: 0.2, volatility: 0.2, volume: 0.1 },
      smoothingAlpha: 0.5,
      minScale: 0.1,
    },
    tiers: { levels: TIERS, enter: [2, 3, 4.5], exit: [1.5, 2.5, 3.5], minDwellUs: 5 * intervalUs },
    maxEmptyIntervals: 10_000,
  };
}
