/**
 * One base error for the whole engine. `code` is stable (scripts and tests match on it);
 * `fields` carries the structured facts (file, line, field, value…) that a message names.
 * Bugs throw; bad input becomes a typed rejection at the edge (see docs/adr/0003-errors.md).
 */
export type ErrorCode =
  | 'BAD_ROW_COLUMNS'
  | 'BAD_NUMBER'
  | 'BAD_PRICE'
  | 'BAD_SIZE'
  | 'BAD_FIELD'
  | 'TIME_BACKWARDS'
  | 'BOOK_CROSSED'
  | 'UNKNOWN_FORMAT'
  | 'BAD_HEADER'
  | 'UNREADABLE_FILE'
  | 'BAD_ARGUMENT'
  | 'CURRENCY_MISMATCH'
  | 'SCALE_MISMATCH'
  | 'BAD_DECIMAL'
  | 'NOT_FINITE'
  | 'UNKNOWN_INSTRUMENT'
  | 'BAD_CONFIG'
  | 'INVARIANT';

export type ErrorFields = Readonly<Record<string, string | number | boolean | null>>;

export class BackstopError extends Error {
  readonly code: ErrorCode;
  readonly fields: ErrorFields;

  constructor(code: ErrorCode, message: string, fields: ErrorFields = {}) {
    super(message);
    this.name = 'BackstopError';
    this.code = code;
    this.fields = fields;
  }

  toJSON(): { code: ErrorCode; message: string; fields: ErrorFields } {
    return { code: this.code, message: this.message, fields: this.fields };
  }
}

export function isBackstopError(e: unknown): e is BackstopError {
  return e instanceof BackstopError;
}
