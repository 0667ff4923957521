import { describe, expect, it } from 'vitest';
import { drawdownOfPath, fundKey, InsuranceFund, InsuranceFundBook } from './insurance-fund.ts';

const caps = { perAccount: 300n, perInterval: 500n, intervalUs: 1000 };

function scripted(): InsuranceFund {
  const f = new InsuranceFund(fundKey(null), 1000n, 0, caps);
  f.requestPayout({ account: 'a', amount: 200n, tsUs: 10 });
  f.requestPayout({ account: 'a', amount: 200n, tsUs: 20 });
  f.requestPayout({ account: 'b', amount: 300n, tsUs: 30 });
  f.requestPayout({ account: 'b', amount: 100n, tsUs: 1000 });
  f.requestPayout({ account: 'c', amount: 300n, tsUs: 1100 });
  f.requestPayout({ account: 'd', amount: 250n, tsUs: 1200 });
  return f;
}

describe('InsuranceFund.requestPayout', () => {
  it('pays, caps per account and per interval, resets each interval, never goes below zero', () => {
    const f = new InsuranceFund('insurance-fund', 1000n, 0, caps);
    const r1 = f.requestPayout({ account: 'a', amount: 200n, tsUs: 10 });
    expect([r1.paid, r1.shortfall, r1.reason, r1.balanceAfter]).toEqual([200n, 0n, 'paid-in-full', 800n]);
    const r2 = f.requestPayout({ account: 'a', amount: 200n, tsUs: 20 });
    expect([r2.paid, r2.shortfall, r2.reason]).toEqual([100n, 100n, 'capped-per-account']);
    const r3 = f.requestPayout({ account: 'b', amount: 300n, tsUs: 30 });
    expect([r3.paid, r3.shortfall, r3.reason]).toEqual([200n, 100n, 'capped-per-interval']);
    const r4 = f.requestPayout({ account: 'b', amount: 100n, tsUs: 1000 }); // new interval
    expect([r4.paid, r4.reason, r4.balanceAfter]).toEqual([100n, 'paid-in-full', 400n]);
    const r5 = f.requestPayout({ account: 'c', amount: 300n, tsUs: 1100 });
    expect([r5.paid, r5.balanceAfter]).toEqual([300n, 100n]);
    const r6 = f.requestPayout({ account: 'd', amount: 250n, tsUs: 1200 });
    expect([r6.paid, r6.shortfall, r6.reason, r6.balanceAfter]).toEqual([
      100n,
      150n,
      'insufficient-balance',
      0n,
    ]);
    const r7 = f.requestPayout({ account: 'e', amount: 5n, tsUs: 1300 });
    expect([r7.paid, r7.shortfall, r7.reason, f.balance]).toEqual([0n, 5n, 'insufficient-balance', 0n]);
  });

  it('records the balance path, one point per change', () => {
    expect(scripted().path.map((p) => [p.tsUs, p.balance])).toEqual([
      [0, 1000n],
      [10, 800n],
      [20, 700n],
      [30, 500n],
      [1000, 400n],
      [1100, 100n],
      [1200, 0n],
    ]);
  });

  it('without an interval the caps are lifetime caps', () => {
    const f = new InsuranceFund('insurance-fund', 10_000n, 0, { perAccount: 100n });
    expect(f.requestPayout({ account: 'a', amount: 80n, tsUs: 1 }).paid).toBe(80n);
    expect(f.requestPayout({ account: 'a', amount: 80n, tsUs: 10_000_000 }).paid).toBe(20n);
    expect(f.requestPayout({ account: 'b', amount: 80n, tsUs: 10_000_001 }).paid).toBe(80n);
  });

  it('deposits raise the balance; bad input and time going backwards are refused', () => {
    const f = new InsuranceFund('insurance-fund', 0n, 5);
    f.deposit(70n, 6);
    expect(f.balance).toBe(70n);
    expect(f.path.at(-1)).toEqual({ tsUs: 6, balance: 70n });
    expect(() => f.requestPayout({ account: 'a', amount: 0n, tsUs: 7 })).toThrow(/> 0/);
    expect(() => f.requestPayout({ account: 'a', amount: 1n, tsUs: 4 })).toThrow(
      expect.objectContaining({ code: 'TIME_BACKWARDS' }),
    );
    expect(() => new InsuranceFund('x', -1n, 0)).toThrow();
  });
});

describe('drawdown and the ADL trigger', () => {
  it('measures (peak − current)/peak within the window, counting the balance in force at its start', () => {
    const f = scripted();
    expect(f.drawdownOver(1000, 30).fraction).toBe(0.5); // peak 1000, now 500
    expect(f.drawdownOver(100, 1150)).toMatchObject({ fraction: 0.75, peak: 400n, current: 100n });
    expect(f.drawdownOver(500, 1200)).toMatchObject({ fraction: 1, peak: 500n, current: 0n });
    expect(f.drawdownOver(0, 0).fraction).toBe(0);
  });

  it('triggers when the drawdown reaches the threshold', () => {
    const f = scripted();
    expect(f.adlTriggered(0.5, 1000, 30)).toBe(true);
    expect(f.adlTriggered(0.51, 1000, 30)).toBe(false);
    expect(f.adlTriggered(0.3, 8 * 3_600_000_000, 1200)).toBe(true);
    expect(() => f.adlTriggered(0, 10, 10)).toThrow();
  });

  it('a rising path has no drawdown; an empty peak gives 0', () => {
    const path = [
      { tsUs: 0, balance: 0n },
      { tsUs: 5, balance: 10n },
      { tsUs: 9, balance: 20n },
    ];
    expect(drawdownOfPath(path, 100, 10).fraction).toBe(0);
    expect(drawdownOfPath([{ tsUs: 0, balance: 0n }], 100, 10).fraction).toBe(0);
  });
});

describe('InsuranceFundBook', () => {
  it('isolated markets pay from their own fund only; others from the global fund', () => {
    const book = new InsuranceFundBook({
      isolatedMarkets: ['ETH-PERP'],
      openingBalances: { 'insurance-fund': 100n, 'insurance-fund:ETH-PERP': 50n },
      openingTsUs: 0,
    });
    expect(book.keys()).toEqual(['insurance-fund', 'insurance-fund:ETH-PERP']);
    const eth = book.requestPayout('ETH-PERP', { account: 'a', amount: 80n, tsUs: 1 });
    expect([eth.fund, eth.paid, eth.shortfall]).toEqual(['insurance-fund:ETH-PERP', 50n, 30n]);
    expect(book.fundFor(null).balance).toBe(100n);
    const btc = book.requestPayout('BTC-PERP', { account: 'b', amount: 30n, tsUs: 1 });
    expect([btc.fund, btc.paid]).toEqual(['insurance-fund', 30n]);
    expect(book.fundFor('ETH-PERP').balance).toBe(0n);
  });
});
