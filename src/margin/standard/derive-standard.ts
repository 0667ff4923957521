/**
 * Derive (formerly Lyra) v2 standard manager as a preset of the standard option margin, plus its
 * perp, oracle-confidence, base-asset and stablecoin-depeg terms (docs/presets/derive-standard.md;
 * the model is steps 1–8 of ../shared/conformance/derive-standard/README.md).
 *
 * Margins are signed and mark-inclusive, as Derive reports them: the account margin is
 * cash + Σ markets, a requirement is negative; an account with IM ≥ 0 may add risk, MM < 0 is
 * liquidatable. USD throughout (Derive's options are cash-settled in USDC).
 */
import { BackstopError } from '../../core/errors.ts';
import { black76Price, type OptionRight } from '../../pricing/black76.ts';
import {
  type ExpiryOptionMargin,
  expiryOptionMargin,
  type MarginKind,
  type OptionLeg,
  type OptionMarginParams,
  validateOptionMarginParams,
} from './option-margin.ts';

export interface DerivePerpParams {
  /** MM fraction of |position| × perp price. */
  readonly mmReq: number;
  /** IM fraction of |position| × perp price. */
  readonly imReq: number;
}

/** IM-only charges when an oracle's confidence (0–1) is below a threshold: (1 − c)·factor·S·size. */
export interface DeriveOracleContingencyParams {
  readonly perpThreshold: number;
  readonly optionThreshold: number;
  readonly baseThreshold: number;
  readonly factor: number;
}

export interface DeriveBaseParams {
  /** Credit per unit of base asset held, as a fraction of its spot value (MM). */
  readonly marginFactor: number;
  /** IM credit = MM credit × imScale. */
  readonly imScale: number;
}

export interface DeriveMarketParams {
  readonly option: OptionMarginParams;
  readonly perp: DerivePerpParams;
  readonly oracle: DeriveOracleContingencyParams;
  readonly base: DeriveBaseParams;
}

/** IM-only charge when the stablecoin trades below `threshold` USD: (threshold − u)·factor·S·size. */
export interface DeriveDepegParams {
  readonly threshold: number;
  readonly factor: number;
}

export interface DeriveStandardParams {
  /** Parameters of every market without an override. */
  readonly market: DeriveMarketParams;
  /** Per-market parameters by market name (Derive sets them per market). */
  readonly marketOverrides?: Readonly<Record<string, DeriveMarketParams>>;
  readonly depeg: DeriveDepegParams;
  /** Option marks: τ = seconds to expiry / secondsPerYear. */
  readonly secondsPerYear: number;
  /** Expiries closer than this (s) use the market's settlement price as their forward. */
  readonly settlementWindowSec: number;
}

/**
 * The parameters of Derive's StandardManager unit-test harness (derivexyz/v2-core @ 7736900d,
 * test/risk-managers/unit-tests/StandardManager), identical for ETH and BTC. Sources per value in
 * docs/presets/derive-standard.md.
 */
export const DERIVE_STANDARD_PARAMS: DeriveStandardParams = {
  market: {
    option: {
      maxSpotReq: 0.15,
      minSpotReq: 0.1,
      mmCallSpotReq: 0.075,
      mmPutSpotReq: 0.075,
      mmPutMtMReq: 0.075,
      mmOffsetScale: 1.05,
      unpairedIMScale: 1.2,
      unpairedMMScale: 1.1,
    },
    perp: { mmReq: 0.05, imReq: 0.065 },
    oracle: { perpThreshold: 0.4, optionThreshold: 0.4, baseThreshold: 0.4, factor: 0.4 },
    base: { marginFactor: 0.1, imScale: 1 },
  },
  depeg: { threshold: 0.98, factor: 1.2 },
  secondsPerYear: 31_536_000,
  settlementWindowSec: 3600,
};

export interface StandardOptionPosition {
  readonly right: OptionRight;
  /** USD per unit of underlying. */
  readonly strike: number;
  /** Signed contracts; < 0 short. */
  readonly amount: number;
  /** Implied vol used for the mark (1.0 = 100 %). */
  readonly volAnnual: number;
}

