import { moneyFromFloat, moneyToDecimal, ROUND_COLLATERAL, ROUND_REQUIREMENT } from '../core/money.ts';
import type { AccountMarginResult } from './account-margin.ts';

/** Decimal places used when a pool's amounts are written as exact money. */
export function currencyScale(currency: string): number {
  return ['BTC', 'ETH', 'SOL'].includes(currency) ? 8 : 6;
}

/** The JSON document of `backstop margin` and of the service's margin endpoints (docs/formats.md). */
export function marginDocument(r: AccountMarginResult, explain: boolean) {
  return {
    account: r.account,
    model: r.model,
    state: r.state,
    pools: r.pools.map((p) => {
      const scale = currencyScale(p.currency);
      return {
        currency: p.currency,
        state: p.state,
        equity: p.equity,
        im: p.im,
        mm: p.mm,
        // Exact money: requirements rounded up, equity down (ADR 0001).
        equityMoney: moneyToDecimal(moneyFromFloat(p.equity, scale, p.currency, ROUND_COLLATERAL)),
        imMoney: moneyToDecimal(moneyFromFloat(p.im, scale, p.currency, ROUND_REQUIREMENT)),
        mmMoney: moneyToDecimal(moneyFromFloat(p.mm, scale, p.currency, ROUND_REQUIREMENT)),
        collateral: p.collateral,
        positionsValue: p.positionsValue,
        multiplier: p.multiplier,
        underlyings: p.underlyings.map((u) => ({
          underlying: u.underlying,
          im: u.im,
          mm: u.mm,
          openOrdersAssumed: u.openOrdersAssumed,
          ...(explain ? { explain: u.explain } : {}),
        })),
      };
    }),
  };
}
