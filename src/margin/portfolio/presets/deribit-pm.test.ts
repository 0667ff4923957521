import { describe, expect, it } from 'vitest';
import type {
  FutureInstrument,
  Instrument,
  OptionInstrument,
  PerpetualInstrument,
} from '../../../domain/instrument.ts';
import { black76Price } from '../../../pricing/black76.ts';
import { marketFromSnapshot, type UnderlyingMarket } from '../../market.ts';
import { type GridModelConfig, gridMargin, type PositionInput } from '../grid-model.ts';
import { RiskArrays } from '../risk-arrays.ts';
import { deribitPm, deribitPmParams } from './deribit-pm.ts';

const HOUR_US = 3600e6;

function perp(base: 'BTC' | 'ETH', contractSize: number): PerpetualInstrument {
  return {
    kind: 'perpetual',
    id: `${base}-PERPETUAL`,
    baseCurrency: base,
    quoteCurrency: 'USD',
    settlement: 'inverse',
    settlementCurrency: base,
    contractSize,
    tickSize: 0.5,
    fundingIntervalUs: 8 * HOUR_US,
  };
}

function run(
  config: GridModelConfig,
  instruments: Instrument[],
  market: UnderlyingMarket,
  positions: PositionInput[],
) {
  const arrays = new RiskArrays(config.scenarios, config.volShock, (i) => i.baseCurrency);
  for (const i of instruments) arrays.register(i);
  arrays.update(market);
  return gridMargin(config, arrays, market, positions);
}

/**
 * Recorded mainnet response of `private/pme/simulate` (ETH, 2026-02-15,
 * ../shared/conformance/deribit-pm/recorded-response.md): a short ETH-PERPETUAL of
 * −0.999487053 ETH, index 1949.34, mark 1949.49.
 */