export interface StandardExpiry {
  /** Seconds from now to expiry (≥ 0). */
  readonly secondsToExpiry: number;
  /** Forward feed price (USD); replaced by the market's settlement price inside the window. */
  readonly forward: number;
  /** Forward feed confidence, 0–1. */
  readonly forwardConfidence: number;
  /** Vol feed confidence for this expiry, 0–1. */
  readonly volConfidence: number;
  readonly options: readonly StandardOptionPosition[];
}

export interface StandardPerpPosition {
  /** Signed perp contracts (units of base). */
  readonly amount: number;
  /** Perp entry price (USD) for unrealized PnL. */
  readonly entryPrice: number;
  readonly globalFundingIndex: number;
  readonly accountFundingIndex: number;
}

export interface StandardMarket {
  readonly name: string;
  /** Index price S (USD). */
  readonly spot: number;
  readonly spotConfidence: number;
  /** Perp mark price P (USD). */
  readonly perpPrice: number;
  readonly perpConfidence: number;
  /** Forward for expiries inside the settlement window (blended TWAP/forward), or null if none. */
  readonly settlementPrice: number | null;
  readonly expiries: readonly StandardExpiry[];
  readonly perp: StandardPerpPosition | null;
  /** Units of the base asset held (≥ 0). */
  readonly baseUnits: number;
}

export interface StandardAccount {
  /** USD cash balance (signed). */
  readonly cash: number;
  /** Stablecoin price in USD (u). */
  readonly stablecoinPrice: number;
  readonly markets: readonly StandardMarket[];
}

export interface DeriveExpiryBreakdown extends ExpiryOptionMargin {
  readonly secondsToExpiry: number;
  /** The forward used (settlement price inside the window). */
  readonly forward: number;
  /** min(spot, forward, vol) confidence. */
  readonly confidence: number;
  /** IM oracle charge on this expiry's shorts (≤ 0; 0 for MM). */
  readonly oracleCharge: number;
}

/** One market's terms for IM or MM, each signed; `total` is their sum. */
export interface DeriveMarketBreakdown {
  /** Σ expiry margins before the oracle charge (Derive's `<A>OptionIM/MM`). */
  readonly options: number;
  /** Σ per-option isolated margins (`<A>OptionIsolatedIM/MM`). */
  readonly optionsIsolated: number;
  /** IM oracle charges of all expiries (≤ 0). */
  readonly optionOracleCharge: number;
  /** −|N|·P·req. */
  readonly perp: number;
  /** IM perp oracle charge (≤ 0). */
  readonly perpOracleCharge: number;
  /** (P − entry)·N. */
  readonly unrealizedPnl: number;
  /** −N·(global − account funding index). */
  readonly funding: number;
  /** Base credit, factor·B·S (× imScale for IM). */
  readonly base: number;
  /** IM base oracle charge (≤ 0). */
  readonly baseOracleCharge: number;
  /** IM depeg charge (≤ 0). */
  readonly depegCharge: number;
  readonly total: number;
  readonly expiries: readonly DeriveExpiryBreakdown[];
}

export interface DeriveMarketMargin {
  readonly market: string;
  readonly im: DeriveMarketBreakdown;
  readonly mm: DeriveMarketBreakdown;
  /** Option marks + PnL + funding + B·S/u. */
  readonly mtm: number;
}

export interface DeriveStandardResult {
  /** Account initial margin: cash + Σ markets' IM (negative = short of IM). */
  readonly im: number;
  /** Account maintenance margin: cash + Σ markets' MM. */
  readonly mm: number;
  /** Account mark-to-market: cash + Σ markets' MtM. */
  readonly mtm: number;
  readonly perMarket: readonly DeriveMarketMargin[];
}

function finite(value: number, field: string, min = Number.NEGATIVE_INFINITY, strict = false): void {
  if (!Number.isFinite(value)) {
    throw new BackstopError('NOT_FINITE', `${field} must be finite`, { field, value });
  }
  if (strict ? !(value > min) : !(value >= min)) {
    throw new BackstopError('BAD_ARGUMENT', `${field} must be ${strict ? '>' : '≥'} ${min}`, {
      field,
      value,
    });
  }
}

