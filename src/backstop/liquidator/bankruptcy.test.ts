import { describe, expect, it } from 'vitest';
import type { Instrument } from '../../domain/instrument.ts';
import { bankruptcyPrices, closeValueChange, type MarkedLeg } from './bankruptcy.ts';

const linear: Instrument = {
  kind: 'perpetual',
  id: 'BTC-USDC',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USDC',
  contractSize: 1,
  tickSize: 0.5,
  fundingIntervalUs: 8 * 3600e6,
};
const inverse: Instrument = {
  ...linear,
  id: 'BTC-INV',
  settlement: 'inverse',
  settlementCurrency: 'BTC',
  contractSize: 10,
};
const call: Instrument = {
  kind: 'option',
  id: 'BTC-C',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USDC',
  contractSize: 1,
  tickSize: 1,
  expiryUs: 30 * 86_400e6,
  strike: 100_000,
  right: 'call',
  underlyingId: 'BTC',
};

const totalChange = (legs: MarkedLeg[], prices: readonly number[]) =>
  legs.reduce((s, l, n) => s + closeValueChange(l.instrument, l.qty, l.mark, prices[n] as number), 0);

describe('bankruptcy prices', () => {
  it('one linear long: m − equity / q (by hand: 50 000 − 3 000 / 2 = 48 500)', () => {
    const r = bankruptcyPrices([{ instrument: linear, qty: 2, mark: 50_000 }], 3_000);
    expect(r.method).toBe('closed-form');
    expect(r.prices).toEqual([48_500]);
  });

  it('one linear short, and a bankrupt long (negative equity: price above mark)', () => {
    expect(bankruptcyPrices([{ instrument: linear, qty: -2, mark: 50_000 }], 3_000).prices).toEqual([51_500]);
    expect(bankruptcyPrices([{ instrument: linear, qty: 1, mark: 85_000 }], -5_000).prices).toEqual([90_000]);
  });

  it('inverse: solves q·size·(1/m − 1/p) = −equity (by hand p = 1 / (1/m + e/(q·size)))', () => {
    const legs = [{ instrument: inverse, qty: 1_000, mark: 50_000 }];
    const r = bankruptcyPrices(legs, 0.02);
    expect(r.method).toBe('bisection');
    const byHand = 1 / (1 / 50_000 + 0.02 / 10_000); // 45 454.545…
    expect(r.prices[0]).toBeCloseTo(byHand, 6);
    expect(totalChange(legs, r.prices)).toBeCloseTo(-0.02, 12);
  });

  it('a portfolio shares one concession in proportion to each mark: closing all leaves equity 0', () => {
    const legs: MarkedLeg[] = [
      { instrument: linear, qty: 1, mark: 100_000 },
      { instrument: call, qty: -10, mark: 2_000 },
    ];
    const r = bankruptcyPrices(legs, 6_000);
    // slope = 1·100 000 + 10·2 000 = 120 000, k = 0.05: long sells at 95 000, short buys at 2 100
    expect(r.concession).toBeCloseTo(0.05, 15);
    expect(r.prices[0]).toBeCloseTo(95_000, 9);
    expect(r.prices[1]).toBeCloseTo(2_100, 9);
    expect(totalChange(legs, r.prices)).toBeCloseTo(-6_000, 8);
  });

  it('no legs: nothing to price', () => {
    expect(bankruptcyPrices([], 10).prices).toEqual([]);
  });
});
