import type { Instrument } from '../../domain/instrument.ts';
import type { UnderlyingMarket } from '../market.ts';
import type { GridModelConfig, PositionInput } from './grid-model.ts';
import { contractPricer } from './instrument-pnl.ts';

/**
 * The straightforward reference for the scan part of a grid model: for every scenario, reprice
 * every position from scratch with plain objects. Used to cross-check the risk-array path in
 * tests and as the baseline of the re-margin benchmark. Returns the worst weighted P&L.
 */
export function referenceWorstPnl(
  config: GridModelConfig,
  instruments: ReadonlyMap<string, Instrument>,
  market: UnderlyingMarket,
  positions: readonly PositionInput[],
): { index: number; pnl: number; vector: number[] } {
  const vector: number[] = [];
  let index = 0;
  let worst = Number.POSITIVE_INFINITY;
  config.scenarios.forEach((scenario, s) => {
    let total = 0;
    for (const p of positions) {
      const i = instruments.get(p.instrumentId);
      if (!i) throw new RangeError(`unknown instrument ${p.instrumentId}`);
      total += p.qty * contractPricer.pnl(i, market, scenario, config.volShock);
    }
    const weighted = total * scenario.weight;
    vector.push(weighted);
    if (weighted < worst) {
      worst = weighted;
      index = s;
    }
  });
  return { index, pnl: worst, vector };
}
