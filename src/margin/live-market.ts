import { decodeNum, type EncodedNum, encodeNum } from '../core/state-codec.ts';
import type { SviParams } from '../domain/events.ts';
import type { OptionInstrument } from '../domain/instrument.ts';
import { sviImpliedVol } from '../pricing/svi.ts';
import { strikePointsSlice, VolSurface } from '../pricing/vol-surface.ts';
import { type UnderlyingMarket, yearsTo } from './market.ts';

/** An expiry's implied-vol smile as a function of log-moneyness k = ln(K/F). */
type Smile = (logMoneyness: number) => number;

/**
 * What a smile was built from, fixed at the update (sticky moneyness): the time to expiry then,
 * and either the SVI parameters or the strike points (sorted by strike) with the forward then.
 */
type SmileSpec =
  | { readonly timeYears: number; readonly svi: SviParams }
  | {
      readonly timeYears: number;
      readonly forward: number;
      readonly strikes: readonly number[];
      readonly volsAnnual: readonly number[];
    };

/** A smile's spec with its numbers encoded; `expiryUs` keys it. */
export type SmileState =
  | {
      readonly expiryUs: number;
      readonly timeYears: EncodedNum;
      readonly svi: {
        readonly a: EncodedNum;
        readonly b: EncodedNum;
        readonly rho: EncodedNum;
        readonly m: EncodedNum;
        readonly sigma: EncodedNum;
      };
    }
  | {
      readonly expiryUs: number;
      readonly timeYears: EncodedNum;
      readonly forward: EncodedNum;
      readonly strikes: readonly EncodedNum[];
      readonly volsAnnual: readonly EncodedNum[];
    };

/**
 * Snapshot of a LiveUnderlyingMarket. Maps are sorted by key (only looked up, never iterated);
 * smiles are stored as what they were built from and rebuilt on restore.
 */
export interface LiveUnderlyingMarketState {
  readonly underlying: string;
  readonly nowUs: EncodedNum;
  readonly spot: EncodedNum;
  readonly rate: EncodedNum;
  readonly defaultVol: EncodedNum;
  /** [expiryUs, forward] */
  readonly forwards: readonly (readonly [number, EncodedNum])[];
  /** [instrument id, mark] */
  readonly marks: readonly (readonly [string, EncodedNum])[];
  /** [option id, vol] */
  readonly vols: readonly (readonly [string, EncodedNum])[];
  readonly smiles: readonly SmileState[];
}

/** The smile a spec describes; an error message if its strike points do not make a surface. */
function buildSmile(spec: SmileSpec): Smile | string {
  const t = spec.timeYears;
  if ('svi' in spec) {
    const svi = spec.svi;
    return (k) => sviImpliedVol(svi, k, t);
  }
  const surface = VolSurface.create([
    strikePointsSlice({
      timeYears: t,
      forward: spec.forward,
      strikes: spec.strikes,
      volsAnnual: spec.volsAnnual,
    }),
  ]);
  if (!surface.ok) return surface.error.message;
  const f = spec.forward;
  return (k) => surface.value.impliedVolAtStrike(f * Math.exp(k), f, t);
}

function encodeSmile(expiryUs: number, spec: SmileSpec): SmileState {
  const timeYears = encodeNum(spec.timeYears);
  if ('svi' in spec) {
    const { a, b, rho, m, sigma } = spec.svi;
    return {
      expiryUs,
      timeYears,
      svi: {
        a: encodeNum(a),
        b: encodeNum(b),
        rho: encodeNum(rho),
        m: encodeNum(m),
        sigma: encodeNum(sigma),
      },
    };
  }
  return {
    expiryUs,
    timeYears,
    forward: encodeNum(spec.forward),
    strikes: spec.strikes.map(encodeNum),
    volsAnnual: spec.volsAnnual.map(encodeNum),
  };
}

function decodeSmile(s: SmileState): SmileSpec {
  const timeYears = decodeNum(s.timeYears);
  if ('svi' in s) {
    const { a, b, rho, m, sigma } = s.svi;
    return {
      timeYears,
      svi: {
        a: decodeNum(a),
        b: decodeNum(b),
        rho: decodeNum(rho),
        m: decodeNum(m),
        sigma: decodeNum(sigma),
      },
    };
  }
  return {
    timeYears,
    forward: decodeNum(s.forward),
    strikes: s.strikes.map(decodeNum),
    volsAnnual: s.volsAnnual.map(decodeNum),
  };
}

