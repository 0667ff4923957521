/** Largest number of points drawn per series; longer series are downsampled. */
export const MAX_POINTS = 2000;

/**
 * Deterministic min/max downsampling: the series is cut into equal index buckets and each bucket
 * keeps its lowest and highest point (in time order), so a crash low or a spike high is never
 * lost. The first and last points are always kept. Returns the input itself when it is already
 * short enough. Non-finite values are dropped first.
 */
export function downsampleMinMax(
  series: readonly (readonly [number, number])[],
  max: number = MAX_POINTS,
): readonly (readonly [number, number])[] {
  const pts = series.every((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]))
    ? series
    : series.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
  if (pts.length <= max) return pts;
  const n = pts.length;
  const inner = n - 2;
  const buckets = Math.max(1, Math.floor((max - 2) / 2));
  const out: (readonly [number, number])[] = [pts[0]!];
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor((b * inner) / buckets);
    const to = 1 + Math.floor(((b + 1) * inner) / buckets);
    if (to <= from) continue;
    let lo = from;
    let hi = from;
    for (let i = from + 1; i < to; i++) {
      const v = pts[i]![1];
      if (v < pts[lo]![1]) lo = i;
      if (v > pts[hi]![1]) hi = i;
    }
    const a = Math.min(lo, hi);
    const c = Math.max(lo, hi);
    out.push(pts[a]!);
    if (c !== a) out.push(pts[c]!);
  }
  out.push(pts[n - 1]!);
  return out;
}

/**
 * Keeps at most `max` events, the largest by `notional` (ties: earlier first), returned in time
 * order (stable for equal times). Used for liquidation and ADL markers, where the big ones matter.
 */
export function largestEvents<T extends { readonly tsUs: number; readonly notional: number }>(
  events: readonly T[],
  max: number = MAX_POINTS,
): readonly T[] {
  const finite = events.filter((e) => Number.isFinite(e.tsUs) && Number.isFinite(e.notional));
  if (finite.length <= max) return finite;
  const idx = finite.map((_, i) => i);
  idx.sort((a, b) => finite[b]!.notional - finite[a]!.notional || finite[a]!.tsUs - finite[b]!.tsUs || a - b);
  return idx
    .slice(0, max)
    .sort((a, b) => finite[a]!.tsUs - finite[b]!.tsUs || a - b)
    .map((i) => finite[i]!);
}
