import { describe, expect, it } from 'vitest';
import type { Instrument } from '../../domain/instrument.ts';
import { stepLimit } from './liquidator.ts';

const perp: Instrument = {
  kind: 'perpetual',
  id: 'BTC-PERP',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USDC',
  contractSize: 1,
  tickSize: 0.1,
  fundingIntervalUs: 8 * 3_600_000_000,
};
const option = (settlement: 'linear' | 'inverse'): Instrument =>
  ({
    kind: 'option',
    id: 'BTC-OPT',
    baseCurrency: 'BTC',
    quoteCurrency: settlement === 'linear' ? 'USD' : 'BTC',
    settlement,
    settlementCurrency: settlement === 'linear' ? 'USDC' : 'BTC',
    contractSize: 1,
    tickSize: 0.0001,
    right: 'put',
    strike: 36_000,
    expiryUs: 0,
  }) as Instrument;

describe('liquidation step limits', () => {
  it('perpetuals: mark·(1 ∓ band)', () => {
    expect(stepLimit(perp, 40_000, 40_000, 0.01, true)).toBeCloseTo(39_600, 9);
    expect(stepLimit(perp, 40_000, 40_000, 0.01, false)).toBeCloseTo(40_400, 9);
  });

  it('options: the band is a fraction of the underlying, a sell never below 0', () => {
    // a 50 USD put on a 40 000 underlying, 1 % band: 400 USD either way
    expect(stepLimit(option('linear'), 50, 40_000, 0.01, false)).toBeCloseTo(450, 9);
    expect(stepLimit(option('linear'), 50, 40_000, 0.01, true)).toBe(0);
    expect(stepLimit(option('linear'), 1_500, 40_000, 0.01, true)).toBeCloseTo(1_100, 9);
    // coin-settled: 0.01 BTC per BTC of underlying
    expect(stepLimit(option('inverse'), 0.03, 40_000, 0.01, true)).toBeCloseTo(0.02, 12);
    expect(stepLimit(option('inverse'), 0.03, 40_000, 0.01, false)).toBeCloseTo(0.04, 12);
    // no index yet: the mark-relative band
    expect(stepLimit(option('linear'), 50, Number.NaN, 0.01, true)).toBeCloseTo(49.5, 9);
  });
});
