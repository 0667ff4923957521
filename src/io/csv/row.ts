import { BackstopError, type ErrorCode } from '../../core/errors.ts';

/**
 * Typed field access for one CSV row. Every failure is a BackstopError naming the file, line,
 * column and offending value, so a rejection says exactly what was wrong and where.
 */
export class Row {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly fields: readonly string[],
    readonly columns: readonly string[],
  ) {}

  fail(code: ErrorCode, index: number, message: string): never {
    const field = this.columns[index] ?? `column ${index + 1}`;
    const value = this.fields[index] ?? null;
    throw new BackstopError(code, `${this.file}:${this.line}: ${field}: ${message}`, {
      file: this.file,
      line: this.line,
      field,
      value,
    });
  }

  text(index: number): string {
    return this.fields[index] ?? '';
  }

  /** A finite number; empty is an error. */
  num(index: number): number {
    const t = this.fields[index] ?? '';
    const v = t.trim() === '' ? Number.NaN : Number(t);
    if (!Number.isFinite(v)) this.fail('BAD_NUMBER', index, `not a finite number: "${t}"`);
    return v;
  }

  /** A finite number or null when the field is empty. */
  optNum(index: number): number | null {
    const t = this.fields[index] ?? '';
    return t === '' ? null : this.num(index);
  }

  price(index: number): number {
    const v = this.num(index);
    if (v <= 0) this.fail('BAD_PRICE', index, `price must be > 0, got ${v}`);
    return v;
  }

  optPrice(index: number): number | null {
    return (this.fields[index] ?? '') === '' ? null : this.price(index);
  }

  /** A size that may be zero (0 removes a book level). */
  size(index: number): number {
    const v = this.num(index);
    if (v < 0) this.fail('BAD_SIZE', index, `size must be >= 0, got ${v}`);
    return v;
  }

  optSize(index: number): number | null {
    return (this.fields[index] ?? '') === '' ? null : this.size(index);
  }

  /** A strictly positive size (a trade of nothing is not a trade). */
  positiveSize(index: number): number {
    const v = this.num(index);
    if (v <= 0) this.fail('BAD_SIZE', index, `size must be > 0, got ${v}`);
    return v;
  }

  /** An integer timestamp in the given unit, returned in microseconds. */
  timeUs(index: number, unit: 'us' | 'ms'): number {
    const v = this.num(index);
    const us = unit === 'ms' ? v * 1000 : v;
    if (!Number.isSafeInteger(us) || us < 0) this.fail('BAD_NUMBER', index, `not a valid ${unit} timestamp`);
    return us;
  }

  oneOf<T extends string>(index: number, allowed: readonly T[]): T {
    const t = this.fields[index] ?? '';
    if (!(allowed as readonly string[]).includes(t)) {
      this.fail('BAD_FIELD', index, `expected one of ${allowed.join('|')}, got "${t}"`);
    }
    return t as T;
  }

  bool(index: number): boolean {
    const t = (this.fields[index] ?? '').toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
    return this.fail('BAD_FIELD', index, `expected true|false, got "${this.fields[index] ?? ''}"`);
  }
}
