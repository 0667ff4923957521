import { describe, expect, it } from 'vitest';
import type { Instrument } from '../../../domain/instrument.ts';
import { empiricalVarEs } from '../../../risk/estimators/common.ts';
import { marketFromSnapshot } from '../../market.ts';
import { gridMargin } from '../grid-model.ts';
import { RiskArrays } from '../risk-arrays.ts';
import { esFhs, stressedWindowStart } from './es-fhs.ts';

const perp: Instrument = {
  kind: 'perpetual',
  id: 'P',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USD',
  contractSize: 1,
  tickSize: 1,
  fundingIntervalUs: 1,
};
const market = marketFromSnapshot({ underlying: 'BTC', nowUs: 0, spot: 100 });

function margin(returns: number[], opts = {}) {
  const config = esFhs({ dailyLogReturns: returns, stressWindow: 4, mporDays: 1, ...opts });
  const arrays = new RiskArrays(config.scenarios, config.volShock, (i) => i.baseCurrency);
  arrays.register(perp);
  arrays.update(market);
  return { config, r: gridMargin(config, arrays, market, [{ instrumentId: 'P', qty: 1 }]) };
}

describe('es-fhs', () => {
  it('finds the most volatile stretch of the history', () => {
    expect(stressedWindowStart([0.01, -0.01, 0.2, -0.3, 0.01, 0.02], 2)).toBe(2);
    expect(stressedWindowStart([0.1, 0.1, 0.1], 2)).toBe(0);
  });

  it('a long perpetual’s IM is the larger empirical ES of its filtered and stressed P&Ls (second method)', () => {
    // a calm recent past after a volatile start: the filter scales everything to today's low vol
    const returns = [0.08, -0.1, 0.12, -0.09, 0.01, -0.005, 0.004, -0.006, 0.003, 0.002, -0.004, 0.005];
    const { config, r } = margin(returns, { confidence: 0.9 });
    const pnl = (family: 'regular' | 'tail') =>
      config.scenarios.filter((s) => s.family === family).map((s) => 100 * s.move); // 1 BTC at 100
    const esRegular = empiricalVarEs(pnl('regular'), 0.9).es;
    const esTail = empiricalVarEs(pnl('tail'), 0.9).es;
    expect(r.scanLoss).toBeCloseTo(Math.max(esRegular, esTail), 12);
    // The stressed window (the first four returns) binds over today's calm filtered history.
    expect(esTail).toBeGreaterThan(esRegular);
    expect(r.im).toBeCloseTo(esTail, 12);
    expect(r.mm).toBe(r.im);
    // its moves are the raw returns of that window: worst loss e^−0.1 − 1 on 100
    expect(Math.min(...pnl('tail'))).toBeCloseTo(100 * Math.expm1(-0.1), 12);
  });

  it('refuses a history too short for its windows', () => {
    expect(() => esFhs({ dailyLogReturns: [0.01, 0.02], stressWindow: 250 })).toThrow(
      /needs at least 252 daily returns/,
    );
  });
});
