import { BackstopError } from '../../core/errors.ts';
import { money, moneyToDecimal } from '../../core/money.ts';
import type { Decision, Evidence } from '../../domain/decisions.ts';
import { ratFrac, ratInt, ratToNumber } from '../../margin/standard/perp-exact.ts';
import {
  insuranceFundAccount,
  type Ledger,
  type LedgerAccount,
  type LedgerRejection,
  providerAccount,
  traderAccount,
} from '../ledger/index.ts';
import {
  accountRisk,
  type BookLevel,
  bankruptcyValue,
  closingDeltaInputs,
  type DydxPerpAccount,
  type DydxPerpMarket,
  deleverage,
  fillQuoteQuantums,
  isLiquidatable,
  type LiquidationStepConfig,
  liquidationStep,
  netNotional,
  quantumPriceToUsdPerCoin,
  type Rational,
  usdPerCoinToQuantumPrice,
} from '../liquidation/dydx.ts';
import { type AdlPriceBasis, type AdlRule, allocateAdl, rankForAdl } from './adl.ts';
import type { InsuranceFund } from './insurance-fund.ts';
import {
  allocateTakeover,
  type Num,
  type ProviderConfig,
  type ProviderState,
  type TakeoverResult,
} from './providers.ts';
import {
  type SocializeResult,
  socializeAcrossOpenInterest,
  socializeAmongWinners,
} from './socialized-loss.ts';

/**
 * The liquidation waterfall for ONE distressed account holding ONE linear (USDC-settled)
 * perpetual position (docs/concepts/waterfall.md): a. cancel open orders, b. partial liquidation
 * into the book in steps (dYdX fillable price and insurance-fund fee rules), c. takeover by
 * backstop liquidity providers, d. insurance-fund payout of bad debt, e. auto-deleveraging,
 * f. socialized loss. Each stage is a switch in the config and emits its decision with evidence.
 *
 * Money model: every position is marked to the oracle, so the trader's ledger balance IS its
 * equity (dYdX TNC); the dYdX quote balance is `ledger balance − PNNV`. A trade at price P moves
 * exactly the trader's change in marked equity (proceeds + ΔPNNV) between the trader and the
 * counterparty (book maker, provider, ADL counterparty), and the dYdX insurance-fund delta between
 * the trader and the fund. Every movement is a ledger transaction, so Σ per currency stays 0.
 *
 * Deterministic and side-effect free apart from the ledger and the `InsuranceFund` passed in,
 * which it updates (both are the caller's mutable books). No clock, no randomness.
 */

export type WaterfallStage =
  | 'cancel-orders'
  | 'book-liquidation'
  | 'provider-takeover'
  | 'insurance-fund'
  | 'adl'
  | 'socialized-loss';

/** Decisions of the waterfall (stage a's `order-cancel` included in the domain union). */
export type WaterfallDecision = Decision;

export interface StageRecord {
  readonly stage: WaterfallStage;
  readonly status: 'ran' | 'skipped' | 'disabled';
  readonly reason: string;
  readonly evidence: Evidence;
}

export interface WaterfallPosition {
  readonly instrument: string;
  /** Signed lots (long > 0). */
  readonly sizeLots: bigint;
  /** Base quantums per lot (> 0); book level sizes must be multiples of it. */
  readonly lotBaseQuantums: bigint;
  /** Quote quantums per base quantum; evidence only (positions are marked to the oracle). */
  readonly entryPrice?: Rational;
}

/** A resting order on the side the liquidation hits, with the maker who gets the fill. */
export interface MakerLevel extends BookLevel {
  readonly maker: string;
}

/** One block's snapshot of the book side to hit (same oracle for the whole run). */
export interface BookBlock {
  readonly block: number;
  readonly levels: readonly MakerLevel[];
}

/** An opposite-side position that may be auto-deleveraged. */
export interface AdlCounterparty {
  readonly account: string;
  readonly side: 'long' | 'short';
  /** Lots (> 0) of the same instrument and lot size. */
  readonly sizeLots: bigint;
  /** USD per coin, for the ranking only. */
  readonly entryPrice: number;
  /** Account value in USD, for the ranking only. */
  readonly accountValue: number;
}

