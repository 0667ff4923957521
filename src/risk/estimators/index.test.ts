import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../core/rng.ts';
import { mixSeed, type VarConfig, type VarMethod } from './common.ts';
import { ESTIMATORS, estimateVar, rollingVar, VAR_METHODS } from './index.ts';

const rng = new SeededRng(2024);
const RETURNS = Array.from({ length: 70 }, (_, i) => (i < 35 ? 0.02 : 0.01) * rng.nextNormal());
const N = 40;

/** Small configs so every method runs fast here. */
function configFor(method: VarMethod): VarConfig & { method: VarMethod; window: number } {
  const base = { method, window: N, confidence: 0.95, horizonDays: 1 };
  if (method === 'monte-carlo') return { ...base, paths: 500, seed: 9 };
  if (method === 'fhs') return { ...base, volModel: 'garch' };
  return base;
}

describe('ESTIMATORS', () => {
  it('has the seven methods', () => {
    expect([...VAR_METHODS].sort()).toEqual(
      ['cornish-fisher', 'ewma', 'fhs', 'historical', 'monte-carlo', 'normal', 'student-t'].sort(),
    );
    for (const m of VAR_METHODS) {
      const r = estimateVar(m, RETURNS.slice(0, N), configFor(m));
      expect(Object.keys(r).sort()).toEqual(['es', 'var']);
      expect(Number.isFinite(r.var) && Number.isFinite(r.es)).toBe(true);
      expect(r.es).toBeGreaterThanOrEqual(r.var - 1e-15);
    }
    expect(() => estimateVar('garch' as never, RETURNS, { confidence: 0.99, horizonDays: 1 })).toThrow(
      /method must be one of/,
    );
  });
});

describe('rollingVar alignment', () => {
  it.each(VAR_METHODS.map((m) => [m]))('%s: entry t uses returns [t − N, t) only', (method) => {
    const cfg = configFor(method);
    const { series } = rollingVar(RETURNS, cfg);
    // the first N returns produce no VaR; one entry per later return
    expect(series).toHaveLength(RETURNS.length - N);
    expect(series[0]!.index).toBe(N);
    expect(series.at(-1)!.index).toBe(RETURNS.length - 1);
    for (const p of [series[0]!, series[7]!, series.at(-1)!]) {
      const t = p.index;
      const c = method === 'monte-carlo' ? { ...cfg, seed: mixSeed(9, t) } : cfg;
      const direct = ESTIMATORS[method](RETURNS.slice(t - N, t), c);
      expect(p.var).toBe(direct.var);
      expect(p.es).toBe(direct.es);
    }
    // no look-ahead: changing return t (and anything after it) leaves VaR_t unchanged
    const t = N + 10;
    const shocked = RETURNS.slice();
    for (let i = t; i < shocked.length; i++) shocked[i] = -0.3;
    const after = rollingVar(shocked, cfg).series;
    for (let k = 0; k <= 10; k++) {
      expect(after[k]!.var).toBe(series[k]!.var);
      expect(after[k]!.es).toBe(series[k]!.es);
    }
    // …while the next day sees it
    expect(after[11]!.es).not.toBe(series[11]!.es);
  });

  it('multi-day horizon keeps the same window', () => {
    const cfg = { method: 'historical' as const, window: N, confidence: 0.9, horizonDays: 5 };
    const { series } = rollingVar(RETURNS, cfg);
    expect(series[3]!.var).toBe(ESTIMATORS.historical(RETURNS.slice(3, N + 3), cfg).var);
  });

  it('is deterministic for Monte Carlo and draws a fresh stream each day', () => {
    const cfg = configFor('monte-carlo');
    const a = rollingVar(RETURNS, cfg).series;
    expect(rollingVar(RETURNS, cfg).series).toEqual(a);
    expect(rollingVar(RETURNS, { ...cfg, seed: 10 }).series).not.toEqual(a);
  });

  it('a series no longer than N gives no entries; bad config is rejected', () => {
    expect(rollingVar(RETURNS.slice(0, N), configFor('normal')).series).toEqual([]);
    expect(() => rollingVar(RETURNS, { ...configFor('normal'), window: 0 })).toThrow(
      /window must be an integer ≥ 1/,
    );
    expect(() => rollingVar(RETURNS, { ...configFor('normal'), method: 'var' as never })).toThrow(
      /method must be one of/,
    );
    expect(() => rollingVar([0.01, Number.NaN], configFor('normal'))).toThrow(/return 1 must be finite/);
  });
});
