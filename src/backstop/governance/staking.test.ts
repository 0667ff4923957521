import { describe, expect, it } from 'vitest';
import { VENUE_STAKER } from './staking.ts';
import { must, newGov, refused, T0 } from './test-helpers.ts';

describe('staking: shares of the fund', () => {
  it('mints shares at the price V / T as the price changes', () => {
    const g = newGov();
    // Empty fund: 1 share per unit. alice 1000 units → 1000 shares; V = 1000, T = 1000.
    expect(must(g.stake('alice', 1_000n, 0n, T0)).shares).toBe(1_000n);
    // Fees bring V to 1500 (price 1.5). bob 300 units → floor(300 × 1000 / 1500) = 200 shares.
    const bob = must(g.stake('bob', 300n, 1_500n, T0 + 1));
    expect(bob.shares).toBe(200n);
    expect(bob.record.evidence).toMatchObject({ totalSharesBefore: '1000', sharesMinted: '200' });
    // V = 1800, T = 1200. A deficit of 600 → V = 1200 (price 1). carol 100 → 100 shares.
    expect(must(g.stake('carol', 100n, 1_200n, T0 + 2)).shares).toBe(100n);
    // V = 1300, T = 1300. Fees +650 → V = 1950 (price 1.5). dave 10 → floor(10 × 1300 / 1950) = floor(6.67) = 6.
    expect(must(g.stake('dave', 10n, 1_950n, T0 + 3)).shares).toBe(6n);
    expect(g.totalShares).toBe(1_306n);
    // V = 1960: dave's 6 shares are worth floor(6 × 1960 / 1306) = floor(9.004) = 9 ≤ the 10 he paid.
    expect(g.stakerValue('dave', 1_960n)).toBe(9n);
    // alice: floor(1000 × 1960 / 1306) = floor(1500.77) = 1500.
    expect(g.stakerValue('alice', 1_960n)).toBe(1_500n);
    // 1 unit at price 1960 / 1306 ≈ 1.5 buys floor(1306 / 1960) = 0 shares → refused, nothing changes.
    const e = refused(g.stake('erin', 1n, 1_960n, T0 + 4), 'BAD_AMOUNT');
    expect(e.message).toContain('buys no share');
    expect(g.stakers()).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(g.lastTsUs).toBe(T0 + 3);
  });

  it("a fund with value but no shares is the venue's: the opening balance becomes the venue's stake", () => {
    const g = newGov();
    expect(g.stakerValue(VENUE_STAKER, 250_000n)).toBe(250_000n);
    // Opening balance 250 000 units: venue gets 250 000 shares first (1 per unit), then alice
    // 50 000 × 250 000 / 250 000 = 50 000 shares.
    const r = must(g.stake('alice', 50_000n, 250_000n, T0));
    expect(r).toMatchObject({ shares: 50_000n, venueShares: 250_000n });
    expect(r.record.evidence).toMatchObject({ venueSharesMinted: '250000', totalSharesAfter: '300000' });
    expect(g.stakers()).toEqual(['alice', VENUE_STAKER]);
    // V = 300 000: venue 250 000, alice 50 000.
    expect(g.stakerValue(VENUE_STAKER, 300_000n)).toBe(250_000n);
    expect(g.stakerValue('alice', 300_000n)).toBe(50_000n);
  });

  it('a fund wiped to zero cancels the worthless shares and restarts at 1 share per unit', () => {
    const g = newGov();
    must(g.stake('alice', 100n, 0n, T0));
    must(g.requestUnstake('alice', 40n, T0));
    // The fund paid out everything: V = 0 with 100 shares outstanding.
    const r = must(g.stake('bob', 50n, 0n, T0 + 1));
    expect(r).toMatchObject({ shares: 50n, wipedShares: 100n });
    expect(r.record.evidence).toMatchObject({ sharesWiped: '100', stakersWiped: 1 });
    expect(g.stakers()).toEqual(['bob']);
    expect(g.unstakeRequests('alice')).toEqual([]);
    expect(g.totalShares).toBe(50n);
  });

  it('refuses bad amounts, ids and times', () => {
    const g = newGov();
    refused(g.stake('alice', 0n, 0n, T0), 'BAD_AMOUNT');
    refused(g.stake('alice', -5n, 0n, T0), 'BAD_AMOUNT');
    refused(g.stake('alice', 5n, -1n, T0), 'BAD_AMOUNT');
    refused(g.stake('', 5n, 0n, T0), 'BAD_INPUT');
    refused(g.stake('alice', 5n, 0n, 1.5), 'BAD_TIME');
    expect(g.totalShares).toBe(0n);
    expect(g.lastTsUs).toBeNull();
  });
});