/** An account that may bear a socialized loss. */
export interface LossBearer {
  readonly account: string;
  /** |open notional|, quote quantums (weight in 'open-interest' mode). */
  readonly notional: bigint;
  /** Realized P&L today, quote quantums (weight in 'daily-winners' mode). */
  readonly realizedToday: bigint;
}

export interface WaterfallStages {
  readonly cancelOrders: boolean;
  readonly bookLiquidation: boolean;
  readonly providerTakeover: boolean;
  readonly insuranceFund: boolean;
  readonly adl: boolean;
  readonly socializedLoss: boolean;
}

export interface WaterfallConfig {
  readonly stages: WaterfallStages;
  /** Stage b: dYdX step parameters (the lot comes from the position). */
  readonly liquidation: Omit<LiquidationStepConfig, 'lotBaseQuantums'>;
  /** Stage c runs while TNC < this fraction (ppm) of TMMR. */
  readonly distressedFractionOfMmPpm: number;
  readonly providerMode: 'pro-rata' | 'priority';
  /** Providers take a long at BP × (1 − d), a short at BP × (1 + d). */
  readonly providerDiscountFrac: Num;
  readonly adlRule: AdlRule;
  readonly adlMode: 'rank' | 'pro-rata';
  /** Required for the 'dydx-random' rule. */
  readonly adlSeed?: number;
  readonly adlPriceBasis: AdlPriceBasis;
  /** OKX style: at this drawdown of the fund over the window, the fund is bypassed and ADL runs. */
  readonly adlDrawdown?: { readonly thresholdFrac: number; readonly windowUs: number };
  readonly socializeMode: 'open-interest' | 'daily-winners';
}

export interface WaterfallInput {
  readonly account: string;
  readonly position: WaterfallPosition;
  /** Oracle price and margin fractions (dYdX units). */
  readonly market: DydxPerpMarket;
  readonly openOrderIds: readonly string[];
  readonly book: readonly BookBlock[];
  readonly providers: readonly ProviderConfig[];
  readonly providerStates: ReadonlyMap<string, ProviderState>;
  /** Its balance must equal the ledger's `insuranceFundAccount(fundMarket)` balance. */
  readonly fund: InsuranceFund;
  readonly fundMarket: string | null;
  readonly counterparties: readonly AdlCounterparty[];
  readonly lossBearers: readonly LossBearer[];
  readonly config: WaterfallConfig;
  readonly ledger: Ledger;
  /** Settlement currency in the ledger (quote quantums = its smallest unit). Default 'USDC'. */
  readonly currency?: string;
  readonly nowUs: number;
  /** Prefix of every ledger transaction id (must make them unique in the ledger). */
  readonly txPrefix: string;
}

export type WaterfallOutcome =
  | 'not-liquidatable'
  | 'healthy'
  | 'closed'
  | 'awaiting-liquidity'
  | 'bad-debt-covered'
  | 'socialized'
  | 'unresolved';

export interface WaterfallFinal {
  readonly outcome: WaterfallOutcome;
  readonly positionLots: bigint;
  readonly positionBaseQuantums: bigint;
  /** TNC = the trader's ledger balance, quote quantums. */
  readonly equity: bigint;
  readonly maintenance: bigint;
  /** max(0, −equity). */
  readonly badDebt: bigint;
  readonly providerStates: ReadonlyMap<string, ProviderState>;
  readonly counterpartyLots: ReadonlyMap<string, bigint>;
}

export interface WaterfallResult {
  readonly decisions: readonly WaterfallDecision[];
  readonly stages: readonly StageRecord[];
  readonly ledgerTxIds: readonly string[];
  readonly final: WaterfallFinal;
}

const PPM = 1_000_000n;

function bad(message: string, fields: Record<string, string | number | boolean | null> = {}): never {
  throw new BackstopError('BAD_ARGUMENT', message, fields);
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);
const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const ratStr = (r: Rational): string => (r.den === 1n ? r.num.toString() : `${r.num}/${r.den}`);

