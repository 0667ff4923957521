import { describe, expect, it } from 'vitest';
import { normCdf, normPdf } from './normal.ts';

describe('normal distribution', () => {
  it('matches published values of Φ (Abramowitz & Stegun table 26.1, R pnorm)', () => {
    expect(normCdf(0)).toBe(0.5);
    expect(normCdf(1)).toBeCloseTo(0.841344746068543, 15);
    expect(normCdf(-1.96)).toBeCloseTo(0.0249978951482204, 15);
    expect(normCdf(2.5)).toBeCloseTo(0.993790334674224, 15);
    // far tail, relative accuracy: pnorm(-10) = 7.61985302416053e-24
    expect(normCdf(-10) / 7.61985302416053e-24).toBeCloseTo(1, 12);
    expect(normCdf(-38)).toBeGreaterThanOrEqual(0);
    expect(normPdf(0)).toBeCloseTo(0.398942280401433, 15);
  });

  it('is symmetric: Φ(x) + Φ(−x) = 1', () => {
    for (const x of [0.1, 0.5, 0.9, 1.7, 3.3, 5.2]) expect(normCdf(x) + normCdf(-x)).toBeCloseTo(1, 15);
  });
});
