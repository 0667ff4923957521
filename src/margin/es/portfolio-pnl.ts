import type { Instrument, OptionInstrument } from '../../domain/instrument.ts';
import { type AccountPosition, positionValue } from '../account-margin.ts';
import type { UnderlyingMarket } from '../market.ts';

/**
 * The market after a relative move of the underlying: spot, forwards and marks scale by
 * (1 + move); option vols are sticky in moneyness — an option of strike K is priced with the vol
 * the same expiry had at the same k = ln(K/F) before the move, interpolated linearly in k between
 * the options of that expiry (flat beyond the outermost strikes). Expiries with one known vol are
 * flat. Time does not pass.
 */
export class ShockedMarket implements UnderlyingMarket {
  readonly underlying: string;
  readonly nowUs: number;
  readonly spot: number;
  readonly rate: number;

  constructor(
    private readonly base: UnderlyingMarket,
    readonly move: number,
    private readonly smiles: ReadonlyMap<number, readonly { readonly k: number; readonly vol: number }[]>,
  ) {
    this.underlying = base.underlying;
    this.nowUs = base.nowUs;
    this.spot = base.spot * (1 + move);
    this.rate = base.rate;
  }

  forwardAt(expiryUs: number): number {
    return this.base.forwardAt(expiryUs) * (1 + this.move);
  }

  markOf(instrumentId: string): number | undefined {
    const m = this.base.markOf(instrumentId);
    return m === undefined ? undefined : m * (1 + this.move);
  }

  volOf(option: OptionInstrument): number {
    const smile = this.smiles.get(option.expiryUs);
    if (!smile || smile.length === 0) return this.base.volOf(option);
    const k = Math.log(option.strike / this.forwardAt(option.expiryUs));
    return interpolate(smile, k);
  }
}

function interpolate(smile: readonly { readonly k: number; readonly vol: number }[], k: number): number {
  const first = smile[0] as { k: number; vol: number };
  const last = smile[smile.length - 1] as { k: number; vol: number };
  if (k <= first.k) return first.vol;
  if (k >= last.k) return last.vol;
  for (let i = 1; i < smile.length; i++) {
    const b = smile[i] as { k: number; vol: number };
    if (k <= b.k) {
      const a = smile[i - 1] as { k: number; vol: number };
      return a.vol + ((b.vol - a.vol) * (k - a.k)) / (b.k - a.k);
    }
  }
  return last.vol;
}

/** Per-expiry smiles (k = ln(K/F) → vol) from the options known on the underlying. */
export function smilesOf(
  options: readonly OptionInstrument[],
  market: UnderlyingMarket,
): Map<number, { k: number; vol: number }[]> {
  const out = new Map<number, { k: number; vol: number }[]>();
  for (const o of options) {
    const s = out.get(o.expiryUs) ?? [];
    s.push({ k: Math.log(o.strike / market.forwardAt(o.expiryUs)), vol: market.volOf(o) });
    out.set(o.expiryUs, s);
  }
  for (const s of out.values()) s.sort((a, b) => a.k - b.k);
  return out;
}

/**
 * Full-revaluation P&L of positions (one underlying, one settlement currency) for each relative
 * move of the underlying, in the settlement currency: options repriced with Black-76 at the
 * shocked forward and sticky-moneyness vol, perpetuals and futures by their P&L at the shocked
 * mark. `smileOptions` are the options whose vols define the smiles (default: the positions').
 */
export function portfolioPnlVector(
  positions: readonly AccountPosition[],
  instruments: ReadonlyMap<string, Instrument>,
  market: UnderlyingMarket,
  moves: readonly number[],
  smileOptions?: readonly OptionInstrument[],
): Float64Array {
  const held = positions.map((p) => {
    const i = instruments.get(p.instrumentId);
    if (!i) throw new RangeError(`unknown instrument ${p.instrumentId}`);
    return { i, p, base: positionValue(i, p, market) };
  });
  const options =
    smileOptions ?? held.map((h) => h.i).filter((i): i is OptionInstrument => i.kind === 'option');
  const smiles = smilesOf(options, market);
  const out = new Float64Array(moves.length);
  for (let s = 0; s < moves.length; s++) {
    const shocked = new ShockedMarket(market, moves[s] as number, smiles);
    let pnl = 0;
    for (const h of held) pnl += positionValue(h.i, h.p, shocked) - h.base;
    out[s] = pnl;
  }
  return out;
}
