import { BackstopError } from '../../core/errors.ts';
import { divRound } from '../../core/money.ts';
import {
  type Rational,
  ratCmp,
  ratDiv,
  ratFrac,
  ratInt,
  ratMax,
  ratMin,
  ratMul,
  ratSub,
} from '../../margin/standard/perp-exact.ts';
import {
  baseToQuoteQuantums,
  ONE_MILLION_PPM,
  oiScaledMargin,
} from '../../margin/standard/perp-oi-scaled.ts';

/**
 * dYdX v4 liquidation arithmetic — bankruptcy value, fillable price, insurance-fund delta,
 * deleveraging, the isolated-market settlement order — in dYdX's own integer units, plus a
 * Backstop step planner that liquidates a position into the book in partial steps.
 *
 * Units (as on chain):
 * - quote quantums: 1 quote quantum = 10⁻⁶ USDC; every USDC amount here is a `bigint` in them;
 * - base quantums: 1 base quantum = 10^atomicResolution coins (dYdX test BTC: −8, so 0.1 BTC =
 *   10 000 000); position sizes are signed `bigint`s (long > 0, short < 0);
 * - prices: exact `Rational`s in quote quantums per base quantum (`usdPerCoinToQuantumPrice` and
 *   `quantumPriceToUsdPerCoin` convert);
 * - ppm: 1 000 000 = 100 %; integers (`number`).
 *
 * Rounding: the bankruptcy value rounds toward +∞ (⌊TNC × |DMMR| / TMMR⌋ is subtracted); the max
 * liquidation fee is ⌊|proceeds| × fee ppm / 10⁶⌋; the fillable price is exact (no rounding);
 * fill quote amounts are ⌊|size| × price⌋ with the sign applied afterwards.
 *
 * Source: dydxprotocol/v4-chain @ 84d4664bae71e3a077adaac67fb77ad19cd28d30 (x/clob keeper
 * liquidation and deleveraging); vectors D1–D14 in ../shared/conformance/dydx-v4/vectors.md.
 * docs/presets/dydx-liquidation.md states the formulas.
 */

export type { Rational } from '../../margin/standard/perp-exact.ts';

const ZERO = ratInt(0n);
const ONE = ratInt(1n);
const PPM = ratInt(ONE_MILLION_PPM);

// ---------------------------------------------------------------------------------------------
// validation

function bad(message: string, fields: Record<string, string | number | boolean | null> = {}): never {
  throw new BackstopError('BAD_ARGUMENT', message, fields);
}

function ppmArg(name: string, x: number, max?: number): bigint {
  if (!Number.isInteger(x) || x < 0 || (max !== undefined && x > max)) {
    bad(`${name} must be an integer ppm in 0..${max ?? '∞'}, got ${x}`, { [name]: x });
  }
  return BigInt(x);
}

function positive(name: string, x: bigint): void {
  if (x <= 0n) bad(`${name} must be > 0, got ${x}`, { [name]: x.toString() });
}

function nonNegative(name: string, x: bigint): void {
  if (x < 0n) bad(`${name} must be >= 0, got ${x}`, { [name]: x.toString() });
}

function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}

function minBig(a: bigint, b: bigint): bigint {
  return a <= b ? a : b;
}

function maxBig(a: bigint, b: bigint): bigint {
  return a >= b ? a : b;
}

function sign(x: bigint): -1n | 0n | 1n {
  return x < 0n ? -1n : x > 0n ? 1n : 0n;
}

// ---------------------------------------------------------------------------------------------
// price units

/** USDC per coin → quote quantums per base quantum: usd × 10⁶ × 10^atomicResolution. */
export function usdPerCoinToQuantumPrice(usdPerCoin: Rational, atomicResolution: number): Rational {
  if (!Number.isInteger(atomicResolution)) bad('atomicResolution must be an integer', { atomicResolution });
  const e = 6 + atomicResolution;
  return e >= 0
    ? ratMul(usdPerCoin, ratInt(10n ** BigInt(e)))
    : ratDiv(usdPerCoin, ratInt(10n ** BigInt(-e)));
}

/** Quote quantums per base quantum → USDC per coin (inverse of `usdPerCoinToQuantumPrice`). */
export function quantumPriceToUsdPerCoin(price: Rational, atomicResolution: number): Rational {
  if (!Number.isInteger(atomicResolution)) bad('atomicResolution must be an integer', { atomicResolution });
  const e = 6 + atomicResolution;
  return e >= 0 ? ratDiv(price, ratInt(10n ** BigInt(e))) : ratMul(price, ratInt(10n ** BigInt(-e)));
}

