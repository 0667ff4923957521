/**
 * Derive v2's portfolio margin model "PMRM_2": one account on one underlying, margined by a
 * scenario grid (spot × vol shocks, tails, skew rotations), a basis contingency, static discounts
 * and add-ons. The statement followed is the conformance README of the PMRM_2 portfolio cases
 * (../shared/conformance/derive-pm2/README.md; source derivexyz/v2-core @ 7736900d); the model and
 * every parameter are described in docs/presets/derive-pm2.md.
 *
 * All money is in the quote stablecoin's units (e.g. USDC); collateral prices are in USD and are
 * converted by the stable price. Pure: no I/O, no clock.
 */
import { BackstopError } from '../../core/errors.ts';
import { black76Price, type OptionRight } from '../../pricing/black76.ts';
import type { DerivePm2Params, DerivePm2RowFamily, DerivePm2Scenario } from './derive-pm2-params.ts';

export type {
  DerivePm2BasisParams,
  DerivePm2MarginParams,
  DerivePm2OtherParams,
  DerivePm2Params,
  DerivePm2RowFamily,
  DerivePm2Scenario,
  DerivePm2SkewShockParams,
  DerivePm2VolShock,
  DerivePm2VolShockParams,
} from './derive-pm2-params.ts';
export { DERIVE_PM2_TEST_PARAMS } from './derive-pm2-params.ts';

export const SECONDS_PER_YEAR = 31_536_000;
/** Inside the last 30 minutes part of the settlement price is already fixed. */
export const SETTLEMENT_WINDOW_SECONDS = 1_800;
const THIRTY_DAYS_SECONDS = 2_592_000;
const DAY_SECONDS = 86_400;

export interface DerivePm2Option {
  /** Signed number of contracts (negative = short). */
  readonly amount: number;
  readonly strike: number;
  readonly right: OptionRight;
  /** Seconds to expiry; ≤ 0 means expired. Must equal the `secondsToExpiry` of one feed. */
  readonly secondsToExpiry: number;
  /** The mark vol to price with (annualised, 365-day year). */
  readonly volAnnual: number;
}

/** Market data of one expiry. */
export interface DerivePm2ExpiryFeed {
  readonly secondsToExpiry: number;
  readonly forward: number;
  /** Annual continuously compounded rate; a negative rate is floored at 0. */
  readonly rate: number;
  readonly forwardConfidence: number;
  readonly rateConfidence: number;
  readonly volConfidence: number;
}

export interface DerivePm2Perp {
  /** Signed number of perps. */
  readonly amount: number;
  /** Perp mark price: the scenario P&L moves it, not spot. */
  readonly perpPrice: number;
  readonly confidence: number;
  readonly unrealisedPnl: number;
  readonly unrealisedFunding: number;
}

export interface DerivePm2Collateral {
  /** Units held (≥ 0). */
  readonly amount: number;
  /** USD price per unit; value = amount·price / stablePrice. */
  readonly priceUsd: number;
  readonly confidence: number;
  /** Risk-cancelling collateral moves with spot in the scenarios; other collateral does not. */
  readonly isRiskCancelling: boolean;
  readonly imHaircut: number;
  readonly mmHaircut: number;
}

export interface DerivePm2Portfolio {
  readonly spotPrice: number;
  readonly spotConfidence: number;
  /** USD price of the stablecoin everything is quoted in (1 = on peg). */
  readonly stablePrice: number;
  readonly cash: number;
  readonly options: readonly DerivePm2Option[];
  /** One feed per expiry; the per-expiry output follows this order. */
  readonly expiries: readonly DerivePm2ExpiryFeed[];
  /** Perp positions on the underlying (Derive accounts hold at most one; zero amounts are ignored). */
  readonly perps: readonly DerivePm2Perp[];
  readonly collaterals: readonly DerivePm2Collateral[];
}

export interface DerivePm2AddOns {
  /** |perps|·spot·MM_PERP_PERCENT (in MM and IM). */
  readonly mmPerp: number;
  /** |perps|·spot·IM_PERP_PERCENT (IM only). */
  readonly imPerp: number;
  /** Σ naked shorts·spot·MM_OPTION_PERCENT. */
  readonly mmOption: number;
  readonly imOption: number;
  /** Σ collateral value·MM haircut. */
  readonly mmBase: number;
  readonly imBase: number;
  /** Confidence (oracle) add-on, IM only. */
  readonly oracle: number;
  /** Sum of the MM add-ons (subtracted from MM and IM). */
  readonly mmTotal: number;
  /** Sum of the IM-only add-ons (subtracted from IM on top of mmTotal). */
  readonly imTotal: number;
}

