import { describe, expect, it } from 'vitest';
import { amihud, rvCloseToClose, rvEwma, rvGarmanKlass, rvParkinson } from './realized-vol.ts';
import { MAD_TO_SIGMA, median, robustZ } from './robust-z.ts';

describe('realized volatility (hand-computed)', () => {
  // closes 100, 110, 99: r1 = ln(1.1) = 0.0953102, r2 = ln(0.9) = −0.1053605
  const closes = [100, 110, 99];
  const r1 = Math.log(1.1);
  const r2 = Math.log(0.9);

  it('close-to-close: sample sd × √periods', () => {
    const mean = (r1 + r2) / 2;
    const varSample = (r1 - mean) ** 2 + (r2 - mean) ** 2; // / (2 − 1)
    expect(rvCloseToClose(closes, 365)).toBeCloseTo(Math.sqrt(varSample * 365), 12);
    // numeric value: |r1 − r2| / √2 = 0.1418956 per period; × √365 = 2.7109118
    expect(rvCloseToClose(closes, 365)).toBeCloseTo(2.710912, 5);
    expect(rvCloseToClose([100, 101], 365)).toBeNull();
  });

  it('EWMA λ = 0.94 seeded with r1²', () => {
    const v = 0.94 * r1 ** 2 + 0.06 * r2 ** 2; // √ = 0.0959429 (checked in Python)
    expect(rvEwma(closes, 0.94, 1)).toBeCloseTo(Math.sqrt(v), 12);
    expect(rvEwma(closes, 0.94, 1)).toBeCloseTo(0.0959429, 6);
  });

  it('Parkinson and Garman–Klass on two bars', () => {
    const bars = [
      { open: 100, high: 105, low: 98, close: 103 },
      { open: 103, high: 104, low: 95, close: 96 },
    ];
    const hl1 = Math.log(105 / 98);
    const hl2 = Math.log(104 / 95);
    const co1 = Math.log(103 / 100);
    const co2 = Math.log(96 / 103);
    expect(rvParkinson(bars, 1)).toBeCloseTo(Math.sqrt((hl1 ** 2 + hl2 ** 2) / 2 / (4 * Math.log(2))), 12);
    const k = 2 * Math.log(2) - 1;
    const gk = (0.5 * hl1 ** 2 - k * co1 ** 2 + 0.5 * hl2 ** 2 - k * co2 ** 2) / 2;
    expect(rvGarmanKlass(bars, 1)).toBeCloseTo(Math.sqrt(gk), 12);
  });

  it('Amihud skips periods without volume', () => {
    expect(amihud([0.01, 0.02, 0.5], [1000, 4000, 0])).toBeCloseTo((0.01 / 1000 + 0.02 / 4000) / 2, 15);
    expect(amihud([0.01], [0])).toBeNull();
  });
});

describe('robust z-score', () => {
  it('uses median and 1.4826 × MAD', () => {
    const h = [1, 2, 3, 4, 100]; // median 3; |dev| = 2,1,0,1,97 → MAD 1
    expect(median(h)).toBe(3);
    expect(robustZ(6, h)).toBeCloseTo(3 / MAD_TO_SIGMA, 12);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('honours an absolute minimum scale', () => {
    // MAD of [1,1,1,1] is 0; the scale is then max(1e-6 × 1, 0.1) = 0.1 → z = (1.5 − 1) / 0.1 = 5
    expect(robustZ(1.5, [1, 1, 1, 1], 1e-6, 0.1)).toBeCloseTo(5, 12);
  });

  it('is finite on a flat history', () => {
    const z = robustZ(2, [1, 1, 1, 1]);
    expect(Number.isFinite(z)).toBe(true);
    expect(z).toBeGreaterThan(1e5);
  });
});
