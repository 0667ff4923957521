/** Small stdout/stderr helpers so commands stay thin and testable (streams are injectable). */
export interface Io {
  readonly out: NodeJS.WritableStream & { isTTY?: boolean };
  readonly err: NodeJS.WritableStream & { isTTY?: boolean };
}

export const processIo: Io = { out: process.stdout, err: process.stderr };

/** Fixed-width number for human tables; blanks for null. */
export function fmt(x: number | null | undefined, digits = 2, width = 10): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-'.padStart(width);
  const abs = Math.abs(x);
  const s = abs !== 0 && (abs >= 1e9 || abs < 10 ** -digits) ? x.toExponential(2) : x.toFixed(digits);
  return s.padStart(width);
}
