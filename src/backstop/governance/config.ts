import { BackstopError } from '../../core/errors.ts';

/** Governance parameters; periods are µs of event time (docs/concepts/governance.md). */
export interface GovernanceConfig {
  /** Time from `requestUnstake` until the locked shares can be claimed, µs, ≥ 0. */
  readonly unstakeCooldownUs: number;
  /** Length of a proposal's voting window [createdAt, createdAt + votingPeriodUs), µs, > 0. */
  readonly votingPeriodUs: number;
  /** Delay between the end of voting and the first moment a passed proposal can execute, µs, ≥ 0. */
  readonly timelockUs: number;
  /** Length of the execution window [executableAt, executableAt + gracePeriodUs), µs, > 0. */
  readonly gracePeriodUs: number;
  /** Turnout (for + against + abstain) needed, as a fraction of the snapshot weight, in (0, 1]. */
  readonly quorumFrac: number;
  /** A proposal passes only if for / (for + against) is strictly above this, in [0.5, 1). */
  readonly majorityFrac: number;
  /** Unlocked shares a proposer must hold, ≥ 0. */
  readonly minProposalShares: bigint;
}

const DAY_US = 86_400_000_000;

/** Defaults: 7-day cooldown, 3-day vote, 2-day timelock, 14-day grace, 20 % quorum, simple majority. */
export function defaultGovernanceConfig(overrides: Partial<GovernanceConfig> = {}): GovernanceConfig {
  return {
    unstakeCooldownUs: 7 * DAY_US,
    votingPeriodUs: 3 * DAY_US,
    timelockUs: 2 * DAY_US,
    gracePeriodUs: 14 * DAY_US,
    quorumFrac: 0.2,
    majorityFrac: 0.5,
    minProposalShares: 1n,
    ...overrides,
  };
}

function badConfig(message: string, field: string, value: string | number | null): never {
  throw new BackstopError('BAD_CONFIG', `governance config: ${message}`, { field, value });
}

function checkPeriod(c: GovernanceConfig, field: keyof GovernanceConfig, min: 0 | 1): void {
  const v = c[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    const need = min === 0 ? 'an integer µs ≥ 0' : 'an integer µs > 0';
    badConfig(`${field} must be ${need}, got ${String(v)}`, field, typeof v === 'number' ? v : String(v));
  }
}

/** Throws a `BAD_CONFIG` BackstopError naming the first bad field; returns the config unchanged. */
export function validateGovernanceConfig(c: GovernanceConfig): GovernanceConfig {
  checkPeriod(c, 'unstakeCooldownUs', 0);
  checkPeriod(c, 'votingPeriodUs', 1);
  checkPeriod(c, 'timelockUs', 0);
  checkPeriod(c, 'gracePeriodUs', 1);
  if (typeof c.quorumFrac !== 'number' || !(c.quorumFrac > 0 && c.quorumFrac <= 1)) {
    badConfig(
      `quorumFrac must be in (0, 1], got ${String(c.quorumFrac)}`,
      'quorumFrac',
      String(c.quorumFrac),
    );
  }
  if (typeof c.majorityFrac !== 'number' || !(c.majorityFrac >= 0.5 && c.majorityFrac < 1)) {
    badConfig(
      `majorityFrac must be in [0.5, 1), got ${String(c.majorityFrac)}`,
      'majorityFrac',
      String(c.majorityFrac),
    );
  }
  if (typeof c.minProposalShares !== 'bigint' || c.minProposalShares < 0n) {
    badConfig(
      `minProposalShares must be a bigint ≥ 0, got ${String(c.minProposalShares)}`,
      'minProposalShares',
      String(c.minProposalShares),
    );
  }
  const end = c.votingPeriodUs + c.timelockUs + c.gracePeriodUs;
  if (!Number.isSafeInteger(end)) {
    badConfig(
      'votingPeriodUs + timelockUs + gracePeriodUs exceeds the safe integer range',
      'gracePeriodUs',
      end,
    );
  }
  return c;
}

/** An exact non-negative rational num / den (den > 0). */
export interface Ratio {
  readonly num: bigint;
  readonly den: bigint;
}

/**
 * The exact rational a float's shortest round-trip decimal spells (0.2 → 2/10, 1e-7 → 1/10^7),
 * so that quorum and majority tests compare bigint share counts exactly.
 */
export function exactRatio(x: number): Ratio {
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(x));
  if (!Number.isFinite(x) || x < 0 || m === null) {
    throw new BackstopError('BAD_ARGUMENT', `exactRatio needs a finite number ≥ 0, got ${x}`);
  }
  const frac = m[2] ?? '';
  const digits = BigInt(`${m[1]}${frac}`);
  const exp = Number(m[3] ?? '0') - frac.length;
  return exp >= 0 ? { num: digits * 10n ** BigInt(exp), den: 1n } : { num: digits, den: 10n ** BigInt(-exp) };
}
