import { describe, expect, it } from 'vitest';
import { ratFrac, ratInt } from '../../margin/standard/perp-exact.ts';
import { insuranceFundAccount, Ledger, providerAccount, traderAccount } from '../ledger/index.ts';
import type { DydxPerpMarket } from '../liquidation/dydx.ts';
import { type FundCaps, fundKey, InsuranceFund } from './insurance-fund.ts';
import type { ProviderConfig, ProviderState } from './providers.ts';
import {
  type AdlCounterparty,
  type BookBlock,
  type LossBearer,
  runWaterfall,
  type WaterfallConfig,
  type WaterfallInput,
  type WaterfallStages,
} from './waterfall.ts';

/**
 * Units chosen to be checked by hand: atomic resolution −6 and an oracle of 100 USD/coin make
 * one base quantum cost 100 quote quantums (1 quote quantum = 10⁻⁶ USDC); one lot = 1 coin =
 * 10⁶ base quantums. 10 lots long: notional 1 000 USDC, IMF 20 %, MMF 10 % → MM 100 USDC.
 */
const U = 1_000_000n; // 1 USDC in quote quantums
const LOT = 1_000_000n;
const NOW = 1_000_000;
const market: DydxPerpMarket = {
  atomicResolution: -6,
  oraclePriceValue: 100n,
  oraclePriceExponent: 0,
  initialMarginPpm: 200_000,
  maintenanceFractionPpm: 500_000,
};

const ALL_ON: WaterfallStages = {
  cancelOrders: true,
  bookLiquidation: true,
  providerTakeover: true,
  insuranceFund: true,
  adl: true,
  socializedLoss: true,
};

function cfg(over: Partial<WaterfallConfig> = {}, maxFractionPerStepPpm = 100_000): WaterfallConfig {
  return {
    stages: ALL_ON,
    liquidation: {
      maxLiquidationFeePpm: 5_000,
      bankruptcyAdjustmentPpm: 1_000_000,
      spreadToMaintenanceMarginRatioPpm: 100_000,
      maxFractionPerStepPpm,
      minStepNotionalQuoteQuantums: 0n,
      cooldownBlocks: 2,
    },
    distressedFractionOfMmPpm: 500_000,
    providerMode: 'priority',
    providerDiscountFrac: 0.01,
    adlRule: 'bitmex',
    adlMode: 'rank',
    adlPriceBasis: 'bankruptcy',
    socializeMode: 'open-interest',
    ...over,
  };
}

const st = (id: string, takeovers: ProviderState['takeovers'] = []): ProviderState => ({
  id,
  equity: 0,
  takeovers,
  reduceOnly: new Set(),
});

interface Setup {
  /** Trader's equity (ledger balance); negative = after a gap (bad debt recognized). */
  equity: bigint;
  fundOpening: bigint;
  fundCaps?: FundCaps;
  deposits?: Record<string, bigint>;
}

function world(s: Setup): { ledger: Ledger; fund: InsuranceFund } {
  const ledger = new Ledger({ currencies: { USDC: 6 } });
  if (s.equity > 0n) ledger.deposit('dep:T', traderAccount('T'), 'USDC', s.equity);
  if (s.equity < 0n) {
    // fixture: the gap's mark-to-market settlement pushed T below zero (recognized bad debt)
    ledger.deposit('dep:T', traderAccount('T'), 'USDC', 10n * U);
    const r = ledger.liquidate(
      'gap:T',
      'T',
      'USDC',
      [{ to: traderAccount('gap-winner'), amount: 10n * U - s.equity }],
      {
        recognizeBadDebt: true,
      },
    );
    expect(r.ok).toBe(true);
  }
  if (s.fundOpening > 0n) ledger.deposit('dep:fund', insuranceFundAccount(null), 'USDC', s.fundOpening);
  for (const [id, amt] of Object.entries(s.deposits ?? {})) {
    ledger.deposit(`dep:${id}`, traderAccount(id), 'USDC', amt);
  }
  const fund = new InsuranceFund(fundKey(null), s.fundOpening, 0, s.fundCaps ?? {});
  return { ledger, fund };
}

