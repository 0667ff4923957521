/** Median of a non-empty array (copies; the caller's order is kept). */
export function median(xs: readonly number[]): number {
  const s = Float64Array.from(xs).sort();
  const n = s.length;
  const mid = n >> 1;
  return n % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Scale factor that makes the MAD a consistent estimator of σ for normal data. */
export const MAD_TO_SIGMA = 1.482_602_218_505_602;

/**
 * Robust z-score of `x` against `history`: (x − median) / (1.4826 × MAD). A flat history has
 * MAD 0; the scale is then floored at `relFloor` × max(|median|, 1) so that a change from a
 * constant series is large but finite (it is clamped by the caller).
 */
export function robustZ(x: number, history: readonly number[], relFloor = 1e-6, minScale = 0): number {
  const med = median(history);
  const mad = median(history.map((h) => Math.abs(h - med)));
  const scale = Math.max(MAD_TO_SIGMA * mad, relFloor * Math.max(Math.abs(med), 1), minScale, 1e-12);
  return (x - med) / scale;
}
