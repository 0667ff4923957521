import { describe, expect, it } from 'vitest';
import {
  BACKSTOP_RESERVE,
  EXTERNAL,
  FEE_INCOME,
  insuranceFundAccount,
  type LedgerAccount,
  providerAccount,
  SETTLEMENT,
  SOCIALIZED_LOSS,
  traderAccount,
} from './accounts.ts';
import { Ledger, type LedgerRejectionCode } from './ledger.ts';

const USDC = 'USDC';
const BTC = 'BTC';
const alice = traderAccount('alice');
const bob = traderAccount('bob');
const carol = traderAccount('carol');
const lp = providerAccount('lp1');
const globalFund = insuranceFundAccount();
const btcFund = insuranceFundAccount('BTC-PERP');

const newLedger = () => new Ledger({ currencies: { USDC: 6, BTC: 8 } });
/** n whole USDC in units. */
const u = (n: number) => BigInt(n) * 1_000_000n;

function mustOk<T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!r.ok) throw new Error(`refused: ${r.error.code} ${r.error.message}`);
  return r.value;
}

function expectRefused(
  l: Ledger,
  r: { ok: boolean; error?: { code: LedgerRejectionCode } },
  code: LedgerRejectionCode,
  before: unknown,
) {
  expect(r.ok).toBe(false);
  expect(r.error?.code).toBe(code);
  expect(l.snapshot()).toEqual(before);
}

function expectConserved(l: Ledger) {
  expect(l.total(USDC)).toBe(0n);
  expect(l.total(BTC)).toBe(0n);
}

