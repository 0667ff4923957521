import { describe, expect, it } from 'vitest';
import { historicalVar } from './historical.ts';

// Twelve daily returns; losses L = −r sorted ascending (0-based index):
//  0: −0.022  1: −0.018  2: −0.012  3: −0.009  4: −0.004  5: −0.001
//  6:  0.007  7:  0.013  8:  0.019  9:  0.025 10:  0.031 11:  0.046
const R = [0.012, -0.025, 0.004, -0.031, 0.018, -0.007, 0.022, -0.046, 0.009, -0.013, 0.001, -0.019];

describe('historical VaR / ES by hand (numpy type 7)', () => {
  it('α = 0.90', () => {
    // h = (12 − 1)·0.90 = 9.9 → L₉ + 0.9·(L₁₀ − L₉) = 0.025 + 0.9·0.006 = 0.0304
    // (numpy: np.quantile(-r, 0.9) = 0.0304); ES = mean(0.031, 0.046) = 0.0385
    const r = historicalVar(R, { confidence: 0.9, horizonDays: 1 });
    expect(r.var).toBeCloseTo(0.0304, 14);
    expect(r.es).toBeCloseTo(0.0385, 14);
    expect(r.samples).toBe(12);
  });

  it('α = 0.95 and 0.99', () => {
    // 0.95: h = 10.45 → 0.031 + 0.45·0.015 = 0.03775; ES = 0.046 (only L₁₁ ≥ VaR)
    const a = historicalVar(R, { confidence: 0.95, horizonDays: 1 });
    expect(a.var).toBeCloseTo(0.03775, 14);
    expect(a.es).toBeCloseTo(0.046, 14);
    // 0.99: h = 10.89 → 0.031 + 0.89·0.015 = 0.04435; ES = 0.046
    const b = historicalVar(R, { confidence: 0.99, horizonDays: 1 });
    expect(b.var).toBeCloseTo(0.04435, 14);
    expect(b.es).toBeCloseTo(0.046, 14);
  });

  it('2-day horizon from overlapping 2-day returns', () => {
    // 11 sums rₜ + rₜ₊₁, as losses sorted: −0.015 −0.011 0.004 0.012 0.013 0.013 0.018 0.021 0.024 0.027 0.037
    // h = 10·0.9 = 9 → exactly L₉ = 0.027; ES = mean(0.027, 0.037) = 0.032
    const r = historicalVar(R, { confidence: 0.9, horizonDays: 2 });
    expect(r.samples).toBe(11);
    expect(r.var).toBeCloseTo(0.027, 14);
    expect(r.es).toBeCloseTo(0.032, 14);
  });

  it('2-day horizon of simple returns compounds', () => {
    // (1 + rₜ)(1 + rₜ₊₁) − 1; numpy: quantile 0.9 of the losses = 0.027124, ES = 0.032269
    const r = historicalVar(R, { confidence: 0.9, horizonDays: 2, returnKind: 'simple' });
    expect(r.var).toBeCloseTo(0.027124, 12);
    expect(r.es).toBeCloseTo(0.032269, 12);
  });

  it('needs N ≥ h', () => {
    expect(() => historicalVar([0.01, 0.02], { confidence: 0.9, horizonDays: 3 })).toThrow(
      /at least 3 returns/,
    );
  });
});
