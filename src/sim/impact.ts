/**
 * Price impact of forced flow in backtests (docs/backtesting.md). A trade that consumes a share
 * q = notional / D of the depth D within `depthBandFrac` of mid moves the price by
 * q × depthBandFrac (walking the whole band moves it across the band), signed with the flow. A
 * part `permanentFrac` of that move stays; the rest decays exponentially with `halfLifeUs`. The
 * backtest multiplies every later data price by (1 + offset), so forced selling deepens the move
 * and can trigger further liquidations: a cascade.
 */
export interface ImpactConfig {
  readonly permanentFrac: number;
  readonly halfLifeUs: number;
  readonly depthBandFrac: number;
}

export const DEFAULT_IMPACT: ImpactConfig = {
  permanentFrac: 0.3,
  halfLifeUs: 300_000_000,
  depthBandFrac: 0.01,
};

export class PriceImpact {
  private permanent = 0;
  private temporary = 0;
  private lastUs = Number.NEGATIVE_INFINITY;

  constructor(readonly config: ImpactConfig) {}

  /** Relative price offset at `tsUs` (e.g. −0.02 = prices 2 % below the data). */
  offset(tsUs: number): number {
    return this.permanent + this.decayed(tsUs);
  }

  private decayed(tsUs: number): number {
    if (this.temporary === 0 || !Number.isFinite(this.lastUs)) return this.temporary;
    return this.temporary * 2 ** (-(tsUs - this.lastUs) / this.config.halfLifeUs);
  }

  /**
   * Forced flow at `tsUs`: `signedNotional` > 0 buys, < 0 sells; `depthNotional` is the book's
   * depth on the side hit within the band. Returns the instantaneous move it added.
   */
  onFlow(signedNotional: number, depthNotional: number, tsUs: number): number {
    if (signedNotional === 0 || !(depthNotional > 0)) return 0;
    const move = Math.max(-0.5, Math.min(0.5, (signedNotional / depthNotional) * this.config.depthBandFrac));
    this.temporary = this.decayed(tsUs) + (1 - this.config.permanentFrac) * move;
    this.permanent += this.config.permanentFrac * move;
    this.lastUs = tsUs;
    return move;
  }
}