/** ⌊|baseQuantums| × price⌋ quote quantums (dYdX fill amounts truncate), price ≥ 0. */
export function fillQuoteQuantums(baseQuantums: bigint, price: Rational): bigint {
  if (price.num < 0n) bad('price must be >= 0', { price: `${price.num}/${price.den}` });
  return divRound(abs(baseQuantums) * price.num, price.den, 'floor');
}

// ---------------------------------------------------------------------------------------------
// bankruptcy value

/** Inputs of the bankruptcy value of a closing delta, all in quote quantums. */
export interface BankruptcyInputs {
  /** TNC: total net collateral of the account (USDC + Σ signed position notionals at oracle). */
  readonly tnc: bigint;
  /** TMMR: total maintenance margin requirement of the account (> 0). */
  readonly tmmr: bigint;
  /**
   * DNNV: change in the position's net notional value from applying the closing delta, i.e.
   * notional(PS + Δ) − notional(PS), signed (−5 000 USDC when a 0.1 BTC long at $50 000 closes).
   */
  readonly deltaNnv: bigint;
  /** DMMR: change in the position's maintenance margin from the delta (sign ignored: |DMMR|). */
  readonly deltaMmr: bigint;
}

/**
 * Bankruptcy value of a closing delta, quote quantums, from the liquidated account's side
 * (positive: it must receive at least this for a sell; negative: it can pay at most |value| for
 * a buy):
 *
 *   −DNNV − TNC × |DMMR| / TMMR, rounded toward +∞ (the quotient is floored, then subtracted).
 */
export function bankruptcyValue(inputs: BankruptcyInputs): bigint {
  positive('tmmr', inputs.tmmr);
  return -inputs.deltaNnv - divRound(inputs.tnc * abs(inputs.deltaMmr), inputs.tmmr, 'floor');
}

// ---------------------------------------------------------------------------------------------
// single-perp account helper

/** One dYdX perpetual market, as on chain. */
export interface DydxPerpMarket {
  /** Base currency atomic resolution (one base quantum = 10^atomicResolution coins). */
  readonly atomicResolution: number;
  /** Oracle price = priceValue × 10^priceExponent USDC per coin. */
  readonly oraclePriceValue: bigint;
  readonly oraclePriceExponent: number;
  /** Initial margin fraction, ppm (20 % = 200 000). */
  readonly initialMarginPpm: number;
  /** Maintenance as a fraction of the IMF, ppm (MMF 10 % on IMF 20 % = 500 000). */
  readonly maintenanceFractionPpm: number;
}

/** An account holding USDC and one perpetual position. */
export interface DydxPerpAccount {
  /** Signed position, base quantums. */
  readonly positionBaseQuantums: bigint;
  /** Signed USDC balance, quote quantums. */
  readonly usdcQuoteQuantums: bigint;
}

/** Risk of a single-perp account at the oracle, quote quantums. */
export interface DydxAccountRisk {
  /** PNNV: signed net notional of the position (truncated toward zero, as dYdX). */
  readonly pnnv: bigint;
  /** PMMR: maintenance margin of the position (= TMMR for a single-perp account). */
  readonly pmmr: bigint;
  /** TNC = USDC + PNNV. */
  readonly tnc: bigint;
  /** TMMR = PMMR. */
  readonly tmmr: bigint;
}

/** Signed net notional of `baseQuantums` at the market's oracle, quote quantums. */
export function netNotional(market: DydxPerpMarket, baseQuantums: bigint): bigint {
  const q = baseToQuoteQuantums(
    baseQuantums,
    market.atomicResolution,
    market.oraclePriceValue,
    market.oraclePriceExponent,
  );
  return baseQuantums < 0n ? -q : q;
}

/** Maintenance margin of `baseQuantums` (sign ignored), quote quantums, dYdX roundings (ceil). */
export function maintenanceMargin(market: DydxPerpMarket, baseQuantums: bigint): bigint {
  const tier = {
    initialMarginPpm: market.initialMarginPpm,
    maintenanceFractionPpm: market.maintenanceFractionPpm,
    openInterestLowerCapQuoteQuantums: 0n,
    openInterestUpperCapQuoteQuantums: 0n,
  };
  return oiScaledMargin(tier, abs(netNotional(market, baseQuantums)), 0n).mmQuoteQuantums;
}

