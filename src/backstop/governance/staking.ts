import { allocate, money } from '../../core/money.ts';
import { decodeBigint, encodeBigint } from '../../core/state-codec.ts';

/**
 * Staking as shares of the fund (a vault): the fund's value V (ledger units, supplied by the caller)
 * belongs to the stakers in proportion to their shares. No clock and no validation of call order
 * here — `Governance` does that; this is the share arithmetic and the share register.
 */

/** Owner of value held with no shares outstanding (the venue's own opening balance). */
export const VENUE_STAKER = 'venue';

export interface UnstakeRequest {
  readonly shares: bigint;
  readonly requestedAtUs: number;
  readonly readyAtUs: number;
}

export interface StakerShares {
  /** All shares, locked ones included (they bear losses). */
  readonly shares: bigint;
  /** Shares in pending unstake requests (no votes, no proposals). */
  readonly locked: bigint;
  readonly unlocked: bigint;
}

export interface StakerLoss {
  readonly staker: string;
  readonly shares: bigint;
  readonly loss: bigint;
}

/** What a stake does to the register, computed before anything changes. */
export interface StakePlan {
  /** Shares minted to `venue` first for value held with no shares (1 share per unit); 0n if none. */
  readonly venueShares: bigint;
  /** Shares cancelled first because V = 0 with shares outstanding (worthless); 0n if none. */
  readonly wipedShares: bigint;
  readonly wipedStakers: number;
  /** Total shares after the venue mint / wipe, before the stake. */
  readonly sharesBefore: bigint;
  readonly minted: bigint;
}

/** floor(amount × T / V), or 1 share per unit when T = 0. Requires V > 0 when T > 0. */
export function sharesForAmount(amount: bigint, fundValue: bigint, totalShares: bigint): bigint {
  return totalShares === 0n ? amount : (amount * totalShares) / fundValue;
}

/** floor(shares × V / T): what shares are worth (never more; the remainder stays in the fund). */
export function valueOfShares(shares: bigint, fundValue: bigint, totalShares: bigint): bigint {
  return totalShares === 0n ? 0n : (shares * fundValue) / totalShares;
}

export interface StakerState {
  readonly id: string;
  readonly shares: string;
  readonly requests: readonly { shares: string; requestedAtUs: number; readyAtUs: number }[];
}

