/**
 * Pareto front for objectives that are all minimised. A point dominates another when it is ≤ on
 * every objective and < on at least one; equal points do not dominate each other, so both stay.
 */

/** True when `a` dominates `b` (all objectives minimised). */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let strict = false;
  for (let k = 0; k < a.length; k++) {
    const x = a[k] as number;
    const y = b[k] as number;
    if (x > y) return false;
    if (x < y) strict = true;
  }
  return strict;
}

function lexCompare(a: readonly number[], b: readonly number[]): number {
  for (let k = 0; k < a.length; k++) {
    const x = a[k] as number;
    const y = b[k] as number;
    // comparisons, not subtraction: Infinity − Infinity is NaN
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

/**
 * Indices (ascending) of the non-dominated points. Every point must have the same number of
 * objectives and no NaN.
 *
 * Points are visited in lexicographic order: a point can only be dominated by one that comes
 * earlier (a dominator is lexicographically smaller), and by transitivity it is enough to test
 * it against the front found so far.
 */
export function paretoFront(points: readonly (readonly number[])[]): number[] {
  const dim = points[0]?.length ?? 0;
  for (const [i, p] of points.entries()) {
    if (p.length !== dim)
      throw new RangeError(`pareto: point ${i} has ${p.length} objectives, point 0 has ${dim}`);
    if (p.some((x) => Number.isNaN(x))) throw new RangeError(`pareto: point ${i} has a NaN objective`);
  }
  const order = points.map((_, i) => i).sort((i, j) => lexCompare(points[i]!, points[j]!) || i - j);
  const front: number[] = [];
  for (const i of order) {
    const p = points[i]!;
    if (!front.some((f) => dominates(points[f]!, p))) front.push(i);
  }
  return front.sort((a, b) => a - b);
}