describe('deribit-pm reproduces the recorded ETH response', () => {
  const ethPerp = perp('ETH', 1);
  const mark = 1949.49;
  const market = marketFromSnapshot({
    underlying: 'ETH',
    nowUs: 1_771_197_609_587_000,
    spot: 1949.34,
    marks: { 'ETH-PERPETUAL': mark },
  });
  // USD contracts of 1 USD: −0.999487053 ETH at the mark.
  const positions = [{ instrumentId: ethPerp.id, qty: -0.999487053 * mark }];
  const config = deribitPm({ underlying: 'ETH' });
  const standard = [
    0.21939959699999997, 0.155989308849711, 0.09885036787912087, 0.04709624857068063, 0, -0.04304011233014354,
    -0.08252645391743119, -0.11888171996035243, -0.15246412672881357,
  ];
  const extended = [
    0.21939959699999997, 0.21939959699999997, -0.15246412672881357, -0.15246412672881357,
    -0.15246412672881357, -0.15246412672881357, -0.15246412672881357, -0.15246412672881357,
  ];

  it('has the recorded parameters: range 0.18, 4 buckets, 3 vol states, 8 extended moves, mm 0.8', () => {
    expect(config.scenarios).toHaveLength(27 + 8);
    expect(config.scenarios.slice(0, 27).map((s) => s.move)).toEqual(
      [-0.18, -0.135, -0.09, -0.045, 0, 0.045, 0.09, 0.135, 0.18].flatMap((m) => [m, m, m]),
    );
    expect(config.scenarios.slice(27).map((s) => [s.move, s.vol])).toEqual(
      [-0.66, -0.33, 0.5, 1, 2, 3, 4, 5].map((m) => [m, 'up']),
    );
    expect(config.mmFactor).toBe(0.8);
    expect(config.contingencies.rollShock).toEqual({ minAnnualisedMove: 0.005, annualisedMoveRisk: 0.05 });
    expect(config.volShock).toMatchObject({ upFrac: 0.4, downFrac: 0.25, minVolUp: 0.5 });
  });

  it('standard vector (same for every vol state: a perp has no vega)', () => {
    const r = run(config, [ethPerp], market, positions);
    for (let b = 0; b < 9; b++)
      for (let v = 0; v < 3; v++) expect(r.scenarioPnl[3 * b + v]).toBeCloseTo(standard[b] as number, 12);
  });

  it('extended vector before the dampener equals the ±18 % values; the dampener takes it to 0', () => {
    const undamped = run(
      deribitPm({ underlying: 'ETH', overrides: { extendedDampener: 0 } }),
      [ethPerp],
      market,
      positions,
    );
    extended.forEach((x, k) => {
      expect(undamped.scenarioPnl[27 + k]).toBeCloseTo(x, 12);
    });
    // aggregated_risk_vectors.eth_eth.extended: all 0 after the 200 000 USD dampener
    const r = run(config, [ethPerp], market, positions);
    expect(r.scenarioPnl.slice(27)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('worst case, roll shock, delta shock, IM and MM', () => {
    const r = run(config, [ethPerp], market, positions);
    expect(Math.abs(r.scanLoss - 0.15246412672881357)).toBeLessThan(1e-12);
    expect(config.scenarios[r.bindingScenario as number]).toMatchObject({ move: 0.18, family: 'regular' });
    expect(Math.abs((r.contingencies.rollShock as number) - 0.004997435265)).toBeLessThan(1e-12);
    expect(r.contingencies.deltaShock).toBe(0);
    expect(Math.abs(r.im - 0.157461562265)).toBeLessThan(1e-9);
    expect(Math.abs(r.mm - 0.125969249812)).toBeLessThan(1e-9);
  });
});

/**
 * Deribit API reference, `private/pme/simulate` response example (BTC, timestamp
 * 1718619740501): BTC-PERPETUAL 0.314538364 BTC and BTC-28JUN24 −0.001187534 BTC, index
 * 65666.19. The future (≈ 10.9 days) is what pins the roll shock: 0.075 × T < 0.01 so both legs
 * take the 0.01 minimum and add up without netting (0.01 × 0.315725898). The earlier engine rule,
 * |net perp + future| × max(0.01, 0.075 × √T), gives 0.0040615; √T per leg gives 0.0031608.
 */
describe('deribit-pm reproduces the API-reference BTC example (perpetual + future)', () => {
  const btcPerp = perp('BTC', 10);
  const future: FutureInstrument = {
    kind: 'future',
    id: 'BTC-28JUN24',
    baseCurrency: 'BTC',
    quoteCurrency: 'USD',
    settlement: 'inverse',
    settlementCurrency: 'BTC',
    contractSize: 10,
    tickSize: 2.5,
    expiryUs: Date.UTC(2024, 5, 28, 8) * 1000,
  };
  const marks = { 'BTC-PERPETUAL': 65910.57, 'BTC-28JUN24': 67371.75 };
  const market = marketFromSnapshot({
    underlying: 'BTC',
    nowUs: 1_718_619_740_501_000,
    spot: 65666.19,
    marks,
  });
  const positions = [
    { instrumentId: btcPerp.id, qty: (0.314538364 * marks['BTC-PERPETUAL']) / 10 },
    { instrumentId: future.id, qty: (-0.001187534 * marks['BTC-28JUN24']) / 10 },
  ];
  const perpStd = [
    -0.05991206933333334, -0.04289159509090909, -0.027351162086956524, -0.013105765166666668, 0,
    0.012097629384615385, 0.023299138074074074, 0.033700538999999995, 0.043384601931034494,
  ];
  const futStd = [
    0.0002261969523809524, 0.00016193645454545456, 0.00010326382608695652, 0.00004948058333333334, 0,
    -0.00004567438461538462, -0.00008796548148148148, -0.0001272357857142857, -0.00016379779310344832,
  ];

  it('vectors, worst case, roll shock, IM and MM', () => {
    const config = deribitPm({ underlying: 'BTC' });
    const r = run(config, [btcPerp, future], market, positions);
    for (let b = 0; b < 9; b++)
      for (let v = 0; v < 3; v++)
        expect(r.scenarioPnl[3 * b + v]).toBeCloseTo((perpStd[b] as number) + (futStd[b] as number), 12);
    expect(r.scenarioPnl.slice(27)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Math.abs(r.scanLoss - 0.05968587238095239)).toBeLessThan(1e-12);
    expect(config.scenarios[r.bindingScenario as number]).toMatchObject({ move: -0.16 });
    expect(Math.abs((r.contingencies.rollShock as number) - 0.00315725898)).toBeLessThan(1e-12);
    expect(r.contingencies.deltaShock).toBe(0);
    expect(Math.abs(r.im - 0.06284313098)).toBeLessThan(1e-9);
    expect(Math.abs(r.mm - 0.050274504784)).toBeLessThan(1e-9);
    // undamped tails are the ±16 % values of each leg (initial_risk_vectors.*.extended)
    const undamped = run(
      deribitPm({ overrides: { extendedDampener: 0 } }),
      [btcPerp, future],
      market,
      positions,
    );
    const left = (perpStd[0] as number) + (futStd[0] as number);
    const right = (perpStd[8] as number) + (futStd[8] as number);
    [left, left, right, right, right, right, right, right].forEach((x, k) => {
      expect(undamped.scenarioPnl[27 + k]).toBeCloseTo(x, 12);
    });
  });

  it('roll shock: a future far enough out pays annualisedMoveRisk × T (linear in T)', () => {
    const config = deribitPm({ underlying: 'BTC' });
    const far: FutureInstrument = { ...future, id: 'BTC-FAR', expiryUs: market.nowUs + 0.5 * 31_536_000e6 };
    const r = run(config, [far], market, [{ instrumentId: far.id, qty: -2 * 65666.19 }]);
    // base = −2 × 65666.19 × 10 / 65666.19 (mark = forward = spot) = −20 BTC; move = 0.075 × 0.5
    expect(r.contingencies.rollShock).toBeCloseTo(20 * 0.075 * 0.5, 12);
  });
});

describe('deribit-pm hand checks', () => {
  const spot = 65666.19;
  const nowUs = 1_718_619_740_501_000;
  const market = marketFromSnapshot({ underlying: 'BTC', nowUs, spot, defaultVol: 0.6 });
  const btcPerp = perp('BTC', 10);

  it('delta liquidity shock: m_inc × excess coin delta over the USD threshold, capped at max_delta_shock', () => {
    const config = deribitPm({ underlying: 'BTC' });
    const p = deribitPmParams('BTC');
    for (const base of [200, 500, 5000]) {
      // mark = spot: qty USD contracts of 10 USD = base BTC
      const r = run(config, [btcPerp], market, [{ instrumentId: btcPerp.id, qty: (base * spot) / 10 }]);
      const excess = Math.max(0, base - p.deltaTotalLiqShockThreshold / spot);
      const expected = base * Math.min(p.maxDeltaShock, p.mInc * excess);
      expect(r.contingencies.deltaShock).toBeCloseTo(expected, 9);
      expect(r.im).toBeCloseTo(r.scanLoss + (r.contingencies.rollShock as number) + expected, 9);
    }
    // 200 BTC ≈ 13.1 M USD < 20 M: no shock; 5000 BTC: capped at 10 % → 500 BTC
    expect(
      run(config, [btcPerp], market, [{ instrumentId: btcPerp.id, qty: (200 * spot) / 10 }]).contingencies
        .deltaShock,
    ).toBe(0);
    expect(
      run(config, [btcPerp], market, [{ instrumentId: btcPerp.id, qty: (5000 * spot) / 10 }]).contingencies
        .deltaShock,
    ).toBeCloseTo(500, 9);
  });

  it('extended table on short OTM calls: fraction of the P&L, revalued at the range edge, dampened (Black-76 by hand)', () => {
    const days = 10;
    const call: OptionInstrument = {
      kind: 'option',
      id: 'BTC-10D-120000-C',
      baseCurrency: 'BTC',
      quoteCurrency: 'USD',
      settlement: 'inverse',
      settlementCurrency: 'BTC',
      contractSize: 1,
      tickSize: 0.0001,
      expiryUs: nowUs + days * 86_400e6,
      strike: 120_000,
      right: 'call',
      underlyingId: 'BTC',
    };
    const config = deribitPm({ underlying: 'BTC' });
    const qty = -1000;
    const r = run(config, [call], market, [{ instrumentId: call.id, qty }]);
    const t = days / 365;
    // vol up: τ = 30/10, short-term power 0.3; floor 0.5
    const volUp = Math.max(0.5, 0.6 * (1 + 0.5 * 3 ** 0.3));
    const coin = (f: number, vol: number) => black76Price('call', f, 120_000, t, vol) / f;
    config.scenarios.forEach((s, k) => {
      if (s.family !== 'tail') return;
      const raw = qty * (coin(spot * (1 + s.move), volUp) - coin(spot, 0.6));
      const edge = Math.sign(s.move) * 0.16;
      const scaled = raw * (0.16 / Math.abs(s.move)) * ((1 + s.move) / (1 + edge));
      const damp = ((Math.abs(s.move) / 0.16 - 1) * 100_000) / (spot * (1 + edge));
      const expected = Math.sign(scaled) * Math.max(0, Math.abs(scaled) - damp);
      expect(r.scenarioPnl[k]).toBeCloseTo(expected, 9);
    });
    // the +100 % tail binds here, far beyond the ±16 % table
    expect(config.scenarios[r.bindingScenario as number]).toMatchObject({ family: 'tail' });
    expect(r.scanLoss).toBeGreaterThan(-Math.min(...r.scenarioPnl.slice(0, 27)));
    expect(r.im).toBeCloseTo(
      r.scanLoss + (r.contingencies.rollShock ?? 0) + (r.contingencies.deltaShock ?? 0),
      12,
    );
  });

  it('a USDC (linear) book uses the usd currency parameters and quote-currency amounts', () => {
    const config = deribitPm({ underlying: 'BTC', settlement: 'usdc' });
    expect(config.name).toBe('deribit-pm:BTC:usdc');
    expect(config.contingencies.rollShock).toEqual({ minAnnualisedMove: 0.01, annualisedMoveRisk: 0.1 });
    const linear: PerpetualInstrument = {
      ...btcPerp,
      id: 'BTC_USDC-PERPETUAL',
      settlement: 'linear',
      settlementCurrency: 'USDC',
      contractSize: 0.001,
    };
    const r = run(config, [linear], market, [{ instrumentId: linear.id, qty: 1000 }]);
    // 1 BTC long: worst −16 % = 0.16 × spot USD; the tails (= the range edge, 0.16 × spot) are
    // dampened to 0 by (|move|/0.16 − 1) × 25 000 USD; roll 0.01 × spot
    expect(r.scanLoss).toBeCloseTo(0.16 * spot, 9);
    expect(r.contingencies.rollShock).toBeCloseTo(0.01 * spot, 9);
  });

  it('rejects unknown underlyings and bad overrides', () => {
    expect(() => deribitPm({ underlying: 'SOL' as 'BTC' })).toThrow(/no parameters/);
    expect(() => deribitPm({ overrides: { priceRange: 0 } })).toThrow(/priceRange/);
    expect(() => deribitPm({ overrides: { bucketsPerSide: 2.5 } })).toThrow(/bucketsPerSide/);
  });
});