interface Entry {
  shares: bigint;
  locked: bigint;
  requests: UnstakeRequest[];
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class StakeBook {
  private readonly entries = new Map<string, Entry>();
  private total = 0n;

  get totalShares(): bigint {
    return this.total;
  }

  /** Stakers holding shares, sorted by id (code-unit order). */
  stakers(): string[] {
    return [...this.entries.keys()].sort(byId);
  }

  sharesOf(staker: string): StakerShares {
    const e = this.entries.get(staker);
    if (e === undefined) return { shares: 0n, locked: 0n, unlocked: 0n };
    return { shares: e.shares, locked: e.locked, unlocked: e.shares - e.locked };
  }

  requests(staker: string): readonly UnstakeRequest[] {
    return this.entries.get(staker)?.requests ?? [];
  }

  /** Value of a staker's shares; with no shares outstanding the whole fund is the venue's. */
  valueOf(staker: string, fundValue: bigint): bigint {
    if (this.total === 0n) return staker === VENUE_STAKER ? fundValue : 0n;
    return valueOfShares(this.sharesOf(staker).shares, fundValue, this.total);
  }

  planStake(amount: bigint, fundValueBefore: bigint): StakePlan {
    let t = this.total;
    let venueShares = 0n;
    let wipedShares = 0n;
    let wipedStakers = 0;
    if (t === 0n && fundValueBefore > 0n) {
      venueShares = fundValueBefore;
      t = fundValueBefore;
    } else if (t > 0n && fundValueBefore === 0n) {
      wipedShares = t;
      wipedStakers = this.entries.size;
      t = 0n;
    }
    return {
      venueShares,
      wipedShares,
      wipedStakers,
      sharesBefore: t,
      minted: sharesForAmount(amount, fundValueBefore, t),
    };
  }

  applyStake(staker: string, plan: StakePlan): void {
    if (plan.wipedShares > 0n) {
      this.entries.clear();
      this.total = 0n;
    }
    if (plan.venueShares > 0n) this.mint(VENUE_STAKER, plan.venueShares);
    this.mint(staker, plan.minted);
  }

  private mint(staker: string, shares: bigint): void {
    const e = this.entries.get(staker);
    if (e === undefined) this.entries.set(staker, { shares, locked: 0n, requests: [] });
    else e.shares += shares;
    this.total += shares;
  }

  lock(staker: string, request: UnstakeRequest): void {
    const e = this.entries.get(staker);
    if (e === undefined) throw new RangeError(`stake book: no staker ${staker}`);
    e.locked += request.shares;
    e.requests.push(request);
  }

  /** Requests of `staker` ready at `tsUs` (readyAtUs ≤ tsUs). */
  matured(staker: string, tsUs: number): UnstakeRequest[] {
    return this.requests(staker).filter((r) => r.readyAtUs <= tsUs);
  }

  /** Burns the matured requests' shares; returns how many were burned. */
  burnMatured(staker: string, tsUs: number): bigint {
    const e = this.entries.get(staker);
    if (e === undefined) return 0n;
    const burn = e.requests.filter((r) => r.readyAtUs <= tsUs).reduce((s, r) => s + r.shares, 0n);
    e.requests = e.requests.filter((r) => r.readyAtUs > tsUs);
    e.shares -= burn;
    e.locked -= burn;
    this.total -= burn;
    if (e.shares === 0n) this.entries.delete(staker);
    return burn;
  }

  /**
   * A fall of the fund by `drop` units split over all shares (locked included) by largest
   * remainder, so the losses sum exactly to `drop`; sorted by staker. With no shares outstanding
   * the whole drop is the venue's.
   */
  lossAllocation(drop: bigint): StakerLoss[] {
    const ids = this.stakers();
    if (ids.length === 0) return [{ staker: VENUE_STAKER, shares: 0n, loss: drop }];
    const shares = ids.map((id) => this.sharesOf(id).shares);
    const parts = allocate(money(drop, 0, 'UNITS'), shares);
    return ids.map((staker, i) => ({ staker, shares: shares[i]!, loss: parts[i]!.units }));
  }

  /** Unlocked shares per staker (only those > 0), for a proposal's weight snapshot. */
  unlockedSnapshot(): Map<string, bigint> {
    const out = new Map<string, bigint>();
    for (const id of this.stakers()) {
      const u = this.sharesOf(id).unlocked;
      if (u > 0n) out.set(id, u);
    }
    return out;
  }

  exportState(): StakerState[] {
    return this.stakers().map((id) => {
      const e = this.entries.get(id)!;
      return {
        id,
        shares: encodeBigint(e.shares),
        requests: e.requests.map((r) => ({
          shares: encodeBigint(r.shares),
          requestedAtUs: r.requestedAtUs,
          readyAtUs: r.readyAtUs,
        })),
      };
    });
  }

  /** Replaces the register; throws a RangeError on an inconsistent state and then changes nothing. */
  restoreState(stakers: readonly StakerState[]): void {
    const next = new Map<string, Entry>();
    let total = 0n;
    for (const s of stakers) {
      if (typeof s.id !== 'string' || s.id === '' || next.has(s.id)) {
        throw new RangeError(`state: bad or duplicate staker id ${JSON.stringify(s.id)}`);
      }
      const shares = decodeBigint(s.shares);
      const requests = s.requests.map((r) => {
        if (!Number.isSafeInteger(r.requestedAtUs) || !Number.isSafeInteger(r.readyAtUs)) {
          throw new RangeError(`state: staker ${s.id}: bad unstake request times`);
        }
        const rs = decodeBigint(r.shares);
        if (rs <= 0n) throw new RangeError(`state: staker ${s.id}: unstake request of ${rs} shares`);
        return { shares: rs, requestedAtUs: r.requestedAtUs, readyAtUs: r.readyAtUs };
      });
      const locked = requests.reduce((a, r) => a + r.shares, 0n);
      if (shares <= 0n || locked > shares) {
        throw new RangeError(`state: staker ${s.id}: ${shares} shares with ${locked} locked`);
      }
      next.set(s.id, { shares, locked, requests });
      total += shares;
    }
    this.entries.clear();
    for (const [id, e] of next) this.entries.set(id, e);
    this.total = total;
  }
}
