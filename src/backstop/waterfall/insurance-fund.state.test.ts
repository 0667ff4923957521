import { describe, expect, it } from 'vitest';
import { BackstopError } from '../../core/errors.ts';
import { SeededRng } from '../../core/rng.ts';
import {
  type FundBookConfig,
  fundKey,
  InsuranceFund,
  InsuranceFundBook,
  type InsuranceFundBookState,
  type InsuranceFundState,
} from './insurance-fund.ts';

const MARKETS = [null, 'BTC-PERP', 'ETH-PERP', 'SOL-PERP'] as const;
const ACCOUNTS = ['a', 'b', 'c', 'd', 'e', 'f'];

const bookConfig = (): FundBookConfig => ({
  isolatedMarkets: ['SOL-PERP', 'ETH-PERP'],
  caps: { perAccount: 3_000n, perInterval: 8_000n, intervalUs: 10_000 },
  capsByFund: { [fundKey('SOL-PERP')]: { perAccount: 1_000n, intervalUs: 5_000 } },
  openingBalances: { [fundKey(null)]: 40_000n, [fundKey('ETH-PERP')]: 6_000n },
  openingTsUs: 1_000,
});

type Op =
  | { kind: 'deposit'; market: string | null; amount: bigint; tsUs: number }
  | { kind: 'payout'; market: string | null; account: string; amount: bigint; tsUs: number }
  | { kind: 'query'; market: string | null; account: string; windowUs: number; tsUs: number };

/**
 * Deposits, payouts that run into both caps and the balance, drawdown / ADL / headroom queries,
 * several operations in the same µs, and now and then an input behind a fund's last time (refused).
 */
function ops(seed: number, n: number): Op[] {
  const rng = new SeededRng(seed);
  let ts = 1_000;
  const out: Op[] = [];
  for (let i = 0; i < n; i++) {
    ts += rng.nextFloat() < 0.2 ? 0 : rng.nextInt(1, 2_500);
    const market = MARKETS[rng.nextInt(0, MARKETS.length - 1)]!;
    const account = ACCOUNTS[rng.nextInt(0, ACCOUNTS.length - 1)]!;
    const tsUs = rng.nextFloat() < 0.05 ? ts - rng.nextInt(1, 4_000) : ts;
    const r = rng.nextFloat();
    if (r < 0.25) out.push({ kind: 'deposit', market, amount: BigInt(rng.nextInt(1, 5_000)), tsUs });
    else if (r < 0.75)
      out.push({ kind: 'payout', market, account, amount: BigInt(rng.nextInt(1, 4_000)), tsUs });
    else out.push({ kind: 'query', market, account, windowUs: rng.nextInt(0, 60_000), tsUs: ts });
  }
  return out;
}

/** Applies `op` to `fund`; returns its result (or the refusal) and the fund's balance after it. */
function stepFund(fund: InsuranceFund, op: Op): unknown {
  let result: unknown;
  try {
    if (op.kind === 'deposit') result = fund.deposit(op.amount, op.tsUs);
    else if (op.kind === 'payout') result = fund.requestPayout(op);
    else {
      result = {
        drawdown: fund.drawdownOver(op.windowUs, op.tsUs),
        adl: fund.adlTriggered(0.25, op.windowUs, op.tsUs),
        headroom: fund.headroom(op.account, op.tsUs),
      };
    }
  } catch (e) {
    if (!(e instanceof BackstopError)) throw e;
    result = { error: e.code, message: e.message };
  }
  return { result, balance: fund.balance, last: fund.path[fund.path.length - 1], points: fund.path.length };
}

function stepBook(book: InsuranceFundBook, op: Op): unknown {
  return stepFund(book.fundFor(op.market), op);
}

describe('InsuranceFund state snapshots', () => {
  const caps = { perAccount: 2_500n, perInterval: 6_000n, intervalUs: 8_000 };
  const all = ops(61, 600);

  it('restore + the same continued input gives identical results, path and state', () => {
    const a = new InsuranceFund(fundKey(null), 30_000n, 1_000, caps);
    for (const op of all.slice(0, 300)) stepFund(a, op);
    const snap: InsuranceFundState = JSON.parse(JSON.stringify(a.exportState()));
    expect(typeof snap.balance).toBe('string');
    const b = new InsuranceFund(fundKey(null), 0n, 0, caps);
    b.restoreState(snap);
    const outA = all.slice(300).map((op) => stepFund(a, op));
    const outB = all.slice(300).map((op) => stepFund(b, op));
    expect(outB).toEqual(outA);
    expect(b.path).toEqual(a.path);
    expect(b.exportState()).toEqual(a.exportState());
    const reasons = new Set(outA.map((o) => (o as { result: { reason?: string } }).result?.reason));
    for (const r of ['paid-in-full', 'capped-per-account', 'capped-per-interval'])
      expect(reasons).toContain(r);
  });

  it('refuses another fund or other caps, naming the difference', () => {
    const a = new InsuranceFund(fundKey(null), 100n, 0, caps);
    const s = a.exportState();
    expect(() => new InsuranceFund(fundKey('X'), 100n, 0, caps).restoreState(s)).toThrow(
      /fund insurance-fund:X: cannot restore the state of insurance-fund/,
    );
    expect(() =>
      new InsuranceFund(fundKey(null), 100n, 0, { ...caps, intervalUs: 9_000 }).restoreState(s),
    ).toThrow(
      /fund insurance-fund caps: state was exported under a different config \(first difference at intervalUs\)/,
    );
    expect(() =>
      new InsuranceFund(fundKey(null), 100n, 0, {
        perInterval: caps.perInterval,
        intervalUs: caps.intervalUs,
      }).restoreState(s),
    ).toThrow(/first difference at perAccount/);
    expect(() =>
      new InsuranceFund(fundKey(null), 100n, 0, caps).restoreState({ ...s, balance: '1.5' }),
    ).toThrow(/bad bigint/);
  });
});

