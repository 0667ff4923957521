import { describe, expect, it } from 'vitest';
import {
  book,
  deposit,
  fill,
  index,
  ledgerTotals,
  liquidationEngine,
  ofKind,
} from '../../test/liquidation-fixtures.ts';
import {
  insuranceFundAccount,
  providerAccount,
  SETTLEMENT,
  traderAccount,
} from '../backstop/ledger/index.ts';
import { SeededRng } from '../core/rng.ts';
import type { Decision } from '../domain/decisions.ts';
import type { EngineEvent } from '../domain/events.ts';
import type { Engine } from './engine.ts';

const USD = 'USD';
/** Whole or fractional USD → ledger units (scale 6). */
const usd = (x: number) => BigInt(Math.round(x * 1e6));
const cash = (e: Engine, id: string) => e.ledger.balance(traderAccount(id), USD);
const fundBalance = (e: Engine) => e.ledger.balance(insuranceFundAccount(null), USD);

function run(e: Engine, events: EngineEvent[]): Decision[] {
  const out: Decision[] = [];
  for (const ev of events) {
    out.push(...e.handle(ev));
    for (const total of Object.values(ledgerTotals(e))) expect(total).toBe(0n);
  }
  return out;
}

/** Alice 1 BTC long at 100 000 with 10 000 USD; bob the short side with `bobCash`. */
function opened(e: Engine, bobCash = '100000'): void {
  run(e, [
    index(1, 100_000),
    deposit(2, 'alice', '10000'),
    deposit(2, 'bob', bobCash),
    fill(3, 'alice', 1, 100_000),
    fill(3, 'bob', -1, 100_000),
  ]);
}

describe('liquidation in the engine: b. partial steps into the book', () => {
  it('sells a quarter within the band, pays the fee to the fund, stops when back above maintenance (by hand)', () => {
    const e = liquidationEngine();
    opened(e);
    run(e, [
      book(
        4,
        [
          [94_400, 0.125],
          [94_300, 0.5],
        ],
        [[94_600, 1]],
      ),
    ]);
    // 94 500: equity 4 500 < MM 0.05 · 94 500 = 4 725 → liquidatable
    const ds = run(e, [index(5, 94_500)]);
    const [order] = ofKind(ds, 'liquidation-order');
    expect(order).toMatchObject({ account: 'alice', qtyContracts: -0.25, limitPrice: 94_500 * 0.99 });
    // 0.125 @ 94 400 and 0.125 @ 94 300 (the band's limit is 93 555): average 94 350
    expect(order?.evidence).toMatchObject({ filledContracts: 0.25, avgPrice: 94_350, levels: 2 });
    // realized −700 − 712.5; fees 1.5 % of 11 800 and 11 787.5 = 177 + 176.8125
    expect(order?.evidence.feeToFund).toBe('353.812500');
    expect(cash(e, 'alice')).toBe(usd(10_000 - 700 - 712.5 - 177 - 176.8125));
    expect(fundBalance(e)).toBe(usd(353.8125));
    expect(e.ledger.balance(SETTLEMENT, USD)).toBe(usd(1_412.5));
    // equity 8 233.6875 − 0.75 · 5 500 = 4 108.6875 ≥ MM 3 543.75 → margin call, liquidation stops
    expect(ofKind(ds, 'margin-state-change').map((d) => d.to)).toEqual(['liquidatable', 'margin-call']);
    expect(e.margin.positionsOf('alice')[0]?.qtyContracts).toBe(0.75);
    expect(e.books.get('BTC-PERP')?.levels('bid', 5)).toEqual([[94_300, 0.375]]);
    expect(e.liquidator?.activeAccounts()).toEqual([]);
    // open interest in margin call or worse: alice's 0.75 of 0.75 + bob's 1 (by hand 3/7)
    const underCall = new Set(['margin-call', 'liquidatable', 'bankrupt'] as const);
    expect(e.margin.openInterestShare(underCall)).toBeCloseTo(0.75 / 1.75, 15);
    expect(e.margin.openInterestShare(underCall, 'alice')).toBe(0);
  });

  it('waits out the cooldown between steps and closes a small position whole', () => {
    const e = liquidationEngine({
      book: {
        maxFractionPerStep: 0.5,
        minStepNotional: 50_000,
        cooldownUs: 10,
        priceBandFrac: 0.05,
        feeFrac: 0,
      },
    });
    opened(e);
    run(e, [
      book(
        4,
        [
          [90_000, 0.5],
          [89_000, 10],
        ],
        [[95_000, 1]],
      ),
    ]);
    // 90 000: equity 0 < MM 4 500: step 1 sells 0.5 @ 90 000
    const first = run(e, [index(5, 90_000)]);
    expect(ofKind(first, 'liquidation-order').map((d) => d.evidence.filledContracts)).toEqual([0.5]);
    // still liquidatable; inside the cooldown nothing more is sold
    expect(ofKind(run(e, [index(14, 90_000)]), 'liquidation-order')).toEqual([]);
    // after it: 0.5 left, notional 45 000 < 50 000 → closed whole at 89 000
    const second = run(e, [index(15, 90_000)]);
    expect(ofKind(second, 'liquidation-order')[0]?.evidence).toMatchObject({
      targetContracts: 0.5,
      filledContracts: 0.5,
    });
    expect(e.margin.positionsOf('alice')).toEqual([]);
    // −5 000 − 5 500 realized: −500 bad debt, no fund money → socialized onto bob (open interest)
    expect(cash(e, 'alice')).toBe(0n);
    expect(ofKind(second, 'socialized-loss')[0]).toMatchObject({ amount: '500.000000' });
  });
});

