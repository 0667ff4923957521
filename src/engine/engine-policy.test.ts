import { describe, expect, it } from 'vitest';
import { book, deposit, fill, index, ledgerTotals, ofKind } from '../../test/liquidation-fixtures.ts';
import { policyEngine, testPolicy, testPolicyFile } from '../../test/policy-fixtures.ts';
import { BACKSTOP_RESERVE } from '../backstop/ledger/index.ts';
import { RESERVE_ACCOUNT } from '../backstop/venue-accounts.ts';
import type { Decision } from '../domain/decisions.ts';
import type { EngineEvent, Level } from '../domain/events.ts';
import type { Engine } from './engine.ts';

const S = 1_000_000;
const T = 1_767_225_600 * S; // 2026-01-01T00:00:00Z

function run(e: Engine, events: EngineEvent[]): Decision[] {
  const out: Decision[] = [];
  for (const ev of events) {
    out.push(...e.handle(ev));
    for (const total of Object.values(ledgerTotals(e))) expect(total).toBe(0n);
  }
  return out;
}

const mark = (tsUs: number, price: number): EngineEvent => ({
  kind: 'mark-price',
  instrument: 'BTC-PERP',
  tsUs,
  price,
});
const liquidations = (ds: Decision[]) =>
  ds.filter((d) =>
    ['liquidation-order', 'backstop-takeover', 'adl-execution', 'insurance-payment'].includes(d.kind),
  );

/** Alice 1 BTC long at 100 000 with 10 000 USD; bob the short side. */
function opened(e: Engine, t = T): Decision[] {
  return run(e, [
    index(t, 100_000),
    deposit(t + 1, 'alice', '10000'),
    deposit(t + 1, 'bob', '100000'),
    fill(t + 2, 'alice', 1, 100_000),
    fill(t + 2, 'bob', -1, 100_000),
  ]);
}

/** A book around `mid` with a full spread of `spreadBps` and plenty of size. */
const bookAround = (tsUs: number, mid: number, spreadBps: number, size = 5): EngineEvent => {
  const h = (mid * spreadBps) / 2e4;
  const bids: Level[] = [[mid - h, size]];
  const asks: Level[] = [[mid + h, size]];
  return book(tsUs, bids, asks);
};