export interface DerivePm2ExpiryDetail {
  readonly secondsToExpiry: number;
  readonly timeYears: number;
  readonly forward: number;
  /** Rate used (floored at 0). */
  readonly rate: number;
  readonly discount: number;
  /** min(forward, rate, vol confidences, portfolio confidence). */
  readonly confidence: number;
  readonly mtm: number;
  readonly volShockUp: number;
  readonly volShockDown: number;
  /** Static discount of a net long (value ≥ 0) expiry. */
  readonly staticDiscountLong: number;
  /** Static discount of a net short expiry. */
  readonly staticDiscountShort: number;
  /** mtm × the static discount of its sign. */
  readonly mtmDiscounted: number;
  /** Basis contingency of this expiry (≤ 0). */
  readonly basis: number;
  readonly nakedShorts: number;
  /** Σ |amount| (the oracle add-on's notional is this × spot). */
  readonly grossContracts: number;
  readonly oracle: number;
  /** This expiry's contribution to each row's P&L, in row order. */
  readonly scenarioPnl: readonly number[];
}

export interface DerivePm2Result {
  /** Initial margin: equity after the IM requirement (negative = requirement beyond equity). */
  readonly im: number;
  readonly mm: number;
  /** Portfolio mark-to-market including cash (options + collateral + perp value + cash). */
  readonly mtm: number;
  readonly optionMtm: number;
  readonly collateralMtm: number;
  /** Unrealised perp PnL + unrealised funding. */
  readonly perpValue: number;
  /** min(basis, every row's P&L) ≤ 0. */
  readonly minLoss: number;
  /** What sets minLoss: the first row reaching it, or the basis contingency when strictly lower. */
  readonly binding: {
    readonly family: DerivePm2RowFamily | 'fwd_contingency';
    readonly row: number | null;
  };
  /** P&L of each scenario row, in the params' row order. */
  readonly scenarioPnl: readonly number[];
  /** Basis (forward) contingency, Σ over expiries, ≤ 0. */
  readonly basis: number;
  readonly addOns: DerivePm2AddOns;
  /** The loss factor of IM, including the depeg add-on. */
  readonly imLossFactor: number;
  /** Portfolio confidence: spot confidence, lowered by the perp confidence when perps are held. */
  readonly portfolioConfidence: number;
  readonly collaterals: readonly { readonly value: number; readonly confidence: number }[];
  readonly perExpiry: readonly DerivePm2ExpiryDetail[];
}

interface ExpiryWork {
  readonly feed: DerivePm2ExpiryFeed;
  readonly options: DerivePm2Option[];
  readonly timeYears: number;
  readonly rate: number;
  readonly discount: number;
  /** F(m) = variable·m + fixed. */
  readonly fwdVariable: number;
  readonly fwdFixed: number;
}

function bad(field: string, message: string, value: unknown): BackstopError {
  return new BackstopError('BAD_ARGUMENT', `derive-pm2: ${field}: ${message}`, {
    field,
    value:
      typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' ? value : null,
  });
}

function finite(field: string, x: number): void {
  if (!Number.isFinite(x)) throw bad(field, 'must be a finite number', x);
}

function positive(field: string, x: number): void {
  if (!(Number.isFinite(x) && x > 0)) throw bad(field, 'must be a finite number > 0', x);
}

function nonNegative(field: string, x: number): void {
  if (!(Number.isFinite(x) && x >= 0)) throw bad(field, 'must be a finite number ≥ 0', x);
}

