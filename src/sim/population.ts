import { SeededRng } from '../core/rng.ts';

/**
 * A seeded synthetic population of leveraged perpetual traders (docs/backtesting.md). Each
 * trader opens one position during the warm-up: side by `longShare`, notional from a Pareto
 * distribution (many small, a few large accounts), leverage lognormal around a median with a
 * cap; the collateral deposited is notional / leverage. Same config and seed → same population.
 */
export interface PopulationConfig {
  readonly accounts: number;
  readonly seed: number;
  /** Fraction of traders that go long (the rest short). */
  readonly longShare: number;
  /** Lognormal leverage: median, σ of its logarithm, cap. */
  readonly leverage: { readonly median: number; readonly sigma: number; readonly cap: number };
  /** Pareto notional (quote): minimum, tail index α (> 1), cap. */
  readonly notional: { readonly min: number; readonly alpha: number; readonly max: number };
  /** Entries are spread uniformly over this fraction of the window's bars (from the start). */
  readonly warmupFrac: number;
}

export const DEFAULT_POPULATION: Omit<PopulationConfig, 'accounts' | 'seed'> = {
  longShare: 0.6,
  leverage: { median: 8, sigma: 0.6, cap: 20 },
  notional: { min: 2_000, alpha: 1.5, max: 2_000_000 },
  warmupFrac: 0.2,
};

export interface Trader {
  readonly id: string;
  /** +1 long, −1 short. */
  readonly side: 1 | -1;
  readonly leverage: number;
  /** Position notional at entry (quote). */
  readonly notional: number;
  /** Index of the bar at whose start the trader enters. */
  readonly entryBar: number;
}

export function makePopulation(cfg: PopulationConfig, bars: number): Trader[] {
  if (!Number.isSafeInteger(cfg.accounts) || cfg.accounts < 0)
    throw new RangeError('accounts must be an integer ≥ 0');
  if (!(cfg.notional.alpha > 1)) throw new RangeError('notional.alpha must be > 1');
  const rng = new SeededRng(cfg.seed);
  const warmupBars = Math.max(1, Math.floor(bars * cfg.warmupFrac));
  const out: Trader[] = [];
  for (let k = 0; k < cfg.accounts; k++) {
    const side = rng.nextFloat() < cfg.longShare ? 1 : -1;
    const lev = Math.min(
      cfg.leverage.cap,
      Math.max(1, cfg.leverage.median * Math.exp(cfg.leverage.sigma * rng.nextNormal())),
    );
    // Pareto by inversion: x = min · u^(−1/α), u in (0, 1]
    const u = 1 - rng.nextFloat();
    const notional = Math.min(cfg.notional.max, cfg.notional.min * u ** (-1 / cfg.notional.alpha));
    const entryBar = Math.min(warmupBars - 1, Math.floor(rng.nextFloat() * warmupBars));
    out.push({ id: `t${String(k).padStart(6, '0')}`, side, leverage: lev, notional, entryBar });
  }
  return out;
}

export type OptionStrategy = 'strangle' | 'covered-call';

/**
 * Which traders write options instead (docs/backtesting.md, "Option writers"): trader k is a
 * writer when its first draw is below `share`, a strangle seller when its second is below
 * `strangleShare`, else a covered-call writer. Drawn from stream 1 of the seed
 * (`SeededRng.stream(seed, 1)`), two draws per trader whatever the share, so the perpetual
 * population (stream 0) is the same for every share and a writer keeps the notional, leverage and
 * entry bar drawn for it there. Null: not a writer.
 */
export function optionStrategies(
  seed: number,
  accounts: number,
  share: number,
  strangleShare: number,
): (OptionStrategy | null)[] {
  if (!(share >= 0 && share <= 1)) throw new RangeError('option share must be in [0, 1]');
  if (!(strangleShare >= 0 && strangleShare <= 1)) throw new RangeError('strangle share must be in [0, 1]');
  const rng = SeededRng.stream(seed, 1);
  const out: (OptionStrategy | null)[] = [];
  for (let k = 0; k < accounts; k++) {
    const writer = rng.nextFloat() < share;
    const strangle = rng.nextFloat() < strangleShare;
    out.push(writer ? (strangle ? 'strangle' : 'covered-call') : null);
  }
  return out;
}
