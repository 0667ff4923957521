import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dominates, paretoFront } from './pareto.ts';

/**
 * The definition, written out independently of paretoFront: i is on the front when no other
 * point j is ≤ on every objective and < on at least one (counted per objective).
 */
function bruteForceFront(ps: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < ps.length; i++) {
    let beaten = false;
    for (let j = 0; j < ps.length && !beaten; j++) {
      if (j === i) continue;
      const a = ps[j] as readonly number[];
      const b = ps[i] as readonly number[];
      let notWorse = 0;
      let better = 0;
      for (let k = 0; k < b.length; k++) {
        if ((a[k] as number) <= (b[k] as number)) notWorse++;
        if ((a[k] as number) < (b[k] as number)) better++;
      }
      beaten = notWorse === b.length && better > 0;
    }
    if (!beaten) out.push(i);
  }
  return out;
}

describe('paretoFront (all objectives minimised)', () => {
  it('six points in 3-D, front worked out by hand', () => {
    const pts = [
      [1, 5, 3], // 0 A: nobody is ≤ on all three with one <: kept
      [2, 2, 2], // 1 B: kept (A has 5 > 2, E has 3 > 2)
      [2, 3, 2], // 2 C: B is ≤ everywhere and < on the second → dominated
      [1, 5, 3], // 3 D: equal to A; equal points do not dominate → kept
      [3, 1, 4], // 4 E: best on the second objective → kept
      [1, 6, 3], // 5 F: A is equal on 1st and 3rd, better on 2nd → dominated
    ];
    expect(paretoFront(pts)).toEqual([0, 1, 3, 4]);
  });

  it('a 2-D staircase with an inner point and ties on one axis', () => {
    // (2,3) loses to (1,3); (3,3) loses to (2,2); (2,2) beats nobody's pair on both axes but survives
    const pts = [
      [0, 4],
      [1, 3],
      [2, 3],
      [3, 1],
      [4, 0],
      [2, 2],
      [3, 3],
    ];
    expect(paretoFront(pts)).toEqual([0, 1, 3, 4, 5]);
  });

  it('1-D keeps every copy of the minimum; empty in, empty out; infinities compare as numbers', () => {
    expect(paretoFront([[3], [1], [2], [1]])).toEqual([1, 3]);
    expect(paretoFront([])).toEqual([]);
    // [2, ∞] is beaten by [1, ∞]; the two equal [∞, 0] are both kept
    expect(
      paretoFront([
        [Number.POSITIVE_INFINITY, 0],
        [Number.POSITIVE_INFINITY, 0],
        [1, Number.POSITIVE_INFINITY],
        [2, Number.POSITIVE_INFINITY],
      ]),
    ).toEqual([0, 1, 2]);
  });

  it('dominates: ≤ everywhere and < somewhere', () => {
    expect(dominates([1, 2], [1, 3])).toBe(true);
    expect(dominates([1, 3], [1, 3])).toBe(false);
    expect(dominates([0, 4], [1, 3])).toBe(false);
  });

  it('refuses ragged points and NaN', () => {
    expect(() => paretoFront([[1, 2], [1]])).toThrow(/point 1 has 1 objectives/);
    expect(() => paretoFront([[1, Number.NaN]])).toThrow(/NaN/);
  });

  it('equals the brute-force O(n²) definition on random point sets (many ties)', () => {
    const sets = fc.integer({ min: 1, max: 4 }).chain((dim) =>
      fc.array(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: dim, maxLength: dim }), {
        maxLength: 40,
      }),
    );
    fc.assert(
      fc.property(sets, (pts) => {
        expect(paretoFront(pts)).toEqual(bruteForceFront(pts));
      }),
      { numRuns: 500 },
    );
  });

  it('the front does not depend on the input order (same points, shuffled)', () => {
    const arb = fc
      .array(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 3, maxLength: 3 }), {
        maxLength: 30,
      })
      .chain((pts) => fc.tuple(fc.constant(pts), fc.shuffledSubarray(pts, { minLength: pts.length })));
    fc.assert(
      fc.property(arb, ([pts, shuffled]) => {
        const key = (ps: number[][], idx: number[]) => idx.map((i) => JSON.stringify(ps[i])).sort();
        expect(key(shuffled, paretoFront(shuffled))).toEqual(key(pts, paretoFront(pts)));
      }),
      { numRuns: 200 },
    );
  });
});
