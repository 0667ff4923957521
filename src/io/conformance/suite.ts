/**
 * A conformance suite runs another system's published margin vectors, read in their native
 * format, through Backstop's models and compares (`backstop conformance SUITE PATHS…`).
 */
export interface MarginPair {
  readonly im: number;
  readonly mm: number;
}

export interface CaseResult {
  readonly case: string;
  readonly pass: boolean;
  readonly expected: MarginPair;
  readonly actual: MarginPair;
  /** Optional diagnostics (e.g. relative errors, the binding scenario). */
  readonly detail?: Readonly<Record<string, number | string | boolean | null>>;
}

export interface ConformanceSuite {
  readonly name: string;
  readonly description: string;
  /**
   * Reads every case under `paths` (files or folders, native format) and runs it. Throws a
   * BackstopError (UNREADABLE_FILE, BAD_FIELD …) naming the file and field for unusable input.
   */
  run(paths: readonly string[]): Promise<CaseResult[]>;
}