function marketParams(params: DeriveStandardParams, name: string): DeriveMarketParams {
  return params.marketOverrides?.[name] ?? params.market;
}

interface PricedExpiry {
  readonly expiry: StandardExpiry;
  readonly forward: number;
  readonly legs: readonly OptionLeg[];
}

/** Step 1 (forward per expiry) and step 2 (Black-76 marks on the forward, no discounting). */
function priceExpiries(m: StandardMarket, params: DeriveStandardParams): PricedExpiry[] {
  return m.expiries.map((e, i) => {
    const at = `${m.name}.expiries[${i}]`;
    finite(e.secondsToExpiry, `${at}.secondsToExpiry`, 0);
    let forward = e.forward;
    if (e.secondsToExpiry < params.settlementWindowSec) {
      if (m.settlementPrice === null) {
        throw new BackstopError(
          'BAD_ARGUMENT',
          `${m.name}: expiry in ${e.secondsToExpiry} s is inside the settlement window but the market has no settlement price`,
          { field: `${m.name}.settlementPrice`, value: null },
        );
      }
      forward = m.settlementPrice;
    }
    finite(forward, `${at}.forward`, 0, true);
    const tau = e.secondsToExpiry / params.secondsPerYear;
    const legs = e.options.map((o, j) => {
      finite(o.strike, `${at}.options[${j}].strike`, 0, true);
      finite(o.amount, `${at}.options[${j}].amount`);
      finite(o.volAnnual, `${at}.options[${j}].volAnnual`, 0);
      return {
        right: o.right,
        strike: o.strike,
        amount: o.amount,
        price: black76Price(o.right, forward, o.strike, tau, o.volAnnual, 1),
      };
    });
    return { expiry: e, forward, legs };
  });
}

function marketBreakdown(
  m: StandardMarket,
  priced: readonly PricedExpiry[],
  kind: MarginKind,
  mp: DeriveMarketParams,
  depegMultiplier: number,
): DeriveMarketBreakdown {
  const S = m.spot;
  const im = kind === 'im';
  const oc = mp.oracle;

  // Step 4: per expiry max(isolated, bound); IM oracle charge on the expiry's shorts.
  const expiries: DeriveExpiryBreakdown[] = [];
  let options = 0;
  let optionsIsolated = 0;
  let optionOracleCharge = 0;
  let shortContracts = 0;
  for (const p of priced) {
    const r = expiryOptionMargin(
      p.legs,
      { spot: S, forward: p.forward, settlement: 'linear' },
      kind,
      mp.option,
    );
    const c = Math.min(m.spotConfidence, p.expiry.forwardConfidence, p.expiry.volConfidence);
    const oracleCharge = im && c < oc.optionThreshold ? -(1 - c) * oc.factor * S * r.shortContracts : 0;
    expiries.push({
      ...r,
      secondsToExpiry: p.expiry.secondsToExpiry,
      forward: p.forward,
      confidence: c,
      oracleCharge,
    });
    options += r.margin;
    optionsIsolated += r.isolated;
    optionOracleCharge += oracleCharge;
    shortContracts += r.shortContracts;
  }

  // Step 5: perp requirement, IM oracle charge, PnL and funding.
  let perp = 0;
  let perpOracleCharge = 0;
  let unrealizedPnl = 0;
  let funding = 0;
  const N = m.perp?.amount ?? 0;
  if (m.perp !== null && N !== 0) {
    perp = -Math.abs(N) * m.perpPrice * (im ? mp.perp.imReq : mp.perp.mmReq);
    const c = Math.min(m.perpConfidence, m.spotConfidence);
    if (im && c < oc.perpThreshold) perpOracleCharge = -(1 - c) * oc.factor * S * Math.abs(N);
    unrealizedPnl = (m.perpPrice - m.perp.entryPrice) * N;
    funding = -N * (m.perp.globalFundingIndex - m.perp.accountFundingIndex);
  }

  // Step 6: base asset credit and its IM oracle charge.
  const notional = m.baseUnits * S;
  const base = notional * mp.base.marginFactor * (im ? mp.base.imScale : 1);
  const baseOracleCharge =
    im && m.baseUnits > 0 && m.spotConfidence < oc.baseThreshold
      ? -(1 - m.spotConfidence) * oc.factor * notional
      : 0;

  // Step 7: depeg on |perp| + the market's shorts (multiplier 0 for MM or no depeg).
  const depegCharge = depegMultiplier > 0 ? -depegMultiplier * S * (Math.abs(N) + shortContracts) : 0;

  const total =
    options +
    optionOracleCharge +
    perp +
    perpOracleCharge +
    unrealizedPnl +
    funding +
    base +
    baseOracleCharge +
    depegCharge;
  return {
    options,
    optionsIsolated,
    optionOracleCharge,
    perp,
    perpOracleCharge,
    unrealizedPnl,
    funding,
    base,
    baseOracleCharge,
    depegCharge,
    total,
    expiries,
  };
}