/** PNNV, PMMR, TNC, TMMR of a single-perp account at the oracle. */
export function accountRisk(account: DydxPerpAccount, market: DydxPerpMarket): DydxAccountRisk {
  const pnnv = netNotional(market, account.positionBaseQuantums);
  const pmmr = maintenanceMargin(market, account.positionBaseQuantums);
  return { pnnv, pmmr, tnc: account.usdcQuoteQuantums + pnnv, tmmr: pmmr };
}

/** dYdX `CanLiquidateSubaccount`: TMMR > 0 and TNC < TMMR. */
export function isLiquidatable(risk: DydxAccountRisk): boolean {
  return risk.tmmr > 0n && risk.tnc < risk.tmmr;
}

function assertClosingDelta(position: bigint, delta: bigint): void {
  if (delta === 0n || position === 0n || sign(delta) === sign(position) || abs(delta) > abs(position)) {
    bad('the delta must be non-zero, opposite to the position and no larger than it', {
      positionBaseQuantums: position.toString(),
      deltaBaseQuantums: delta.toString(),
    });
  }
}

/** TNC, TMMR, DNNV, DMMR of a closing delta on a single-perp account (for `bankruptcyValue`). */
export function closingDeltaInputs(
  account: DydxPerpAccount,
  market: DydxPerpMarket,
  deltaBaseQuantums: bigint,
): BankruptcyInputs {
  const ps = account.positionBaseQuantums;
  assertClosingDelta(ps, deltaBaseQuantums);
  const risk = accountRisk(account, market);
  const after = ps + deltaBaseQuantums;
  return {
    tnc: risk.tnc,
    tmmr: risk.tmmr,
    deltaNnv: netNotional(market, after) - risk.pnnv,
    deltaMmr: maintenanceMargin(market, after) - risk.pmmr,
  };
}

// ---------------------------------------------------------------------------------------------
// fillable price

export interface FillablePriceInputs {
  /** Side of the position being liquidated; must match the sign of `positionSize`. */
  readonly side: 'long' | 'short';
  /** PS: signed position size (long > 0), base quantums (or any base unit). */
  readonly positionSize: bigint;
  /** PNNV: signed position net notional, quote quantums. */
  readonly pnnv: bigint;
  /** PMMR: position maintenance margin, quote quantums (≥ 0). */
  readonly pmmr: bigint;
  /** TNC and TMMR (> 0) of the account, quote quantums. */
  readonly tnc: bigint;
  readonly tmmr: bigint;
  /** BA, ppm (1.0 = 1 000 000; may exceed 10⁶). */
  readonly bankruptcyAdjustmentPpm: number;
  /** SMMR, ppm in 0..10⁶. */
  readonly spreadToMaintenanceMarginRatioPpm: number;
}

export interface FillablePriceResult {
  /** Exact fillable price, quote quantums per unit of `positionSize`. */
  readonly price: Rational;
  /** ABR = clamp(BA × (1 − TNC / TMMR), 0, 1). */
  readonly abr: Rational;
  /** ABR × SMMR × PMMR, quote quantums (exact): how far below PNNV (a long) the whole position may sell. */
  readonly spreadQuoteQuantums: Rational;
}

/**
 * Fillable price = (PNNV − ABR × SMMR × PMMR) / PS, exact. With signed PNNV and PS this one
 * expression is the long's floor (below the oracle) and the short's cap (above the oracle).
 */
export function fillablePrice(inputs: FillablePriceInputs): FillablePriceResult {
  const { positionSize: ps, pnnv, pmmr, tnc, tmmr } = inputs;
  if (ps === 0n) bad('positionSize must be non-zero');
  if ((inputs.side === 'long') !== ps > 0n) {
    bad(`side ${inputs.side} does not match the sign of positionSize ${ps}`, { side: inputs.side });
  }
  if (sign(pnnv) !== 0n && sign(pnnv) !== sign(ps)) bad('pnnv must have the sign of positionSize');
  nonNegative('pmmr', pmmr);
  positive('tmmr', tmmr);
  const ba = ppmArg('bankruptcyAdjustmentPpm', inputs.bankruptcyAdjustmentPpm);
  const smmr = ppmArg(
    'spreadToMaintenanceMarginRatioPpm',
    inputs.spreadToMaintenanceMarginRatioPpm,
    1_000_000,
  );
  const unbounded = ratDiv(ratMul(ratSub(ONE, ratFrac(tnc, tmmr)), ratInt(ba)), PPM);
  const abr = ratMin(ratMax(unbounded, ZERO), ONE);
  const spreadQuoteQuantums = ratMul(abr, ratFrac(smmr * pmmr, ONE_MILLION_PPM));
  const price = ratDiv(ratSub(ratInt(pnnv), spreadQuoteQuantums), ratInt(ps));
  return { price, abr, spreadQuoteQuantums };
}

