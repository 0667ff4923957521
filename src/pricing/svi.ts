import { BackstopError } from '../core/errors.ts';
import { err, ok, type Result } from '../core/result.ts';

/**
 * Raw SVI parameters of one expiry (Gatheral 2004): total implied variance
 * w(k) = a + b·(ρ·(k − m) + √((k − m)² + σ²)) at log-moneyness k = ln(K/F).
 * `a` is in total variance (vol² × years), `b` in total variance per unit of k, `rho` is
 * dimensionless, `m` and `sigma` are in units of k.
 */
import type { SviParams } from '../domain/events.ts';

export type { SviParams };

/** Why SVI parameters were refused; `param` names the offending one (`a` for the minimum). */
export interface SviParamError {
  readonly reason: 'bad-svi';
  readonly param: keyof SviParams;
  readonly message: string;
}

/**
 * Checks raw SVI parameters: all finite, b ≥ 0, |ρ| < 1, σ > 0, and a + b·σ·√(1 − ρ²) ≥ 0 —
 * the minimum of w over k, so total variance is never negative.
 */
export function validateSvi(p: SviParams): Result<SviParams, SviParamError> {
  const bad = (param: keyof SviParams, message: string) =>
    err<SviParamError>({ reason: 'bad-svi', param, message });
  for (const key of ['a', 'b', 'rho', 'm', 'sigma'] as const) {
    if (!Number.isFinite(p[key])) return bad(key, `SVI ${key} must be a finite number, got ${p[key]}`);
  }
  if (p.b < 0) return bad('b', `SVI b must be ≥ 0, got ${p.b}`);
  if (!(Math.abs(p.rho) < 1)) return bad('rho', `SVI rho must be in (−1, 1), got ${p.rho}`);
  if (!(p.sigma > 0)) return bad('sigma', `SVI sigma must be > 0, got ${p.sigma}`);
  const minimum = sviMinimumVariance(p);
  if (minimum < 0) {
    return bad('a', `SVI minimum total variance a + b·σ·√(1 − ρ²) = ${minimum} is negative`);
  }
  return ok(p);
}

/** Minimum over k of the raw SVI total variance: a + b·σ·√(1 − ρ²), reached at k = m − ρσ/√(1 − ρ²). */
export function sviMinimumVariance(p: SviParams): number {
  return p.a + p.b * p.sigma * Math.sqrt(1 - p.rho * p.rho);
}

/** Raw SVI total implied variance w(k) (vol² × years) at log-moneyness k = ln(K/F). */
export function sviTotalVariance(p: SviParams, logMoneyness: number): number {
  const x = logMoneyness - p.m;
  return p.a + p.b * (p.rho * x + Math.sqrt(x * x + p.sigma * p.sigma));
}

/**
 * Annualized implied vol of a raw SVI slice: √(w(k)/T) at log-moneyness k = ln(K/F) and time to
 * expiry `timeYears` > 0 (the slice's expiry). Throws `BackstopError('BAD_ARGUMENT')` if T ≤ 0.
 */
export function sviImpliedVol(p: SviParams, logMoneyness: number, timeYears: number): number {
  if (!(timeYears > 0)) {
    throw new BackstopError('BAD_ARGUMENT', `timeYears must be > 0, got ${timeYears}`, {
      field: 'timeYears',
      value: String(timeYears),
    });
  }
  return Math.sqrt(Math.max(sviTotalVariance(p, logMoneyness), 0) / timeYears);
}
