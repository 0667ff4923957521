import { describe, expect, it } from 'vitest';
import type { Instrument, OptionInstrument } from '../../domain/instrument.ts';
import { black76Price } from '../../pricing/black76.ts';
import { marketFromSnapshot } from '../market.ts';
import { portfolioPnlVector, ShockedMarket, smilesOf } from './portfolio-pnl.ts';

const DAY = 86_400e6;
const option = (strike: number, right: 'call' | 'put'): OptionInstrument => ({
  kind: 'option',
  id: `O-${strike}-${right}`,
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USD',
  contractSize: 1,
  tickSize: 1,
  expiryUs: 73 * DAY,
  strike,
  right,
  underlyingId: 'BTC',
});
const k90 = option(90, 'put');
const k100 = option(100, 'call');
const k110 = option(110, 'call');
const perp: Instrument = {
  kind: 'perpetual',
  id: 'PERP',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USD',
  contractSize: 1,
  tickSize: 1,
  fundingIntervalUs: 1,
};
const instruments = new Map<string, Instrument>([k90, k100, k110, perp].map((i) => [i.id, i]));
const market = marketFromSnapshot({
  underlying: 'BTC',
  nowUs: 0,
  spot: 100,
  vols: { [k90.id]: 0.8, [k100.id]: 0.6, [k110.id]: 0.5 },
});

describe('portfolio P&L vectors', () => {
  it('a perpetual moves one for one; an option is fully repriced (hand-checked with Black-76)', () => {
    const t = 73 / 365;
    const v = portfolioPnlVector(
      [{ instrumentId: 'PERP', qty: 2, avgEntryPrice: 100 }],
      instruments,
      market,
      [-0.1, 0.05],
    );
    expect([...v]).toEqual([2 * -10, 2 * 5].map((x) => expect.closeTo(x, 10)));
    // Short 1 call K = 100 after +10 %: F' = 110, k' = ln(100/110) = −0.0953 lies between the
    // smile points k(90) = ln 0.9 = −0.1054 (0.8) and k(100) = 0 (0.6): sticky-moneyness vol
    // = 0.6 + (0.8 − 0.6) × 0.0953/0.1054 = 0.78085.
    const kk = Math.log(100 / 110);
    const vol = 0.6 + ((0.8 - 0.6) * (kk - 0)) / (Math.log(0.9) - 0);
    const expected = -(black76Price('call', 110, 100, t, vol) - black76Price('call', 100, 100, t, 0.6));
    const w = portfolioPnlVector(
      [{ instrumentId: k100.id, qty: -1 }],
      instruments,
      market,
      [0.1],
      [k90, k100, k110],
    );
    expect(w[0]).toBeCloseTo(expected, 10);
  });

  it('sticky moneyness: after any move, an option at the same moneyness keeps its vol', () => {
    const smiles = smilesOf([k90, k100, k110], market);
    const up = new ShockedMarket(market, 0.1, smiles);
    // K = 110 at F = 110 is at the money: it takes the ATM vol 0.6 of the unshocked smile
    expect(up.volOf(k110)).toBeCloseTo(0.6, 12);
    expect(up.spot).toBeCloseTo(110, 12);
    // beyond the outermost strike the smile is flat
    expect(new ShockedMarket(market, -0.5, smiles).volOf(k90)).toBeCloseTo(0.5, 12);
  });
});