/** `fillablePrice` of a single-perp account at the oracle. */
export function accountFillablePrice(
  account: DydxPerpAccount,
  market: DydxPerpMarket,
  config: { readonly bankruptcyAdjustmentPpm: number; readonly spreadToMaintenanceMarginRatioPpm: number },
): FillablePriceResult {
  const r = accountRisk(account, market);
  return fillablePrice({
    side: account.positionBaseQuantums > 0n ? 'long' : 'short',
    positionSize: account.positionBaseQuantums,
    pnnv: r.pnnv,
    pmmr: r.pmmr,
    tnc: r.tnc,
    tmmr: r.tmmr,
    bankruptcyAdjustmentPpm: config.bankruptcyAdjustmentPpm,
    spreadToMaintenanceMarginRatioPpm: config.spreadToMaintenanceMarginRatioPpm,
  });
}

// ---------------------------------------------------------------------------------------------
// insurance fund

export interface InsuranceFundDeltaInputs {
  /**
   * Signed quote quantums the liquidated account receives for the fill: +|size × price| for a
   * sell (closing a long), −|size × price| for a buy (closing a short). Non-zero.
   */
  readonly proceeds: bigint;
  /** Bankruptcy value of the fill's delta (`bankruptcyValue`), quote quantums. */
  readonly bankruptcyValue: bigint;
  /** Max liquidation fee, ppm of |proceeds| (0.5 % = 5 000), 0..10⁶. */
  readonly maxLiquidationFeePpm: number;
}

/**
 * Insurance-fund delta of a liquidation fill, quote quantums (positive: the account pays the
 * fund; negative: the fund pays the account):
 *   surplus = proceeds − bankruptcy value;
 *   surplus ≤ 0 → surplus (the fund covers the shortfall);
 *   surplus > 0 → min(⌊|proceeds| × max fee ppm / 10⁶⌋, surplus).
 */
export function insuranceFundDelta(inputs: InsuranceFundDeltaInputs): bigint {
  if (inputs.proceeds === 0n) bad('proceeds must be non-zero (a zero fill has no fund delta)');
  const fee = ppmArg('maxLiquidationFeePpm', inputs.maxLiquidationFeePpm, 1_000_000);
  const surplus = inputs.proceeds - inputs.bankruptcyValue;
  if (surplus <= 0n) return surplus;
  const maxFee = (abs(inputs.proceeds) * fee) / ONE_MILLION_PPM;
  return minBig(maxFee, surplus);
}

/** A fill is allowed only if it leaves the fund non-negative: fund balance + delta ≥ 0. */
export function canFundCover(fundBalance: bigint, delta: bigint): boolean {
  return delta >= 0n || fundBalance + delta >= 0n;
}

// ---------------------------------------------------------------------------------------------
// deleveraging (D13)

export interface DeleverageSide {
  readonly account: string;
  /** Signed position, base quantums. */
  readonly size: bigint;
  /** USDC, quote quantums. */
  readonly usdc: bigint;
}

export interface DeleverageInputs {
  /** The account with the opposite position that takes over the liquidated one. */
  readonly offsetting: DeleverageSide;
  /** The account being deleveraged (typically TNC < 0). */
  readonly liquidated: DeleverageSide;
  /** Price, quote quantums per base quantum (dYdX uses the liquidated account's bankruptcy price). */
  readonly price: Rational;
  /** Base quantums to deleverage (> 0); default min(|liquidated|, |offsetting|). */
  readonly quantity?: bigint;
}

export interface DeleverageResult {
  readonly offsetting: DeleverageSide;
  readonly liquidated: DeleverageSide;
  /** Base quantums moved (> 0). */
  readonly quantity: bigint;
  /** Quote quantums the liquidated account receives (signed; negative when it buys). */
  readonly liquidatedReceives: bigint;
  /** Change in open interest (Σ longs), base quantums (−quantity when both positions shrink). */
  readonly openInterestDelta: bigint;
}

/**
 * Closes `quantity` of the liquidated position against an opposite position, both at `price`
 * (no fees, no insurance fund). The quote amount is ⌈signed |quantity| × price⌉ from the
 * liquidated side (rounded toward +∞, like the bankruptcy value), the offsetting side pays or
 * receives the same amount, so USDC is conserved.
 */
