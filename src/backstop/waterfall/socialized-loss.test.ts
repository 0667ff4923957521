import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { socializeAcrossOpenInterest, socializeAmongWinners } from './socialized-loss.ts';

/** bigint min (Math.min does not take bigint). */
const minB = (a: bigint, b: bigint): bigint => (b < a ? b : a);

const amounts = (r: { allocations: { account: string; amount: bigint }[] }) =>
  r.allocations.map((a) => [a.account, a.amount]);

describe('socializeAcrossOpenInterest (Drift style)', () => {
  it('splits by |notional|, exact, zero open interest pays nothing', () => {
    const r = socializeAcrossOpenInterest(100n, [
      { account: 'L', notional: 300n },
      { account: 'S', notional: -100n },
      { account: 'Z', notional: 0n },
    ]);
    expect(amounts(r)).toEqual([
      ['L', 75n],
      ['S', 25n],
      ['Z', 0n],
    ]);
    expect(r.record).toMatchObject({
      kind: 'socialized-loss',
      method: 'open-interest',
      loss: 100n,
      allocated: 100n,
      uncovered: 0n,
    });
    expect(r.record.evidence).toMatchObject({
      basis: 400n,
      participants: 2,
      haircutNum: 100n,
      haircutDen: 400n,
    });
  });

  it('largest remainder, ties to the earlier account; no open interest leaves it uncovered', () => {
    const r = socializeAcrossOpenInterest(
      10n,
      ['a', 'b', 'c'].map((account) => ({ account, notional: 1n })),
    );
    expect(amounts(r)).toEqual([
      ['a', 4n],
      ['b', 3n],
      ['c', 3n],
    ]);
    const none = socializeAcrossOpenInterest(10n, [{ account: 'a', notional: 0n }], {
      reason: 'test',
      market: 'BTC-PERP',
      tsUs: 7,
    });
    expect(none.record).toMatchObject({ allocated: 0n, uncovered: 10n, reason: 'test' });
    expect(none.record.evidence).toMatchObject({ market: 'BTC-PERP', tsUs: 7 });
    expect(() => socializeAcrossOpenInterest(-1n, [])).toThrow();
  });
});

describe('socializeAmongWinners (Deribit style)', () => {
  const day = [
    { account: 'A', realizedToday: 100n },
    { account: 'B', realizedToday: 300n },
    { account: 'C', realizedToday: -50n },
    { account: 'D', realizedToday: 0n },
  ];

  it('splits by positive realized P&L; losers pay nothing', () => {
    // 50 × 100/400 = 12.5, 50 × 300/400 = 37.5 → 12 + 37, the extra unit to A (tie, earlier)
    const r = socializeAmongWinners(50n, day);
    expect(amounts(r)).toEqual([
      ['A', 13n],
      ['B', 37n],
      ['C', 0n],
      ['D', 0n],
    ]);
    expect(r.record).toMatchObject({ method: 'daily-winners', allocated: 50n, uncovered: 0n });
  });

  it('caps each winner at their winnings; the rest is uncovered', () => {
    const r = socializeAmongWinners(1000n, day);
    expect(amounts(r)).toEqual([
      ['A', 100n],
      ['B', 300n],
      ['C', 0n],
      ['D', 0n],
    ]);
    expect(r.record).toMatchObject({ allocated: 400n, uncovered: 600n });
    expect(() => socializeAmongWinners(1n, [day[0] as (typeof day)[0], day[0] as (typeof day)[0]])).toThrow(
      /duplicate/,
    );
  });
});

describe('properties (fixed seed)', () => {
  const acct = fc.array(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), { minLength: 1, maxLength: 25 });
  const loss = fc.oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: 10n ** 18n }));

  it('open interest: Σ = loss when any open interest, zero weight pays nothing, nobody negative', () => {
    fc.assert(
      fc.property(loss, acct, (l, ns) => {
        const r = socializeAcrossOpenInterest(
          l,
          ns.map((notional, i) => ({ account: `t${i}`, notional })),
        );
        const sum = r.allocations.reduce((s, a) => s + a.amount, 0n);
        const anyOi = ns.some((n) => n !== 0n);
        expect(sum).toBe(anyOi ? l : 0n);
        expect(sum + r.record.uncovered).toBe(l);
        r.allocations.forEach((a, i) => {
          expect(a.amount >= 0n).toBe(true);
          if (ns[i] === 0n) expect(a.amount).toBe(0n);
        });
      }),
      { seed: 424242, numRuns: 500 },
    );
  });

  it('winners: Σ = min(loss, Σ winnings), nobody above their winnings, non-winners pay nothing', () => {
    fc.assert(
      fc.property(loss, acct, (l, ps) => {
        const r = socializeAmongWinners(
          l,
          ps.map((realizedToday, i) => ({ account: `t${i}`, realizedToday })),
        );
        const wins = ps.reduce((s, p) => s + (p > 0n ? p : 0n), 0n);
        const sum = r.allocations.reduce((s, a) => s + a.amount, 0n);
        expect(sum).toBe(minB(l, wins));
        expect(sum + r.record.uncovered).toBe(l);
        r.allocations.forEach((a, i) => {
          const w = ps[i] ?? 0n;
          expect(a.amount >= 0n).toBe(true);
          expect(a.amount <= (w > 0n ? w : 0n)).toBe(true);
        });
      }),
      { seed: 424242, numRuns: 500 },
    );
  });
});