describe('slashing pro rata', () => {
  it('shares 1:2:3 and a deficit of 600 units → losses 100 / 200 / 300', () => {
    const g = newGov();
    must(g.stake('a', 100n, 0n, T0));
    must(g.stake('b', 200n, 100n, T0));
    must(g.stake('c', 300n, 300n, T0));
    // Fees double the fund: V = 1200, T = 600. The fund covers a deficit of 600 → V = 600.
    const r = must(g.slashReport(1_200n, 600n, T0 + 10));
    expect(r.drop).toBe(600n);
    expect(r.losses).toEqual([
      { staker: 'a', shares: 100n, loss: 100n },
      { staker: 'b', shares: 200n, loss: 200n },
      { staker: 'c', shares: 300n, loss: 300n },
    ]);
    expect(r.record).toMatchObject({
      kind: 'governance-slash',
      tsUs: T0 + 10,
      reason: 'fund-covered-deficit',
    });
    expect(r.record.evidence).toMatchObject({
      drop: '600',
      'loss:a': '100',
      'loss:b': '200',
      'loss:c': '300',
    });
    // The shares are untouched; the values fell by exactly those amounts: 200→100, 400→200, 600→300.
    expect(['a', 'b', 'c'].map((s) => g.stakerValue(s, 600n))).toEqual([100n, 200n, 300n]);
  });

  it('indivisible drops still sum exactly (largest remainder)', () => {
    const g = newGov();
    for (const s of ['a', 'b', 'c']) must(g.stake(s, 100n, g.totalShares, T0));
    // 1:1:1, drop 100: 33 each (remainders equal) + 1 left → the first by id: 34 / 33 / 33.
    const even = must(g.slashReport(300n, 200n, T0 + 1)).losses.map((l) => l.loss);
    expect(even).toEqual([34n, 33n, 33n]);
    expect(even.reduce((x, y) => x + y, 0n)).toBe(100n);

    const h = newGov();
    must(h.stake('a', 100n, 0n, T0));
    must(h.stake('b', 200n, 100n, T0));
    must(h.stake('c', 300n, 300n, T0));
    // 1:2:3, drop 7: 7/6 = 1.17, 14/6 = 2.33, 21/6 = 3.5 → floors 1, 2, 3 (sum 6); the last unit
    // goes to the largest remainder (c, 0.5) → 1 / 2 / 4.
    const odd = must(h.slashReport(600n, 593n, T0 + 1)).losses.map((l) => l.loss);
    expect(odd).toEqual([1n, 2n, 4n]);
    expect(odd.reduce((x, y) => x + y, 0n)).toBe(7n);
  });

  it('with no shares outstanding the whole drop is the venue’s; a rise is refused', () => {
    const g = newGov();
    expect(must(g.slashReport(1_000n, 400n, T0)).losses).toEqual([
      { staker: VENUE_STAKER, shares: 0n, loss: 600n },
    ]);
    refused(g.slashReport(400n, 400n, T0), 'BAD_AMOUNT');
    refused(g.slashReport(400n, 500n, T0), 'BAD_AMOUNT');
  });
});