export function deleverage(inputs: DeleverageInputs): DeleverageResult {
  const { offsetting: off, liquidated: liq, price } = inputs;
  if (liq.size === 0n || off.size === 0n || sign(liq.size) === sign(off.size)) {
    bad('deleveraging needs two non-zero positions of opposite sign', {
      liquidated: liq.size.toString(),
      offsetting: off.size.toString(),
    });
  }
  if (price.num <= 0n) bad('price must be > 0');
  const maxQty = minBig(abs(liq.size), abs(off.size));
  const quantity = inputs.quantity ?? maxQty;
  if (quantity <= 0n || quantity > maxQty) {
    bad(`quantity must be in 1..${maxQty}`, { quantity: quantity.toString() });
  }
  const liqDelta = liq.size > 0n ? -quantity : quantity;
  // liquidated receives −Δ × price (a long selling receives, a short buying pays), toward +∞.
  const liquidatedReceives = divRound(-liqDelta * price.num, price.den, 'ceil');
  const longs = (a: bigint, b: bigint) => (a > 0n ? a : 0n) + (b > 0n ? b : 0n);
  const liqAfter = liq.size + liqDelta;
  const offAfter = off.size - liqDelta;
  return {
    liquidated: { account: liq.account, size: liqAfter, usdc: liq.usdc + liquidatedReceives },
    offsetting: { account: off.account, size: offAfter, usdc: off.usdc - liquidatedReceives },
    quantity,
    liquidatedReceives,
    openInterestDelta: longs(liqAfter, offAfter) - longs(liq.size, off.size),
  };
}

// ---------------------------------------------------------------------------------------------
// isolated market settlement (D14)

export interface IsolatedLiquidationInputs {
  readonly liquidated: DeleverageSide;
  /** The book counterparty that fills the liquidation order (same isolated market). */
  readonly counterparty: DeleverageSide;
  /** Base quantums filled (> 0, ≤ both positions, opposite signs). */
  readonly quantity: bigint;
  /** Fill price, quote quantums per base quantum. */
  readonly price: Rational;
  /** Bankruptcy value of the liquidated delta (`bankruptcyValue`), quote quantums. */
  readonly bankruptcyValue: bigint;
  readonly maxLiquidationFeePpm: number;
  /** The isolated market's collateral pool (holds both accounts' USDC), quote quantums. */
  readonly isolatedPool: bigint;
  /** The isolated market's insurance fund, quote quantums. */
  readonly insuranceFund: bigint;
  /** The cross-margin collateral pool, quote quantums (default 0). */
  readonly crossPool?: bigint;
}

export interface PoolTransfer {
  readonly from: 'insuranceFund' | 'isolatedPool' | 'crossPool';
  readonly to: 'insuranceFund' | 'isolatedPool' | 'crossPool';
  readonly amount: bigint;
  /** The account whose collateral moves (for the closing transfers). */
  readonly account?: string;
  /** Isolated pool balance after this transfer. */
  readonly isolatedPoolAfter: bigint;
}

export type IsolatedLiquidationResult =
  | {
      readonly ok: true;
      /** Insurance-fund delta (positive: account → fund; negative: fund → isolated pool). */
      readonly insuranceFundDelta: bigint;
      readonly liquidated: DeleverageSide;
      readonly counterparty: DeleverageSide;
      /** In order: the fund settlement first, then each closed account's collateral to the cross pool. */
      readonly transfers: readonly PoolTransfer[];
      readonly isolatedPool: bigint;
      readonly insuranceFund: bigint;
      readonly crossPool: bigint;
    }
  | {
      readonly ok: false;
      readonly reason: 'INSURANCE_FUND_INSUFFICIENT';
      readonly insuranceFundDelta: bigint;
    };

/**
 * A liquidation fill in an isolated market: (1) the insurance-fund delta settles against the
 * isolated collateral pool FIRST (the fund pays into it, or the fee leaves it); (2) then each
 * account whose isolated position is now closed has its whole USDC moved from the isolated pool
 * to the cross pool. In the other order the pool would go negative (D14: 149 − 200).
 */