describe('data-quality guards: bad prices never cause liquidations', () => {
  // guards only: no tiers (no reserve actions) and no breaker
  const noBreaker = () => policyEngine(testPolicy({ circuitBreaker: undefined, tiers: undefined }));

  it('an outlier index print is held (OUTLIER_PRICE), a confirmed move is applied', () => {
    const e = noBreaker();
    opened(e);
    const spike = run(e, [index(T + 3 * S, 80_000)]);
    expect(ofKind(spike, 'input-rejected')[0]).toMatchObject({ code: 'OUTLIER_PRICE' });
    expect(ofKind(spike, 'input-rejected')[0]?.evidence).toMatchObject({
      price: 80_000,
      lastAccepted: 100_000,
    });
    expect(liquidations(spike)).toEqual([]);
    expect(ofKind(spike, 'margin-state-change')).toEqual([]);
    // the print reverts: accepted, nothing happened
    expect(ofKind(run(e, [index(T + 4 * S, 100_500)]), 'input-rejected')).toEqual([]);
    // a real fall to 88 000: held for the first print and two confirmations, applied at the third
    const fall = [5, 6, 7, 8].map((k) => run(e, [index(T + k * S, 88_000)]));
    expect(fall.map((ds) => ofKind(ds, 'input-rejected').length)).toEqual([1, 1, 1, 0]);
    expect(ofKind(fall[3] as Decision[], 'margin-state-change')[0]?.to).toBe('bankrupt');
    expect(e.stats.rejected).toBe(3 + 1);
  });

  it('a stale mark is dropped for the index: the stale price cannot liquidate (without the guard it does)', () => {
    const events = (): EngineEvent[] => [
      index(T, 100_000),
      mark(T, 94_000),
      book(T, [[99_990, 5]], [[100_010, 5]]),
      deposit(T + 1, 'alice', '10000'),
      deposit(T + 1, 'bob', '100000'),
      index(T + 10 * S, 100_000),
      fill(T + 10 * S, 'alice', 1, 100_000),
      fill(T + 10 * S, 'bob', -1, 100_000),
    ];
    const guarded = run(policyEngine(testPolicy({ circuitBreaker: undefined, tiers: undefined })), events());
    expect(ofKind(guarded, 'data-guard')).toMatchObject([
      {
        instrument: 'BTC-PERP',
        action: 'fallback-to-index',
        evidence: { ageUs: 10 * S, staleAfterUs: 5 * S },
      },
    ]);
    expect(
      ofKind(guarded, 'margin-state-change')
        .filter((d) => d.account === 'alice')
        .map((d) => d.to),
    ).toEqual(['warning']);
    expect(liquidations(guarded)).toEqual([]);
    const unguarded = run(
      policyEngine(testPolicy({ circuitBreaker: undefined, tiers: undefined, guards: undefined })),
      events(),
    );
    expect(ofKind(unguarded, 'margin-state-change').find((d) => d.account === 'alice')?.to).toBe(
      'liquidatable',
    );
    expect(ofKind(unguarded, 'liquidation-order').length).toBeGreaterThan(0);
  });

  it('a crossed book is refused whole; the liquidation never trades at its prices', () => {
    const e = noBreaker();
    opened(e);
    run(e, [book(T + 3 * S, [[94_000, 5]], [[96_000, 5]])]);
    const crossed = run(e, [
      {
        kind: 'book-delta',
        instrument: 'BTC-PERP',
        tsUs: T + 4 * S,
        reset: false,
        bids: [[97_000, 5]],
        asks: [],
      } as EngineEvent,
    ]);
    expect(ofKind(crossed, 'input-rejected')[0]).toMatchObject({ code: 'BOOK_CROSSED' });
    expect(e.books.get('BTC-PERP')?.levels('bid', 5)).toEqual([[94_000, 5]]);
    // 94 500 makes alice liquidatable: her step sells at the uncrossed 94 000, never 97 000
    const ds = run(e, [index(T + 5 * S, 94_500)]);
    expect(ofKind(ds, 'liquidation-order')[0]?.evidence.avgPrice).toBe(94_000);
  });
});

describe('circuit breaker', () => {
  it('halts past the band against the window start, pauses liquidation, resumes after the halt', () => {
    const e = policyEngine();
    opened(e);
    run(e, [index(T + 10 * S, 95_000)]);
    // 89 000 is 11 % below the window start (100 000 at T): halt for 30 s; alice is bankrupt but waits
    const halt = run(e, [index(T + 20 * S, 89_000)]);
    expect(ofKind(halt, 'circuit-breaker')).toMatchObject([
      {
        action: 'halt',
        instrument: 'BTC',
        evidence: { reference: 100_000, price: 89_000, bandFrac: 0.1, haltUntilUs: T + 50 * S },
      },
    ]);
    expect(ofKind(halt, 'margin-state-change').map((d) => d.to)).toEqual(['bankrupt']);
    expect(liquidations(halt)).toEqual([]);
    expect(liquidations(run(e, [index(T + 49 * S, 89_000)]))).toEqual([]);
    // the halt is over: resume, and the waterfall runs (the fund pays alice's negative equity)
    const resume = run(e, [index(T + 50 * S, 89_000)]);
    expect(ofKind(resume, 'circuit-breaker')).toMatchObject([
      { action: 'resume', evidence: { haltedForUs: 30 * S } },
    ]);
    expect(ofKind(resume, 'insurance-payment')[0]).toMatchObject({ account: 'alice', amount: '1000.000000' });
  });
});

