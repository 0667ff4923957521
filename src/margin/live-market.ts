import type { OptionInstrument } from '../domain/instrument.ts';
import type { UnderlyingMarket } from './market.ts';

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

  volOf(option: OptionInstrument): number {
    return this.vols.get(option.id) ?? this.defaultVol;
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