export function settleIsolatedLiquidation(inputs: IsolatedLiquidationInputs): IsolatedLiquidationResult {
  const { liquidated: liq, counterparty: cp, quantity, price } = inputs;
  nonNegative('isolatedPool', inputs.isolatedPool);
  nonNegative('insuranceFund', inputs.insuranceFund);
  if (liq.size === 0n || cp.size === 0n || sign(liq.size) === sign(cp.size)) {
    bad('the liquidated account and the counterparty need non-zero positions of opposite sign');
  }
  if (quantity <= 0n || quantity > abs(liq.size) || quantity > abs(cp.size)) {
    bad('quantity must be > 0 and no larger than either position', { quantity: quantity.toString() });
  }
  const liqDelta = liq.size > 0n ? -quantity : quantity;
  const quote = fillQuoteQuantums(quantity, price);
  const proceeds = liqDelta < 0n ? quote : -quote;
  const delta = insuranceFundDelta({
    proceeds,
    bankruptcyValue: inputs.bankruptcyValue,
    maxLiquidationFeePpm: inputs.maxLiquidationFeePpm,
  });
  if (!canFundCover(inputs.insuranceFund, delta)) {
    return { ok: false, reason: 'INSURANCE_FUND_INSUFFICIENT', insuranceFundDelta: delta };
  }
  const liquidated = { account: liq.account, size: liq.size + liqDelta, usdc: liq.usdc + proceeds - delta };
  const counterparty = { account: cp.account, size: cp.size - liqDelta, usdc: cp.usdc - proceeds };
  const transfers: PoolTransfer[] = [];
  let pool = inputs.isolatedPool;
  let fund = inputs.insuranceFund;
  let cross = inputs.crossPool ?? 0n;
  if (delta !== 0n) {
    pool -= delta;
    fund += delta;
    transfers.push(
      delta < 0n
        ? { from: 'insuranceFund', to: 'isolatedPool', amount: -delta, isolatedPoolAfter: pool }
        : { from: 'isolatedPool', to: 'insuranceFund', amount: delta, isolatedPoolAfter: pool },
    );
  }
  for (const side of [liquidated, counterparty]) {
    if (side.size !== 0n || side.usdc === 0n) continue;
    if (side.usdc < 0n) {
      throw new BackstopError('INVARIANT', `closed account ${side.account} has negative USDC ${side.usdc}`);
    }
    pool -= side.usdc;
    cross += side.usdc;
    transfers.push({
      from: 'isolatedPool',
      to: 'crossPool',
      amount: side.usdc,
      account: side.account,
      isolatedPoolAfter: pool,
    });
    if (pool < 0n) {
      throw new BackstopError('INVARIANT', `isolated pool would go negative (${pool})`, {
        account: side.account,
      });
    }
  }
  return {
    ok: true,
    insuranceFundDelta: delta,
    liquidated,
    counterparty,
    transfers,
    isolatedPool: pool,
    insuranceFund: fund,
    crossPool: cross,
  };
}

// ---------------------------------------------------------------------------------------------
// partial liquidation into the book, in steps

export interface LiquidationStepConfig {
  /** Max liquidation fee, ppm of |proceeds| (dYdX default 5 000). */
  readonly maxLiquidationFeePpm: number;
  /** BA, ppm (dYdX default 1 000 000). */
  readonly bankruptcyAdjustmentPpm: number;
  /** SMMR, ppm (dYdX default 100 000). */
  readonly spreadToMaintenanceMarginRatioPpm: number;
  /** Largest fraction of the position closed in one step, ppm in 1..10⁶. */
  readonly maxFractionPerStepPpm: number;
  /** A step closes at least this notional (or the whole position), quote quantums ≥ 0. */
  readonly minStepNotionalQuoteQuantums: bigint;
  /** Step sizes are multiples of this many base quantums (except the final remainder); > 0. */
  readonly lotBaseQuantums: bigint;
  /** After a step at block b, the next step may run at block ≥ b + cooldownBlocks (integer ≥ 1). */
  readonly cooldownBlocks: number;
  /** Optional extra band: no fill further than this from the oracle, ppm in 0..10⁶. */
  readonly priceBandPpm?: number;
}

/** A resting order on the side the liquidation hits (bids for a long, asks for a short). */
export interface BookLevel {
  /** Quote quantums per base quantum. */
  readonly price: Rational;
  /** Base quantums (> 0). */
  readonly size: bigint;
}

export interface LiquidationFill {
  /** Signed delta on the liquidated position, base quantums. */
  readonly delta: bigint;
  readonly price: Rational;
  /** Signed quote quantums the account receives (`proceeds`). */
  readonly proceeds: bigint;
  readonly bankruptcyValue: bigint;
  readonly insuranceFundDelta: bigint;
}