describe('liquidation in the engine: c. backstop liquidity providers', () => {
  const providers = [
    { id: 'lp1', priority: 0, capacity: { kind: 'limits' as const, perMinuteNotional: 1_000_000 } },
  ];

  it('takes a distressed position over at mark − discount; the provider is then reduce-only', () => {
    const e = liquidationEngine({ providers });
    opened(e);
    run(e, [deposit(3, 'lp1', '50000')]);
    expect(e.ledger.balance(providerAccount('lp1'), USD)).toBe(usd(50_000));
    // 92 000: equity 2 000 < 0.5 · MM 4 600; no book → providers. BP 90 000 < 92 000 · 0.99
    const ds = run(e, [index(4, 92_000)]);
    const [t] = ofKind(ds, 'backstop-takeover');
    expect(t).toMatchObject({ account: 'alice', provider: 'lp1', qtyContracts: 1 });
    expect(t?.price).toBeCloseTo(91_080, 8);
    expect(t?.evidence).toMatchObject({ bankruptcyPrice: 90_000, bankruptcyPriceBinds: false });
    expect(Number(cash(e, 'alice'))).toBeCloseTo(Number(usd(1_080)), -1);
    expect(e.margin.positionsOf('alice')).toEqual([]);
    expect(e.margin.positionsOf('lp1')[0]).toMatchObject({ qtyContracts: 1 });
    const more = e.handle(fill(5, 'lp1', 0.5, 92_000, 'lp-more'));
    expect(more[0]).toMatchObject({ kind: 'input-rejected', code: 'REDUCE_ONLY' });
    expect(
      e.handle(fill(6, 'lp1', -0.5, 92_000, 'lp-less')).filter((d) => d.kind === 'input-rejected'),
    ).toEqual([]);
  });

  it('never pushes a solvent account below zero: the bankruptcy price binds when equity is under the discount', () => {
    const e = liquidationEngine({ providers });
    opened(e);
    run(e, [deposit(3, 'lp1', '50000')]);
    // 90 500: equity 500; BP 90 000 > 90 500 · 0.99 = 89 595 → the provider pays BP, alice ends at 0
    const [t] = ofKind(run(e, [index(4, 90_500)]), 'backstop-takeover');
    expect(t?.price).toBe(90_000);
    expect(t?.evidence.bankruptcyPriceBinds).toBe(true);
    expect(cash(e, 'alice')).toBe(0n);
  });
});

