import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVE_SHARED, SHARED_DIR, SHARED_MISSING } from '../../test/shared-data.ts';
import type { OptionRight } from '../domain/instrument.ts';
import { black76 } from './black76.ts';
import { type BsmGreeks, type BsmInput, bsm } from './bsm.ts';

/** The Haug (1998) table via QuantLib, copied from shared data (test/fixtures/pricing/PROVENANCE.md). */
interface HaugCase {
  readonly type: OptionRight;
  readonly strike: number;
  readonly spot: number;
  readonly dividend_yield: number;
  readonly risk_free_rate: number;
  readonly time_years: number;
  readonly volatility: number;
  readonly expected_price: number;
  readonly tolerance: number;
  readonly haug_page: string;
  readonly note: string;
}
const HAUG = JSON.parse(
  readFileSync(new URL('../../test/fixtures/pricing/haug_european_prices.json', import.meta.url), 'utf8'),
) as { conventions: { units: Record<string, string> }; cases: HaugCase[] };

const input = (c: HaugCase): BsmInput => ({
  right: c.type,
  spot: c.spot,
  strike: c.strike,
  timeYears: c.time_years,
  volAnnual: c.volatility,
  rate: c.risk_free_rate,
  dividendYield: c.dividend_yield,
});

describe('bsm: Haug (1998) European prices, QuantLib test suite', () => {
  it('has the 43 cases with the units our greeks use', () => {
    expect(HAUG.cases).toHaveLength(43);
    expect(HAUG.conventions.units.vega).toMatch(/per 1\.00/);
    expect(HAUG.conventions.units.theta).toBe('per year');
  });

  it.skipIf(!HAVE_SHARED)(
    `the fixture is still the shared reference file (${HAVE_SHARED ? 'ok' : SHARED_MISSING})`,
    () => {
      const shared = join(SHARED_DIR, 'data/reference-vectors/black_scholes_haug_european_prices.json');
      expect(JSON.parse(readFileSync(shared, 'utf8'))).toEqual(HAUG);
    },
  );

  it.each(HAUG.cases.map((c, i) => [i, c] as const))('case %i matches to the stated tolerance', (_i, c) => {
    const price = bsm(input(c)).price;
    expect(Math.abs(price - c.expected_price), `${JSON.stringify(c)} → ${price}`).toBeLessThanOrEqual(
      c.tolerance,
    );
    expect(c.tolerance).toBeLessThanOrEqual(1e-4);
  });
});

describe('bsm: Haug (1998) greek values, pp. 11–16 (QuantLib testGreekValues)', () => {
  // type, strike, spot, q, r, t, vol, expected — transcribed from QuantLib
  // test-suite/europeanoption.cpp (see test/fixtures/pricing/PROVENANCE.md); tolerance 1e-4.
  type Row = [OptionRight, number, number, number, number, number, number, number];
  const greek = (row: Row): BsmGreeks => {
    const [right, strike, spot, q, r, t, vol] = row;
    return bsm({ right, strike, spot, dividendYield: q, rate: r, timeYears: t, volAnnual: vol });
  };
  const cases: [string, Row, (g: BsmGreeks, row: Row) => number][] = [
    ['delta', ['call', 100, 105, 0.1, 0.1, 0.5, 0.36, 0.5946], (g) => g.delta],
    ['delta', ['put', 100, 105, 0.1, 0.1, 0.5, 0.36, -0.3566], (g) => g.delta],
    ['elasticity', ['put', 100, 105, 0.1, 0.1, 0.5, 0.36, -4.8775], (g, row) => (g.delta * row[2]) / g.price],
    ['gamma', ['call', 60, 55, 0, 0.1, 0.75, 0.3, 0.0278], (g) => g.gamma],
    ['gamma', ['put', 60, 55, 0, 0.1, 0.75, 0.3, 0.0278], (g) => g.gamma],
    ['vega', ['call', 60, 55, 0, 0.1, 0.75, 0.3, 18.9358], (g) => g.vega],
    ['vega', ['put', 60, 55, 0, 0.1, 0.75, 0.3, 18.9358], (g) => g.vega],
    ['theta', ['put', 405, 430, 0.05, 0.07, 1 / 12, 0.2, -31.1924], (g) => g.theta],
    ['theta per day', ['put', 405, 430, 0.05, 0.07, 1 / 12, 0.2, -0.0855], (g) => g.theta / 365],
    ['rho', ['call', 75, 72, 0, 0.09, 1, 0.19, 38.7325], (g) => g.rho],
    ['dividendRho', ['put', 490, 500, 0.05, 0.08, 0.25, 0.15, 42.2254], (g) => g.dividendRho],
  ];
  it.each(cases)('%s of %j', (_name, row, pick) => {
    expect(Math.abs(pick(greek(row), row) - row[7])).toBeLessThanOrEqual(1e-4);
  });
});