describe('InsuranceFundBook state snapshots', () => {
  const all = ops(62, 900);
  // A cut where every fund is mid-interval with caps in use and where every field of the state
  // shows in the continued results (found by search over this seed; the tests below check both).
  const cut = 328;

  function run(tamper: (s: InsuranceFundState) => InsuranceFundState = (s) => s) {
    const a = new InsuranceFundBook(bookConfig());
    const before = all.slice(0, cut).map((op) => stepBook(a, op));
    const snap: InsuranceFundBookState = JSON.parse(JSON.stringify(a.exportState()));
    const b = new InsuranceFundBook(bookConfig());
    b.restoreState({ funds: snap.funds.map(tamper) });
    const outA = all.slice(cut).map((op) => stepBook(a, op));
    const outB = all.slice(cut).map((op) => stepBook(b, op));
    return { a, b, snap, before, outA, outB };
  }

  it('restore + the same continued input gives identical payouts, drawdowns, paths and state', () => {
    const { a, b, snap, before, outA, outB } = run();
    expect(outB).toEqual(outA);
    for (const m of MARKETS) expect(b.fundFor(m).path).toEqual(a.fundFor(m).path);
    expect(b.exportState()).toEqual(a.exportState());

    expect(snap.funds.map((f) => f.key)).toEqual([
      'insurance-fund',
      'insurance-fund:ETH-PERP',
      'insurance-fund:SOL-PERP',
    ]);
    for (const f of snap.funds) expect(f.paidToAccount.length).toBeGreaterThan(0);
    const results = [...before, ...outA].map((o) => (o as { result: Record<string, unknown> }).result);
    const reasons = new Set(results.map((r) => r?.reason));
    for (const r of ['paid-in-full', 'insufficient-balance', 'capped-per-account', 'capped-per-interval']) {
      expect(reasons).toContain(r);
    }
    expect(results.some((r) => r?.error === 'TIME_BACKWARDS')).toBe(true);
    expect(results.some((r) => r?.adl === true)).toBe(true);
  });

  it('a fund field left at its fresh value on restore changes the continued results', () => {
    const { snap, outA } = run();
    const fresh = new InsuranceFundBook(bookConfig()).exportState().funds;
    for (const key of Object.keys(fresh[0]!) as (keyof InsuranceFundState)[]) {
      if (key === 'key' || key === 'caps') continue; // checked on restore (next test)
      const { outB } = run((s) => ({ ...s, [key]: fresh.find((f) => f.key === s.key)![key] }));
      expect(
        snap.funds.some(
          (f) => JSON.stringify(f[key]) !== JSON.stringify(fresh.find((g) => g.key === f.key)![key]),
        ),
        key,
      ).toBe(true);
      expect(outB, key).not.toEqual(outA);
    }
  });

  it('refuses a state of a book with other funds or other caps, leaving the book untouched', () => {
    const a = new InsuranceFundBook(bookConfig());
    for (const op of all.slice(0, 100)) stepBook(a, op);
    const s = a.exportState();
    expect(() =>
      new InsuranceFundBook({ ...bookConfig(), isolatedMarkets: ['ETH-PERP'] }).restoreState(s),
    ).toThrow(
      /fund book: state holds funds \[insurance-fund, insurance-fund:ETH-PERP, insurance-fund:SOL-PERP\], this book has \[insurance-fund, insurance-fund:ETH-PERP\]/,
    );
    const other = new InsuranceFundBook({ ...bookConfig(), capsByFund: {} });
    const before = other.exportState();
    expect(() => other.restoreState(s)).toThrow(
      /fund insurance-fund:SOL-PERP caps: state was exported under a different config/,
    );
    expect(other.exportState()).toEqual(before);
  });
});