const byKey = <K extends number | string>(x: readonly [K, unknown], y: readonly [K, unknown]): number =>
  x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0;

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
  /** Per expiry: the smile and what it was built from (for snapshots). */
  private readonly smiles = new Map<number, { readonly spec: SmileSpec; readonly fn: Smile }>();

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
      const v = smile.fn(Math.log(option.strike / this.forwardAt(option.expiryUs)));
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
    let spec: SmileSpec;
    if (svi) {
      // A copy: the smile must not change if the caller later mutates its event.
      spec = { timeYears: t, svi: { a: svi.a, b: svi.b, rho: svi.rho, m: svi.m, sigma: svi.sigma } };
    } else {
      if (!points || points.length === 0) return 'needs SVI parameters or strike points';
      const sorted = [...points].sort((a, b) => a.strike - b.strike);
      spec = {
        timeYears: t,
        forward: this.forwardAt(expiryUs),
        strikes: sorted.map((p) => p.strike),
        volsAnnual: sorted.map((p) => p.volAnnual),
      };
    }
    const fn = buildSmile(spec);
    if (typeof fn === 'string') return fn;
    this.smiles.set(expiryUs, { spec, fn });
    return null;
  }

  setSpot(price: number, tsUs: number): void {
    this.spot = price;
    this.nowUs = Math.max(this.nowUs, tsUs);
  }

  setMark(instrumentId: string, price: number): void {
    this.marks.set(instrumentId, price);
  }

  /** Forgets a mark (stale feed): the instrument is then marked at its forward / the index. */
  clearMark(instrumentId: string): void {
    this.marks.delete(instrumentId);
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

  /** The market's state as plain JSON data (docs/concepts/journal.md, "State snapshots"). */
  exportState(): LiveUnderlyingMarketState {
    return {
      underlying: this.underlying,
      nowUs: encodeNum(this.nowUs),
      spot: encodeNum(this.spot),
      rate: encodeNum(this.rate),
      defaultVol: encodeNum(this.defaultVol),
      forwards: [...this.forwards].sort(byKey).map(([k, v]) => [k, encodeNum(v)] as const),
      marks: [...this.marks].sort(byKey).map(([k, v]) => [k, encodeNum(v)] as const),
      vols: [...this.vols].sort(byKey).map(([k, v]) => [k, encodeNum(v)] as const),
      smiles: [...this.smiles].sort(byKey).map(([expiryUs, { spec }]) => encodeSmile(expiryUs, spec)),
    };
  }

  /** Replaces all state by a state from `exportState`; throws if it is another underlying's or a smile cannot be rebuilt. */
  restoreState(s: LiveUnderlyingMarketState): void {
    if (s.underlying !== this.underlying) {
      throw new RangeError(`live market ${this.underlying}: cannot restore the state of ${s.underlying}`);
    }
    // Decode and rebuild everything first, so a bad state leaves this market untouched.
    const smiles: [number, { spec: SmileSpec; fn: Smile }][] = [];
    for (const st of s.smiles) {
      const spec = decodeSmile(st);
      const fn = buildSmile(spec);
      if (typeof fn === 'string') {
        throw new RangeError(`live market ${this.underlying} state: smile at ${st.expiryUs}: ${fn}`);
      }
      smiles.push([st.expiryUs, { spec, fn }]);
    }
    const nowUs = decodeNum(s.nowUs);
    const spot = decodeNum(s.spot);
    const rate = decodeNum(s.rate);
    const defaultVol = decodeNum(s.defaultVol);
    const forwards = s.forwards.map(([k, v]) => [k, decodeNum(v)] as const);
    const marks = s.marks.map(([k, v]) => [k, decodeNum(v)] as const);
    const vols = s.vols.map(([k, v]) => [k, decodeNum(v)] as const);
    this.nowUs = nowUs;
    this.spot = spot;
    this.rate = rate;
    this.defaultVol = defaultVol;
    refill(this.forwards, forwards);
    refill(this.marks, marks);
    refill(this.vols, vols);
    refill(this.smiles, smiles);
  }
}

/** Empties `map` and fills it with `entries`, in their order. */
function refill<K, V>(map: Map<K, V>, entries: readonly (readonly [K, V])[]): void {
  map.clear();
  for (const [k, v] of entries) map.set(k, v);
}
