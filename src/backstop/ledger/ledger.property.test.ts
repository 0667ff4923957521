import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../core/rng.ts';
import {
  BACKSTOP_RESERVE,
  EXTERNAL,
  FEE_INCOME,
  insuranceFundAccount,
  type LedgerAccount,
  providerAccount,
  SOCIALIZED_LOSS,
  traderAccount,
} from './accounts.ts';
import { DEFAULT_UNIVERSE, type LedgerOp, LedgerWorkload, randomLedgerOp } from './workload.ts';

const u = DEFAULT_UNIVERSE;
const currency = fc.constantFrom(...Object.keys(u.currencies));
// Four of the traders, so that ops meet funded accounts often.
const trader = fc.constantFrom(...u.traders.slice(0, 4));
const market = fc.constantFrom(null, ...u.markets.map((m) => m.id));
const internal: fc.Arbitrary<LedgerAccount> = fc.oneof(
  trader.map(traderAccount),
  fc.constantFrom(...u.providers).map(providerAccount),
  market.map(insuranceFundAccount),
  fc.constantFrom(BACKSTOP_RESERVE, FEE_INCOME),
);
/** Any account, including the ones some ops must refuse. */
const anyAccount = fc.oneof({ weight: 8, arbitrary: internal }, fc.constantFrom(EXTERNAL, SOCIALIZED_LOSS));
/** Mostly positive amounts across many magnitudes (up to 10^22 units), sometimes zero or negative. */
const amount = fc.oneof(
  { weight: 10, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 9n }) },
  { weight: 4, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 22n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -1000n, max: 0n }) },
);
const marketIndex = fc.integer({ min: 0, max: u.markets.length - 1 });

const op: fc.Arbitrary<LedgerOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('deposit'), to: anyAccount, currency, amount }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('withdraw'),
      from: anyAccount,
      currency,
      amount,
      free: fc.bigInt({ min: -10n, max: 10n ** 22n }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('transfer'), from: anyAccount, to: anyAccount, currency, amount }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('trade'),
      market: marketIndex,
      long: trader,
      short: trader,
      size: fc.double({ min: 0.001, max: 100, noNaN: true }),
      fee: fc.bigInt({ min: 1n, max: 10n ** 6n }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('price'),
      market: marketIndex,
      move: fc.double({ min: -0.5, max: 0.5, noNaN: true }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('pnl'), a: trader, b: trader, currency, pnl: amount }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('fee'), trader, currency, amount }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('payout'), market, trader, currency, amount }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('liquidate'),
      trader,
      currency,
      legs: fc.array(fc.record({ to: anyAccount, amount }), { maxLength: 3 }),
      badDebt: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('adl'), from: trader, to: trader, currency, amount }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('writeOff'), trader, currency }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('socialize'),
      currency,
      ppm: fc.integer({ min: 0, max: 1_000_000 }),
      extra: fc.oneof({ weight: 5, arbitrary: fc.constant(0n) }, fc.bigInt({ min: 1n, max: 1000n })),
      weights: fc.uniqueArray(fc.record({ traderId: trader, weight: fc.bigInt({ min: 0n, max: 1000n }) }), {
        selector: (s) => s.traderId,
        maxLength: 4,
      }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'replay' as const }) },
);

describe('Ledger conservation (property)', () => {
  it('every currency sums to 0 after every op; no forbidden balance; refusals change nothing', () => {
    const reached = new Set<string>();
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 150, size: 'max' }), (ops) => {
        const w = new LedgerWorkload(u);
        for (const o of ops) {
          const before = w.ledger.snapshot();
          const appliedBefore = w.applied;
          const refusedBefore = w.refusedCount;
          const problems = w.apply(o);
          expect(problems).toEqual([]);
          expect(w.fullCheck()).toEqual([]);
          for (const c of Object.keys(u.currencies)) expect(w.ledger.total(c)).toBe(0n);
          // An op whose transactions were all refused left the ledger exactly as it was.
          if (w.applied === appliedBefore && w.refusedCount > refusedBefore) {
            expect(w.ledger.snapshot()).toEqual(before);
          }
        }
        for (const r of w.appliedByReason.keys()) reached.add(r);
      }),
      { seed: 20_261_126, numRuns: 300 },
    );
    expect(reached.size).toBe(10); // every reason, bad debt and socialized loss included
  });

  it('the seeded soak generator holds too (10 000 events)', () => {
    const rng = new SeededRng(7);
    const w = new LedgerWorkload(u);
    for (let i = 0; i < 10_000; i++) expect(w.apply(randomLedgerOp(rng))).toEqual([]);
    expect(w.fullCheck()).toEqual([]);
    // The workload reaches every kind of transaction.
    expect([...w.appliedByReason.keys()].sort()).toEqual([
      'adl',
      'bad-debt',
      'deposit',
      'fee',
      'insurance-payout',
      'liquidation',
      'pnl',
      'socialized-loss',
      'transfer',
      'withdrawal',
    ]);
  });
});
