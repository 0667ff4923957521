import { BackstopError } from '../../core/errors.ts';
import type { AdlPriceBasis, AdlRule } from '../waterfall/adl.ts';
import type { ProviderConfig } from '../waterfall/providers.ts';

/** Stage switches of the engine's liquidation waterfall (docs/concepts/liquidation-engine.md). */
export interface LiquidationStages {
  readonly cancelOrders: boolean;
  readonly bookLiquidation: boolean;
  readonly providerTakeover: boolean;
  readonly insuranceFund: boolean;
  readonly adl: boolean;
  readonly socializedLoss: boolean;
}

/** One currency's insurance fund(s): opening balance and payout caps, decimal strings. */
export interface FundCurrencyConfig {
  /** Opening balance of the global fund (and of each isolated market's fund), decimal string. */
  readonly opening: string;
  readonly isolatedOpening?: Readonly<Record<string, string>>;
  readonly perAccountCap?: string;
  readonly perIntervalCap?: string;
  readonly intervalUs?: number;
}

export interface LiquidatorConfig {
  readonly stages: LiquidationStages;
  /** Stage b: partial liquidation into the book. */
  readonly book: {
    /** Fraction of each position closed per step, (0, 1]. */
    readonly maxFractionPerStep: number;
    /** A position whose notional (quote) is below this is closed whole. */
    readonly minStepNotional: number;
    /** Time between two steps of one account, µs. */
    readonly cooldownUs: number;
    /** The step never sells below mark·(1 − band) nor buys above mark·(1 + band). */
    readonly priceBandFrac: number;
    /** Liquidation fee to the insurance fund, fraction of the closed value; never creates bad debt. */
    readonly feeFrac: number;
  };
  /** Stage c runs while equity < this × maintenance margin. */
  readonly distressedFractionOfMm: number;
  readonly providers: readonly ProviderConfig[];
  readonly providerMode: 'pro-rata' | 'priority';
  /** Providers take over at mark ∓ this fraction (never past the bankruptcy price while equity ≥ 0). */
  readonly providerDiscountFrac: number;
  /**
   * Counterparty guarantee: while positions are open, the fund pays an account's negative equity
   * (the gap between bankruptcy price and achievable fill) so liquidation can go on; off, the fund
   * pays only bad debt left after the account is closed (ADL runs first).
   */
  readonly fundCoversOpenGap: boolean;
  /** Contracts per lot for provider and ADL allocation (whole lots; a remainder stays open). */
  readonly lotContracts: number;
  /** Insurance funds by currency; markets listed in `isolatedMarkets` have their own fund. */
  readonly funds: Readonly<Record<string, FundCurrencyConfig>>;
  readonly isolatedMarkets?: readonly string[];
  readonly adl: {
    readonly rule: AdlRule;
    readonly mode: 'rank' | 'pro-rata';
    readonly seed?: number;
    readonly priceBasis: AdlPriceBasis;
    /** OKX / Bybit style: the fund is bypassed (ADL runs) when its drawdown over the window passes this. */
    readonly drawdown?: { readonly thresholdFrac: number; readonly windowUs: number };
  };
  readonly socializeMode: 'open-interest' | 'daily-winners';
}

/** A complete waterfall with dYdX-like step parameters (docs/concepts/liquidation-engine.md). */
export function defaultLiquidatorConfig(overrides: Partial<LiquidatorConfig> = {}): LiquidatorConfig {
  return {
    stages: {
      cancelOrders: true,
      bookLiquidation: true,
      providerTakeover: true,
      insuranceFund: true,
      adl: true,
      socializedLoss: true,
    },
    book: {
      maxFractionPerStep: 0.25,
      minStepNotional: 10_000,
      cooldownUs: 1_000_000,
      priceBandFrac: 0.01,
      feeFrac: 0.015,
    },
    distressedFractionOfMm: 0.5,
    providers: [],
    providerMode: 'pro-rata',
    providerDiscountFrac: 0.01,
    fundCoversOpenGap: true,
    lotContracts: 1e-4,
    funds: {},
    adl: { rule: 'bitmex', mode: 'rank', priceBasis: 'bankruptcy' },
    socializeMode: 'open-interest',
    ...overrides,
  };
}

function bad(path: string, message: string): never {
  throw new BackstopError('BAD_CONFIG', `liquidation.${path}: ${message}`, { path: `liquidation.${path}` });
}

const DECIMAL = /^\d+(\.\d+)?$/;

/** Throws BAD_CONFIG naming the field path of the first invalid value. */
export function validateLiquidatorConfig(c: LiquidatorConfig): void {
  const frac = (path: string, x: number, { open = false, max = 1 } = {}) => {
    if (!Number.isFinite(x) || x < 0 || x > max || (open && x === 0)) {
      bad(path, `must be a number in ${open ? '(' : '['}0, ${max}], got ${x}`);
    }
  };
  frac('book.maxFractionPerStep', c.book.maxFractionPerStep, { open: true });
  frac('book.priceBandFrac', c.book.priceBandFrac);
  frac('book.feeFrac', c.book.feeFrac);
  frac('distressedFractionOfMm', c.distressedFractionOfMm, { max: 10 });
  frac('providerDiscountFrac', c.providerDiscountFrac, { max: 0.99 });
  if (!(c.book.minStepNotional >= 0)) bad('book.minStepNotional', 'must be ≥ 0');
  if (!Number.isSafeInteger(c.book.cooldownUs) || c.book.cooldownUs < 0) {
    bad('book.cooldownUs', 'must be an integer ≥ 0 (µs)');
  }
  if (!(c.lotContracts > 0) || !Number.isFinite(c.lotContracts)) bad('lotContracts', 'must be > 0');
  const ids = new Set<string>();
  c.providers.forEach((p, n) => {
    if (typeof p.id !== 'string' || p.id === '') bad(`providers[${n}].id`, 'must be a non-empty string');
    if (ids.has(p.id)) bad(`providers[${n}].id`, `duplicate provider ${p.id}`);
    ids.add(p.id);
  });
  for (const [ccy, f] of Object.entries(c.funds)) {
    for (const [k, v] of [
      ['opening', f.opening],
      ['perAccountCap', f.perAccountCap],
      ['perIntervalCap', f.perIntervalCap],
      ...Object.entries(f.isolatedOpening ?? {}).map(([m, x]) => [`isolatedOpening.${m}`, x]),
    ] as [string, string | undefined][]) {
      if (v !== undefined && !DECIMAL.test(v))
        bad(`funds.${ccy}.${k}`, `must be a decimal string ≥ 0, got ${v}`);
    }
    if (f.perIntervalCap !== undefined && !(Number.isSafeInteger(f.intervalUs) && (f.intervalUs ?? 0) > 0)) {
      bad(`funds.${ccy}.intervalUs`, 'is required (integer µs > 0) with perIntervalCap');
    }
  }
  if (c.adl.rule === 'dydx-random' && c.adl.seed === undefined)
    bad('adl.seed', "is required by rule 'dydx-random'");
  if (c.adl.drawdown) {
    frac('adl.drawdown.thresholdFrac', c.adl.drawdown.thresholdFrac, { open: true });
    if (!Number.isSafeInteger(c.adl.drawdown.windowUs) || c.adl.drawdown.windowUs <= 0) {
      bad('adl.drawdown.windowUs', 'must be an integer > 0 (µs)');
    }
  }
}
