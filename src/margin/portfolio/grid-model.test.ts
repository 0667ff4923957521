import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Instrument, OptionInstrument } from '../../domain/instrument.ts';
import { black76Price } from '../../pricing/black76.ts';
import { marketFromSnapshot } from '../market.ts';
import { type GridModelConfig, gridMargin, type PositionInput } from './grid-model.ts';
import { referenceWorstPnl } from './reference-grid.ts';
import { RiskArrays } from './risk-arrays.ts';
import { evenMoves, regularGrid, type VolShockSpec } from './scenarios.ts';

const DAY_US = 86_400e6;
const NOW = 1_700_000_000_000_000;
const volShock: VolShockSpec = {
  mode: 'relative',
  upFrac: 0.5,
  downFrac: 0.25,
  pivotDays: 30,
  floorDays: 1,
  shortTermPower: 0.3,
  longTermPower: 0.13,
  minVolUp: 0,
};
const config: GridModelConfig = {
  name: 'test-grid',
  scenarios: regularGrid(evenMoves(0.16, 4), ['down', 'none', 'up']),
  volShock,
  mmFactor: 0.8,
  contingencies: {},
};

function option(strike: number, right: 'call' | 'put', days: number): OptionInstrument {
  return {
    kind: 'option',
    id: `BTC-${days}D-${strike}-${right === 'call' ? 'C' : 'P'}`,
    baseCurrency: 'BTC',
    quoteCurrency: 'USD',
    settlement: 'linear',
    settlementCurrency: 'USD',
    contractSize: 1,
    tickSize: 0.1,
    expiryUs: NOW + days * DAY_US,
    strike,
    right,
    underlyingId: 'BTC',
  };
}
const perp: Instrument = {
  kind: 'perpetual',
  id: 'BTC-PERP',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USD',
  contractSize: 0.001,
  tickSize: 0.5,
  fundingIntervalUs: 8 * 3600e6,
};
const chain: Instrument[] = [perp];
for (const days of [7, 30, 90])
  for (const k of [50_000, 55_000, 60_000, 65_000, 70_000]) {
    chain.push(option(k, 'call', days), option(k, 'put', days));
  }
const byId = new Map(chain.map((i) => [i.id, i]));
const market = marketFromSnapshot({
  underlying: 'BTC',
  nowUs: NOW,
  spot: 60_000,
  defaultVol: 0.6,
  marks: { 'BTC-PERP': 60_010 },
});

function arrays() {
  const a = new RiskArrays(config.scenarios, config.volShock, (i) => i.baseCurrency);
  for (const i of chain) a.register(i);
  a.update(market);
  return a;
}

describe('grid portfolio margin', () => {
  it('a short 30-day ATM call: worst row is +16 % with vol up (hand check with Black-76)', () => {
    const a = arrays();
    const call = option(60_000, 'call', 30);
    const r = gridMargin(config, a, market, [{ instrumentId: call.id, qty: -1 }]);
    // τ = 30/30 = 1 → vol up = 0.6 × 1.5 = 0.9; T = 30/365.
    const t = 30 / 365;
    const expected =
      black76Price('call', 69_600, 60_000, t, 0.9) - black76Price('call', 60_000, 60_000, t, 0.6);
    expect(r.scanLoss).toBeCloseTo(expected, 8);
    expect(config.scenarios[r.bindingScenario as number]).toMatchObject({ move: 0.16, vol: 'up' });
    expect(r.im).toBeCloseTo(expected, 8);
    expect(r.mm).toBeCloseTo(0.8 * expected, 8);
    expect(r.contributions).toEqual([{ instrumentId: call.id, qty: -1, pnlAtBinding: -r.scanLoss }]);
  });

  it('agrees with the naive repricing reference on random portfolios (second method)', () => {
    const a = arrays();
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            k: fc.integer({ min: 0, max: chain.length - 1 }),
            qty: fc.integer({ min: -50, max: 50 }),
          }),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        (legs) => {
          const positions = legs.map((l) => ({ instrumentId: (chain[l.k] as Instrument).id, qty: l.qty }));
          const fast = gridMargin(config, a, market, positions);
          const ref = referenceWorstPnl(config, byId, market, positions);
          const scale = Math.max(1, Math.abs(ref.pnl));
          return Math.abs(Math.max(0, -ref.pnl) - fast.scanLoss) <= 1e-9 * scale;
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });

  it('a position and its exact opposite have zero scenario loss (property)', () => {
    const a = arrays();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: chain.length - 1 }), fc.integer({ min: 1, max: 100 }), (k, q) => {
        const id = (chain[k] as Instrument).id;
        const r = gridMargin(config, a, market, [
          { instrumentId: id, qty: q },
          { instrumentId: id, qty: -q },
        ]);
        return r.scanLoss === 0 && r.scenarioPnl.every((x) => x === 0);
      }),
      { seed: 12, numRuns: 100 },
    );
  });

  it('a hedged book never needs more than the sum of its parts (property, all contingencies on)', () => {
    const a = arrays();
    const full: GridModelConfig = {
      ...config,
      contingencies: {
        nakedShortPerStrikeFrac: 0.01,
        perpFrac: 0.005,
        shortOptionMinimumFrac: 0.02,
        minDeltaChargeFrac: 0.003,
        rollShock: { minAnnualisedMove: 0.01, annualisedMoveRisk: 0.075 },
      },
    };
    const leg = fc.record({
      k: fc.integer({ min: 0, max: chain.length - 1 }),
      qty: fc.integer({ min: -20, max: 20 }),
    });
    fc.assert(
      fc.property(
        fc.array(leg, { minLength: 1, maxLength: 5 }),
        fc.array(leg, { minLength: 1, maxLength: 5 }),
        (x, y) => {
          const toPos = (ls: { k: number; qty: number }[]): PositionInput[] =>
            ls.map((l) => ({ instrumentId: (chain[l.k] as Instrument).id, qty: l.qty }));
          const px = toPos(x);
          const py = toPos(y);
          const both = gridMargin(full, a, market, [...px, ...py]).im;
          const parts = gridMargin(full, a, market, px).im + gridMargin(full, a, market, py).im;
          return both <= parts + 1e-6 * Math.max(1, parts);
        },
      ),
      { seed: 13, numRuns: 300 },
    );
  });

  it('contingencies and floors by hand: naked shorts per strike, perp charge, short option minimum', () => {
    const a = arrays();
    const c30 = option(60_000, 'call', 30);
    const p30 = option(60_000, 'put', 30);
    const cfg: GridModelConfig = {
      ...config,
      contingencies: { nakedShortPerStrikeFrac: 0.01, perpFrac: 0.005, shortOptionMinimumFrac: 10 },
    };
    // short 2 calls, long 1 put at the same strike: naked = 2 − 1 = 1 contract → 0.01 × 60 000 = 600
    // perp: 1000 contracts × 0.001 BTC = 1 BTC → 0.005 × 60 000 = 300
    // SOM floor: 2 short contracts × 60 000 × 10 = 1 200 000, far above the scan → binds
    const r = gridMargin(cfg, a, market, [
      { instrumentId: c30.id, qty: -2 },
      { instrumentId: p30.id, qty: 1 },
      { instrumentId: 'BTC-PERP', qty: 1000 },
    ]);
    expect(r.contingencies.nakedShort).toBeCloseTo(600, 9);
    expect(r.contingencies.perp).toBeCloseTo(300, 9);
    expect(r.floor).toEqual({ name: 'shortOptionMinimum', amount: 1_200_000 });
    expect(r.im).toBe(1_200_000);
  });
});
