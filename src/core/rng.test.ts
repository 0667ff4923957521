import { describe, expect, it } from 'vitest';
import { SeededRng } from './rng.ts';

describe('SeededRng', () => {
  it('repeats the same sequence for the same seed and differs for another', () => {
    const a = new SeededRng(123);
    const b = new SeededRng(123);
    const c = new SeededRng(124);
    const sa = Array.from({ length: 50 }, () => a.nextFloat());
    expect(Array.from({ length: 50 }, () => b.nextFloat())).toEqual(sa);
    expect(Array.from({ length: 50 }, () => c.nextFloat())).not.toEqual(sa);
  });

  it('draws uniform [0,1) with mean ≈ 1/2 and normals with mean ≈ 0, variance ≈ 1', () => {
    const rng = new SeededRng(9);
    const n = 100_000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.nextFloat();
      expect(u >= 0 && u < 1).toBe(true);
      su += u;
      const z = rng.nextNormal();
      sn += z;
      sn2 += z * z;
    }
    // 5 standard errors: sd(U)/sqrt(n) = 0.2887/316 ≈ 0.0009; sd(Z)/sqrt(n) ≈ 0.0032
    expect(Math.abs(su / n - 0.5)).toBeLessThan(0.0046);
    expect(Math.abs(sn / n)).toBeLessThan(0.016);
    expect(Math.abs(sn2 / n - 1)).toBeLessThan(0.023);
  });

  it('draws integers in the inclusive range', () => {
    const rng = new SeededRng(5);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(rng.nextInt(1, 6));
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('SeededRng.stream', () => {
  it('stream 0 is the seed itself; a jumped stream is another, reproducible sequence', () => {
    const base = Array.from(
      { length: 20 },
      (
        (r) => () =>
          r.nextFloat()
      )(new SeededRng(7)),
    );
    const s0 = SeededRng.stream(7, 0);
    expect(Array.from({ length: 20 }, () => s0.nextFloat())).toEqual(base);
    const s1 = SeededRng.stream(7, 1);
    const s1b = SeededRng.stream(7, 1);
    const a = Array.from({ length: 20 }, () => s1.nextFloat());
    expect(Array.from({ length: 20 }, () => s1b.nextFloat())).toEqual(a);
    expect(a).not.toEqual(base);
    expect(() => SeededRng.stream(7, -1)).toThrow(RangeError);
  });
});
