import { describe, expect, it } from 'vitest';
import type { Instrument } from './instrument.ts';
import { notionalQuote, notionalSettlement } from './instrument.ts';
import { applyFill, applyFunding, emptyPosition, pnlSettle, unrealizedPnlSettle } from './position.ts';

const linearPerp: Instrument = {
  kind: 'perpetual',
  id: 'BTCUSDT',
  baseCurrency: 'BTC',
  quoteCurrency: 'USDT',
  settlement: 'linear',
  settlementCurrency: 'USDT',
  contractSize: 0.001,
  tickSize: 0.1,
  fundingIntervalUs: 8 * 3600e6,
};
const inversePerp: Instrument = {
  kind: 'perpetual',
  id: 'BTC-PERPETUAL',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'inverse',
  settlementCurrency: 'BTC',
  contractSize: 10,
  tickSize: 0.5,
  fundingIntervalUs: 8 * 3600e6,
};

describe('positions', () => {
  it('linear: 1000 contracts of 0.001 BTC from 100 to 110 earn 10 USDT', () => {
    expect(pnlSettle(linearPerp, 1000, 100, 110)).toBeCloseTo(10, 12);
    expect(notionalSettlement(linearPerp, 1000, 110)).toBeCloseTo(110, 12);
  });

  it('inverse: 1000 USD-10 contracts long from 50 000 to 40 000 lose 10 000 × (1/50000 − 1/40000) = −0.05 BTC', () => {
    expect(pnlSettle(inversePerp, 1000, 50_000, 40_000)).toBeCloseTo(-0.05, 12);
    expect(notionalSettlement(inversePerp, 1000, 40_000)).toBeCloseTo(0.25, 12);
    expect(notionalQuote(inversePerp, 1000, 40_000)).toBe(10_000);
  });

  it('averages entry arithmetically for linear and harmonically for inverse', () => {
    const l = applyFill(linearPerp, applyFill(linearPerp, emptyPosition('BTCUSDT'), 1, 100), 3, 200);
    expect(l.avgEntryPrice).toBeCloseTo(175, 12);
    const inv = applyFill(
      inversePerp,
      applyFill(inversePerp, emptyPosition('BTC-PERPETUAL'), 1, 100),
      1,
      200,
    );
    // harmonic mean of 100 and 200 = 2 / (1/100 + 1/200) = 133.33…
    expect(inv.avgEntryPrice).toBeCloseTo(400 / 3, 10);
    // P&L stays additive: the two lots separately equal the averaged position.
    const separate = pnlSettle(inversePerp, 1, 100, 150) + pnlSettle(inversePerp, 1, 200, 150);
    expect(unrealizedPnlSettle(inversePerp, inv, 150)).toBeCloseTo(separate, 14);
  });

  it('realizes P&L on reduction and flips through zero at the fill price', () => {
    let p = applyFill(linearPerp, emptyPosition('BTCUSDT'), 10_000, 100); // 10 BTC long
    p = applyFill(linearPerp, p, -4_000, 110); // sell 4 BTC: +40
    expect(p.realizedPnlSettle).toBeCloseTo(40, 10);
    expect(p.qtyContracts).toBe(6_000);
    expect(p.avgEntryPrice).toBe(100);
    p = applyFill(linearPerp, p, -10_000, 90); // close 6 BTC at 90 (−60), open 4 BTC short at 90
    expect(p.realizedPnlSettle).toBeCloseTo(-20, 10);
    expect(p.qtyContracts).toBe(-4_000);
    expect(p.avgEntryPrice).toBe(90);
  });

  it('longs pay positive funding on their value at mark', () => {
    const p = applyFunding(
      linearPerp,
      applyFill(linearPerp, emptyPosition('BTCUSDT'), 2_000, 100),
      0.0001,
      120,
    );
    expect(p.fundingPaidSettle).toBeCloseTo(2 * 120 * 0.0001, 12);
  });
});
