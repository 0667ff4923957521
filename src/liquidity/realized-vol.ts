/**
 * Realized-volatility estimators on a window of bars (OHLC per interval), annualized by
 * `periodsPerYear` (365-day years: crypto trades every day). All return null when the window
 * is too short. Formulas (docs/concepts/liquidity-monitor.md):
 * - close-to-close: sample standard deviation (N − 1) of log returns of consecutive closes;
 * - EWMA (RiskMetrics): σ²ₜ = λσ²ₜ₋₁ + (1 − λ) rₜ², seeded with r₁²;
 * - Parkinson (1980): σ² = mean(ln(H/L)²) / (4 ln 2);
 * - Garman–Klass (1980): σ² = mean(½ ln(H/L)² − (2 ln 2 − 1) ln(C/O)²).
 */
export interface Ohlc {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
}

export function logReturns(closes: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < closes.length; i++)
    out.push(Math.log((closes[i] as number) / (closes[i - 1] as number)));
  return out;
}

export function rvCloseToClose(closes: readonly number[], periodsPerYear: number): number | null {
  const r = logReturns(closes);
  if (r.length < 2) return null;
  let mean = 0;
  for (const x of r) mean += x;
  mean /= r.length;
  let ss = 0;
  for (const x of r) ss += (x - mean) * (x - mean);
  return Math.sqrt((ss / (r.length - 1)) * periodsPerYear);
}

/** EWMA variance recursion over the window's returns, seeded with the first squared return. */
export function rvEwma(closes: readonly number[], lambda: number, periodsPerYear: number): number | null {
  const r = logReturns(closes);
  if (r.length < 1) return null;
  let v = (r[0] as number) ** 2;
  for (let i = 1; i < r.length; i++) v = lambda * v + (1 - lambda) * (r[i] as number) ** 2;
  return Math.sqrt(v * periodsPerYear);
}

export function rvParkinson(bars: readonly Ohlc[], periodsPerYear: number): number | null {
  if (bars.length < 1) return null;
  let s = 0;
  for (const b of bars) s += Math.log(b.high / b.low) ** 2;
  return Math.sqrt((s / bars.length / (4 * Math.LN2)) * periodsPerYear);
}

export function rvGarmanKlass(bars: readonly Ohlc[], periodsPerYear: number): number | null {
  if (bars.length < 1) return null;
  const k = 2 * Math.LN2 - 1;
  let s = 0;
  for (const b of bars) s += 0.5 * Math.log(b.high / b.low) ** 2 - k * Math.log(b.close / b.open) ** 2;
  // GK can be slightly negative on a short window of doji bars; variance is floored at 0.
  return Math.sqrt((Math.max(s, 0) / bars.length) * periodsPerYear);
}

/**
 * Amihud (2002) illiquidity: mean over periods with volume of |rₜ| / quote volumeₜ
 * (return per unit of quote currency traded). Periods without volume are skipped.
 */
export function amihud(absReturns: readonly number[], quoteVolumes: readonly number[]): number | null {
  let s = 0;
  let n = 0;
  for (let i = 0; i < absReturns.length; i++) {
    const v = quoteVolumes[i] as number;
    if (v > 0) {
      s += (absReturns[i] as number) / v;
      n++;
    }
  }
  return n === 0 ? null : s / n;
}
