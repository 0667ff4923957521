/**
 * Engine time: integer microseconds since the Unix epoch, UTC (docs/adr/0002-time.md).
 * Exact in a float64 until the year 2255, and the native unit of tardis-dev data.
 */
export type UnixMicros = number & { readonly __unit: 'us' };

export const MICROS_PER_MS = 1_000;
export const MICROS_PER_SECOND = 1_000_000;
export const SECONDS_PER_YEAR = 365 * 86_400; // crypto trades every day of the year

export function unixMicros(n: number): UnixMicros {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not an integer microsecond timestamp: ${n}`);
  return n as UnixMicros;
}

export function fromMillis(ms: number): UnixMicros {
  return unixMicros(ms * MICROS_PER_MS);
}

/** ISO-8601 UTC with microsecond precision, e.g. 2025-10-10T00:00:07.000000Z. */
export function toIsoMicros(tsUs: number): string {
  const days = Math.floor(tsUs / 86_400e6);
  let rest = tsUs - days * 86_400e6;
  const hh = Math.floor(rest / 3_600e6);
  rest -= hh * 3_600e6;
  const mm = Math.floor(rest / 60e6);
  rest -= mm * 60e6;
  const ss = Math.floor(rest / 1e6);
  const us = rest - ss * 1e6;
  const { y, m, d } = civilFromDays(days);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${String(y).padStart(4, '0')}-${p2(m)}-${p2(d)}T${p2(hh)}:${p2(mm)}:${p2(ss)}.${String(us).padStart(6, '0')}Z`;
}

/** Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days). */
function civilFromDays(z0: number): { y: number; m: number; d: number } {
  const z = z0 + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

/** Parses durations like `500ms`, `1s`, `1m`, `15m`, `1h`, `1d` into microseconds. */
export function parseDurationMicros(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return null;
  const perUnit: Record<string, number> = { us: 1, ms: 1e3, s: 1e6, m: 60e6, h: 3600e6, d: 86_400e6 };
  const value = Number(m[1]) * (perUnit[m[2] as string] as number);
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}
