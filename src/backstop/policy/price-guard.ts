import type { GuardPolicy } from './policy.ts';

export type GuardVerdict =
  | { readonly accept: true; readonly confirmedAfter: number }
  | {
      readonly accept: false;
      readonly last: number;
      readonly moveFrac: number;
      readonly confirmations: number;
      readonly needed: number;
    };

interface Track {
  last: number;
  /** A jump being held, and how many prices have confirmed it. */
  pending: number | null;
  confirmations: number;
}

/**
 * Outlier guard for index and mark prices: a price that moves more than `outlierFrac` from the
 * last accepted one is held, not applied, until `confirmTicks` further prices each within
 * `outlierFrac` of the held one confirm the move (a real crash is confirmed in a few ticks; a bad
 * print that reverts is never applied). A price that reverts toward the last accepted one is
 * accepted and drops the held one. The caller turns a refusal into an `input-rejected` decision
 * (counted, kept with its reason), so a bad print can never cause a liquidation.
 */
export class PriceGuard {
  private readonly tracks = new Map<string, Track>();

  constructor(private config: GuardPolicy) {}

  reconfigure(config: GuardPolicy): void {
    this.config = config;
  }

  check(key: string, price: number): GuardVerdict {
    const t = this.tracks.get(key);
    if (!t) {
      this.tracks.set(key, { last: price, pending: null, confirmations: 0 });
      return { accept: true, confirmedAfter: 0 };
    }
    const f = this.config.outlierFrac;
    const moveFrac = price / t.last - 1;
    if (Math.abs(moveFrac) <= f) {
      t.last = price;
      t.pending = null;
      t.confirmations = 0;
      return { accept: true, confirmedAfter: 0 };
    }
    if (t.pending !== null && Math.abs(price / t.pending - 1) <= f) {
      t.confirmations += 1;
      if (t.confirmations >= this.config.confirmTicks) {
        const n = t.confirmations;
        t.last = price;
        t.pending = null;
        t.confirmations = 0;
        return { accept: true, confirmedAfter: n };
      }
      t.pending = price;
    } else {
      t.pending = price;
      t.confirmations = 0;
    }
    return {
      accept: false,
      last: t.last,
      moveFrac,
      confirmations: t.confirmations,
      needed: this.config.confirmTicks,
    };
  }

  exportState() {
    return [...this.tracks].map(([k, t]) => [k, t.last, t.pending, t.confirmations] as const);
  }

  restoreState(s: ReturnType<PriceGuard['exportState']>): void {
    this.tracks.clear();
    for (const [k, last, pending, confirmations] of s) this.tracks.set(k, { last, pending, confirmations });
  }
}
