import type { Tier } from '../../domain/decisions.ts';

/** Who set an operator control (API key id), why, and since when (event time, µs). */
export interface OperatorStamp {
  readonly reason: string;
  readonly keyId: string;
  readonly sinceUs: number;
}

export interface TierOverride extends OperatorStamp {
  readonly tier: Tier;
}

/** Plain data: the service's read model and the snapshot form (instruments in id order). */
export interface OperatorControlsState {
  readonly halted: {
    readonly venue: OperatorStamp | null;
    readonly instruments: Readonly<Record<string, OperatorStamp>>;
  };
  readonly override: TierOverride | null;
}

/**
 * The operator's standing controls (docs/policies.md, "Operator controls"): a venue-wide halt,
 * per-instrument halts and a manual tier override. State only; the policy engine decides what
 * they do. The venue and each instrument are separate scopes: resuming the venue leaves an
 * instrument's own halt in place.
 */
export class OperatorControls {
  private venue: OperatorStamp | null = null;
  private readonly instruments = new Map<string, OperatorStamp>();
  private forced: TierOverride | null = null;

  /** The halt of one scope (`null` = the venue), if any. */
  haltOf(instrumentId: string | null): OperatorStamp | null {
    return instrumentId === null ? this.venue : (this.instruments.get(instrumentId) ?? null);
  }

  /** Halts a scope; false when it is already halted (nothing changes). */
  halt(instrumentId: string | null, stamp: OperatorStamp): boolean {
    if (this.haltOf(instrumentId)) return false;
    if (instrumentId === null) this.venue = stamp;
    else this.instruments.set(instrumentId, stamp);
    return true;
  }

  /** Ends a scope's halt; returns the halt ended, or null when there was none. */
  resume(instrumentId: string | null): OperatorStamp | null {
    const h = this.haltOf(instrumentId);
    if (instrumentId === null) this.venue = null;
    else this.instruments.delete(instrumentId);
    return h;
  }

  get venueHalted(): boolean {
    return this.venue !== null;
  }

  /** Trading of this instrument is stopped by an operator: the venue's halt or its own. */
  isHalted(instrumentId: string): boolean {
    return this.venue !== null || this.instruments.has(instrumentId);
  }

  get override(): TierOverride | null {
    return this.forced;
  }

  setOverride(o: TierOverride | null): void {
    this.forced = o;
  }

  /** Any control in force (the engine's state summary names them only then). */
  get active(): boolean {
    return this.venue !== null || this.instruments.size > 0 || this.forced !== null;
  }

  exportState(): OperatorControlsState {
    const ids = [...this.instruments.keys()].sort();
    return {
      halted: {
        venue: this.venue,
        instruments: Object.fromEntries(ids.map((id) => [id, this.instruments.get(id) as OperatorStamp])),
      },
      override: this.forced,
    };
  }

  restoreState(s: OperatorControlsState): void {
    this.venue = s.halted.venue === null ? null : { ...s.halted.venue };
    this.instruments.clear();
    for (const [id, h] of Object.entries(s.halted.instruments)) this.instruments.set(id, { ...h });
    this.forced = s.override === null ? null : { ...s.override };
  }
}
