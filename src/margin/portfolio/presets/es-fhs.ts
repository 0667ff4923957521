import { BackstopError } from '../../../core/errors.ts';
import { ewmaVariances } from '../../../risk/estimators/ewma.ts';
import { aggregateReturns } from '../../../risk/returns.ts';
import type { GridModelConfig } from '../grid-model.ts';
import { NO_VOL_SHOCK, type Scenario } from '../scenarios.ts';

/**
 * `es-fhs` (OCC STANS / Eurex Prisma style): Expected Shortfall of the portfolio over a margin
 * period of risk, by filtered historical simulation of the underlying's daily log returns, floored
 * by the same ES over the most volatile stretch of the history (unfiltered).
 *
 * - FHS: each daily return is divided by its EWMA volatility (λ) and multiplied by today's, then
 *   summed over overlapping `mporDays` windows; each sum r becomes a scenario move e^r − 1
 *   (`regular` rows).
 * - Stress: the `stressWindow` consecutive daily returns with the highest realized variance,
 *   unfiltered, summed the same way (`tail` rows).
 * - IM = max(ES of the regular rows, ES of the tail rows) at `confidence`; MM = mmFactor × IM
 *   (CCPs margin at one level: default 1).
 * - Options are fully revalued at the moved forward with their implied vol held (sticky strike).
 */
export interface EsFhsOptions {
  /** Daily log returns of the underlying, oldest first (at least stressWindow + mporDays). */
  readonly dailyLogReturns: readonly number[];
  readonly confidence?: number;
  readonly mporDays?: number;
  readonly lambda?: number;
  readonly stressWindow?: number;
  readonly mmFactor?: number;
  readonly name?: string;
}

export const ES_FHS_DEFAULTS = {
  confidence: 0.99,
  mporDays: 2,
  lambda: 0.94,
  stressWindow: 250,
  mmFactor: 1,
} as const;

function bad(message: string): never {
  throw new BackstopError('BAD_ARGUMENT', `es-fhs: ${message}`);
}

/** The most volatile stretch of `n` consecutive returns (highest Σ r²; earliest on a tie). */
export function stressedWindowStart(returns: readonly number[], n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (returns[i] as number) ** 2;
  let best = sum;
  let start = 0;
  for (let i = n; i < returns.length; i++) {
    sum += (returns[i] as number) ** 2 - (returns[i - n] as number) ** 2;
    if (sum > best) {
      best = sum;
      start = i - n + 1;
    }
  }
  return start;
}

export function esFhs(o: EsFhsOptions): GridModelConfig {
  const confidence = o.confidence ?? ES_FHS_DEFAULTS.confidence;
  const h = o.mporDays ?? ES_FHS_DEFAULTS.mporDays;
  const lambda = o.lambda ?? ES_FHS_DEFAULTS.lambda;
  const stress = o.stressWindow ?? ES_FHS_DEFAULTS.stressWindow;
  const r = o.dailyLogReturns;
  if (!(confidence > 0 && confidence < 1)) bad(`confidence must be in (0, 1), got ${confidence}`);
  if (!(Number.isInteger(h) && h >= 1)) bad(`mporDays must be an integer ≥ 1, got ${h}`);
  if (!(lambda > 0 && lambda < 1)) bad(`lambda must be in (0, 1), got ${lambda}`);
  if (!(Number.isInteger(stress) && stress >= h))
    bad(`stressWindow must be an integer ≥ mporDays, got ${stress}`);
  if (r.length < stress + h) bad(`needs at least ${stress + h} daily returns, got ${r.length}`);
  if (r.some((x) => !Number.isFinite(x))) bad('returns must be finite');

  const v = ewmaVariances(r, lambda);
  const today = Math.sqrt(v[r.length] as number);
  const filtered = r.map((x, t) => {
    const s = Math.sqrt(v[t] as number);
    return s > 0 ? (today * x) / s : 0;
  });
  const start = stressedWindowStart(r, stress);
  const scenarios: Scenario[] = [
    ...aggregateReturns(filtered, h, 'log').map((x) => ({
      move: Math.expm1(x),
      vol: 'none' as const,
      weight: 1,
      family: 'regular' as const,
    })),
    ...aggregateReturns(r.slice(start, start + stress), h, 'log').map((x) => ({
      move: Math.expm1(x),
      vol: 'none' as const,
      weight: 1,
      family: 'tail' as const,
    })),
  ];
  return {
    name: o.name ?? 'es-fhs',
    scenarios,
    volShock: NO_VOL_SHOCK,
    mmFactor: o.mmFactor ?? ES_FHS_DEFAULTS.mmFactor,
    contingencies: {},
    aggregation: { kind: 'es', confidence },
  };
}