describe('bsm: identities and finite differences', () => {
  const grid: BsmInput[] = [];
  for (const right of ['call', 'put'] as const)
    for (const strike of [80, 100, 125])
      for (const timeYears of [0.1, 1.5])
        for (const volAnnual of [0.25, 0.9])
          for (const [rate, dividendYield] of [
            [0.05, 0.02],
            [0.01, 0.08],
            [0, 0],
          ] as const)
            grid.push({ right, spot: 100, strike, timeYears, volAnnual, rate, dividendYield });

  const central = (f: (x: number) => number, x: number, h: number) => (f(x + h) - f(x - h)) / (2 * h);
  const close = (fd: number, analytic: number, label: string) =>
    expect(Math.abs(fd - analytic), `${label}: fd ${fd} vs ${analytic}`).toBeLessThanOrEqual(
      1e-6 * Math.max(Math.abs(analytic), 1e-8),
    );

  it('has every greek equal to central finite differences of the price (1e-6 relative)', () => {
    for (const i of grid) {
      const g = bsm(i);
      const at = (patch: Partial<BsmInput>) => bsm({ ...i, ...patch });
      const tag = JSON.stringify(i);
      const hS = 1e-4 * i.spot * i.volAnnual * Math.sqrt(i.timeYears);
      close(
        central((x) => at({ spot: x }).price, i.spot, hS),
        g.delta,
        `delta ${tag}`,
      );
      close(
        central((x) => at({ spot: x }).delta, i.spot, hS),
        g.gamma,
        `gamma ${tag}`,
      );
      close(
        central((x) => at({ volAnnual: x }).price, i.volAnnual, 1e-5),
        g.vega,
        `vega ${tag}`,
      );
      close(
        -central((x) => at({ timeYears: x }).price, i.timeYears, 1e-5 * i.timeYears),
        g.theta,
        `theta ${tag}`,
      );
      close(
        central((x) => at({ rate: x }).price, i.rate ?? 0, 1e-5),
        g.rho,
        `rho ${tag}`,
      );
      close(
        central((x) => at({ dividendYield: x }).price, i.dividendYield ?? 0, 1e-5),
        g.dividendRho,
        `dividendRho ${tag}`,
      );
    }
  });

  it('satisfies put–call parity: C − P = S·e^(−qT) − K·e^(−rT)', () => {
    for (const i of grid) {
      if (i.right === 'put') continue;
      const c = bsm(i);
      const p = bsm({ ...i, right: 'put' });
      const q = i.dividendYield ?? 0;
      const r = i.rate ?? 0;
      const T = i.timeYears;
      expect(c.price - p.price).toBeCloseTo(i.spot * Math.exp(-q * T) - i.strike * Math.exp(-r * T), 11);
      expect(c.delta - p.delta).toBeCloseTo(Math.exp(-q * T), 14);
      expect(c.rho - p.rho).toBeCloseTo(T * i.strike * Math.exp(-r * T), 10);
    }
  });

  it('satisfies the BSM equation: θ = r·V − b·S·Δ − ½σ²S²Γ', () => {
    for (const i of grid) {
      const g = bsm(i);
      const r = i.rate ?? 0;
      const b = r - (i.dividendYield ?? 0);
      const pde = r * g.price - b * i.spot * g.delta - 0.5 * i.volAnnual ** 2 * i.spot ** 2 * g.gamma;
      expect(g.theta).toBeCloseTo(pde, 10);
    }
  });

  it('equals Black-76 on F = S when b = 0, except rho (BSM holds q, Black-76 the forward)', () => {
    const b = bsm({
      right: 'call',
      spot: 19,
      strike: 19,
      timeYears: 0.75,
      volAnnual: 0.28,
      rate: 0.1,
      dividendYield: 0.1,
    });
    const f = black76({
      right: 'call',
      forward: 19,
      strike: 19,
      timeYears: 0.75,
      volAnnual: 0.28,
      rate: 0.1,
    });
    for (const k of ['price', 'delta', 'gamma', 'vega', 'theta'] as const) expect(b[k]).toBeCloseTo(f[k], 13);
    expect(f.rho).toBeCloseTo(-0.75 * f.price, 13);
    expect(b.rho).toBeCloseTo(f.rho + 0.75 * 19 * b.delta, 13); // T·(S·Δ − V)
  });

  it('values an expired option at intrinsic and a zero-vol one at the discounted forward intrinsic', () => {
    expect(
      bsm({ right: 'call', spot: 110, strike: 100, timeYears: 0, volAnnual: 0.3, rate: 0.05 }),
    ).toMatchObject({
      price: 10,
      delta: 1,
      gamma: 0,
      vega: 0,
    });
    // σ = 0, T = 1, r = 5 %, q = 0: F = 100·e^0.05 = 105.127…, call = S − K·e^(−r) = 100 − 95.1229…
    const g = bsm({ right: 'call', spot: 100, strike: 100, timeYears: 1, volAnnual: 0, rate: 0.05 });
    expect(g.price).toBeCloseTo(100 - 100 * Math.exp(-0.05), 12);
    expect(g.delta).toBe(1);
    expect(g.theta).toBeCloseTo(-0.05 * 100 * Math.exp(-0.05), 12); // −∂/∂T (S − K·e^(−rT))
    expect(g.rho).toBeCloseTo(100 * Math.exp(-0.05), 12); // T·K·e^(−rT)
  });

  it('refuses a non-positive spot', () => {
    expect(() => bsm({ right: 'call', spot: 0, strike: 100, timeYears: 1, volAnnual: 0.2 })).toThrow(/spot/);
  });
});