describe('Ledger operations', () => {
  it('deposit: external → trader; total stays 0', () => {
    const l = newLedger();
    const a = mustOk(l.deposit('d1', alice, USDC, u(1000)));
    expect(a).toEqual({
      seq: 1,
      id: 'd1',
      reason: 'deposit',
      postings: [
        { account: EXTERNAL, currency: USDC, amount: -u(1000) },
        { account: alice, currency: USDC, amount: u(1000) },
      ],
    });
    expect(l.balance(alice, USDC)).toBe(u(1000));
    expect(l.balance(EXTERNAL, USDC)).toBe(-u(1000));
    expect(l.balanceMoney(alice, USDC)).toEqual({ units: u(1000), scale: 6, currency: USDC });
    expectConserved(l);
  });

  it('withdraw: up to the free amount, to external', () => {
    const l = newLedger();
    mustOk(l.deposit('d1', alice, USDC, u(100)));
    mustOk(l.withdraw('w1', alice, USDC, u(40), u(60)));
    expect(l.balance(alice, USDC)).toBe(u(60));
    expect(l.balance(EXTERNAL, USDC)).toBe(-u(60));
    mustOk(l.withdraw('w2', alice, USDC, u(60), u(60)));
    expect(l.balance(alice, USDC)).toBe(0n);
    expect(l.balances()).toEqual([]); // zero balances are dropped
    expectConserved(l);
  });

  it('transfer between internal accounts', () => {
    const l = newLedger();
    mustOk(l.deposit('d1', BACKSTOP_RESERVE, BTC, 5_0000_0000n));
    mustOk(l.transfer('t1', BACKSTOP_RESERVE, btcFund, BTC, 1_2500_0000n));
    expect(l.balance(BACKSTOP_RESERVE, BTC)).toBe(3_7500_0000n);
    expect(l.balance(btcFund, BTC)).toBe(1_2500_0000n);
    expectConserved(l);
  });

  it('settlePnl moves the signed P&L between two traders', () => {
    const l = newLedger();
    mustOk(l.deposit('d1', alice, USDC, u(100)));
    mustOk(l.deposit('d2', bob, USDC, u(100)));
    mustOk(l.settlePnl('p1', 'alice', 'bob', USDC, u(30))); // alice won 30
    expect([l.balance(alice, USDC), l.balance(bob, USDC)]).toEqual([u(130), u(70)]);
    mustOk(l.settlePnl('p2', 'alice', 'bob', USDC, -u(50))); // alice lost 50
    expect([l.balance(alice, USDC), l.balance(bob, USDC)]).toEqual([u(80), u(120)]);
    expectConserved(l);
  });

  it('fee: trader → fee income', () => {
    const l = newLedger();
    mustOk(l.deposit('d1', alice, USDC, u(10)));
    mustOk(l.fee('f1', 'alice', USDC, 1_234n));
    expect(l.balance(FEE_INCOME, USDC)).toBe(1_234n);
    expect(l.balance(alice, USDC)).toBe(u(10) - 1_234n);
  });

  it('liquidation with bad debt, insurance payout, write-off and socialized loss', () => {
    const l = newLedger();
    mustOk(l.deposit('d1', alice, USDC, u(100)));
    mustOk(l.deposit('d2', bob, USDC, u(1000)));
    mustOk(l.deposit('d3', carol, USDC, u(2000)));
    mustOk(l.deposit('d4', globalFund, USDC, u(20)));
    // alice's position is taken over at a 150 loss (+5 penalty) but she only has 100.
    const liq = {
      legs: [
        { to: lp, amount: u(150) },
        { to: btcFund, amount: u(5) },
      ],
    } as const;
    const before = l.snapshot();
    expectRefused(l, l.liquidate('L1', 'alice', USDC, liq.legs), 'NEGATIVE_BALANCE', before);
    mustOk(l.liquidate('L1', 'alice', USDC, liq.legs, { recognizeBadDebt: true }));
    expect(l.balance(alice, USDC)).toBe(-u(55));
    expect(l.balance(lp, USDC)).toBe(u(150));
    expect(l.balance(btcFund, USDC)).toBe(u(5));
    // Fund covers what it can (20), never more.
    const b2 = l.snapshot();
    expectRefused(l, l.insurancePayout('I1', null, 'alice', USDC, u(21)), 'NEGATIVE_BALANCE', b2);
    mustOk(l.insurancePayout('I1', null, 'alice', USDC, u(20)));
    expect(l.balance(alice, USDC)).toBe(-u(35));
    // Rest goes to the clearing account, then is socialized 1:2 across bob and carol.
    mustOk(l.writeOffBadDebt('B1', 'alice', USDC));
    expect(l.balance(alice, USDC)).toBe(0n);
    expect(l.balance(SOCIALIZED_LOSS, USDC)).toBe(-u(35));
    const s = mustOk(
      l.socializeLoss('S1', USDC, u(35), [
        { traderId: 'bob', weight: 1n },
        { traderId: 'carol', weight: 2n },
      ]),
    );
    // bob 35 000 000 × 1/3 = 11 666 666.67, carol × 2/3 = 23 333 333.33: the floors leave 1 unit,
    // which goes to the larger remainder (bob's .67).
    expect(s.postings.map((p) => p.amount)).toEqual([u(35), -11_666_667n, -23_333_333n]);
    expect(l.balance(SOCIALIZED_LOSS, USDC)).toBe(0n);
    expect(l.balance(bob, USDC)).toBe(u(1000) - 11_666_667n);
    expect(l.balance(carol, USDC)).toBe(u(2000) - 23_333_333n);
    expectConserved(l);
  });

  it('a trader in bad debt may be paid toward zero but not debited further', () => {
    const l = newLedger();
    mustOk(l.deposit('d1', alice, USDC, u(10)));
    mustOk(l.deposit('d2', globalFund, USDC, u(5)));
    mustOk(l.liquidate('L1', 'alice', USDC, [{ to: lp, amount: u(30) }], { recognizeBadDebt: true }));
    mustOk(l.insurancePayout('I1', null, 'alice', USDC, u(5))); // still -15: allowed, moves toward 0
    expect(l.balance(alice, USDC)).toBe(-u(15));
    const before = l.snapshot();
    expectRefused(l, l.fee('f1', 'alice', USDC, 1n), 'NEGATIVE_BALANCE', before);
  });

  it('adl: trader → trader', () => {
    const l = newLedger();
    mustOk(l.deposit('d1', bob, USDC, u(50)));
    mustOk(l.adl('A1', 'bob', 'carol', USDC, u(20)));
    expect([l.balance(bob, USDC), l.balance(carol, USDC)]).toEqual([u(30), u(20)]);
  });

  it('post: a general balanced multi-currency transaction', () => {
    const l = newLedger();
    mustOk(l.deposit('d1', alice, USDC, u(100)));
    mustOk(l.deposit('d2', bob, BTC, 1_0000_0000n));
    mustOk(
      l.post({
        id: 'x1',
        reason: 'transfer',
        postings: [
          { account: alice, currency: USDC, amount: -u(60) },
          { account: bob, currency: USDC, amount: u(60) },
          { account: bob, currency: BTC, amount: -1000n },
          { account: alice, currency: BTC, amount: 1000n },
        ],
      }),
    );
    expect(l.balance(alice, BTC)).toBe(1000n);
    expectConserved(l);
    expect(l.transactionCount).toBe(3);
    expect(l.hasTransaction('x1')).toBe(true);
  });

  it('balances() and snapshot() are sorted and deterministic', () => {
    const build = (order: number[]) => {
      const l = newLedger();
      const ops = [
        () => l.deposit('a', carol, USDC, 5n),
        () => l.deposit('b', alice, BTC, 7n),
        () => l.deposit('c', lp, USDC, 1_500_000n),
      ];
      for (const i of order) mustOk((ops[i] as () => ReturnType<Ledger['deposit']>)());
      return l.snapshot();
    };
    const s = build([0, 1, 2]);
    expect(build([2, 1, 0])).toEqual(s);
    expect(JSON.stringify(build([1, 0, 2]))).toBe(JSON.stringify(s));
    expect(s).toEqual({
      version: 1,
      transactions: 3,
      currencies: [
        { currency: 'BTC', scale: 8 },
        { currency: 'USDC', scale: 6 },
      ],
      balances: [
        { account: 'external', currency: 'BTC', amount: '-0.00000007' },
        { account: 'external', currency: 'USDC', amount: '-1.500005' },
        { account: 'liquidity-provider:lp1', currency: 'USDC', amount: '1.500000' },
        { account: 'trader:alice', currency: 'BTC', amount: '0.00000007' },
        { account: 'trader:carol', currency: 'USDC', amount: '0.000005' },
      ],
    });
  });

  it('rejects a bad configuration and unknown currencies in queries', () => {
    expect(() => new Ledger({ currencies: {} })).toThrow(/at least one/);
    expect(() => new Ledger({ currencies: { USDC: 6.5 } })).toThrow(/scale/);
    expect(() => new Ledger({ currencies: { 'US DC': 6 } })).toThrow(/currency code/);
    expect(() => newLedger().total('EUR')).toThrow(/unknown currency/);
  });
});

