import { describe, expect, it } from 'vitest';
import type { Instrument, OptionInstrument, PerpetualInstrument } from '../../../domain/instrument.ts';
import { black76Price } from '../../../pricing/black76.ts';
import { normCdf } from '../../../pricing/normal.ts';
import { marketFromSnapshot } from '../../market.ts';
import {
  type GridModelConfig,
  gridMargin,
  minDeltaRequirementBase,
  type PositionInput,
} from '../grid-model.ts';
import { RiskArrays } from '../risk-arrays.ts';
import { paradexPm } from './paradex-pm.ts';

const DAY_US = 86_400e6;
const NOW = 1_700_000_000_000_000;
const S = 70_000;
const VOL = 0.5;

const perp: PerpetualInstrument = {
  kind: 'perpetual',
  id: 'BTC-USD-PERP',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USDC',
  contractSize: 1,
  tickSize: 0.1,
  fundingIntervalUs: 8 * 3600e6,
};
function option(strike: number, right: 'call' | 'put', days: number): OptionInstrument {
  return {
    kind: 'option',
    id: `BTC-USD-${days}D-${strike}-${right === 'call' ? 'C' : 'P'}`,
    baseCurrency: 'BTC',
    quoteCurrency: 'USD',
    settlement: 'linear',
    settlementCurrency: 'USDC',
    contractSize: 1,
    tickSize: 0.1,
    expiryUs: NOW + days * DAY_US,
    strike,
    right,
    underlyingId: 'BTC',
  };
}
const market = marketFromSnapshot({ underlying: 'BTC', nowUs: NOW, spot: S, defaultVol: VOL });

function run(config: GridModelConfig, instruments: Instrument[], positions: PositionInput[]) {
  const arrays = new RiskArrays(config.scenarios, config.volShock, (i) => i.baseCurrency);
  for (const i of instruments) arrays.register(i);
  arrays.update(market);
  return gridMargin(config, arrays, market, positions);
}

/** Paradex's scenario table (docs.paradex.trade/risk/portfolio-margin): spot, vol, weight. */
const TABLE: readonly (readonly [number, number, number])[] = [
  [0.16, 0.4, 1],
  [0.12, 0.4, 1],
  [0.12, -0.22, 1],
  [0.08, 0.4, 1],
  [0.08, -0.22, 1],
  [0.04, 0.4, 1],
  [0.04, -0.22, 1],
  [0, 0.4, 1],
  [0, -0.22, 1],
  [-0.04, 0.4, 1],
  [-0.04, -0.22, 1],
  [-0.08, 0.4, 1],
  [-0.08, -0.22, 1],
  [-0.12, 0.4, 1],
  [-0.12, -0.22, 1],
  [-0.16, 0.4, 1],
  [-0.66, 0.4, 0.24],
  [-0.33, 0.4, 0.48],
  [0.5, 0.4, 0.32],
  [1, 0.4, 0.16],
  [2, 0.4, 0.08],
  [3, 0.4, 0.0533],
  [4, 0.4, 0.04],
  [5, 0.4, 0.032],
];

/** Shocked vol: IV × (1 + shock × (30 / max(1, DTE))^p), p = 0.3 under 30 days, else 0.13. */
function shocked(days: number, shock: number): number {
  const p = days < 30 ? 0.3 : 0.13;
  return VOL * (1 + shock * (30 / Math.max(1, days)) ** p);
}

