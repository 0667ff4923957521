import { BackstopError } from '../core/errors.ts';

/**
 * Precondition checks for the pricing functions. A pricing function called with a non-finite or
 * out-of-range number is a bug in the caller (inputs are checked where they enter, ADR 0001), so
 * these throw `BackstopError('BAD_ARGUMENT')` naming the field and the value.
 */
export function requireFinite(field: string, value: number): number {
  if (!Number.isFinite(value)) {
    throw new BackstopError('BAD_ARGUMENT', `${field} must be a finite number, got ${value}`, {
      field,
      value: String(value),
    });
  }
  return value;
}

/** `value` must be finite and > 0. */
export function requirePositive(field: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new BackstopError('BAD_ARGUMENT', `${field} must be a finite number > 0, got ${value}`, {
      field,
      value: String(value),
    });
  }
  return value;
}

/** `value` must be finite and ≥ 0. */
export function requireNonNegative(field: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new BackstopError('BAD_ARGUMENT', `${field} must be a finite number ≥ 0, got ${value}`, {
      field,
      value: String(value),
    });
  }
  return value;
}
