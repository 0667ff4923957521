import { BackstopError } from '../core/errors.ts';

/**
 * Return series for the VaR estimators (docs/concepts/var-estimators.md). Returns are fractions
 * per period (one day for the estimators), oldest first.
 *
 * - `log`: rₜ = ln(Pₜ / Pₜ₋₁); h-day returns are sums of h consecutive daily returns.
 * - `simple`: rₜ = Pₜ / Pₜ₋₁ − 1; h-day returns compound: Π(1 + rᵢ) − 1.
 */
export type ReturnKind = 'log' | 'simple';

function bad(fn: string, message: string, fields: Record<string, string | number>): never {
  throw new BackstopError('BAD_ARGUMENT', `${fn}: ${message}`, fields);
}

export function checkReturnKind(fn: string, kind: unknown): asserts kind is ReturnKind {
  if (kind !== 'log' && kind !== 'simple')
    bad(fn, `return kind must be 'log' or 'simple', got ${String(kind)}`, {});
}

/**
 * Checks a return series: every value finite, and for simple returns > −1 (a simple return of
 * −100 % or worse is a price at or below zero). Throws `BAD_ARGUMENT` naming the first bad index.
 */
export function checkReturns(fn: string, returns: readonly number[], kind: ReturnKind): void {
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i]!;
    if (!Number.isFinite(r)) bad(fn, `return ${i} must be finite, got ${r}`, { index: i, value: r });
    if (kind === 'simple' && !(r > -1)) {
      bad(fn, `simple return ${i} must be > −1 (a price > 0), got ${r}`, { index: i, value: r });
    }
  }
}

/**
 * One-period returns of a price series (oldest first): n prices give n − 1 returns; fewer than two
 * prices give none. Every price must be finite and > 0 (`BAD_ARGUMENT` naming the index).
 */
export function returnsFromPrices(prices: readonly number[], kind: ReturnKind = 'log'): number[] {
  checkReturnKind('returnsFromPrices', kind);
  for (let i = 0; i < prices.length; i++) {
    const p = prices[i]!;
    if (!(Number.isFinite(p) && p > 0)) {
      bad('returnsFromPrices', `price ${i} must be finite and > 0, got ${p}`, { index: i, value: p });
    }
  }
  const out: number[] = [];
  for (let i = 1; i < prices.length; i++) {
    const ratio = prices[i]! / prices[i - 1]!;
    out.push(kind === 'log' ? Math.log(ratio) : ratio - 1);
  }
  return out;
}

/**
 * Overlapping h-period returns: element i aggregates returns i … i + h − 1, so n returns give
 * max(0, n − h + 1) of them (h = 1 returns a copy). Log returns add; simple returns compound,
 * computed as expm1(Σ log1p rᵢ) to keep small returns exact. h must be an integer ≥ 1.
 */
export function overlappingReturns(
  returns: readonly number[],
  h: number,
  kind: ReturnKind = 'log',
): number[] {
  checkReturnKind('overlappingReturns', kind);
  if (!(Number.isInteger(h) && h >= 1))
    bad('overlappingReturns', `h must be an integer ≥ 1, got ${h}`, { h });
  checkReturns('overlappingReturns', returns, kind);
  return aggregateReturns(returns, h, kind);
}

/** `overlappingReturns` without the checks, for callers that validated already. */
export function aggregateReturns(returns: ArrayLike<number>, h: number, kind: ReturnKind): number[] {
  const n = returns.length - h + 1;
  const out: number[] = [];
  if (h === 1) {
    for (let i = 0; i < returns.length; i++) out.push(returns[i]!);
    return out;
  }
  for (let i = 0; i < n; i++) {
    let s = 0;
    if (kind === 'log') {
      for (let j = i; j < i + h; j++) s += returns[j]!;
      out.push(s);
    } else {
      for (let j = i; j < i + h; j++) s += Math.log1p(returns[j]!);
      out.push(Math.expm1(s));
    }
  }
  return out;
}
