/** A rejected input: never applied, always counted and kept with its reason (quarantine). */
export interface Rejection {
  readonly file: string;
  readonly line: number;
  readonly code: string;
  readonly field: string | null;
  readonly value: string | null;
  readonly reason: string;
  readonly raw: string;
}