function validate(p: DerivePm2Portfolio, params: DerivePm2Params): void {
  positive('spotPrice', p.spotPrice);
  finite('spotConfidence', p.spotConfidence);
  positive('stablePrice', p.stablePrice);
  finite('cash', p.cash);
  p.options.forEach((o, i) => {
    finite(`options[${i}].amount`, o.amount);
    positive(`options[${i}].strike`, o.strike);
    finite(`options[${i}].secondsToExpiry`, o.secondsToExpiry);
    nonNegative(`options[${i}].volAnnual`, o.volAnnual);
    if (o.right !== 'call' && o.right !== 'put')
      throw bad(`options[${i}].right`, 'must be call|put', o.right);
  });
  p.expiries.forEach((e, i) => {
    finite(`expiries[${i}].secondsToExpiry`, e.secondsToExpiry);
    positive(`expiries[${i}].forward`, e.forward);
    finite(`expiries[${i}].rate`, e.rate);
    finite(`expiries[${i}].forwardConfidence`, e.forwardConfidence);
    finite(`expiries[${i}].rateConfidence`, e.rateConfidence);
    finite(`expiries[${i}].volConfidence`, e.volConfidence);
  });
  p.perps.forEach((x, i) => {
    for (const k of ['amount', 'perpPrice', 'confidence', 'unrealisedPnl', 'unrealisedFunding'] as const) {
      finite(`perps[${i}].${k}`, x[k]);
    }
  });
  p.collaterals.forEach((c, i) => {
    for (const k of ['amount', 'priceUsd', 'confidence', 'imHaircut', 'mmHaircut'] as const) {
      finite(`collaterals[${i}].${k}`, c[k]);
    }
  });
  params.scenarios.forEach((s, i) => {
    finite(`scenarios[${i}].spotShock`, s.spotShock);
    finite(`scenarios[${i}].dampening`, s.dampening);
    const isSkew = s.volShock === 'linear' || s.volShock === 'abs';
    if (isSkew !== (s.family === 'skew')) {
      throw bad(`scenarios[${i}].family`, `'${s.family}' does not fit vol shock '${s.volShock}'`, s.family);
    }
  });
  for (const group of ['volShock', 'skewShock', 'margin', 'basis', 'other'] as const) {
    for (const [k, v] of Object.entries(params[group])) finite(`${group}.${k}`, v as number);
  }
}

/** Black-76 as the model states it: put = max(call + D·(K − F), 0) (parity), intrinsic when σ√T = 0. */
function optionPrice(right: OptionRight, f: number, k: number, t: number, vol: number, d: number): number {
  const call = black76Price('call', f, k, t, vol, d);
  return right === 'call' ? call : Math.max(call + d * (k - f), 0);
}

/** Σ amount·B(F(m), K, T, σ·mult, D) for one expiry; `volOf` gives each option's vol. */
function expiryValue(x: ExpiryWork, m: number, volOf: (o: DerivePm2Option) => number): number {
  const f = x.fwdVariable * m + x.fwdFixed;
  let v = 0;
  for (const o of x.options)
    v += o.amount * optionPrice(o.right, f, o.strike, x.timeYears, volOf(o), x.discount);
  return v;
}

/** max(0, Σ shorts − Σ longs) per strike, calls and puts together (a long put covers a short call). */
function nakedShorts(options: readonly DerivePm2Option[]): number {
  const byStrike = new Map<number, number>();
  for (const o of options) byStrike.set(o.strike, (byStrike.get(o.strike) ?? 0) + o.amount);
  let naked = 0;
  for (const net of byStrike.values()) naked += Math.max(0, -net);
  return naked;
}

/**
 * Runs the PMRM_2 model (README steps 1–7) on one account.
 *
 * @returns IM and MM as equity after the requirement (negative = short of margin), with every
 *   intermediate an explanation needs. Amounts are in the quote stablecoin.
 * @throws BackstopError BAD_ARGUMENT for a non-finite or out-of-range input, an option whose
 *   expiry has no feed, two feeds for one expiry, or a row whose family does not fit its vol shock.
 */
