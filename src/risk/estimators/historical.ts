import { aggregateReturns } from '../returns.ts';
import { empiricalVarEs, resolve, type VarConfig, type VarEstimate } from './common.ts';

/**
 * Historical simulation: the empirical distribution of the window's overlapping h-day returns
 * (sums of h consecutive log returns, or compounded simple returns; N − h + 1 of them, so
 * N ≥ h). VaR = type-7 quantile of the losses at α (numpy.quantile's default); ES = mean of the
 * losses at or beyond VaR.
 */
export function historicalVar(
  window: readonly number[],
  config: VarConfig,
): VarEstimate & { samples: number } {
  const { confidence, h, kind } = resolve('historical VaR', window, config, Math.max(1, config.horizonDays));
  const sample = aggregateReturns(window, h, kind);
  return { ...empiricalVarEs(sample, confidence), samples: sample.length };
}
