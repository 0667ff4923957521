import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Instrument } from '../domain/instrument.ts';
import {
  accountMargin,
  applyWhatIf,
  DEFAULT_STATE_THRESHOLDS,
  marginState,
  positionValue,
  type UnderlyingMarginModel,
} from './account-margin.ts';
import { marketFromSnapshot } from './market.ts';

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
const call: Instrument = {
  kind: 'option',
  id: 'C',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USD',
  contractSize: 1,
  tickSize: 1,
  expiryUs: 30 * 86_400e6,
  strike: 100,
  right: 'call',
  underlyingId: 'BTC',
};
const ctx = {
  instruments: new Map<string, Instrument>([
    ['P', perp],
    ['C', call],
  ]),
  markets: new Map([
    ['BTC', marketFromSnapshot({ underlying: 'BTC', nowUs: 0, spot: 100, defaultVol: 0.5 })],
  ]),
};
/** A toy model: IM = 10 × |net quantity|, MM = half. */
const netQty: UnderlyingMarginModel = {
  name: 'net-qty',
  margin: (positions) => {
    const q = Math.abs(positions.reduce((s, p) => s + p.qty, 0));
    return { im: 10 * q, mm: 5 * q, explain: null };
  },
};

describe('account margin', () => {
  it('classifies states by equity against IM, IM + buffer and MM', () => {
    const t = DEFAULT_STATE_THRESHOLDS; // buffer 20 %
    expect(marginState(130, 100, 50, t)).toBe('healthy');
    expect(marginState(119, 100, 50, t)).toBe('warning');
    expect(marginState(99, 100, 50, t)).toBe('margin-call');
    expect(marginState(49, 100, 50, t)).toBe('liquidatable');
    expect(marginState(-1, 100, 50, t)).toBe('bankrupt');
    expect(marginState(0, 0, 0, t)).toBe('healthy');
  });

  it('margins open orders as filled in the worst direction', () => {
    const input = {
      account: 'a',
      collateral: [{ currency: 'USD', amount: 1000 }],
      positions: [{ instrumentId: 'P', qty: 3 }],
      openOrders: [
        { instrumentId: 'P', qty: 2 },
        { instrumentId: 'P', qty: -8 },
      ],
    };
    // positions alone |3| → 30; with buys |5| → 50; with sells |−5| → 50; buys come first on a tie
    const r = accountMargin(input, netQty, ctx);
    expect(r.pools[0]?.underlyings[0]).toMatchObject({ im: 50, mm: 25, openOrdersAssumed: 'buys' });
    const r2 = accountMargin({ ...input, openOrders: [{ instrumentId: 'P', qty: -10 }] }, netQty, ctx);
    expect(r2.pools[0]?.underlyings[0]).toMatchObject({ im: 70, openOrdersAssumed: 'sells' });
  });

  it('collateral in another currency does not back a pool; multipliers scale IM and MM', () => {
    const r = accountMargin(
      {
        account: 'a',
        collateral: [{ currency: 'BTC', amount: 5 }],
        positions: [{ instrumentId: 'P', qty: 1 }],
      },
      netQty,
      ctx,
      2,
    );
    expect(r.pools.map((p) => [p.currency, p.equity, p.im, p.mm, p.state])).toEqual([
      ['BTC', 5, 0, 0, 'healthy'],
      ['USD', 0, 20, 10, 'liquidatable'],
    ]);
    expect(r.state).toBe('liquidatable');
  });

  it('what-if fills at the current value never change equity (property)', () => {
    const market = ctx.markets.get('BTC');
    fc.assert(
      fc.property(fc.integer({ min: -20, max: 20 }), fc.integer({ min: -20, max: 20 }), (qp, qc) => {
        const input = {
          account: 'a',
          collateral: [{ currency: 'USD', amount: 500 }],
          positions: [{ instrumentId: 'P', qty: 2, avgEntryPrice: 90 }],
        };
        const equity = (i: typeof input) =>
          i.collateral[0]!.amount +
          i.positions.reduce(
            (s, p) => s + positionValue(ctx.instruments.get(p.instrumentId)!, p, market!),
            0,
          );
        const after = applyWhatIf(
          input,
          [
            { instrumentId: 'P', qty: qp },
            { instrumentId: 'C', qty: qc },
          ],
          ctx,
        );
        return Math.abs(equity(after as typeof input) - equity(input)) < 1e-9;
      }),
      { seed: 5, numRuns: 200 },
    );
  });

  it('adding collateral never raises the requirement nor worsens the state (property)', () => {
    const order = ['healthy', 'warning', 'margin-call', 'liquidatable', 'bankrupt'];
    fc.assert(
      fc.property(
        fc.integer({ min: -20, max: 20 }),
        fc.integer({ min: -20, max: 20 }),
        fc.double({ min: -500, max: 500, noNaN: true }),
        fc.double({ min: 0, max: 1000, noNaN: true }),
        (qp, qc, cash, extra) => {
          const base = {
            account: 'a',
            positions: [
              { instrumentId: 'P', qty: qp },
              { instrumentId: 'C', qty: qc },
            ],
          };
          const a = accountMargin({ ...base, collateral: [{ currency: 'USD', amount: cash }] }, netQty, ctx);
          const b = accountMargin(
            { ...base, collateral: [{ currency: 'USD', amount: cash + extra }] },
            netQty,
            ctx,
          );
          return b.pools[0]!.im === a.pools[0]!.im && order.indexOf(b.state) <= order.indexOf(a.state);
        },
      ),
      { seed: 6, numRuns: 300 },
    );
  });
});