export type StepStop =
  | 'TARGET_FILLED'
  | 'PRICE_LIMIT'
  | 'BOOK_EXHAUSTED'
  | 'INSURANCE_FUND_INSUFFICIENT'
  | 'NOT_LIQUIDATABLE';

export interface LiquidationStep {
  readonly stop: StepStop;
  /** Base quantums this step tries to close (0 when not liquidatable). */
  readonly targetQuantity: bigint;
  /** Worst acceptable fill price: the fillable price, tightened by the oracle band (null if not liquidatable). */
  readonly limitPrice: Rational | null;
  readonly fills: readonly LiquidationFill[];
  readonly account: DydxPerpAccount;
  readonly insuranceFund: bigint;
}

function validateStepConfig(c: LiquidationStepConfig): void {
  ppmArg('maxLiquidationFeePpm', c.maxLiquidationFeePpm, 1_000_000);
  ppmArg('bankruptcyAdjustmentPpm', c.bankruptcyAdjustmentPpm);
  ppmArg('spreadToMaintenanceMarginRatioPpm', c.spreadToMaintenanceMarginRatioPpm, 1_000_000);
  if (ppmArg('maxFractionPerStepPpm', c.maxFractionPerStepPpm, 1_000_000) === 0n) {
    bad('maxFractionPerStepPpm must be >= 1');
  }
  nonNegative('minStepNotionalQuoteQuantums', c.minStepNotionalQuoteQuantums);
  positive('lotBaseQuantums', c.lotBaseQuantums);
  if (!Number.isInteger(c.cooldownBlocks) || c.cooldownBlocks < 1) {
    bad(`cooldownBlocks must be an integer >= 1, got ${c.cooldownBlocks}`, {
      cooldownBlocks: c.cooldownBlocks,
    });
  }
  if (c.priceBandPpm !== undefined) ppmArg('priceBandPpm', c.priceBandPpm, 1_000_000);
}

/**
 * Size of one step, base quantums: max(⌊|PS| × fraction⌋, ⌈min notional × |PS| / |PNNV|⌉),
 * rounded down to the lot (at least one lot), capped at |PS|.
 */
export function stepQuantity(
  positionBaseQuantums: bigint,
  pnnv: bigint,
  config: Pick<
    LiquidationStepConfig,
    'maxFractionPerStepPpm' | 'minStepNotionalQuoteQuantums' | 'lotBaseQuantums'
  >,
): bigint {
  const ps = abs(positionBaseQuantums);
  if (ps === 0n) return 0n;
  const portion = (ps * BigInt(config.maxFractionPerStepPpm)) / ONE_MILLION_PPM;
  const notional = abs(pnnv);
  const minBase = notional === 0n ? ps : divRound(config.minStepNotionalQuoteQuantums * ps, notional, 'ceil');
  const raw = maxBig(portion, minBase);
  const lot = config.lotBaseQuantums;
  const lots = (raw / lot) * lot;
  return minBig(maxBig(lots, lot), ps);
}

/**
 * One liquidation step at the current oracle: the target size (`stepQuantity`), an IOC order at
 * the fillable price (computed once, at the start of the step, on the account as it is) that
 * walks `levels` best first, fill by fill; each fill's bankruptcy value is computed on the
 * account as it stands before that fill, its insurance-fund delta is applied, and the step stops
 * at the first level beyond the limit, when the book is exhausted, when the target is filled, or
 * before a fill the insurance fund could not cover.
 */
