import { describe, expect, it } from 'vitest';
import type { FutureInstrument, Instrument, OptionInstrument } from '../../../domain/instrument.ts';
import { black76Price } from '../../../pricing/black76.ts';
import { marketFromSnapshot } from '../../market.ts';
import { type GridModelConfig, gridMargin, type PositionInput } from '../grid-model.ts';
import { RiskArrays } from '../risk-arrays.ts';
import { span16 } from './span-16.ts';

const DAY_US = 86_400e6;
const NOW = 1_700_000_000_000_000;
const F = 60_000;
const VOL = 0.5;
const EXPIRY = NOW + 30 * DAY_US;
const T = 30 / 365;

const future: FutureInstrument = {
  kind: 'future',
  id: 'BTC-F30',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USD',
  contractSize: 1,
  tickSize: 5,
  expiryUs: EXPIRY,
};
function option(strike: number, right: 'call' | 'put', expiryUs = EXPIRY): OptionInstrument {
  return {
    kind: 'option',
    id: `BTC-${(expiryUs - NOW) / DAY_US}D-${strike}-${right === 'call' ? 'C' : 'P'}`,
    baseCurrency: 'BTC',
    quoteCurrency: 'USD',
    settlement: 'linear',
    settlementCurrency: 'USD',
    contractSize: 1,
    tickSize: 5,
    expiryUs,
    strike,
    right,
    underlyingId: future.id,
  };
}
const market = marketFromSnapshot({ underlying: 'BTC', nowUs: NOW, spot: F, defaultVol: VOL });

function run(config: GridModelConfig, instruments: Instrument[], positions: PositionInput[]) {
  const arrays = new RiskArrays(config.scenarios, config.volShock, (i) => i.baseCurrency);
  for (const i of instruments) arrays.register(i);
  arrays.update(market);
  return gridMargin(config, arrays, market, positions);
}

/** CME's table: price move in scan ranges, vol move in vol scan ranges, fraction considered. */
const CME_TABLE: readonly (readonly [number, number, number])[] = [
  [0, 1, 1],
  [0, -1, 1],
  [1 / 3, 1, 1],
  [1 / 3, -1, 1],
  [-1 / 3, 1, 1],
  [-1 / 3, -1, 1],
  [2 / 3, 1, 1],
  [2 / 3, -1, 1],
  [-2 / 3, 1, 1],
  [-2 / 3, -1, 1],
  [1, 1, 1],
  [1, -1, 1],
  [-1, 1, 1],
  [-1, -1, 1],
  [2, 0, 0.35],
  [-2, 0, 0.35],
];