function oracleQuantumPrice(m: DydxPerpMarket): Rational {
  const e = m.oraclePriceExponent;
  const usd =
    e >= 0 ? ratInt(m.oraclePriceValue * 10n ** BigInt(e)) : ratFrac(m.oraclePriceValue, 10n ** BigInt(-e));
  return usdPerCoinToQuantumPrice(usd, m.atomicResolution);
}

export function runWaterfall(input: WaterfallInput): WaterfallResult {
  const { ledger, market, config, fund, nowUs } = input;
  const cur = input.currency ?? 'USDC';
  const lot = input.position.lotBaseQuantums;
  const trader = traderAccount(input.account);
  const fundAcct = insuranceFundAccount(input.fundMarket);
  if (lot <= 0n) bad('lotBaseQuantums must be > 0');
  if (!Number.isSafeInteger(nowUs)) bad('nowUs must be an integer µs', { nowUs });
  if (ledger.balance(fundAcct, cur) !== fund.balance) {
    throw new BackstopError('INVARIANT', 'insurance fund and ledger disagree', {
      fund: fund.balance.toString(),
      ledger: ledger.balance(fundAcct, cur).toString(),
    });
  }
  const dec = (units: bigint): string => moneyToDecimal(money(units, ledger.scale(cur), cur));
  const usd = (p: Rational): number => ratToNumber(quantumPriceToUsdPerCoin(p, market.atomicResolution));
  const oracle = oracleQuantumPrice(market);

  const decisions: WaterfallDecision[] = [];
  const stages: StageRecord[] = [];
  const txIds: string[] = [];
  let seq = 0;
  const post = (stage: string, f: (id: string) => ReturnType<Ledger['post']>): void => {
    seq += 1;
    const id = `${input.txPrefix}:${stage}:${seq}`;
    const r = f(id);
    if (!r.ok) {
      const e: LedgerRejection = r.error;
      throw new BackstopError('INVARIANT', `waterfall ledger posting refused: ${e.message}`, {
        code: e.code,
        txId: id,
      });
    }
    txIds.push(id);
  };

  let ps = input.position.sizeLots * lot;
  let providerStates = input.providerStates;
  const cpLots = new Map(input.counterparties.map((c) => [c.account, c.sizeLots]));
  const equity = (): bigint => ledger.balance(trader, cur);
  const dydx = (): DydxPerpAccount => ({
    positionBaseQuantums: ps,
    usdcQuoteQuantums: equity() - netNotional(market, ps),
  });
  const risk = () => accountRisk(dydx(), market);
  const distressed = (): boolean => {
    const r = risk();
    return r.tnc * PPM < BigInt(config.distressedFractionOfMmPpm) * r.tmmr;
  };
  const facts = (): Record<string, string> => {
    const r = risk();
    return {
      equity: dec(r.tnc),
      maintenance: dec(r.tmmr),
      positionLots: (ps / lot).toString(),
      oracleUsd: String(usd(oracle)),
    };
  };
  /**
   * Applies "the trader's marked equity changes by `change`" against `to`: a payment out of the
   * trader (bad debt allowed, reason liquidation) or into it from the counterparty.
   */
  const settle = (
    stage: string,
    change: bigint,
    counterparty: LedgerAccount,
    kind: 'liquidation' | 'adl',
  ): void => {
    if (change === 0n) return;
    if (change < 0n) {
      post(stage, (id) =>
        ledger.liquidate(id, input.account, cur, [{ to: counterparty, amount: -change }], {
          recognizeBadDebt: true,
        }),
      );
    } else if (kind === 'adl' && counterparty.kind === 'trader') {
      post(stage, (id) => ledger.adl(id, counterparty.id, input.account, cur, change));
    } else {
      post(stage, (id) => ledger.transfer(id, counterparty, trader, cur, change));
    }
  };

  // ------------------------------------------------------------------------------ fund helpers
  const drawdown = config.adlDrawdown;
  const dd = drawdown === undefined ? null : fund.drawdownOver(drawdown.windowUs, nowUs);
  const fundBypassed =
    drawdown !== undefined && fund.adlTriggered(drawdown.thresholdFrac, drawdown.windowUs, nowUs);
  const fundAvailable = (): bigint => {
    if (fundBypassed || !config.stages.insuranceFund) return 0n;
    const room = fund.headroom(input.account, nowUs);
    let a = fund.balance;
    if (room.perAccount !== null) a = minBig(a, room.perAccount);
    if (room.perInterval !== null) a = minBig(a, room.perInterval);
    return a < 0n ? 0n : a;
  };
  const fundEvidence = (): Record<string, string | number | boolean | null> => ({
    fundBalance: dec(fund.balance),
    drawdownFrac: dd === null ? null : dd.fraction,
    drawdownThreshold: drawdown?.thresholdFrac ?? null,
    fundBypassedByDrawdown: fundBypassed,
  });
  const payFromFund = (stage: string, amount: bigint, reason: string, ev: Evidence): bigint => {
    const r = fund.requestPayout({ account: input.account, amount, tsUs: nowUs });
    if (r.paid > 0n) {
      post(stage, (id) => ledger.insurancePayout(id, input.fundMarket, input.account, cur, r.paid));
      decisions.push({
        kind: 'insurance-payment',
        tsUs: nowUs,
        reason,
        account: input.account,
        currency: cur,
        amount: dec(r.paid),
        evidence: {
          ...ev,
          requested: dec(r.requested),
          paid: dec(r.paid),
          shortfall: dec(r.shortfall),
          binding: r.reason,
          fundBalanceAfter: dec(r.balanceAfter),
        },
      });
    }
    return r.paid;
  };

  const finish = (outcome: WaterfallOutcome): WaterfallResult => {
    const r = risk();
    return {
      decisions,
      stages,
      ledgerTxIds: txIds,
      final: {
        outcome,
        positionLots: ps / lot,
        positionBaseQuantums: ps,
        equity: r.tnc,
        maintenance: r.tmmr,
        badDebt: r.tnc < 0n ? -r.tnc : 0n,
        providerStates,
        counterpartyLots: cpLots,
      },
    };
  };
  const skip = (stage: WaterfallStage, on: boolean, reason: string, ev: Evidence = {}): void => {
    stages.push({
      stage,
      status: on ? 'skipped' : 'disabled',
      reason: on ? reason : 'disabled',
      evidence: ev,
    });
  };

  if (ps === 0n || !isLiquidatable(risk())) return finish('not-liquidatable');

  // ------------------------------------------------------------------------------ a. cancel
  if (config.stages.cancelOrders && input.openOrderIds.length > 0) {
    const ev = { ...facts(), orders: input.openOrderIds.length };
    decisions.push({
      kind: 'order-cancel',
      tsUs: nowUs,
      reason: 'account below maintenance: open orders cancelled',
      account: input.account,
      orderIds: [...input.openOrderIds],
      evidence: ev,
    });
    stages.push({ stage: 'cancel-orders', status: 'ran', reason: 'below maintenance', evidence: ev });
  } else skip('cancel-orders', config.stages.cancelOrders, 'no open orders');

  // ------------------------------------------------------------------------------ b. book
  if (config.stages.bookLiquidation) {
    const stepConfig: LiquidationStepConfig = { ...config.liquidation, lotBaseQuantums: lot };
    let nextAllowed = Number.NEGATIVE_INFINITY;
    let steps = 0;
    for (const blk of input.book) {
      if (ps === 0n || !isLiquidatable(risk())) break;
      if (blk.block < nextAllowed) continue;
      for (const l of blk.levels) {
        if (l.size <= 0n || l.size % lot !== 0n)
          bad('book level sizes must be positive multiples of the lot');
      }
      const before = facts();
      const available = fundAvailable();
      const step = liquidationStep({
        account: dydx(),
        market,
        config: stepConfig,
        levels: blk.levels,
        insuranceFund: available,
      });
      steps += 1;
      nextAllowed = blk.block + config.liquidation.cooldownBlocks;
      let filled = 0n;
      let feeTotal = 0n;
      step.fills.forEach((fill, i) => {
        const maker = (blk.levels[i] as MakerLevel).maker;
        const after = ps + fill.delta;
        const markedChange = fill.proceeds + netNotional(market, after) - netNotional(market, ps);
        if (fill.insuranceFundDelta < 0n) {
          const need = -fill.insuranceFundDelta;
          const paid = payFromFund(
            'b',
            need,
            'liquidation fill below bankruptcy price: fund covers the gap',
            {
              stage: 'book-liquidation',
              block: blk.block,
              fillPriceUsd: usd(fill.price),
              bankruptcyValue: dec(fill.bankruptcyValue),
              proceeds: dec(fill.proceeds),
            },
          );
          if (paid !== need) throw new BackstopError('INVARIANT', 'fund paid less than its checked headroom');
        }
        settle('b', markedChange, traderAccount(maker), 'liquidation');
        if (fill.insuranceFundDelta > 0n) {
          post('b', (id) =>
            ledger.liquidate(id, input.account, cur, [{ to: fundAcct, amount: fill.insuranceFundDelta }]),
          );
          fund.deposit(fill.insuranceFundDelta, nowUs);
          feeTotal += fill.insuranceFundDelta;
        }
        filled += abs(fill.delta);
        ps = after;
      });
      const after = facts();
      decisions.push({
        kind: 'liquidation-order',
        tsUs: nowUs,
        reason: `below maintenance: IOC step at the fillable price (${step.stop})`,
        account: input.account,
        instrument: input.position.instrument,
        qtyContracts: Number(step.targetQuantity / lot),
        limitPrice: step.limitPrice === null ? 0 : usd(step.limitPrice),
        evidence: {
          block: blk.block,
          stop: step.stop,
          targetLots: (step.targetQuantity / lot).toString(),
          filledLots: (filled / lot).toString(),
          fills: step.fills.length,
          maxFractionPerStepPpm: config.liquidation.maxFractionPerStepPpm,
          priceBandPpm: config.liquidation.priceBandPpm ?? null,
          cooldownBlocks: config.liquidation.cooldownBlocks,
          feeToFund: dec(feeTotal),
          fundAvailable: dec(available),
          equityBefore: before.equity ?? null,
          maintenanceBefore: before.maintenance ?? null,
          equityAfter: after.equity ?? null,
          maintenanceAfter: after.maintenance ?? null,
          oracleUsd: after.oracleUsd ?? null,
        },
      });
    }
    stages.push({
      stage: 'book-liquidation',
      status: steps > 0 ? 'ran' : 'skipped',
      reason: steps > 0 ? `${steps} step(s)` : 'no book block',
      evidence: { steps, ...facts() },
    });
    if (ps === 0n && equity() >= 0n) return finish('closed');
    if (ps !== 0n && !isLiquidatable(risk())) return finish('healthy');
  } else skip('book-liquidation', false, '');

  // ------------------------------------------------------------------------------ c. providers
  if (config.stages.providerTakeover && ps !== 0n && distressed()) {
    const r = risk();
    const bv = bankruptcyValue(closingDeltaInputs(dydx(), market, -ps));
    const bp = ps > 0n ? ratFrac(bv, ps) : ratFrac(-bv, -ps);
    const side = ps > 0n ? 'long' : 'short';
    const res: TakeoverResult = allocateTakeover({
      position: {
        instrument: input.position.instrument,
        side,
        sizeLots: abs(ps) / lot,
        bankruptcyPrice: bp,
        lotSize: ratInt(lot),
      },
      providers: input.providers,
      states: providerStates,
      nowUs,
      mode: config.providerMode,
      discountFrac: config.providerDiscountFrac,
    });
    providerStates = res.states;
    const common = {
      equityBefore: dec(r.tnc),
      maintenanceBefore: dec(r.tmmr),
      distressedFractionOfMmPpm: config.distressedFractionOfMmPpm,
      bankruptcyPriceUsd: usd(bp),
      bankruptcyPrice: ratStr(bp),
      discountFrac: ratStr(res.evidence.discountFrac),
      requestedLots: res.evidence.requestedLots.toString(),
      allocatedLots: res.evidence.allocatedLots.toString(),
    };
    for (const f of res.fills) {
      const qty = f.sizeLots * lot;
      const delta = ps > 0n ? -qty : qty;
      const quote = fillQuoteQuantums(qty, f.price);
      const proceeds = ps > 0n ? quote : -quote;
      const after = ps + delta;
      const change = proceeds + netNotional(market, after) - netNotional(market, ps);
      settle('c', change, providerAccount(f.provider), 'liquidation');
      ps = after;
      const bucket = res.evidence.buckets.find((b) => b.members.includes(f.provider));
      decisions.push({
        kind: 'backstop-takeover',
        tsUs: nowUs,
        reason: 'still distressed after the book: position transferred to a backstop provider',
        account: input.account,
        provider: f.provider,
        instrument: f.instrument,
        qtyContracts: Number(f.sizeLots),
        price: usd(f.price),
        evidence: {
          ...common,
          price: ratStr(f.price),
          providerCapacityLots: bucket?.capacityLots.toString() ?? null,
          providerRemainingNotional: bucket === undefined ? null : ratStr(bucket.remainingNotional),
          paidToProvider: dec(-change),
          equityAfter: dec(equity()),
        },
      });
    }
    stages.push({
      stage: 'provider-takeover',
      status: res.fills.length > 0 ? 'ran' : 'skipped',
      reason: res.fills.length > 0 ? 'distressed' : 'providers out of capacity',
      evidence: { ...common, ...facts() },
    });
  } else skip('provider-takeover', config.stages.providerTakeover, 'not distressed or no position', facts());
  if (equity() >= 0n) {
    if (ps === 0n) return finish('closed');
    return finish(isLiquidatable(risk()) ? 'awaiting-liquidity' : 'healthy');
  }

  // ------------------------------------------------------------------------------ d. fund
  if (config.stages.insuranceFund && !fundBypassed) {
    const debt = -equity();
    const paid = payFromFund('d', debt, 'bad debt paid by the insurance fund', {
      stage: 'insurance-fund',
      ...facts(),
      badDebt: dec(debt),
      ...fundEvidence(),
    });
    stages.push({
      stage: 'insurance-fund',
      status: 'ran',
      reason: paid === debt ? 'paid in full' : 'fund could not pay in full',
      evidence: { badDebt: dec(debt), paid: dec(paid), ...fundEvidence() },
    });
    if (equity() >= 0n) return finish(ps === 0n ? 'closed' : 'bad-debt-covered');
  } else
    skip('insurance-fund', config.stages.insuranceFund, 'fund bypassed: drawdown threshold', fundEvidence());

  // ------------------------------------------------------------------------------ e. ADL
  if (config.stages.adl && ps !== 0n) {
    const side = ps > 0n ? 'long' : 'short';
    const bv = bankruptcyValue(closingDeltaInputs(dydx(), market, -ps));
    const bp = ps > 0n ? ratFrac(bv, ps) : ratFrac(-bv, -ps);
    const markUsd = usd(oracle);
    const ranked = rankForAdl(
      input.counterparties.map((c) => ({
        account: c.account,
        side: c.side,
        size: c.sizeLots,
        entryPrice: c.entryPrice,
        markPrice: markUsd,
        accountValue: c.accountValue,
      })),
      config.adlRule,
      { against: side, ...(config.adlSeed === undefined ? {} : { seed: config.adlSeed }) },
    );
    const alloc = allocateAdl(ranked, abs(ps) / lot, config.adlMode, {
      basis: config.adlPriceBasis,
      bankruptcyPrice: bp,
      markPrice: oracle,
    });
    const debtBefore = -equity();
    for (const f of alloc.fills) {
      const qty = f.size * lot;
      const d = deleverage({
        liquidated: { account: input.account, size: ps, usdc: 0n },
        offsetting: { account: f.account, size: ps > 0n ? -qty : qty, usdc: 0n },
        price: f.price,
        quantity: qty,
      });
      const after = d.liquidated.size;
      const change = d.liquidatedReceives + netNotional(market, after) - netNotional(market, ps);
      settle('e', change, traderAccount(f.account), 'adl');
      ps = after;
      cpLots.set(f.account, (cpLots.get(f.account) ?? 0n) - f.size);
      decisions.push({
        kind: 'adl-execution',
        tsUs: nowUs,
        reason: fundBypassed
          ? 'fund drawdown over the window passed the threshold: auto-deleveraging'
          : 'insurance fund could not pay the bad debt: auto-deleveraging',
        account: input.account,
        counterparty: f.account,
        instrument: input.position.instrument,
        qtyContracts: Number(f.size),
        price: usd(f.price),
        evidence: {
          rule: config.adlRule,
          mode: config.adlMode,
          rank: f.rank,
          basis: f.basis,
          price: ratStr(f.price),
          bankruptcyPrice: ratStr(bp),
          badDebtBefore: dec(debtBefore),
          paidByCounterparty: dec(change),
          equityAfter: dec(equity()),
          unfilledLots: alloc.unfilled.toString(),
          ...fundEvidence(),
        },
      });
    }
    stages.push({
      stage: 'adl',
      status: alloc.fills.length > 0 ? 'ran' : 'skipped',
      reason: alloc.unfilled > 0n ? 'opposite side insufficient' : 'position closed',
      evidence: { closedLots: alloc.closed.toString(), unfilledLots: alloc.unfilled.toString(), ...facts() },
    });
    if (equity() >= 0n) return finish(ps === 0n ? 'closed' : 'bad-debt-covered');
  } else skip('adl', config.stages.adl, 'no position left to deleverage', facts());

  // ------------------------------------------------------------------------------ f. socialize
  if (config.stages.socializedLoss) {
    const loss = -equity();
    const ctx = { market: input.fundMarket, tsUs: nowUs };
    const res: SocializeResult =
      config.socializeMode === 'open-interest'
        ? socializeAcrossOpenInterest(
            loss,
            input.lossBearers.map((b) => ({ account: b.account, notional: b.notional })),
            ctx,
          )
        : socializeAmongWinners(
            loss,
            input.lossBearers.map((b) => ({ account: b.account, realizedToday: b.realizedToday })),
            ctx,
          );
    post('f', (id) => ledger.writeOffBadDebt(id, input.account, cur));
    const shares = res.allocations.filter((a) => a.amount > 0n);
    if (res.record.allocated > 0n) {
      // weights = the exact shares: the ledger's largest-remainder split reproduces them unit for unit
      post('f', (id) =>
        ledger.socializeLoss(
          id,
          cur,
          res.record.allocated,
          shares.map((a) => ({ traderId: a.account, weight: a.amount })),
        ),
      );
    }
    decisions.push({
      kind: 'socialized-loss',
      tsUs: nowUs,
      reason: res.record.reason,
      currency: cur,
      amount: dec(res.record.allocated),
      evidence: {
        account: input.account,
        method: res.record.method,
        loss: dec(loss),
        allocated: dec(res.record.allocated),
        uncovered: dec(res.record.uncovered),
        basis: res.record.evidence.basis.toString(),
        participants: res.record.evidence.participants,
        haircut: `${res.record.evidence.haircutNum}/${res.record.evidence.haircutDen}`,
        shares: shares.map((a) => `${a.account}=${dec(a.amount)}`).join(','),
        pendingInClearing: dec(res.record.uncovered),
      },
    });
    stages.push({
      stage: 'socialized-loss',
      status: 'ran',
      reason: 'last resort',
      evidence: { loss: dec(loss) },
    });
    return finish('socialized');
  }
  skip('socialized-loss', false, '');
  return finish('unresolved');
}