describe('paradex-pm', () => {
  const config = paradexPm();

  it('16 regular scenarios to ±16 % and 8 tails, as in the published table', () => {
    expect(config.scenarios).toHaveLength(24);
    config.scenarios.forEach((s, k) => {
      const [m, v, w] = TABLE[k] as readonly [number, number, number];
      expect(s.move).toBeCloseTo(m, 12);
      expect(s.vol).toBe(v > 0 ? 'up' : 'down');
      // the table prints 5.33 % for 0.16 / 3
      expect(s.weight).toBeCloseTo(w, k === 21 ? 4 : 12);
      expect(s.family).toBe(k < 16 ? 'regular' : 'tail');
    });
    expect(config.mmFactor).toBe(0.5);
  });

  it('vol shocks +40 % / −22 % scaled by (30 / max(1, DTE))^power (Black-76 by hand)', () => {
    for (const days of [0.5, 10, 30, 60]) {
      const call = option(72_000, 'call', days);
      const t = days / 365;
      const r = run(config, [call], [{ instrumentId: call.id, qty: 1 }]);
      const c0 = black76Price('call', S, 72_000, t, VOL);
      TABLE.forEach(([m, v], k) => {
        const weight = config.scenarios[k]?.weight as number;
        const expected = (black76Price('call', S * (1 + m), 72_000, t, shocked(days, v)) - c0) * weight;
        expect(r.scenarioPnl[k]).toBeCloseTo(expected, 8);
      });
    }
  });

  it("minimum delta requirement: Paradex's worked example", () => {
    // long 1 perp (Δ +1), short 5 calls of Δ 0.3: net −0.5, gross 2.5, hedged (2.5 − 0.5)/2 = 1
    const spec = { netFrac: 0.02, hedgedFrac: 0.01 };
    expect(minDeltaRequirementBase(-0.5, 2.5, spec) * 70_000).toBeCloseTo(1400, 9);
  });

  it('long 1 perp + short 5 calls: IM = max(SCAN, min delta) by hand, MM = 50 % IM', () => {
    const days = 7;
    const t = days / 365;
    const call = option(75_000, 'call', days);
    const r = run(
      config,
      [perp, call],
      [
        { instrumentId: perp.id, qty: 1 },
        { instrumentId: call.id, qty: -5 },
      ],
    );
    const c0 = black76Price('call', S, 75_000, t, VOL);
    const pnl = config.scenarios.map((s, k) => {
      const volShock = (TABLE[k] as readonly [number, number, number])[1];
      const callPnl = black76Price('call', S * (1 + s.move), 75_000, t, shocked(days, volShock)) - c0;
      return (S * s.move - 5 * callPnl) * s.weight;
    });
    const scan = Math.max(0, -Math.min(...pnl));
    const sd = VOL * Math.sqrt(t);
    const callDelta = normCdf((Math.log(S / 75_000) + 0.5 * sd * sd) / sd);
    const net = 1 - 5 * callDelta;
    const gross = 1 + 5 * callDelta;
    const minDelta = (0.02 * Math.abs(net) + 0.01 * ((gross - Math.abs(net)) / 2)) * S;
    expect(r.netDeltaBase).toBeCloseTo(net, 6);
    expect(r.scanLoss).toBeCloseTo(scan, 8);
    expect(r.im).toBeCloseTo(Math.max(scan, minDelta), 4);
    expect(r.mm).toBeCloseTo(0.5 * r.im, 12);
  });

  it('the minimum delta requirement binds for a hedged deep ITM call (synthetic put, little scan risk)', () => {
    const days = 7;
    const t = days / 365;
    const call = option(35_000, 'call', days);
    const r = run(
      config,
      [perp, call],
      [
        { instrumentId: perp.id, qty: -1 },
        { instrumentId: call.id, qty: 1 },
      ],
    );
    const sd = VOL * Math.sqrt(t);
    const callDelta = normCdf((Math.log(S / 35_000) + 0.5 * sd * sd) / sd);
    const net = callDelta - 1;
    const gross = 1 + callDelta;
    const minDelta = (0.02 * Math.abs(net) + 0.01 * ((gross - Math.abs(net)) / 2)) * S;
    expect(r.floor?.name).toBe('minDeltaRequirement');
    expect(r.floor?.amount).toBeCloseTo(minDelta, 4);
    expect(r.scanLoss).toBeLessThan(minDelta);
    expect(r.im).toBeCloseTo(minDelta, 4);
    expect(r.mm).toBeCloseTo(0.5 * r.im, 12);
  });

  it('overrides: a different range rescales the published tail weights', () => {
    const c = paradexPm({ spotRange: 0.2 });
    expect(c.scenarios[0]?.move).toBeCloseTo(0.2, 12);
    expect(c.scenarios[16]?.move).toBe(-0.66);
    expect(c.scenarios[16]?.weight).toBeCloseTo(0.3, 12);
    expect(c.scenarios[23]?.weight).toBeCloseTo(0.04, 12);
    expect(() => paradexPm({ stepsPerSide: 0 })).toThrow(/stepsPerSide/);
  });
});
