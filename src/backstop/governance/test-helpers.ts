/** Shared by the governance tests (no vitest import: plain throws). */
import type { Result } from '../../core/result.ts';
import { defaultGovernanceConfig, type GovernanceConfig } from './config.ts';
import { Governance } from './governance.ts';
import type { GovernanceError, GovernanceErrorCode } from './records.ts';

/** 2026-01-01T00:00:00Z in µs. */
export const T0 = 1_767_225_600_000_000;

/** Short periods so the arithmetic in the tests stays readable (µs). */
export const TEST_CONFIG: GovernanceConfig = defaultGovernanceConfig({
  unstakeCooldownUs: 100,
  votingPeriodUs: 1_000,
  timelockUs: 500,
  gracePeriodUs: 200,
  quorumFrac: 0.5,
  majorityFrac: 0.5,
  minProposalShares: 1n,
});

export function newGov(overrides: Partial<GovernanceConfig> = {}): Governance {
  return new Governance({ ...TEST_CONFIG, ...overrides });
}

export function must<T>(r: Result<T, GovernanceError>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** The rejection, after checking its code (throws naming what came instead). */
export function refused<T>(r: Result<T, GovernanceError>, code: GovernanceErrorCode): GovernanceError {
  if (r.ok) throw new Error(`expected ${code}, got ok`);
  if (r.error.code !== code) throw new Error(`expected ${code}, got ${r.error.code}: ${r.error.message}`);
  return r.error;
}
