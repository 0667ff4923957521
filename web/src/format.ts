/** Formatting for the dashboard: UTC times, numbers with units, exact money strings. */

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `2024-03-12 14:03:22 UTC` from µs since the epoch. */
export function utcDateTime(tsUs: number | null | undefined): string {
  if (tsUs === null || tsUs === undefined || !Number.isFinite(tsUs)) return '—';
  const d = new Date(Math.floor(tsUs / 1000));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${utcClock(tsUs)} UTC`;
}

/** `14:03:22` (UTC) from µs since the epoch. */
export function utcClock(tsUs: number): string {
  const d = new Date(Math.floor(tsUs / 1000));
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `14:03:22.250` (UTC). */
export function utcClockMs(tsUs: number): string {
  const d = new Date(Math.floor(tsUs / 1000));
  return `${utcClock(tsUs)}.${pad(d.getUTCMilliseconds(), 3)}`;
}

/** A duration in µs as `3m 12s`, `2h 05m`, `45s`. */
export function duration(us: number): string {
  if (!Number.isFinite(us) || us < 0) return '—';
  const s = Math.floor(us / 1e6);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${pad(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${pad(h % 24)}h`;
}

/** A number with thousands separators and at most `digits` decimals; `—` for null. */
export function num(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** Fixed decimals with separators. */
export function fixed(x: number | null | undefined, digits: number): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A price: more decimals for small prices. */
export function price(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  return fixed(x, a >= 1000 ? 2 : a >= 1 ? 4 : 6);
}

/** A fraction as a percentage: 0.0123 → `1.23 %`. */
export function pct(frac: number | null | undefined, digits = 2): string {
  if (frac === null || frac === undefined || !Number.isFinite(frac)) return '—';
  return `${fixed(frac * 100, digits)} %`;
}

/** Compact: 1_234_567 → `1.23 M`; small amounts (coin-margined pools) keep more decimals. */
export function compact(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a >= 1e9) return `${fixed(x / 1e9, 2)} B`;
  if (a >= 1e6) return `${fixed(x / 1e6, 2)} M`;
  if (a >= 1e4) return `${fixed(x / 1e3, 1)} k`;
  return amount(x);
}

/**
 * Axis ticks in compact units (k, M, B) with enough decimals that neighbouring ticks differ; when
 * that would take more than 3 decimals (a fund moving by a few dollars around 1 000 000) the ticks
 * are written in full instead: 1,000,000 / 1,000,050, not 1.00 M thrice or 1.000050 M.
 */
export function compactTicks(splits: readonly (number | null)[]): string[] {
  const finite = splits.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length === 0) return splits.map(() => '');
  const a = Math.max(...finite.map((v) => Math.abs(v)));
  const [unit, suffix] = a >= 1e9 ? [1e9, ' B'] : a >= 1e6 ? [1e6, ' M'] : a >= 1e4 ? [1e3, ' k'] : [1, ''];
  const stepAbs = finite.length > 1 ? Math.abs((finite[1] as number) - (finite[0] as number)) : 0;
  const decimalsFor = (step: number) => (step > 0 ? Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)) : 2);
  const digits = decimalsFor(stepAbs / unit);
  if (unit > 1 && digits > 3) {
    const full = Math.min(6, decimalsFor(stepAbs));
    return splits.map((v) => (v === null || !Number.isFinite(v) ? '' : fixed(v, full)));
  }
  return splits.map((v) =>
    v === null || !Number.isFinite(v) ? '' : `${fixed(v / unit, Math.min(6, digits))}${suffix}`,
  );
}

/** Axis width (px) that fits its longest tick label (≈ 7 px a character at the chart font). */
export function axisWidth(values: readonly string[] | null | undefined, min: number): number {
  const longest = Math.max(0, ...(values ?? []).map((v) => v.length));
  return Math.max(min, 14 + 7 * longest);
}

/** An amount with decimals by size: 2 from 1 000, 4 from 1, else 6 (BTC-sized pools stay readable). */
export function amount(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  return fixed(x, a >= 1000 ? 2 : a >= 1 ? 4 : a === 0 ? 2 : 6);
}

/**
 * An exact decimal money string with thousands separators, rounded for display to `digits`
 * decimals (the string itself is the exact amount; it is shown in full in the title).
 */
export function money(s: string | null | undefined, digits = 2): string {
  if (s === null || s === undefined || s === '') return '—';
  const x = Number(s);
  if (!Number.isFinite(x)) return s;
  return fixed(x, digits);
}

/** Signed delta with decimals by size (see `amount`): `+1.5000` / `−2.00`. */
export function signed(x: number): string {
  if (!Number.isFinite(x)) return '—';
  const s = amount(Math.abs(x));
  return x > 0 ? `+${s}` : x < 0 ? `−${s}` : s;
}
