import { derivePm2Suite } from './derive-pm2.ts';
import { deriveStandardSuite } from './derive-standard.ts';
import type { ConformanceSuite } from './suite.ts';

export type { CaseResult, ConformanceSuite, MarginPair } from './suite.ts';

/** Suites known to `backstop conformance SUITE PATHS…`. */
export const CONFORMANCE_SUITES: readonly ConformanceSuite[] = [derivePm2Suite, deriveStandardSuite];
