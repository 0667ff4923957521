import type { SviParams } from '../domain/events.ts';
import type { OptionInstrument } from '../domain/instrument.ts';
import { sviImpliedVol } from '../pricing/svi.ts';
import { strikePointsSlice, VolSurface } from '../pricing/vol-surface.ts';
import { type UnderlyingMarket, yearsTo } from './market.ts';

/** An expiry's implied-vol smile as a function of log-moneyness k = ln(K/F). */
type Smile = (logMoneyness: number) => number;

/**
 * The engine's mutable view of one underlying, fed by index, mark, forward and implied-vol
 * events. Implements the same `UnderlyingMarket` the pure margin models read.
 */
export class LiveUnderlyingMarket implements UnderlyingMarket {
  nowUs = 0;
  spot = Number.NaN;
  rate = 0;
  private readonly forwards = new Map<number, number>();
  private readonly marks = new Map<string, number>();
  private readonly vols = new Map<string, number>();
  private readonly smiles = new Map<number, Smile>();

  constructor(
    readonly underlying: string,
    private defaultVol: number,
  ) {}

  get ready(): boolean {
    return Number.isFinite(this.spot);
  }

  forwardAt(expiryUs: number): number {
    return this.forwards.get(expiryUs) ?? this.spot;
  }

  markOf(instrumentId: string): number | undefined {
    return this.marks.get(instrumentId);
  }

  /** A per-option vol (option ticker) wins; else the expiry's smile; else the default. */
  volOf(option: OptionInstrument): number {
    const own = this.vols.get(option.id);
    if (own !== undefined) return own;
    const smile = this.smiles.get(option.expiryUs);
    if (smile) {
      const v = smile(Math.log(option.strike / this.forwardAt(option.expiryUs)));
      if (Number.isFinite(v) && v >= 0) return v;
    }
    return this.defaultVol;
  }

  /**
   * An implied-vol update for one expiry, from raw SVI parameters or strike points. The smile is
   * fixed in log-moneyness at the time of the update (sticky moneyness): later forward moves
   * slide along it, and the vols do not drift as time passes until the next update. Returns an
   * error message for unusable input (the caller rejects the event).
   */
  setSmile(
    expiryUs: number,
    svi: SviParams | null,
    points: readonly { readonly strike: number; readonly volAnnual: number }[] | null,
  ): string | null {
    const t = yearsTo(expiryUs, this.nowUs);
    if (!(t > 0)) return 'expiry is not in the future';
    if (svi) {
      this.smiles.set(expiryUs, (k) => sviImpliedVol(svi, k, t));
      return null;
    }
    if (!points || points.length === 0) return 'needs SVI parameters or strike points';
    const sorted = [...points].sort((a, b) => a.strike - b.strike);
    const surface = VolSurface.create([
      strikePointsSlice({
        timeYears: t,
        forward: this.forwardAt(expiryUs),
        strikes: sorted.map((p) => p.strike),
        volsAnnual: sorted.map((p) => p.volAnnual),
      }),
    ]);
    if (!surface.ok) return surface.error.message;
    const f = this.forwardAt(expiryUs);
    this.smiles.set(expiryUs, (k) => surface.value.impliedVolAtStrike(f * Math.exp(k), f, t));
    return null;
  }

  setSpot(price: number, tsUs: number): void {
    this.spot = price;
    this.nowUs = Math.max(this.nowUs, tsUs);
  }

  setMark(instrumentId: string, price: number): void {
    this.marks.set(instrumentId, price);
  }

  setForward(expiryUs: number, forward: number): void {
    this.forwards.set(expiryUs, forward);
  }

  setVol(instrumentId: string, volAnnual: number): void {
    this.vols.set(instrumentId, volAnnual);
  }

  setDefaultVol(volAnnual: number): void {
    this.defaultVol = volAnnual;
  }
}