function input(
  w: { ledger: Ledger; fund: InsuranceFund },
  over: Partial<WaterfallInput> & { config: WaterfallConfig },
): WaterfallInput {
  return {
    account: 'T',
    position: { instrument: 'BTC-USD', sizeLots: 10n, lotBaseQuantums: LOT },
    market,
    openOrderIds: [],
    book: [],
    providers: [],
    providerStates: new Map(),
    fund: w.fund,
    fundMarket: null,
    counterparties: [],
    lossBearers: [],
    ledger: w.ledger,
    nowUs: NOW,
    txPrefix: 'wf:T',
    ...over,
  };
}

const bal = (l: Ledger, id: string): bigint => l.balance(traderAccount(id), 'USDC');
const fundBal = (l: Ledger): bigint => l.balance(insuranceFundAccount(null), 'USDC');

/** Providers: p1 has 500 USDC of notional per minute, p2 plenty; `full` = p1 and p2 used up. */
function providers(full: boolean): {
  providers: ProviderConfig[];
  providerStates: Map<string, ProviderState>;
} {
  const used = (n: bigint) => [
    { atUs: NOW - 1_000, instrument: 'BTC-USD', sizeLots: 5n, notional: ratInt(n) },
  ];
  return {
    providers: [
      { id: 'p1', priority: 1, capacity: { kind: 'limits', perMinuteNotional: 500_000_000 } },
      { id: 'p2', priority: 2, capacity: { kind: 'limits', perMinuteNotional: 1_000_000_000_000 } },
    ],
    providerStates: new Map([
      ['p1', st('p1', full ? used(500_000_000n) : [])],
      ['p2', st('p2', full ? used(1_000_000_000_000n) : [])],
    ]),
  };
}

/** Two shorts (ranked s1 then s2 by BitMEX score) and a long that must be ignored. */
const shorts = (s1: bigint, s2: bigint): AdlCounterparty[] => [
  { account: 's1', side: 'short', sizeLots: s1, entryPrice: 110, accountValue: 1000 },
  { account: 's2', side: 'short', sizeLots: s2, entryPrice: 105, accountValue: 1000 },
  { account: 'l1', side: 'long', sizeLots: 50n, entryPrice: 90, accountValue: 1000 },
];

const gapBook: BookBlock[] = [{ block: 1, levels: [{ price: ratInt(90n), size: 10n * LOT, maker: 'mm' }] }];

