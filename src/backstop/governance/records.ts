import type { Result } from '../../core/result.ts';
import { toIsoMicros } from '../../core/time.ts';

/**
 * Audit records and rejections of fund governance. A record has the shape of an engine decision
 * (`reason` + flat `evidence`, bigints as decimal strings) so the engine can journal it as one.
 */
export type GovernanceEvidence = Readonly<Record<string, number | string | boolean | null>>;

export type GovernanceRecordKind =
  | 'governance-stake'
  | 'governance-unstake-request'
  | 'governance-unstake-claim'
  | 'governance-slash'
  | 'governance-proposal-created'
  | 'governance-vote'
  | 'governance-proposal-finalized'
  | 'governance-proposal-executed'
  | 'governance-proposal-cancelled';

/** One accepted governance call, for the journal and the audit log. */
export interface GovernanceRecord {
  readonly kind: GovernanceRecordKind;
  readonly tsUs: number;
  /** Short stable phrase, e.g. `staked`, `proposal-passed`. */
  readonly reason: string;
  readonly evidence: GovernanceEvidence;
}

export type GovernanceErrorCode =
  | 'BAD_TIME'
  | 'TIME_BACKWARDS'
  | 'BAD_AMOUNT'
  | 'BAD_INPUT'
  | 'NO_STAKE'
  | 'INSUFFICIENT_SHARES'
  | 'NO_UNSTAKE_REQUEST'
  | 'COOLDOWN_NOT_ELAPSED'
  | 'DUPLICATE_PROPOSAL'
  | 'UNKNOWN_PROPOSAL'
  | 'VOTING_CLOSED'
  | 'VOTING_OPEN'
  | 'ALREADY_VOTED'
  | 'ALREADY_FINALIZED'
  | 'QUORUM_NOT_MET'
  | 'MAJORITY_NOT_MET'
  | 'TIMELOCK_NOT_ELAPSED'
  | 'EXPIRED'
  | 'ALREADY_EXECUTED'
  | 'CANCELLED'
  | 'NOT_PROPOSER'
  | 'NOT_CANCELLABLE';

/** Why a call was refused; a refused call changes nothing (not even the clock). */
export interface GovernanceError {
  readonly code: GovernanceErrorCode;
  readonly message: string;
}

export type GovResult<T> = Result<T, GovernanceError>;

export function reject(code: GovernanceErrorCode, message: string): { ok: false; error: GovernanceError } {
  return { ok: false, error: { code, message } };
}

/** A timestamp as messages print it: ISO and µs, e.g. `2026-01-01T00:00:00.000000Z (µs 1767225600000000)`. */
export function timeText(tsUs: number): string {
  return `${toIsoMicros(tsUs)} (µs ${tsUs})`;
}
