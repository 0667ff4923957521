import type { Instrument } from '../../domain/instrument.ts';
import { black76Price } from '../../pricing/black76.ts';
import { type UnderlyingMarket, yearsTo } from '../market.ts';
import { type Scenario, shockedVol, skewMultiplier, type VolShockSpec } from './scenarios.ts';

/**
 * Value and scenario P&L of ONE contract, in the instrument's settlement currency. This is the
 * single pricing rule behind both the fast risk arrays and the naive reference.
 *
 * - Linear option (USD-settled): size × Black-76(F, K, T, σ) with D = e^(−rT).
 * - Inverse option (coin-settled, Deribit): size × Black-76 / F — the option is quoted and
 *   settled in the underlying coin; `contractSize` is in base units (1 BTC per contract).
 * - Linear perpetual / future: P&L size × mark × move. Inverse (USD-sized contracts settled in
 *   coin): size/mark × (1 − 1/(1 + move)) per contract.
 * - Spot: size × spot × move. Index: nothing.
 */
export interface ContractPricer {
  /** Current value of one contract (options and spot; 0 for perps and futures, whose value is P&L). */
  value(i: Instrument, m: UnderlyingMarket): number;
  /** Delta of one contract in base units of the underlying (options by a central difference). */
  deltaBase(i: Instrument, m: UnderlyingMarket): number;
  pnl(i: Instrument, m: UnderlyingMarket, s: Scenario, volShock: VolShockSpec): number;
}

function optionValue(
  i: Instrument & { kind: 'option' },
  m: UnderlyingMarket,
  forward: number,
  vol: number,
): number {
  const t = yearsTo(i.expiryUs, m.nowUs);
  const usd = black76Price(i.right, forward, i.strike, t, vol, Math.exp(-m.rate * t));
  return i.contractSize * (i.settlement === 'inverse' ? usd / forward : usd);
}

export function markPrice(i: Instrument, m: UnderlyingMarket): number {
  switch (i.kind) {
    case 'perpetual':
      return m.markOf(i.id) ?? m.spot;
    case 'future':
      return m.markOf(i.id) ?? m.forwardAt(i.expiryUs);
    case 'option':
      return m.forwardAt(i.expiryUs);
    case 'spot':
    case 'index':
      return m.spot;
  }
}

export const contractPricer: ContractPricer = {
  value(i, m) {
    if (i.kind === 'option') return optionValue(i, m, m.forwardAt(i.expiryUs), m.volOf(i));
    if (i.kind === 'spot') return m.spot;
    return 0;
  },
  deltaBase(i, m) {
    switch (i.kind) {
      case 'option': {
        // Delta of the quote-currency value, in base units: d(value in USD)/dF.
        const f = m.forwardAt(i.expiryUs);
        const vol = m.volOf(i);
        const t = yearsTo(i.expiryUs, m.nowUs);
        const d = Math.exp(-m.rate * t);
        const h = f * 1e-4;
        const dv =
          (black76Price(i.right, f + h, i.strike, t, vol, d) -
            black76Price(i.right, f - h, i.strike, t, vol, d)) /
          (2 * h);
        return i.contractSize * dv;
      }
      case 'perpetual':
      case 'future':
        return i.settlement === 'linear' ? i.contractSize : i.contractSize / markPrice(i, m);
      case 'spot':
        return 1;
      case 'index':
        return 0;
    }
  },
  pnl(i, m, s, volShock) {
    switch (i.kind) {
      case 'option': {
        const f = m.forwardAt(i.expiryUs);
        const vol = m.volOf(i);
        const days = (Math.max(i.expiryUs - m.nowUs, 0) / 86_400e6) as number;
        const vol2 = s.skew
          ? vol * skewMultiplier(s.skew, Math.log(i.strike / f), yearsTo(i.expiryUs, m.nowUs))
          : shockedVol(volShock, vol, s.vol, days);
        const shocked = optionValue(i, m, f * (1 + s.move), vol2);
        return shocked - optionValue(i, m, f, vol);
      }
      case 'perpetual':
      case 'future': {
        const mark = markPrice(i, m);
        return i.settlement === 'linear'
          ? i.contractSize * mark * s.move
          : (i.contractSize / mark) * (1 - 1 / (1 + s.move));
      }
      case 'spot':
        return m.spot * s.move;
      case 'index':
        return 0;
    }
  },
};