describe('runWaterfall', () => {
  it('1. mild breach: two book steps (cooldown honoured) restore health, nothing else runs', () => {
    const w = world({ equity: 90n * U, fundOpening: 1_000n * U });
    const level = { price: ratInt(100n), size: 5n * LOT, maker: 'mm' };
    const r = runWaterfall(
      input(w, {
        config: cfg(),
        openOrderIds: ['o1', 'o2'],
        book: [10, 11, 12].map((block) => ({ block, levels: [level] })),
      }),
    );
    // step = 10 % = 1 lot at 100 (fillable 99.9): no mark loss, fee 0.5 % × 100 = 0.5 USDC each;
    // after step 1: 89.5 < MM 90; block 11 in cooldown; after step 2: 89 ≥ MM 80 → healthy.
    expect(r.decisions.map((d) => d.kind)).toEqual([
      'order-cancel',
      'liquidation-order',
      'liquidation-order',
    ]);
    expect(r.decisions.map((d) => d.evidence.block ?? null)).toEqual([null, 10, 12]);
    const first = r.decisions[1];
    expect(first?.kind === 'liquidation-order' && [first.qtyContracts, first.limitPrice]).toEqual([1, 99.9]);
    expect(first?.evidence).toMatchObject({
      equityBefore: '90.000000',
      maintenanceBefore: '100.000000',
      feeToFund: '0.500000',
    });
    expect(r.final).toMatchObject({
      outcome: 'healthy',
      positionLots: 8n,
      equity: 89n * U,
      maintenance: 80n * U,
    });
    expect(bal(w.ledger, 'T')).toBe(89n * U);
    expect(fundBal(w.ledger)).toBe(1_001n * U);
    expect(w.fund.balance).toBe(1_001n * U);
    expect(bal(w.ledger, 'mm')).toBe(0n);
    expect(r.ledgerTxIds).toEqual(['wf:T:b:1', 'wf:T:b:2']);
    expect(w.ledger.total('USDC')).toBe(0n);
  });

  it('2. thin book: a partial fill, then providers take the rest at bankruptcy − 1 %, the fund covers the discount', () => {
    const w = world({ equity: 30n * U, fundOpening: 1_000n * U });
    const r = runWaterfall(
      input(w, {
        config: cfg({}, 500_000),
        ...providers(false),
        book: [
          {
            block: 1,
            levels: [
              { price: ratFrac(199n, 2n), size: 2n * LOT, maker: 'mm1' }, // 99.5
              { price: ratInt(99n), size: 10n * LOT, maker: 'mm2' }, // below the fillable 99.3
            ],
          },
        ],
      }),
    );
    expect(r.decisions.map((d) => d.kind)).toEqual([
      'liquidation-order',
      'backstop-takeover',
      'backstop-takeover',
      'insurance-payment',
    ]);
    // b: 2 lots at 99.5: mm1 gets 200 − 199 = 1 USDC, fee ⌊199 × 0.5 %⌋ = 0.995 → equity 28.005 < 50 % × MM 80
    expect(r.decisions[0]?.evidence).toMatchObject({
      stop: 'PRICE_LIMIT',
      filledLots: '2',
      equityAfter: '28.005000',
    });
    // c: BP = (800 − 28.005) / 8 = 96.499375, price × 0.99 = 95.53438125; p1 capacity ⌊500 / 96.499375⌋ = 5 lots
    const [t1, t2] = [r.decisions[1], r.decisions[2]];
    expect(t1?.kind === 'backstop-takeover' && [t1.provider, t1.qtyContracts, t1.price]).toEqual([
      'p1',
      5,
      95.53438125,
    ]);
    expect(t2?.kind === 'backstop-takeover' && [t2.provider, t2.qtyContracts]).toEqual(['p2', 3]);
    expect(t1?.evidence).toMatchObject({ bankruptcyPriceUsd: 96.499375, providerCapacityLots: '5' });
    // p1: 500 − ⌊477.67190625⌋; p2: 300 − ⌊286.60314375⌋; bad debt 28.005 − 35.724951 = −7.719951
    expect(w.ledger.balance(providerAccount('p1'), 'USDC')).toBe(22_328_094n);
    expect(w.ledger.balance(providerAccount('p2'), 'USDC')).toBe(13_396_857n);
    expect(r.decisions[3]).toMatchObject({ kind: 'insurance-payment', amount: '7.719951' });
    expect(bal(w.ledger, 'mm1')).toBe(1n * U);
    expect(bal(w.ledger, 'T')).toBe(0n);
    expect(fundBal(w.ledger)).toBe(1_000n * U + 995_000n - 7_719_951n);
    expect(w.fund.balance).toBe(fundBal(w.ledger));
    expect(r.final).toMatchObject({ outcome: 'closed', positionLots: 0n, badDebt: 0n });
    expect(r.final.providerStates.get('p1')?.reduceOnly.has('BTC-USD')).toBe(true);
    expect(w.ledger.total('USDC')).toBe(0n);
  });

  it('3. gap through bankruptcy, book gapped, providers out of capacity: the fund pays the bad debt', () => {
    const w = world({ equity: -20n * U, fundOpening: 1_000n * U });
    const r = runWaterfall(input(w, { config: cfg(), ...providers(true), book: gapBook }));
    expect(r.decisions.map((d) => d.kind)).toEqual(['liquidation-order', 'insurance-payment']);
    expect(r.decisions[0]?.evidence).toMatchObject({ stop: 'PRICE_LIMIT', filledLots: '0' });
    expect(r.stages.find((s) => s.stage === 'provider-takeover')).toMatchObject({
      status: 'skipped',
      reason: 'providers out of capacity',
    });
    expect(r.decisions[1]).toMatchObject({
      amount: '20.000000',
      evidence: { binding: 'paid-in-full', badDebt: '20.000000' },
    });
    expect(bal(w.ledger, 'T')).toBe(0n);
    expect(fundBal(w.ledger)).toBe(980n * U);
    expect(w.fund.balance).toBe(980n * U);
    expect(r.final).toMatchObject({ outcome: 'bad-debt-covered', positionLots: 10n, equity: 0n });
    expect(w.ledger.total('USDC')).toBe(0n);
  });

  it('4. fund capped: it pays 5, ADL closes the rest at the bankruptcy price against ranked shorts', () => {
    const w = world({
      equity: -20n * U,
      fundOpening: 1_000n * U,
      fundCaps: { perAccount: 5n * U },
      deposits: { s1: 100n * U, s2: 100n * U },
    });
    const r = runWaterfall(
      input(w, { config: cfg(), ...providers(true), book: gapBook, counterparties: shorts(6n, 8n) }),
    );
    expect(r.decisions.map((d) => d.kind)).toEqual([
      'liquidation-order',
      'insurance-payment',
      'adl-execution',
      'adl-execution',
    ]);
    expect(r.decisions[1]).toMatchObject({
      amount: '5.000000',
      evidence: { binding: 'capped-per-account', shortfall: '15.000000' },
    });
    // BP after the payout = (1000 + 15) / 10 = 101.5: s1 6 lots pays 9, s2 4 lots pays 6
    const [a1, a2] = [r.decisions[2], r.decisions[3]];
    expect(a1?.kind === 'adl-execution' && [a1.counterparty, a1.qtyContracts, a1.price]).toEqual([
      's1',
      6,
      101.5,
    ]);
    expect(a2?.kind === 'adl-execution' && [a2.counterparty, a2.qtyContracts]).toEqual(['s2', 4]);
    expect(a1?.evidence).toMatchObject({ rank: 1, basis: 'bankruptcy', paidByCounterparty: '9.000000' });
    expect(bal(w.ledger, 's1')).toBe(91n * U);
    expect(bal(w.ledger, 's2')).toBe(94n * U);
    expect(bal(w.ledger, 'l1')).toBe(0n);
    expect(bal(w.ledger, 'T')).toBe(0n);
    expect(fundBal(w.ledger)).toBe(995n * U);
    expect(r.final).toMatchObject({ outcome: 'closed', positionLots: 0n });
    expect(r.final.counterpartyLots.get('s2')).toBe(4n);
    expect(w.ledger.total('USDC')).toBe(0n);
  });

  it('5. empty fund, ADL side too small: the rest is socialized across open interest', () => {
    const w = world({
      equity: -20n * U,
      fundOpening: 0n,
      deposits: { s1: 100n * U, L1: 50n * U, L2: 50n * U },
    });
    const lossBearers: LossBearer[] = [
      { account: 'L1', notional: 300n * U, realizedToday: 0n },
      { account: 'L2', notional: 100n * U, realizedToday: 0n },
    ];
    const r = runWaterfall(
      input(w, {
        config: cfg(),
        ...providers(true),
        book: gapBook,
        counterparties: [{ account: 's1', side: 'short', sizeLots: 4n, entryPrice: 110, accountValue: 1000 }],
        lossBearers,
      }),
    );
    expect(r.decisions.map((d) => d.kind)).toEqual(['liquidation-order', 'adl-execution', 'socialized-loss']);
    expect(r.stages.find((s) => s.stage === 'insurance-fund')?.reason).toBe('fund could not pay in full');
    // BP = 102: s1 4 lots pays 8 → bad debt 12 left, split 3:1 across open interest → 9 and 3
    expect(r.decisions[1]?.evidence).toMatchObject({ unfilledLots: '6', paidByCounterparty: '8.000000' });
    expect(r.decisions[2]).toMatchObject({
      amount: '12.000000',
      evidence: { method: 'open-interest', uncovered: '0.000000', shares: 'L1=9.000000,L2=3.000000' },
    });
    expect(bal(w.ledger, 's1')).toBe(92n * U);
    expect(bal(w.ledger, 'L1')).toBe(41n * U);
    expect(bal(w.ledger, 'L2')).toBe(47n * U);
    expect(bal(w.ledger, 'T')).toBe(0n);
    expect(w.ledger.balance({ kind: 'socialized-loss' }, 'USDC')).toBe(0n);
    expect(r.final).toMatchObject({ outcome: 'socialized', positionLots: 6n, equity: 0n });
    expect(w.ledger.total('USDC')).toBe(0n);
  });

  it('6. disabled stages never emit their decisions', () => {
    const w = world({ equity: -20n * U, fundOpening: 1_000n * U, deposits: { s1: 100n * U, s2: 100n * U } });
    const off = { ...ALL_ON, cancelOrders: false, providerTakeover: false, insuranceFund: false };
    const r = runWaterfall(
      input(w, {
        config: cfg({ stages: off }),
        ...providers(false),
        openOrderIds: ['o1'],
        book: gapBook,
        counterparties: shorts(6n, 8n),
      }),
    );
    // straight to ADL at BP 102: s1 pays 6 × 2 = 12, s2 4 × 2 = 8; fund untouched
    expect(r.decisions.map((d) => d.kind)).toEqual(['liquidation-order', 'adl-execution', 'adl-execution']);
    expect([bal(w.ledger, 's1'), bal(w.ledger, 's2'), fundBal(w.ledger)]).toEqual([
      88n * U,
      92n * U,
      1_000n * U,
    ]);
    expect(r.stages.filter((s) => s.status === 'disabled').map((s) => s.stage)).toEqual([
      'cancel-orders',
      'provider-takeover',
      'insurance-fund',
    ]);
    expect(w.ledger.total('USDC')).toBe(0n);

    const w2 = world({ equity: -20n * U, fundOpening: 1_000n * U });
    const none = {
      ...ALL_ON,
      bookLiquidation: false,
      providerTakeover: false,
      insuranceFund: false,
      adl: false,
    };
    const r2 = runWaterfall(
      input(w2, {
        config: cfg({ stages: { ...none, socializedLoss: false } }),
        openOrderIds: ['o1'],
        book: gapBook,
      }),
    );
    expect(r2.decisions.map((d) => d.kind)).toEqual(['order-cancel']);
    expect(r2.final).toMatchObject({ outcome: 'unresolved', badDebt: 20n * U });
    expect(r2.ledgerTxIds).toEqual([]);
    expect(w2.ledger.total('USDC')).toBe(0n);
  });

  it('drawdown past the threshold bypasses the fund and goes to ADL', () => {
    const w = world({ equity: -20n * U, fundOpening: 1_000n * U, deposits: { s1: 100n * U, s2: 100n * U } });
    w.fund.requestPayout({ account: 'other', amount: 400n * U, tsUs: NOW - 10 }); // 40 % drawdown
    w.ledger.insurancePayout('prior', null, 'other', 'USDC', 400n * U);
    const r = runWaterfall(
      input(w, {
        config: cfg({ adlDrawdown: { thresholdFrac: 0.3, windowUs: 60_000_000 } }),
        ...providers(true),
        book: gapBook,
        counterparties: shorts(6n, 8n),
      }),
    );
    expect(r.decisions.map((d) => d.kind)).toEqual(['liquidation-order', 'adl-execution', 'adl-execution']);
    expect(r.decisions[1]?.evidence).toMatchObject({ fundBypassedByDrawdown: true, drawdownFrac: 0.4 });
    expect(fundBal(w.ledger)).toBe(600n * U);
    expect(w.ledger.total('USDC')).toBe(0n);
  });
});