describe('reserve actions', () => {
  /** Books around 100 000 with a given spread, one per second from `from` to `to` (exclusive). */
  const spreads = (from: number, to: number, mid: number, bps: number, size = 5) =>
    Array.from({ length: to - from }, (_, k) => bookAround(T + (from + k) * S, mid, bps, size));

  it('stressed: two-sided quotes around mark join the liquidity a liquidation hits', () => {
    const e = policyEngine(testPolicy({ circuitBreaker: undefined }));
    opened(e);
    const ds = run(e, spreads(3, 8, 100_000, 30));
    expect(
      ofKind(ds, 'tier-change')
        .filter((d) => d.scope === 'backstop')
        .map((d) => d.to),
    ).toEqual(['stressed']);
    expect(ofKind(ds, 'margin-multiplier-change')).toMatchObject([{ from: 1, to: 1.25 }]);
    const [q] = ofKind(ds, 'quote-deployment');
    expect(q).toMatchObject({ action: 'deploy', sizeContracts: 0.5 });
    // 40 bps wide around mark 100 000
    expect(q?.bidPrice).toBeCloseTo(99_800, 6);
    expect(q?.askPrice).toBeCloseTo(100_200, 6);
    expect(q?.evidence).toMatchObject({ tier: 'stressed', 'metric.spread': expect.any(Number) });
    // the venue's book drops to 93 000 / 93 200 (21 bps: still stressed); alice turns liquidatable at
    // 95 500; the venue's bids are outside the 2 % band (limit 93 590), the reserve's re-centred bid
    // at 95 500 × (1 − 0.002) = 95 309 is not: she sells her 0.5-contract step to the reserve
    run(e, [book(T + 8 * S, [[93_000, 5]], [[93_200, 5]])]);
    const liq = run(e, [index(T + 9 * S, 95_500)]);
    expect(ofKind(liq, 'quote-deployment')[0]?.bidPrice).toBeCloseTo(95_309, 6);
    const [order] = ofKind(liq, 'liquidation-order');
    expect(order?.evidence).toMatchObject({ fromReserveContracts: 0.5, filledContracts: 0.5 });
    expect(order?.evidence.avgPrice).toBeCloseTo(95_309, 6);
    const reservePos = e.margin.positionsOf(RESERVE_ACCOUNT)[0];
    expect(reservePos).toMatchObject({ qtyContracts: 0.5 });
    expect(reservePos?.avgEntryPrice).toBeCloseTo(95_309, 6);
    // opening a position realizes nothing: the reserve's cash is intact, its equity marks the gain
    expect(e.ledger.balance(BACKSTOP_RESERVE, 'USD')).toBe(100_000n * 1_000_000n);
    expect(e.margin.snapshot(RESERVE_ACCOUNT)?.pools.USD?.equity).toBeCloseTo(
      100_000 + 0.5 * (95_500 - 95_309),
      6,
    );
  });

  it('crisis: TWAP purchases within the budget; back in normal, the inventory is unwound', () => {
    const e = policyEngine(testPolicy({ circuitBreaker: undefined }));
    opened(e);
    // 60 bps spread for 40 s: crisis; a slice of 50 000 every 10 s until the 150 000 budget is spent
    const crisis = run(e, spreads(3, 43, 100_000, 60, 20));
    const buys = ofKind(crisis, 'purchase-order');
    expect(buys.map((d) => d.evidence.spentUnits)).toEqual(['50000000000', '100000000000', '150000000000']);
    expect(
      buys.every((b) => b.qtyContracts > 0 && b.limitPrice === (b.evidence.markPrice as number) * 1.01),
    ).toBe(true);
    const bought = buys.reduce((s, b) => s + b.qtyContracts, 0);
    // calm again: 5 bps; tiers relax after the 30 s dwell, then the inventory is sold over 30 s
    const calm = run(e, spreads(43, 200, 100_000, 5, 20));
    expect(
      ofKind(calm, 'tier-change')
        .filter((d) => d.scope === 'backstop')
        .map((d) => d.to),
    ).toEqual(['normal']);
    const sells = ofKind(calm, 'purchase-order');
    expect(sells.length).toBe(3);
    // nothing hit the reserve's quotes here, so its inventory is what it bought, sold in 3 slices
    expect(sells.reduce((s, d) => s - d.qtyContracts, 0)).toBeCloseTo(bought, 9);
    expect(e.margin.positionsOf(RESERVE_ACCOUNT)).toEqual([]);
  });

  it('limits: a quote over budget is never deployed; a loss past the limit withdraws the quotes', () => {
    const actions = structuredClone(testPolicyFile().actions);
    const stressedQuotes = actions?.stressed?.reserveQuoting;
    if (!actions || !stressedQuotes) throw new Error('fixture');
    // 2 sides × 0.5 × 100 000 = 100 000 quoted > 50 000 budget: nothing is deployed
    stressedQuotes.budget = '50000';
    const poor = policyEngine(testPolicy({ circuitBreaker: undefined, actions }));
    opened(poor);
    const ds = run(poor, spreads(3, 8, 100_000, 30));
    expect(ofKind(ds, 'tier-change').some((d) => d.scope === 'backstop' && d.to === 'stressed')).toBe(true);
    expect(ofKind(ds, 'quote-deployment')).toEqual([]);

    // loss limit 100: the reserve buys 0.5 at 95 309 (as above); at 95 000 it has lost 154.5
    stressedQuotes.budget = '1000000';
    stressedQuotes.lossLimit = '100';
    const e = policyEngine(testPolicy({ circuitBreaker: undefined, actions }));
    opened(e);
    run(e, [
      ...spreads(3, 8, 100_000, 30),
      book(T + 8 * S, [[93_000, 5]], [[93_200, 5]]),
      index(T + 9 * S, 95_500),
    ]);
    expect(e.margin.positionsOf(RESERVE_ACCOUNT)[0]?.qtyContracts).toBe(0.5);
    const loss = run(e, [index(T + 10 * S, 95_000)]);
    expect(ofKind(loss, 'quote-deployment')).toMatchObject([
      {
        action: 'withdraw',
        reason: 'loss limit hit: reserve quotes withdrawn',
        evidence: { lossLimitUnits: '100000000' },
      },
    ]);
    expect(Number(ofKind(loss, 'quote-deployment')[0]?.evidence.lossUnits)).toBeCloseTo(154.5e6, -1);
    // and they stay withdrawn while the tier lasts
    expect(ofKind(run(e, [index(T + 11 * S, 95_600)]), 'quote-deployment')).toEqual([]);
  });

  it('limit purchases rest a bid below mark that a liquidation can hit', () => {
    const actions = structuredClone(testPolicyFile().actions);
    const crisis = actions?.crisis;
    if (!actions || !crisis?.purchases) throw new Error('fixture');
    crisis.purchases.mode = 'limit';
    delete crisis.reserveQuoting;
    const e = policyEngine(testPolicy({ circuitBreaker: undefined, actions }));
    opened(e);
    // crisis spreads (60 bps) with the venue's bids far away: the resting bid is the best
    const ds = run(e, [...spreads(3, 5, 100_000, 60), book(T + 5 * S, [[90_000, 5]], [[100_300, 5]])]);
    const [bid] = ofKind(ds, 'purchase-order');
    // 50 000 at 100 000 × (1 − 0.01) = 99 000
    expect(bid).toMatchObject({ limitPrice: 99_000, evidence: { mode: 'limit' } });
    expect(bid?.qtyContracts).toBeCloseTo(50_000 / 99_000, 12);
    // alice is liquidatable at 95 000; her 0.5 step sells at the best bid at or above the band
    // limit 93 100: the reserve's resting 99 000, which keeps the 0.00505 left of its 0.50505
    const liq = run(e, [index(T + 6 * S, 95_000)]);
    expect(ofKind(liq, 'liquidation-order')[0]?.evidence).toMatchObject({
      avgPrice: 99_000,
      fromReserveContracts: 0.5,
    });
    expect(e.margin.positionsOf(RESERVE_ACCOUNT)[0]?.qtyContracts).toBe(0.5);
    expect(e.policy?.desk?.levels('BTC-PERP', 'bid')[0]?.[1]).toBeCloseTo(50_000 / 99_000 - 0.5, 12);
  });
});