describe('Ledger rejections (atomic: nothing changes)', () => {
  const setup = () => {
    const l = newLedger();
    mustOk(l.deposit('d1', alice, USDC, u(100)));
    mustOk(l.deposit('d2', globalFund, USDC, u(10)));
    mustOk(l.deposit('d3', lp, USDC, u(10)));
    return l;
  };
  const cases: [string, LedgerRejectionCode, (l: Ledger) => ReturnType<Ledger['post']>][] = [
    ['empty id', 'BAD_ID', (l) => l.post({ id: '', reason: 'transfer', postings: [] })],
    ['duplicate id', 'DUPLICATE_ID', (l) => l.deposit('d1', alice, USDC, 1n)],
    ['unknown reason', 'BAD_REASON', (l) => l.post({ id: 'x', reason: 'gift' as 'fee', postings: [] })],
    ['no postings', 'EMPTY', (l) => l.post({ id: 'x', reason: 'transfer', postings: [] })],
    ['liquidation without legs', 'EMPTY', (l) => l.liquidate('x', 'alice', USDC, [])],
    [
      'malformed account',
      'BAD_ACCOUNT',
      (l) =>
        l.post({
          id: 'x',
          reason: 'transfer',
          postings: [{ account: { kind: 'bank' } as unknown as LedgerAccount, currency: USDC, amount: 1n }],
        }),
    ],
    ['deposit into fee income', 'BAD_ACCOUNT', (l) => l.deposit('x', FEE_INCOME, USDC, 1n)],
    ['deposit into external', 'BAD_ACCOUNT', (l) => l.deposit('x', EXTERNAL, USDC, 1n)],
    ['withdraw from external', 'BAD_ACCOUNT', (l) => l.withdraw('x', EXTERNAL, USDC, 1n, 10n)],
    ['transfer from external', 'BAD_ACCOUNT', (l) => l.transfer('x', EXTERNAL, alice, USDC, 1n)],
    [
      'liquidation paying itself',
      'BAD_ACCOUNT',
      (l) => l.liquidate('x', 'alice', USDC, [{ to: alice, amount: 1n }]),
    ],
    ['empty trader id', 'BAD_ACCOUNT', (l) => l.fee('x', '', USDC, 1n)],
    ['transfer to self', 'SAME_ACCOUNT', (l) => l.transfer('x', alice, alice, USDC, 1n)],
    ['P&L with oneself', 'SAME_ACCOUNT', (l) => l.settlePnl('x', 'alice', 'alice', USDC, 1n)],
    ['unknown currency', 'UNKNOWN_CURRENCY', (l) => l.deposit('x', alice, 'EUR', 1n)],
    ['unknown currency (withdraw)', 'UNKNOWN_CURRENCY', (l) => l.withdraw('x', alice, 'EUR', 1n, 1n)],
    ['negative deposit', 'BAD_AMOUNT', (l) => l.deposit('x', alice, USDC, -5n)],
    ['zero deposit', 'BAD_AMOUNT', (l) => l.deposit('x', alice, USDC, 0n)],
    ['negative withdrawal', 'BAD_AMOUNT', (l) => l.withdraw('x', alice, USDC, -1n, u(100))],
    ['zero P&L', 'BAD_AMOUNT', (l) => l.settlePnl('x', 'alice', 'bob', USDC, 0n)],
    ['negative fee', 'BAD_AMOUNT', (l) => l.fee('x', 'alice', USDC, -1n)],
    [
      'zero posting',
      'BAD_AMOUNT',
      (l) =>
        l.post({
          id: 'x',
          reason: 'transfer',
          postings: [
            { account: alice, currency: USDC, amount: 0n },
            { account: bob, currency: USDC, amount: 0n },
          ],
        }),
    ],
    [
      'number amount',
      'BAD_AMOUNT',
      (l) =>
        l.post({
          id: 'x',
          reason: 'transfer',
          postings: [{ account: alice, currency: USDC, amount: 1 as unknown as bigint }],
        }),
    ],
    [
      'allowNegative outside a liquidation',
      'BAD_FLAG',
      (l) =>
        l.post({
          id: 'x',
          reason: 'transfer',
          allowNegative: ['alice'],
          postings: [
            { account: alice, currency: USDC, amount: -u(200) },
            { account: bob, currency: USDC, amount: u(200) },
          ],
        }),
    ],
    [
      'unbalanced',
      'UNBALANCED',
      (l) =>
        l.post({
          id: 'x',
          reason: 'transfer',
          postings: [
            { account: alice, currency: USDC, amount: -u(10) },
            { account: bob, currency: USDC, amount: u(9) },
          ],
        }),
    ],
    [
      'balanced in sum but not per currency',
      'UNBALANCED',
      (l) =>
        l.post({
          id: 'x',
          reason: 'transfer',
          postings: [
            { account: alice, currency: USDC, amount: -5n },
            { account: bob, currency: BTC, amount: 5n },
          ],
        }),
    ],
    ['overdrawn trader', 'NEGATIVE_BALANCE', (l) => l.transfer('x', alice, bob, USDC, u(101))],
    [
      'overdrawn insurance fund',
      'NEGATIVE_BALANCE',
      (l) => l.insurancePayout('x', null, 'alice', USDC, u(11)),
    ],
    [
      'isolated fund is separate',
      'NEGATIVE_BALANCE',
      (l) => l.insurancePayout('x', 'ETH-PERP', 'alice', USDC, 1n),
    ],
    ['overdrawn provider', 'NEGATIVE_BALANCE', (l) => l.transfer('x', lp, alice, USDC, u(11))],
    ['overdrawn fee income', 'NEGATIVE_BALANCE', (l) => l.transfer('x', FEE_INCOME, alice, USDC, 1n)],
    ['overdrawn reserve', 'NEGATIVE_BALANCE', (l) => l.transfer('x', BACKSTOP_RESERVE, alice, USDC, 1n)],
    ['withdraw beyond balance', 'NEGATIVE_BALANCE', (l) => l.withdraw('x', alice, USDC, u(101), u(1000))],
    [
      'bad debt for a trader not named',
      'NEGATIVE_BALANCE',
      (l) =>
        l.post({
          id: 'x',
          reason: 'liquidation',
          allowNegative: ['bob'],
          postings: [
            { account: alice, currency: USDC, amount: -u(200) },
            { account: lp, currency: USDC, amount: u(200) },
          ],
        }),
    ],
    [
      'socializing with nothing pending',
      'POSITIVE_BALANCE',
      (l) => l.socializeLoss('x', USDC, 1n, [{ traderId: 'alice', weight: 1n }]),
    ],
    [
      'withdraw beyond free',
      'INSUFFICIENT_FREE_COLLATERAL',
      (l) => l.withdraw('x', alice, USDC, u(50), u(49)),
    ],
    [
      'withdraw with negative free',
      'INSUFFICIENT_FREE_COLLATERAL',
      (l) => l.withdraw('x', alice, USDC, 1n, -u(5)),
    ],
    ['no weights', 'BAD_WEIGHTS', (l) => l.socializeLoss('x', USDC, 1n, [])],
    [
      'zero weights',
      'BAD_WEIGHTS',
      (l) => l.socializeLoss('x', USDC, 1n, [{ traderId: 'alice', weight: 0n }]),
    ],
    [
      'negative weight',
      'BAD_WEIGHTS',
      (l) => l.socializeLoss('x', USDC, 1n, [{ traderId: 'alice', weight: -1n }]),
    ],
    [
      'duplicate trader in weights',
      'BAD_WEIGHTS',
      (l) =>
        l.socializeLoss('x', USDC, 1n, [
          { traderId: 'alice', weight: 1n },
          { traderId: 'alice', weight: 1n },
        ]),
    ],
    ['write-off with no bad debt', 'NO_BAD_DEBT', (l) => l.writeOffBadDebt('x', 'alice', USDC)],
  ];

  it.each(cases)('%s → %s', (_name, code, op) => {
    const l = setup();
    const before = l.snapshot();
    const r = op(l);
    expectRefused(l, r, code, before);
    if (!r.ok) {
      expect(r.error.message.length).toBeGreaterThan(0);
      expect(r.error.txId).toBe(code === 'BAD_ID' ? null : r.error.txId);
    }
    // A refused id is not consumed: the same id can be used by a valid transaction.
    if (code !== 'DUPLICATE_ID' && code !== 'BAD_ID') {
      expect(l.hasTransaction('x')).toBe(false);
      mustOk(l.deposit('x', alice, USDC, 1n));
    }
  });

  it('covers every rejection code', () => {
    const all: LedgerRejectionCode[] = [
      'BAD_ID',
      'DUPLICATE_ID',
      'BAD_REASON',
      'EMPTY',
      'BAD_ACCOUNT',
      'SAME_ACCOUNT',
      'UNKNOWN_CURRENCY',
      'BAD_AMOUNT',
      'BAD_FLAG',
      'UNBALANCED',
      'NEGATIVE_BALANCE',
      'POSITIVE_BALANCE',
      'INSUFFICIENT_FREE_COLLATERAL',
      'BAD_WEIGHTS',
      'NO_BAD_DEBT',
    ];
    expect(new Set(cases.map((c) => c[1]))).toEqual(new Set(all));
  });

  it('names the facts of a negative-balance refusal', () => {
    const l = setup();
    const r = l.transfer('x', alice, bob, USDC, u(101));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.details).toEqual({
        account: 'trader:alice',
        currency: USDC,
        balance: '100.000000',
        change: '-101.000000',
        result: '-1.000000',
      });
      expect(r.error.txId).toBe('x');
    }
  });
});