describe('liquidation in the engine: d–f. fund, ADL, socialized loss', () => {
  function gapped(overrides: Parameters<typeof liquidationEngine>[0]) {
    const e = liquidationEngine(overrides);
    opened(e, '20000');
    run(e, [
      deposit(3, 'carol', '20000'),
      deposit(3, 'dave', '50000'),
      fill(4, 'carol', -0.5, 100_000),
      fill(4, 'dave', 0.5, 100_000),
    ]);
    return e;
  }

  it('the fund pays negative equity in full while the position is open, and the gap of each later fill', () => {
    const e = gapped({ funds: { USD: { opening: '10000' } } });
    // 85 000: equity −5 000 → the fund pays 5 000; alice stays open at zero equity
    const ds = run(e, [index(5, 85_000)]);
    expect(ofKind(ds, 'insurance-payment')).toMatchObject([{ account: 'alice', amount: '5000.000000' }]);
    expect(fundBalance(e)).toBe(usd(5_000));
    expect(cash(e, 'alice')).toBe(usd(15_000));
    // a book arrives: a quarter sells at 84 500 (band limit 84 150; realized −3 875); equity −125
    // → the fund pays the 125
    const next = run(e, [book(6, [[84_500, 2]], [[86_000, 2]])]);
    expect(ofKind(next, 'liquidation-order')[0]?.evidence).toMatchObject({
      filledContracts: 0.25,
      feeToFund: '0.000000',
    });
    expect(ofKind(next, 'insurance-payment').map((d) => d.amount)).toEqual(['125.000000']);
    expect(fundBalance(e)).toBe(usd(4_875));
  });

  it('ADL at the bankruptcy price when the fund cannot pay: the BitMEX ranking picks bob (by hand)', () => {
    const e = gapped({ funds: { USD: { opening: '1000' } } });
    const ds = run(e, [index(5, 85_000)]);
    // bob: 15 % × 85 000 / 35 000 = 0.364 beats carol: 15 % × 42 500 / 27 500 = 0.232
    expect(ofKind(ds, 'adl-execution')).toMatchObject([
      { account: 'alice', counterparty: 'bob', qtyContracts: -1, price: 90_000, evidence: { rank: 1 } },
    ]);
    expect(cash(e, 'alice')).toBe(0n);
    expect(cash(e, 'bob')).toBe(usd(30_000));
    expect(e.margin.positionsOf('bob')).toEqual([]);
    expect(fundBalance(e)).toBe(usd(1_000));
    expect(ofKind(ds, 'insurance-payment')).toEqual([]);
  });

  it('ADL at mark leaves bad debt: the fund pays what it has, open interest bears the rest', () => {
    const e = gapped({
      funds: { USD: { opening: '1000' } },
      adl: { rule: 'bitmex', mode: 'rank', priceBasis: 'mark' },
    });
    const ds = run(e, [index(5, 85_000)]);
    expect(ofKind(ds, 'adl-execution')).toMatchObject([{ counterparty: 'bob', price: 85_000 }]);
    expect(ofKind(ds, 'insurance-payment')).toMatchObject([
      { amount: '1000.000000', evidence: { binding: 'insufficient-balance', requested: '5000.000000' } },
    ]);
    // 4 000 over carol's and dave's equal 42 500 notionals: 2 000 each
    const [loss] = ofKind(ds, 'socialized-loss');
    expect(loss).toMatchObject({ amount: '4000.000000' });
    expect(loss?.evidence.shares).toBe('carol=2000.000000,dave=2000.000000');
    expect(cash(e, 'carol')).toBe(usd(18_000));
    expect(cash(e, 'dave')).toBe(usd(48_000));
    expect(cash(e, 'alice')).toBe(0n);
    expect(fundBalance(e)).toBe(0n);
  });

  it('with the drawdown trigger (OKX style) the fund is bypassed once it has lost enough', () => {
    const e = gapped({
      funds: { USD: { opening: '10000' } },
      adl: {
        rule: 'bitmex',
        mode: 'rank',
        priceBasis: 'bankruptcy',
        drawdown: { thresholdFrac: 0.4, windowUs: 1_000_000 },
      },
    });
    // first gap: the fund pays 5 000 (drawdown 50 % afterwards)
    run(e, [index(5, 85_000)]);
    expect(fundBalance(e)).toBe(usd(5_000));
    // a further fall: drawdown over the window 50 % ≥ 40 % → ADL instead of another payout
    const ds = run(e, [index(6, 84_000)]);
    expect(ofKind(ds, 'insurance-payment')).toEqual([]);
    expect(ofKind(ds, 'adl-execution')[0]?.evidence).toMatchObject({ fundBypassedByDrawdown: true });
  });
});