export function liquidationStep(args: {
  readonly account: DydxPerpAccount;
  readonly market: DydxPerpMarket;
  readonly config: LiquidationStepConfig;
  readonly levels: readonly BookLevel[];
  readonly insuranceFund: bigint;
}): LiquidationStep {
  const { market, config } = args;
  validateStepConfig(config);
  nonNegative('insuranceFund', args.insuranceFund);
  let account = args.account;
  let fund = args.insuranceFund;
  const risk = accountRisk(account, market);
  if (account.positionBaseQuantums === 0n || !isLiquidatable(risk)) {
    return {
      stop: 'NOT_LIQUIDATABLE',
      targetQuantity: 0n,
      limitPrice: null,
      fills: [],
      account,
      insuranceFund: fund,
    };
  }
  const isLong = account.positionBaseQuantums > 0n;
  const target = stepQuantity(account.positionBaseQuantums, risk.pnnv, config);
  let limit = accountFillablePrice(account, market, config).price;
  if (config.priceBandPpm !== undefined) {
    const oracle = ratFrac(abs(risk.pnnv), abs(account.positionBaseQuantums));
    const band = ratFrac(
      ONE_MILLION_PPM + (isLong ? -1n : 1n) * BigInt(config.priceBandPpm),
      ONE_MILLION_PPM,
    );
    const bandLimit = ratMul(oracle, band);
    limit = isLong ? ratMax(limit, bandLimit) : ratMin(limit, bandLimit);
  }
  const fills: LiquidationFill[] = [];
  let remaining = target;
  let stop: StepStop = 'BOOK_EXHAUSTED';
  for (const level of args.levels) {
    if (remaining === 0n) break;
    positive('level size', level.size);
    const c = ratCmp(level.price, limit);
    if (isLong ? c < 0 : c > 0) {
      stop = 'PRICE_LIMIT';
      break;
    }
    const qty = minBig(level.size, remaining);
    const delta = isLong ? -qty : qty;
    const quote = fillQuoteQuantums(qty, level.price);
    const proceeds = isLong ? quote : -quote;
    const bv = bankruptcyValue(closingDeltaInputs(account, market, delta));
    const fundDelta = insuranceFundDelta({
      proceeds,
      bankruptcyValue: bv,
      maxLiquidationFeePpm: config.maxLiquidationFeePpm,
    });
    if (!canFundCover(fund, fundDelta)) {
      stop = 'INSURANCE_FUND_INSUFFICIENT';
      break;
    }
    fills.push({ delta, price: level.price, proceeds, bankruptcyValue: bv, insuranceFundDelta: fundDelta });
    account = {
      positionBaseQuantums: account.positionBaseQuantums + delta,
      usdcQuoteQuantums: account.usdcQuoteQuantums + proceeds - fundDelta,
    };
    fund += fundDelta;
    remaining -= qty;
  }
  if (remaining === 0n) stop = 'TARGET_FILLED';
  return { stop, targetQuantity: target, limitPrice: limit, fills, account, insuranceFund: fund };
}

/** One block of market data for `liquidateInSteps`: the oracle then and the book side to hit. */
export interface LiquidationBlock {
  /** Block height (strictly increasing across the array). */
  readonly block: number;
  readonly market: DydxPerpMarket;
  readonly levels: readonly BookLevel[];
}

export interface SteppedLiquidation {
  readonly steps: readonly (LiquidationStep & { readonly block: number })[];
  readonly account: DydxPerpAccount;
  readonly insuranceFund: bigint;
  /** 'CLOSED': position 0; 'HEALTHY': TNC ≥ TMMR again; 'STALLED': the blocks ran out. */
  readonly outcome: 'CLOSED' | 'HEALTHY' | 'STALLED';
}

/**
 * Liquidates into the book in steps: at each block not in cooldown, if the account is still
 * liquidatable at that block's oracle, runs `liquidationStep` on that block's book; after a
 * step at block b the next one waits until block b + cooldownBlocks. Each block's book is an
 * independent snapshot (liquidity that a step consumed is assumed replenished by the next one
 * only as far as the snapshot says).
 */
export function liquidateInSteps(args: {
  readonly account: DydxPerpAccount;
  readonly config: LiquidationStepConfig;
  readonly blocks: readonly LiquidationBlock[];
  readonly insuranceFund: bigint;
}): SteppedLiquidation {
  validateStepConfig(args.config);
  let account = args.account;
  let fund = args.insuranceFund;
  let nextAllowed = Number.NEGATIVE_INFINITY;
  let lastBlock = Number.NEGATIVE_INFINITY;
  const steps: (LiquidationStep & { readonly block: number })[] = [];
  for (const b of args.blocks) {
    if (!Number.isInteger(b.block) || b.block <= lastBlock) {
      bad('blocks must be integers in strictly increasing order', { block: b.block });
    }
    lastBlock = b.block;
    if (account.positionBaseQuantums === 0n) break;
    if (b.block < nextAllowed) continue;
    if (!isLiquidatable(accountRisk(account, b.market))) {
      return { steps, account, insuranceFund: fund, outcome: 'HEALTHY' };
    }
    const step = liquidationStep({
      account,
      market: b.market,
      config: args.config,
      levels: b.levels,
      insuranceFund: fund,
    });
    steps.push({ ...step, block: b.block });
    account = step.account;
    fund = step.insuranceFund;
    nextAllowed = b.block + args.config.cooldownBlocks;
  }
  const outcome = account.positionBaseQuantums === 0n ? 'CLOSED' : 'STALLED';
  return { steps, account, insuranceFund: fund, outcome };
}
