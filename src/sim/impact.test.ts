import { describe, expect, it } from 'vitest';
import { PriceImpact } from './impact.ts';
import { DEFAULT_POPULATION, makePopulation } from './population.ts';

describe('price impact', () => {
  it('a sale of half the 1 % depth moves the price −0.5 %; 30 % stays, the rest halves every half-life', () => {
    const p = new PriceImpact({ permanentFrac: 0.3, halfLifeUs: 60e6, depthBandFrac: 0.01 });
    expect(p.onFlow(-500_000, 1_000_000, 0)).toBeCloseTo(-0.005, 15);
    expect(p.offset(0)).toBeCloseTo(-0.005, 15);
    // permanent −0.0015, temporary −0.0035 → −0.00175 after one half-life
    expect(p.offset(60e6)).toBeCloseTo(-0.0015 - 0.00175, 15);
    expect(p.offset(600e6)).toBeCloseTo(-0.0015 - 0.0035 / 1024, 15);
    // a buy of the same size later adds back
    p.onFlow(500_000, 1_000_000, 60e6);
    expect(p.offset(60e6)).toBeCloseTo(-0.0015 - 0.00175 + 0.005, 15);
  });
});

describe('population', () => {
  it('is seeded, respects caps and spreads entries over the warm-up', () => {
    const cfg = { ...DEFAULT_POPULATION, accounts: 5_000, seed: 7 };
    const a = makePopulation(cfg, 1_000);
    expect(makePopulation(cfg, 1_000)).toEqual(a);
    expect(makePopulation({ ...cfg, seed: 8 }, 1_000)).not.toEqual(a);
    expect(a.every((t) => t.leverage >= 1 && t.leverage <= 20)).toBe(true);
    expect(a.every((t) => t.notional >= 2_000 && t.notional <= 2_000_000)).toBe(true);
    expect(a.every((t) => t.entryBar >= 0 && t.entryBar < 200)).toBe(true);
    const longs = a.filter((t) => t.side === 1).length / a.length;
    expect(longs).toBeGreaterThan(0.57);
    expect(longs).toBeLessThan(0.63);
    // Pareto α = 1.5 above 2 000: the median is 2 000 · 2^(1/1.5) = 3 175 (by hand)
    const sorted = a.map((t) => t.notional).sort((x, y) => x - y);
    expect(sorted[2_500]).toBeGreaterThan(3_000);
    expect(sorted[2_500]).toBeLessThan(3_350);
    // lognormal leverage: median 8
    const lev = a.map((t) => t.leverage).sort((x, y) => x - y);
    expect(lev[2_500]).toBeGreaterThan(7.5);
    expect(lev[2_500]).toBeLessThan(8.5);
  });
});