export function derivePm2Margin(portfolio: DerivePm2Portfolio, params: DerivePm2Params): DerivePm2Result {
  validate(portfolio, params);
  const { volShock: vs, skewShock: sk, margin: mp, basis: bp, other: op } = params;
  const spot = portfolio.spotPrice;

  // 1. Setup: confidences, values, per-expiry forward and discount.
  const heldPerps = portfolio.perps.filter((x) => x.amount !== 0);
  let cp = portfolio.spotConfidence;
  for (const x of heldPerps) cp = Math.min(cp, x.confidence);
  const perpContracts = heldPerps.reduce((a, x) => a + Math.abs(x.amount), 0);
  const perpValue = heldPerps.reduce((a, x) => a + x.unrealisedPnl + x.unrealisedFunding, 0);

  const collaterals = portfolio.collaterals.map((c) => ({
    value: (c.amount * c.priceUsd) / portfolio.stablePrice,
    confidence: Math.min(c.confidence, portfolio.spotConfidence),
    source: c,
  }));

  const works: ExpiryWork[] = portfolio.expiries.map((feed, i) => {
    if (portfolio.expiries.findIndex((e) => e.secondsToExpiry === feed.secondsToExpiry) !== i) {
      throw bad(`expiries[${i}].secondsToExpiry`, 'two feeds for one expiry', feed.secondsToExpiry);
    }
    const s = Math.max(feed.secondsToExpiry, 0);
    const timeYears = s / SECONDS_PER_YEAR;
    const rate = Math.max(feed.rate, 0);
    const inWindow = s < SETTLEMENT_WINDOW_SECONDS;
    return {
      feed,
      options: [],
      timeYears,
      rate,
      discount: Math.exp(-rate * timeYears),
      fwdVariable: inWindow ? (feed.forward * s) / SETTLEMENT_WINDOW_SECONDS : feed.forward,
      fwdFixed: inWindow ? (feed.forward * (SETTLEMENT_WINDOW_SECONDS - s)) / SETTLEMENT_WINDOW_SECONDS : 0,
    };
  });
  portfolio.options.forEach((o, i) => {
    const w = works.find((x) => x.feed.secondsToExpiry === o.secondsToExpiry);
    if (!w) throw bad(`options[${i}].secondsToExpiry`, 'no expiry feed for this expiry', o.secondsToExpiry);
    w.options.push(o);
  });

  const rows = params.scenarios;
  const rowPnl = new Array<number>(rows.length).fill(0);
  let optionMtm = 0;
  let basis = 0;
  let mmOption = 0;
  let imOption = 0;
  let oracle = 0;
  const oracleCharge = (c: number, notional: number): number =>
    c < op.confThreshold ? (1 - c) * op.confMargin * notional : 0;

  const perExpiry: DerivePm2ExpiryDetail[] = works.map((x) => {
    const s = Math.max(x.feed.secondsToExpiry, 0);
    const f = x.feed;
    const confidence = Math.min(f.forwardConfidence, f.rateConfidence, f.volConfidence, cp);
    const mtm = expiryValue(x, 1, (o) => o.volAnnual);
    optionMtm += mtm;

    // 2. Vol shock multipliers, static discounts, basis contingency.
    const tau = THIRTY_DAYS_SECONDS / Math.max(s, vs.dteFloorDays * DAY_SECONDS);
    const power = s <= THIRTY_DAYS_SECONDS ? vs.shortTermPower : vs.longTermPower;
    const tauP = tau ** power;
    const up = 1 + vs.volRangeUp * tauP;
    const down = Math.max(0, 1 - vs.volRangeDown * tauP);
    const t = x.timeYears;
    const long = mp.baseStaticDiscount * Math.exp(-t * (x.rate * mp.longRateMultScale + mp.longRateAddScale));
    const short = Math.min(
      1 / x.discount,
      mp.baseStaticDiscountNeg * Math.exp(t * (x.rate * mp.shortRateMultScale + mp.shortRateAddScale)),
    );
    const discounted = (w: number): number => w * (w >= 0 ? long : short);
    const vUp = expiryValue(x, bp.scenarioSpotUp, (o) => o.volAnnual);
    const vDown = expiryValue(x, bp.scenarioSpotDown, (o) => o.volAnnual);
    const b = Math.min(vUp - mtm, vDown - mtm, 0) * (bp.addFactor + bp.multFactor * t);
    basis += b;

    // Skew shock constants (step 4), at F(1).
    const q = Math.sqrt(t);
    const fwd1 = x.fwdVariable + x.fwdFixed;
    const kStar = Math.max(sk.minKStar, sk.minWidthScale * q * (sk.volParamStatic + sk.volParamScale * q));
    const skewVol = (o: DerivePm2Option, isLinear: boolean): number => {
      const cap = isLinear ? sk.linearCBase * q + sk.linearScaleCap : sk.absCBase * q + sk.absScaleCap;
      const lnK = Math.log(o.strike / fwd1);
      const k = isLinear ? lnK : Math.abs(lnK);
      const mult = 1 + (k >= 0 ? Math.min(cap, (k * cap) / kStar) : Math.max(-cap, (k * cap) / kStar));
      return o.volAnnual * Math.max(0, mult);
    };

    // 3–4. This expiry's P&L in every row.
    const pnl = rows.map((row) => {
      if (x.options.length === 0) return 0;
      let w: number;
      switch (row.volShock) {
        case 'up':
          w = expiryValue(x, row.spotShock, (o) => Math.max(vs.minVolEvalShocked, o.volAnnual * up));
          break;
        case 'down':
          w = expiryValue(x, row.spotShock, (o) => o.volAnnual * down);
          break;
        case 'none':
          w = expiryValue(x, row.spotShock, (o) => o.volAnnual);
          break;
        case 'linear':
        case 'abs': {
          const isLinear = row.volShock === 'linear';
          w = expiryValue(x, 1, (o) => skewVol(o, isLinear));
          return -Math.abs((discounted(w) - mtm) * row.dampening);
        }
      }
      return (discounted(w) - mtm) * row.dampening;
    });
    pnl.forEach((v, i) => {
      rowPnl[i] = (rowPnl[i] as number) + v;
    });

    // 6. Option add-ons and this expiry's oracle charge.
    const naked = nakedShorts(x.options);
    mmOption += naked * spot * op.mmOptionPercent;
    imOption += naked * spot * op.imOptionPercent;
    const grossContracts = x.options.reduce((a, o) => a + Math.abs(o.amount), 0);
    const expiryOracle = oracleCharge(confidence, grossContracts * spot);
    oracle += expiryOracle;

    return {
      secondsToExpiry: f.secondsToExpiry,
      timeYears: t,
      forward: f.forward,
      rate: x.rate,
      discount: x.discount,
      confidence,
      mtm,
      volShockUp: up,
      volShockDown: down,
      staticDiscountLong: long,
      staticDiscountShort: short,
      mtmDiscounted: discounted(mtm),
      basis: b,
      nakedShorts: naked,
      grossContracts,
      oracle: expiryOracle,
      scenarioPnl: pnl,
    };
  });

  // 3. Perps (at the perp price) and risk-cancelling collateral (full value) in every row.
  rows.forEach((row, i) => {
    let v = 0;
    for (const x of heldPerps) v += x.amount * (row.spotShock - 1) * x.perpPrice * row.dampening;
    for (const c of collaterals) {
      if (c.source.isRiskCancelling) v += c.value * (row.spotShock - 1) * row.dampening;
    }
    rowPnl[i] = (rowPnl[i] as number) + v;
  });

  // 5. Worst loss: one minimum over the basis contingency and every row.
  let worstRow = -1;
  let worstRowPnl = Number.POSITIVE_INFINITY;
  rowPnl.forEach((v, i) => {
    if (v < worstRowPnl) {
      worstRowPnl = v;
      worstRow = i;
    }
  });
  const basisBinds = worstRow < 0 || basis < worstRowPnl;
  const minLoss = basisBinds ? basis : worstRowPnl;
  const binding = basisBinds
    ? { family: 'fwd_contingency' as const, row: null }
    : { family: (rows[worstRow] as DerivePm2Scenario).family, row: worstRow };

  // 6. Add-ons.
  const perpNotional = perpContracts * spot;
  const mmPerp = perpNotional * op.mmPerpPercent;
  const imPerp = perpNotional * op.imPerpPercent;
  oracle += oracleCharge(cp, perpNotional);
  let mmBase = 0;
  let imBase = 0;
  let collateralMtm = 0;
  for (const c of collaterals) {
    collateralMtm += c.value;
    mmBase += c.value * c.source.mmHaircut;
    imBase += c.value * c.source.imHaircut;
    oracle += oracleCharge(c.confidence, c.value);
  }
  const imLossFactor =
    portfolio.stablePrice < op.pegLossThreshold
      ? mp.imLossFactor + (op.pegLossThreshold - portfolio.stablePrice) * op.pegLossFactor
      : mp.imLossFactor;
  const mmTotal = mmPerp + mmOption + mmBase;
  const imTotal = imPerp + imOption + imBase + oracle;

  // 7. Margin.
  const mtm = optionMtm + collateralMtm + perpValue + portfolio.cash;
  return {
    im: mtm + imLossFactor * minLoss - mmTotal - imTotal,
    mm: mtm + mp.mmLossFactor * minLoss - mmTotal,
    mtm,
    optionMtm,
    collateralMtm,
    perpValue,
    minLoss,
    binding,
    scenarioPnl: rowPnl,
    basis,
    addOns: { mmPerp, imPerp, mmOption, imOption, mmBase, imBase, oracle, mmTotal, imTotal },
    imLossFactor,
    portfolioConfidence: cp,
    collaterals: collaterals.map((c) => ({ value: c.value, confidence: c.confidence })),
    perExpiry,
  };
}