function checkMarket(m: StandardMarket): void {
  finite(m.spot, `${m.name}.spot`, 0, true);
  finite(m.spotConfidence, `${m.name}.spotConfidence`, 0);
  finite(m.baseUnits, `${m.name}.baseUnits`, 0);
  if (m.perp !== null && m.perp.amount !== 0) {
    finite(m.perp.amount, `${m.name}.perp.amount`);
    finite(m.perpPrice, `${m.name}.perpPrice`, 0, true);
    finite(m.perpConfidence, `${m.name}.perpConfidence`, 0);
    finite(m.perp.entryPrice, `${m.name}.perp.entryPrice`);
    finite(m.perp.globalFundingIndex, `${m.name}.perp.globalFundingIndex`);
    finite(m.perp.accountFundingIndex, `${m.name}.perp.accountFundingIndex`);
  }
  m.expiries.forEach((e, i) => {
    finite(e.forwardConfidence, `${m.name}.expiries[${i}].forwardConfidence`, 0);
    finite(e.volConfidence, `${m.name}.expiries[${i}].volConfidence`, 0);
  });
}

/**
 * Initial and maintenance margin of an account under Derive's standard manager (steps 1–8),
 * with a per-market breakdown. USD, signed (requirement < 0).
 * @throws BackstopError NOT_FINITE / BAD_ARGUMENT naming the field of a non-finite or out-of-range
 *   input, or an expiry inside the settlement window of a market without a settlement price.
 */
export function deriveStandardMargin(
  account: StandardAccount,
  params: DeriveStandardParams = DERIVE_STANDARD_PARAMS,
): DeriveStandardResult {
  finite(account.cash, 'cash');
  finite(account.stablecoinPrice, 'stablecoinPrice', 0, true);
  validateOptionMarginParams(params.market.option);
  for (const mp of Object.values(params.marketOverrides ?? {})) validateOptionMarginParams(mp.option);
  const u = account.stablecoinPrice;
  const depegMultiplier = u < params.depeg.threshold ? (params.depeg.threshold - u) * params.depeg.factor : 0;

  let im = account.cash;
  let mm = account.cash;
  let mtm = account.cash;
  const perMarket: DeriveMarketMargin[] = [];
  for (const m of account.markets) {
    checkMarket(m);
    const mp = marketParams(params, m.name);
    const priced = priceExpiries(m, params);
    const mIm = marketBreakdown(m, priced, 'im', mp, depegMultiplier);
    const mMm = marketBreakdown(m, priced, 'mm', mp, 0);
    let marks = 0;
    for (const e of mMm.expiries) marks += e.mark;
    const marketMtm = marks + mMm.unrealizedPnl + mMm.funding + (m.baseUnits * m.spot) / u;
    im += mIm.total;
    mm += mMm.total;
    mtm += marketMtm;
    perMarket.push({ market: m.name, im: mIm, mm: mMm, mtm: marketMtm });
  }
  return { im, mm, mtm, perMarket };
}