describe('fill settlement against the venue', () => {
  it('moves realized P&L against the settlement account and the fee to fee income', () => {
    const l = newLedger();
    mustOk(l.deposit('d', alice, USDC, u(100)));
    // alice realizes +25 and pays a 1.5 fee: +23.5 to her, -25 settlement, +1.5 fee income
    mustOk(l.settleFill('f1', alice, USDC, u(25), 1_500_000n));
    expect(l.balance(alice, USDC)).toBe(123_500_000n);
    expect(l.balance(SETTLEMENT, USDC)).toBe(-u(25));
    expect(l.balance(FEE_INCOME, USDC)).toBe(1_500_000n);
    expect(l.total(USDC)).toBe(0n);
  });

  it('lets a realized loss take a trader or a provider below zero (cross margin), nothing else', () => {
    const l = newLedger();
    mustOk(l.deposit('d', alice, USDC, u(10)));
    mustOk(l.settleFill('f1', alice, USDC, -u(30), 0n));
    expect(l.balance(alice, USDC)).toBe(-u(20));
    mustOk(l.settleFill('f2', lp, USDC, -u(5), 0n));
    expect(l.balance(lp, USDC)).toBe(-u(5));
    expect(l.balance(SETTLEMENT, USDC)).toBe(u(35));
    const before = l.snapshot();
    expectRefused(l, l.settleFill('f3', globalFund, USDC, u(1), 0n), 'BAD_ACCOUNT', before);
    // a plain transfer still may not overdraw her
    expectRefused(l, l.transfer('t', alice, bob, USDC, 1n), 'NEGATIVE_BALANCE', before);
    expect(l.total(USDC)).toBe(0n);
  });

  it('refuses a rebate that fee income cannot pay, whole', () => {
    const l = newLedger();
    mustOk(l.deposit('d', alice, USDC, u(10)));
    const before = l.snapshot();
    expectRefused(l, l.settleFill('f', alice, USDC, u(3), -1n), 'NEGATIVE_BALANCE', before);
    mustOk(l.settleFill('g', bob, USDC, 0n, 7n));
    mustOk(l.settleFill('h', alice, USDC, u(3), -7n));
    expect(l.balance(FEE_INCOME, USDC)).toBe(0n);
    expect(l.balance(alice, USDC)).toBe(u(13) + 7n);
  });

  it('is a no-op for a fill without cash', () => {
    const l = newLedger();
    const r = l.settleFill('f', alice, USDC, 0n, 0n);
    expect(r).toEqual({ ok: true, value: null });
    expect(l.transactionCount).toBe(0);
  });
});