describe('span-16', () => {
  const psr = 0.1;
  const vsr = 0.08;
  const config = span16({ priceScanRangeFrac: psr, volScanRange: vsr, shortOptionMinimumFrac: 0.002 });

  it("has CME's 16 scenarios in CME's order (2× extreme moves at 35 %)", () => {
    expect(config.scenarios).toHaveLength(16);
    config.scenarios.forEach((s, k) => {
      const [m, v, w] = CME_TABLE[k] as readonly [number, number, number];
      expect(s.move).toBeCloseTo(m * psr, 15);
      expect(s.vol).toBe(v > 0 ? 'up' : v < 0 ? 'down' : 'none');
      expect(s.weight).toBe(w);
    });
    expect(
      span16({ extremeMultiple: 3, extremeWeight: 0.33 })
        .scenarios.slice(14)
        .map((s) => [s.move, s.weight]),
    ).toEqual([
      [0.492, 0.33],
      [-0.492, 0.33],
    ]);
  });

  it('short 1 call + long 1 future: all 16 P&Ls by hand (Black-76), scan risk, NOV charge', () => {
    const call = option(63_000, 'call');
    const r = run(
      config,
      [future, call],
      [
        { instrumentId: call.id, qty: -1 },
        { instrumentId: future.id, qty: 1 },
      ],
    );
    const c0 = black76Price('call', F, 63_000, T, VOL);
    const expected = CME_TABLE.map(([m, v, w]) => {
      const f = F * (1 + m * psr);
      const callPnl = black76Price('call', f, 63_000, T, VOL + v * vsr) - c0;
      return (F * m * psr - callPnl) * w;
    });
    expected.forEach((x, k) => {
      expect(r.scenarioPnl[k]).toBeCloseTo(x, 8);
    });
    const worst = Math.min(...expected);
    expect(r.scanLoss).toBeCloseTo(-worst, 8);
    expect(r.bindingScenario).toBe(expected.indexOf(worst));
    // covered call: the loss is on the downside
    expect(config.scenarios[r.bindingScenario as number]?.move).toBeLessThan(0);
    // SOM = 0.002 × 60 000 × 1 = 120, below the scan risk; NOV charges the short call's value
    expect(r.floor).toBeNull();
    expect(r.contingencies.netOptionValue).toBeCloseTo(c0, 8);
    expect(r.im).toBeCloseTo(-worst + c0, 8);
    expect(r.mm).toBeCloseTo(r.im, 12);
  });

  it('short option minimum binds for far OTM shorts, counting max(short calls, short puts)', () => {
    const week = NOW + 7 * DAY_US;
    const farCall = option(120_000, 'call', week);
    const farPut = option(20_000, 'put', week);
    const positions = [
      { instrumentId: farCall.id, qty: -2 },
      { instrumentId: farPut.id, qty: -1 },
    ];
    const r = run(config, [farCall, farPut], positions);
    // SOM = 0.002 × 60 000 × max(2, 1) = 240 ≫ scan risk of these far OTM options
    expect(r.scanLoss).toBeLessThan(1);
    expect(r.floor?.name).toBe('shortOptionMinimum');
    expect(r.floor?.amount).toBeCloseTo(240, 9);
    const shortValue =
      2 * black76Price('call', F, 120_000, 7 / 365, VOL) + black76Price('put', F, 20_000, 7 / 365, VOL);
    expect(r.im).toBeCloseTo(240 + shortValue, 9);
    // the pre-1999 count (calls + puts) would be 360
    const total = run(
      span16({
        priceScanRangeFrac: psr,
        volScanRange: vsr,
        shortOptionMinimumFrac: 0.002,
        shortOptionMinimumMethod: 'total',
      }),
      [farCall, farPut],
      positions,
    );
    expect(total.floor?.amount).toBeCloseTo(360, 9);
  });

  it('net option value credits a long option (long call + long future)', () => {
    const call = option(60_000, 'call');
    const r = run(
      config,
      [future, call],
      [
        { instrumentId: call.id, qty: 1 },
        { instrumentId: future.id, qty: 1 },
      ],
    );
    const c0 = black76Price('call', F, 60_000, T, VOL);
    const expected = CME_TABLE.map(
      ([m, v, w]) =>
        (F * m * psr + black76Price('call', F * (1 + m * psr), 60_000, T, VOL + v * vsr) - c0) * w,
    );
    const scan = -Math.min(...expected);
    expect(r.scanLoss).toBeCloseTo(scan, 8);
    expect(r.contingencies.netOptionValue).toBeCloseTo(-c0, 8);
    expect(r.im).toBeCloseTo(scan - c0, 8);
    expect(r.im).toBeGreaterThan(0);
    // a lone long option: its value exceeds its risk → requirement 0
    expect(run(config, [call], [{ instrumentId: call.id, qty: 1 }]).im).toBe(0);
  });

  it('initial-to-maintenance ratio: IM = 1.1 × requirement, MM = requirement', () => {
    const call = option(63_000, 'call');
    const positions = [
      { instrumentId: call.id, qty: -1 },
      { instrumentId: future.id, qty: 1 },
    ];
    const base = run(config, [future, call], positions);
    const spec = run(
      span16({
        priceScanRangeFrac: psr,
        volScanRange: vsr,
        shortOptionMinimumFrac: 0.002,
        initialToMaintenance: 1.1,
      }),
      [future, call],
      positions,
    );
    expect(spec.im).toBeCloseTo(1.1 * base.im, 9);
    expect(spec.mm).toBeCloseTo(base.im, 9);
  });

  it('relative vol scan mode scales the vol instead of shifting it', () => {
    const rel = span16({ priceScanRangeFrac: psr, volScanRange: 0.2, volScanMode: 'relative' });
    const call = option(63_000, 'call');
    const r = run(rel, [call], [{ instrumentId: call.id, qty: 1 }]);
    const c0 = black76Price('call', F, 63_000, T, VOL);
    expect(r.scenarioPnl[0]).toBeCloseTo(black76Price('call', F, 63_000, T, VOL * 1.2) - c0, 8);
    expect(r.scenarioPnl[1]).toBeCloseTo(black76Price('call', F, 63_000, T, VOL * 0.8) - c0, 8);
  });

  it('rejects bad parameters', () => {
    expect(() => span16({ priceScanRangeFrac: 0 })).toThrow(/priceScanRangeFrac/);
    expect(() => span16({ extremeWeight: 2 })).toThrow(/extremeWeight/);
    expect(() => span16({ initialToMaintenance: 0.9 })).toThrow(/initialToMaintenance/);
  });
});