describe('money at the ledger boundary', () => {
  it('rejects unknown currencies, too many decimals and bad fees; a corrected resend is accepted', () => {
    const e = liquidationEngine();
    e.handle(index(1, 100_000));
    const codes = (ds: Decision[]) => ds.filter((d) => d.kind === 'input-rejected').map((d) => d.code);
    expect(codes(e.handle({ ...deposit(2, 'a', '10'), currency: 'EUR' } as EngineEvent))).toEqual([
      'UNKNOWN_CURRENCY',
    ]);
    expect(codes(e.handle(deposit(2, 'a', '1.0000001', 'd1')))).toEqual(['BAD_NUMBER']);
    expect(codes(e.handle(deposit(2, 'a', '1.0000000', 'd1')))).toEqual([]);
    expect(cash(e, 'a')).toBe(usd(1));
    expect(codes(e.handle({ ...fill(3, 'a', 0.001, 100_000), fee: 'abc' } as EngineEvent))).toEqual([
      'BAD_NUMBER',
    ]);
    expect(codes(e.handle(deposit(4, 'b', '-1', 'w1')))).toEqual(['UNKNOWN_ACCOUNT']);
    expect(codes(e.handle(deposit(4, 'a', '-2', 'w2')))).toEqual(['INSUFFICIENT_FREE_COLLATERAL']);
    expect(codes(e.handle(deposit(4, 'a', '-1', 'w2')))).toEqual([]);
    expect(codes(e.handle(deposit(4, 'a', '-1', 'w2')))).toEqual(['DUPLICATE_EVENT']);
    expect(cash(e, 'a')).toBe(0n);
    expect(e.ledger.balance({ kind: 'external' }, USD)).toBe(0n);
    // a cancel for an unknown account or order is refused, not silently dropped
    const cancel = (account: string, orderId: string) =>
      e.handle({ kind: 'order-cancelled', tsUs: 5, account, orderId } as EngineEvent);
    expect(codes(cancel('nobody', 'o1'))).toEqual(['UNKNOWN_ORDER']);
    e.handle(deposit(5, 'a', '10000', 'd2'));
    e.handle({
      kind: 'order-placed',
      tsUs: 5,
      orderId: 'o1',
      account: 'a',
      instrument: 'BTC-PERP',
      qtyContracts: 0.1,
      limitPrice: 99_000,
    } as EngineEvent);
    expect(codes(cancel('a', 'o2'))).toEqual(['UNKNOWN_ORDER']);
    expect(codes(cancel('a', 'o1'))).toEqual([]);
    expect(codes(cancel('a', 'o1'))).toEqual(['UNKNOWN_ORDER']);
    expect(e.stats.rejected).toBe(9);
  });

  it('a fill fee goes to fee income; the margin book holds exactly the ledger cash', () => {
    const e = liquidationEngine();
    run(e, [index(1, 100_000), deposit(2, 'a', '50000')]);
    run(e, [
      { ...fill(3, 'a', 0.1, 100_000), fee: '5.5' } as EngineEvent,
      { ...fill(4, 'a', -0.1, 101_000), fee: '5.55' } as EngineEvent,
    ]);
    expect(cash(e, 'a')).toBe(usd(50_000 + 100 - 5.5 - 5.55));
    expect(e.ledger.balance({ kind: 'fee-income' }, USD)).toBe(usd(11.05));
    expect(e.margin.accountInput('a')?.collateral).toEqual([{ currency: USD, amount: 50_088.95 }]);
  });
});

describe('conservation through the engine (property)', () => {
  it('random deposits, trades, price moves, books, liquidations, payouts, ADL and losses keep every total at 0', () => {
    const kinds = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5]) {
      const rng = new SeededRng(seed);
      const e = liquidationEngine({
        funds: { USD: { opening: String(rng.nextInt(0, 20_000)) } },
        providers: [{ id: 'lp', priority: 0, capacity: { kind: 'limits', perMinuteNotional: 200_000 } }],
        adl: {
          rule: 'pro-rata',
          mode: 'pro-rata',
          priceBasis: rng.nextFloat() < 0.5 ? 'mark' : 'bankruptcy',
        },
      });
      const names = ['a', 'b', 'c', 'd', 'e', 'f'];
      let price = 100_000;
      let t = 1;
      let n = 0;
      const events: EngineEvent[] = [index(t, price), deposit(t, 'lp', '300000')];
      for (let step = 0; step < 400; step++) {
        t += 1;
        const r = rng.nextFloat();
        if (r < 0.15)
          events.push(deposit(t, names[rng.nextInt(0, 5)] as string, String(rng.nextInt(1, 30_000))));
        else if (r < 0.45) {
          const [x, y] = [names[rng.nextInt(0, 5)] as string, names[rng.nextInt(0, 5)] as string];
          const q = rng.nextInt(1, 40) / 20;
          const px = price * (1 + (rng.nextFloat() - 0.5) * 0.002);
          events.push(fill(t, x, q, px, `f${n++}`), fill(t, y, -q, px, `f${n++}`));
        } else if (r < 0.8) {
          price *= 1 + (rng.nextFloat() - 0.55) * 0.04;
          events.push(index(t, price));
        } else if (r < 0.95) {
          events.push(
            book(
              t,
              [
                [price * 0.999, rng.nextFloat()],
                [price * 0.995, rng.nextFloat() * 3],
              ],
              [[price * 1.001, rng.nextFloat() * 3]],
            ),
          );
        } else
          events.push(deposit(t, names[rng.nextInt(0, 5)] as string, `-${rng.nextInt(1, 5_000)}`, `w${n++}`));
      }
      const ds = run(e, events);
      // the margin book's cash is the ledger's, for every account
      for (const id of e.margin.accountIds()) {
        const input = e.margin.accountInput(id);
        for (const c of input?.collateral ?? []) {
          expect(c.amount).toBe(Number(e.accounts.cash(id, c.currency)) / 1e6);
        }
      }
      for (const d of ds) kinds.add(d.kind);
    }
    // the sequences reach every stage of the waterfall
    for (const k of [
      'liquidation-order',
      'backstop-takeover',
      'insurance-payment',
      'adl-execution',
      'socialized-loss',
    ]) {
      expect(kinds).toContain(k);
    }
  });
});