describe('unstaking after a cooldown', () => {
  it('refuses a claim before the cooldown and pays floor(shares × V / T) after it', () => {
    const g = newGov(); // cooldown 100 µs
    must(g.stake('alice', 1_000n, 0n, T0));
    must(g.stake('bob', 3_000n, 1_000n, T0));
    const req = must(g.requestUnstake('alice', 1_000n, T0 + 10));
    expect(req.request).toEqual({ shares: 1_000n, requestedAtUs: T0 + 10, readyAtUs: T0 + 110 });
    const early = refused(g.claimUnstake('alice', 4_003n, T0 + 109), 'COOLDOWN_NOT_ELAPSED');
    expect(early.message).toContain(`µs ${T0 + 110}`);
    expect(early.message).toContain('2026-01-01T00:00:00.000110Z');
    // Fees brought V to 4003 with T = 4000: alice gets floor(1000 × 4003 / 4000) = floor(1000.75) = 1000;
    // the 0.75 stays in the fund.
    const claim = must(g.claimUnstake('alice', 4_003n, T0 + 110));
    expect(claim).toMatchObject({ shares: 1_000n, payout: 1_000n });
    expect(claim.record.evidence).toMatchObject({
      payout: '1000',
      fundValueAfter: '3003',
      totalSharesAfter: '3000',
    });
    // bob now owns the whole 3003 (the 3 units of dust included).
    expect(g.stakers()).toEqual(['bob']);
    expect(g.stakerValue('bob', 3_003n)).toBe(3_003n);
    refused(g.claimUnstake('alice', 3_003n, T0 + 111), 'NO_UNSTAKE_REQUEST');
  });

  it('claims only the matured requests; refuses over-unstaking and unknown stakers', () => {
    const g = newGov();
    must(g.stake('alice', 1_000n, 0n, T0));
    must(g.requestUnstake('alice', 400n, T0)); // ready T0+100
    must(g.requestUnstake('alice', 100n, T0 + 50)); // ready T0+150
    refused(g.requestUnstake('alice', 501n, T0 + 50), 'INSUFFICIENT_SHARES');
    refused(g.requestUnstake('zed', 1n, T0 + 50), 'NO_STAKE');
    refused(g.requestUnstake('alice', 0n, T0 + 50), 'BAD_AMOUNT');
    // At T0+120 only the first request is ripe: 400 of T = 1000 at V = 1000 → 400.
    expect(must(g.claimUnstake('alice', 1_000n, T0 + 120))).toMatchObject({ shares: 400n, payout: 400n });
    expect(g.stakerShares('alice')).toEqual({ shares: 600n, locked: 100n, unlocked: 500n });
    refused(g.claimUnstake('alice', 600n, T0 + 149), 'COOLDOWN_NOT_ELAPSED');
  });

  it('locked shares bear a slash but cannot vote or propose', () => {
    const g = newGov();
    must(g.stake('alice', 300n, 0n, T0));
    must(g.stake('bob', 300n, 300n, T0));
    must(g.requestUnstake('alice', 300n, T0 + 1));
    // A deficit of 300 → V 600 → 300. Locked shares still count: 150 / 150.
    expect(must(g.slashReport(600n, 300n, T0 + 2)).losses.map((l) => l.loss)).toEqual([150n, 150n]);
    refused(
      g.propose('p1', 'alice', { kind: 'param-change', path: 'x', value: 1 }, T0 + 3),
      'INSUFFICIENT_SHARES',
    );
    must(g.propose('p1', 'bob', { kind: 'param-change', path: 'x', value: 1 }, T0 + 3));
    const e = refused(g.vote('p1', 'alice', 'for', T0 + 4), 'NO_STAKE');
    expect(e.message).toContain('no unlocked shares');
    // After the cooldown alice gets floor(300 × 300 / 600) = 150: half her 300, like bob's.
    expect(must(g.claimUnstake('alice', 300n, T0 + 101)).payout).toBe(150n);
    expect(g.stakerValue('bob', 150n)).toBe(150n);
  });

  it('shares locked after a proposal was created no longer vote', () => {
    const g = newGov();
    must(g.stake('alice', 300n, 0n, T0));
    must(g.stake('bob', 300n, 300n, T0));
    must(g.propose('p1', 'bob', { kind: 'param-change', path: 'x', value: 1 }, T0 + 1));
    // alice's snapshot weight is 300, but she then locks 200: she votes with min(300, 100) = 100.
    must(g.requestUnstake('alice', 200n, T0 + 2));
    const v = must(g.vote('p1', 'alice', 'for', T0 + 3));
    expect(v.weight).toBe(100n);
    expect(v.record.evidence).toMatchObject({ snapshotWeight: '300', unlockedNow: '100', weight: '100' });
  });
});
