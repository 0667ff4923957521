import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackstopError } from '../core/errors.ts';
import type { Instrument } from '../domain/instrument.ts';
import { DepthProfile } from '../liquidity/depth-profile.ts';
import { type Level, type LiquidityView, OrderBook } from '../liquidity/order-book.ts';
import { accountMargin, type UnderlyingMarginModel } from './account-margin.ts';
import {
  DEFAULT_LIQUIDITY_ADDON,
  type LiquidityAddOnExplain,
  type LiquidityAddOnParams,
  liquidityAddOn,
  validateLiquidityAddOnParams,
  withLiquidityAddOn,
} from './liquidity-addon.ts';
import { marketFromSnapshot } from './market.ts';
import { contractPricer } from './portfolio/instrument-pnl.ts';

function book(bids: Level[], asks: Level[], id = 'P'): OrderBook {
  const b = new OrderBook(id);
  expect(b.applyBatch(true, bids, asks)).toEqual({ ok: true });
  return b;
}

/**
 * bids 100×10, 99×20, 98×50 (quote 1000, 1980, 4900: 7880 in all, 80 base)
 * asks 101×10, 102×20, 103×50
 * mid 100.5, spread 1 / 100.5 × 1e4 = 99.502… bps
 */
const handBook = (id = 'P'): OrderBook =>
  book(
    [
      [100, 10],
      [99, 20],
      [98, 50],
    ],
    [
      [101, 10],
      [102, 20],
      [103, 50],
    ],
    id,
  );

const PARAMS: LiquidityAddOnParams = { ...DEFAULT_LIQUIDITY_ADDON, freeNotionalQuote: 500 };
const long25 = { instrumentId: 'P', qtyBase: 25, markPrice: 100 };

/**
 * Long 25 @ 100 with free 500: notional 2500, 2000 beyond the free size.
 * Whole close (2500 into the bids): 10 @ 100, then 1500 / 99 @ 99. Free part alone (500): 5 @ 100.
 * Beyond the free size, therefore: 5 @ 100 and 1500/99 = 15.15… @ 99, i.e. 1995/99 base for 2000.
 * Cost vs mid 100.5: 5 × 0.5 + 1500/99 × 1.5 = 2.5 + 22.727… = 25.227…
 * Spread term: ½ × (1/100.5) × 2000 = 1000 / 100.5 = 9.950…
 */
const HAND_WALK_COST = 2.5 + (1500 / 99) * 1.5;
const HAND_SPREAD_TERM = 1000 / 100.5;

describe('liquidityAddOn on a hand-built book', () => {
  it('walks the part beyond the free size where the free part leaves off, plus half the spread', () => {
    const r = liquidityAddOn(long25, handBook(), PARAMS);
    expect(r.closeSide).toBe('sell');
    expect(r.notionalQuote).toBe(2500);
    expect(r.freeNotionalQuote).toBe(500);
    expect(r.walkedNotionalQuote).toBe(2000);
    expect(r.referencePrice).toBe(100.5);
    expect(r.walkCostQuote).toBeCloseTo(HAND_WALK_COST, 9);
    // average of the part beyond: 2000 / (1995/99) = 99.248…; slippage (100.5 − 99.248) / 100.5
    const avg = (2000 * 99) / 1995;
    expect(r.avgPrice).toBeCloseTo(avg, 9);
    expect(r.slippageBps).toBeCloseTo(((100.5 - avg) / 100.5) * 1e4, 6);
    expect(r.spreadBps).toBeCloseTo(1e4 / 100.5, 9);
    expect(r.spreadTermQuote).toBeCloseTo(HAND_SPREAD_TERM, 9);
    expect(r.unfilledNotionalQuote).toBe(0);
    expect(r.complete).toBe(true);
    expect(r.reason).toBe('walked');
    // 25.227… + 9.950… = 35.177…
    expect(r.chargeQuote).toBeCloseTo(HAND_WALK_COST + HAND_SPREAD_TERM, 9);
    expect(r.chargeQuote).toBeCloseTo(35.1775, 4);
  });

  it('closes a short by buying from the asks', () => {
    // Whole close (2500): 10 @ 101 (1010), then 1490 / 102 @ 102. Free part (500): 500/101 @ 101.
    // Beyond: (10 − 500/101) = 510/101 @ 101 (0.5 over mid) and 1490/102 @ 102 (1.5 over mid).
    const r = liquidityAddOn({ instrumentId: 'P', qtyBase: -25, markPrice: 100 }, handBook(), PARAMS);
    expect(r.closeSide).toBe('buy');
    expect(r.walkCostQuote).toBeCloseTo((510 / 101) * 0.5 + (1490 / 102) * 1.5, 9);
    expect(r.chargeQuote).toBeCloseTo(r.walkCostQuote + HAND_SPREAD_TERM, 9);
  });

  it('charges nothing for no position or a position within the free size', () => {
    const zero = liquidityAddOn({ instrumentId: 'P', qtyBase: 0, markPrice: 100 }, handBook(), PARAMS);
    expect(zero).toMatchObject({ chargeQuote: 0, reason: 'zero-position', closeSide: null });
    const small = liquidityAddOn({ instrumentId: 'P', qtyBase: 5, markPrice: 100 }, handBook(), PARAMS);
    expect(small).toMatchObject({
      chargeQuote: 0,
      reason: 'within-free-size',
      notionalQuote: 500,
      freeNotionalQuote: 500,
      walkedNotionalQuote: 0,
    });
  });

  it('scales every component by the multiplier', () => {
    const r = liquidityAddOn(long25, handBook(), { ...PARAMS, multiplier: 2 });
    expect(r.walkCostQuote).toBeCloseTo(HAND_WALK_COST, 9);
    expect(r.chargeQuote).toBeCloseTo(2 * (HAND_WALK_COST + HAND_SPREAD_TERM), 9);
  });

  it('floors the spread at minSpreadBps', () => {
    // bids 100×100, asks 100.01×100: spread 0.01 / 100.005 ≈ 1 bp < 2 bps floor.
    // Long 20 @ 100, free 0: notional 2000, all at 100, 0.005 under mid → walk cost 0.1;
    // spread term ½ × 2 bps × 2000 = 0.2.
    const tight = book([[100, 100]], [[100.01, 100]]);
    const r = liquidityAddOn({ instrumentId: 'P', qtyBase: 20, markPrice: 100 }, tight, {
      ...PARAMS,
      freeNotionalQuote: 0,
    });
    expect(r.spreadBps).toBe(2);
    expect(r.walkCostQuote).toBeCloseTo(0.1, 9);
    expect(r.spreadTermQuote).toBeCloseTo(0.2, 12);
    expect(r.chargeQuote).toBeCloseTo(0.3, 9);
  });

  it('uses minSpreadBps when the view has no spread (depth profile)', () => {
    // bid −1 %: 2 base, 198 quote; bid −2 %: 5 base, 492 (increment 3 base, 294); mid estimate 100.
    const dp = new DepthProfile('P', [
      { pct: -1, depthBase: 2, notionalQuote: 198 },
      { pct: -2, depthBase: 5, notionalQuote: 492 },
      { pct: 1, depthBase: 1, notionalQuote: 101 },
    ]);
    // Long 3 @ 100, free 0: sell 300 = 198 (2 base) + 102 of the second band (3 × 102/294 base).
    // Cost vs 100: 100 × (2 + 306/294) − 300 = 4.0816…; spread term ½ × 2 bps × 300 = 0.03.
    const r = liquidityAddOn({ instrumentId: 'P', qtyBase: 3, markPrice: 100 }, dp, {
      ...PARAMS,
      freeNotionalQuote: 0,
    });
    expect(r.spreadBps).toBe(2);
    expect(r.walkCostQuote).toBeCloseTo(100 * (2 + 306 / 294) - 300, 9);
    expect(r.spreadTermQuote).toBeCloseTo(0.03, 12);
    expect(r.chargeQuote).toBeCloseTo(100 * (2 + 306 / 294) - 300 + 0.03, 9);
  });
});

describe('liquidityAddOn when the book cannot take the position', () => {
  it('charges the unfilled remainder at unfilledPenaltyFrac', () => {
    // Long 100 @ 100, free 500: notional 10 000, 9500 beyond. The bids hold 7880 (80 base).
    // Walk cost: (100.5 × 80 − 7880) − (100.5 × 5 − 500) = 160 − 2.5 = 157.5.
    // Unfilled 10 000 − 7880 = 2120; deepest level 98 slips 2.5/98 = 2.6 % < 25 % → 0.25 × 2120 = 530.
    // Spread term ½ × (1/100.5) × 9500 = 47.26…
    const r = liquidityAddOn({ instrumentId: 'P', qtyBase: 100, markPrice: 100 }, handBook(), PARAMS);
    expect(r.complete).toBe(false);
    expect(r.reason).toBe('book-exhausted');
    expect(r.walkCostQuote).toBeCloseTo(157.5, 9);
    expect(r.unfilledNotionalQuote).toBeCloseTo(2120, 9);
    expect(r.unfilledPenaltyQuote).toBeCloseTo(530, 9);
    expect(r.spreadTermQuote).toBeCloseTo(4750 / 100.5, 9);
    expect(r.chargeQuote).toBeCloseTo(157.5 + 530 + 4750 / 100.5, 9);
  });

  it('charges the remainder at least at the slippage rate of the deepest level', () => {
    // bids 100×1, 70×1; mid 100.5. Long 10 @ 100, free 0: 170 fills (2 base), 830 unfilled.
    // The 70 level costs (100.5 − 70) / 70 = 43.6 % per unit of quote > 25 %, so 830 pays that.
    const deep = book(
      [
        [100, 1],
        [70, 1],
      ],
      [[101, 1]],
    );
    const r = liquidityAddOn({ instrumentId: 'P', qtyBase: 10, markPrice: 100 }, deep, {
      ...PARAMS,
      freeNotionalQuote: 0,
    });
    expect(r.walkCostQuote).toBeCloseTo(100.5 * 2 - 170, 9);
    expect(r.unfilledNotionalQuote).toBeCloseTo(830, 9);
    expect(r.unfilledPenaltyQuote).toBeCloseTo((30.5 / 70) * 830, 9);
  });

  it('counts as unfilled only what lies beyond the free size', () => {
    // bids 100×10 (1000 quote). Long 25 @ 100, free 2000: the free part alone exhausts the bids,
    // nothing beyond it fills, and the unfilled part beyond is 2500 − 2000 = 500 → 0.25 × 500.
    const thin = book([[100, 10]], [[101, 10]]);
    const r = liquidityAddOn(long25, thin, { ...PARAMS, freeNotionalQuote: 2000 });
    expect(r.walkCostQuote).toBe(0);
    expect(r.avgPrice).toBeNull();
    expect(r.unfilledNotionalQuote).toBe(500);
    expect(r.unfilledPenaltyQuote).toBeCloseTo(125, 12);
    expect(r.chargeQuote).toBeCloseTo(125 + 0.5 * (1 / 100.5) * 500, 9);
  });

  it('falls back to the mark and the minimum spread on a one-sided book', () => {
    // No asks: no mid, no spread. Closing a long into bids 100×10 fills 1000 of the 2000 beyond.
    const oneSided = book([[100, 10]], []);
    const r = liquidityAddOn(long25, oneSided, PARAMS);
    expect(r.referencePrice).toBe(100);
    expect(r.spreadBps).toBe(2);
    // Against the mark 100 the bids cost nothing; 2500 − 1000 = 1500 unfilled × 0.25 = 375.
    expect(r.walkCostQuote).toBe(0);
    expect(r.unfilledPenaltyQuote).toBeCloseTo(375, 12);
    // A short has no asks at all: the whole 2000 beyond is unfilled.
    const s = liquidityAddOn({ ...long25, qtyBase: -25 }, oneSided, PARAMS);
    expect(s.unfilledNotionalQuote).toBe(2000);
    expect(s.chargeQuote).toBeCloseTo(0.25 * 2000 + 0.5 * 2e-4 * 2000, 12);
  });

  it('charges noBookPenaltyFrac beyond the free size when there is no view', () => {
    const r = liquidityAddOn(long25, null, PARAMS);
    // 0.05 × (2500 − 500) = 100
    expect(r).toMatchObject({ reason: 'no-book', complete: false, walkedNotionalQuote: 2000 });
    expect(r.noBookPenaltyQuote).toBeCloseTo(100, 12);
    expect(r.chargeQuote).toBeCloseTo(100, 12);
    expect(liquidityAddOn(long25, null, { ...PARAMS, multiplier: 3 }).chargeQuote).toBeCloseTo(300, 12);
    expect(liquidityAddOn({ ...long25, qtyBase: 5 }, null, PARAMS).chargeQuote).toBe(0);
  });
});

describe('liquidityAddOn validation', () => {
  const codeOf = (f: () => unknown): unknown => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(BackstopError);
      return (e as BackstopError).fields.code ?? (e as BackstopError).code;
    }
    return 'no error';
  };

  it('rejects each bad parameter with a typed code', () => {
    const cases: [Partial<LiquidityAddOnParams>, string][] = [
      [{ freeNotionalQuote: -1 }, 'FREE_NOTIONAL_OUT_OF_RANGE'],
      [{ freeNotionalQuote: Number.POSITIVE_INFINITY }, 'FREE_NOTIONAL_OUT_OF_RANGE'],
      [{ multiplier: Number.NaN }, 'MULTIPLIER_OUT_OF_RANGE'],
      [{ unfilledPenaltyFrac: 1.5 }, 'UNFILLED_PENALTY_OUT_OF_RANGE'],
      [{ noBookPenaltyFrac: -0.1 }, 'NO_BOOK_PENALTY_OUT_OF_RANGE'],
      [{ minSpreadBps: -2 }, 'MIN_SPREAD_OUT_OF_RANGE'],
      [{ mmFraction: 2 }, 'MM_FRACTION_OUT_OF_RANGE'],
    ];
    for (const [bad, code] of cases) {
      const p = { ...PARAMS, ...bad };
      const v = validateLiquidityAddOnParams(p);
      expect(v.ok ? 'ok' : v.error.code).toBe(code);
      expect(codeOf(() => liquidityAddOn(long25, handBook(), p))).toBe(code);
      expect(codeOf(() => withLiquidityAddOn(stub(), { viewOf: () => null, params: p }))).toBe(code);
    }
    expect(validateLiquidityAddOnParams(DEFAULT_LIQUIDITY_ADDON).ok).toBe(true);
  });

  it('rejects a non-finite position', () => {
    expect(codeOf(() => liquidityAddOn({ ...long25, qtyBase: Number.NaN }, null, PARAMS))).toBe(
      'BAD_ARGUMENT',
    );
    expect(codeOf(() => liquidityAddOn({ ...long25, markPrice: -1 }, null, PARAMS))).toBe('BAD_ARGUMENT');
    expect(codeOf(() => liquidityAddOn({ ...long25, qtyBase: 1e308, markPrice: 1e10 }, null, PARAMS))).toBe(
      'BAD_ARGUMENT',
    );
  });
});

// ---- the wrapper -------------------------------------------------------------------------------

const perp: Instrument = {
  kind: 'perpetual',
  id: 'P',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USD',
  contractSize: 1,
  tickSize: 1,
  fundingIntervalUs: 1,
};
/** Inverse: 10 USD per contract, settled in BTC. */
const inverse: Instrument = {
  ...perp,
  id: 'PI',
  settlement: 'inverse',
  settlementCurrency: 'BTC',
  contractSize: 10,
};
const call: Instrument = {
  kind: 'option',
  id: 'C',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USD',
  contractSize: 1,
  tickSize: 0.01,
  expiryUs: 30 * 86_400e6,
  strike: 100,
  right: 'call',
  underlyingId: 'BTC',
};
const market = marketFromSnapshot({
  underlying: 'BTC',
  nowUs: 0,
  spot: 100,
  marks: { P: 100, PI: 100 },
  defaultVol: 0.5,
});
const ctx = {
  instruments: new Map<string, Instrument>([
    ['P', perp],
    ['PI', inverse],
    ['C', call],
  ]),
  markets: new Map([['BTC', market]]),
};

/** A stub model: IM 1000, MM 500 whatever the positions. */
function stub(explain: unknown = { stub: true }): UnderlyingMarginModel {
  return { name: 'stub', margin: () => ({ im: 1000, mm: 500, explain }) };
}

const addOnOf = (explain: unknown): LiquidityAddOnExplain =>
  (explain as { liquidityAddOn: LiquidityAddOnExplain }).liquidityAddOn;

describe('withLiquidityAddOn', () => {
  const books = new Map<string, LiquidityView>([
    ['P', handBook('P')],
    ['PI', handBook('PI')],
  ]);
  const viewOf = (id: string): LiquidityView | null => books.get(id) ?? null;

  it('nets rows of one instrument and adds the charge to IM and mmFraction of it to MM', () => {
    const m = withLiquidityAddOn(stub(), { viewOf, params: { ...PARAMS, mmFraction: 0.5 } });
    expect(m.name).toBe('stub+liquidity-addon');
    // +15 and +10 net to the hand example's long 25 @ 100: charge 35.177…
    const r = m.margin(
      [
        { instrumentId: 'P', qty: 15 },
        { instrumentId: 'P', qty: 10 },
      ],
      market,
      ctx,
    );
    const charge = HAND_WALK_COST + HAND_SPREAD_TERM;
    expect(r.im).toBeCloseTo(1000 + charge, 9);
    expect(r.mm).toBeCloseTo(500 + 0.5 * charge, 9);
    expect((r.explain as { stub: boolean }).stub).toBe(true);
    const a = addOnOf(r.explain);
    expect(a.positions).toHaveLength(1);
    expect(a.positions[0]).toMatchObject({ instrumentId: 'P', qty: 25, qtyBase: 25, markPrice: 100 });
    expect(a.positions[0]?.charge).toBeCloseTo(charge, 9);
    // Offsetting rows net to nothing: no charge.
    const flat = m.margin(
      [
        { instrumentId: 'P', qty: 25 },
        { instrumentId: 'P', qty: -25 },
      ],
      market,
      ctx,
    );
    expect(flat.im).toBe(1000);
    expect(flat.mm).toBe(500);
    expect(addOnOf(flat.explain).positions).toEqual([]);
  });

  it('sizes inverse contracts in base and divides the quote charge by the mark into coin', () => {
    // 250 contracts × 10 USD = 2500 USD = 25 BTC at 100: the hand example, 35.177… USD = 0.35177… BTC.
    const m = withLiquidityAddOn(stub(), { viewOf, params: PARAMS });
    const r = m.margin([{ instrumentId: 'PI', qty: 250 }], market, ctx);
    const row = addOnOf(r.explain).positions[0];
    expect(row?.qtyBase).toBeCloseTo(25, 12);
    expect(row?.chargeQuote).toBeCloseTo(HAND_WALK_COST + HAND_SPREAD_TERM, 9);
    expect(row?.charge).toBeCloseTo((HAND_WALK_COST + HAND_SPREAD_TERM) / 100, 9);
    expect(r.im).toBeCloseTo(1000 + (HAND_WALK_COST + HAND_SPREAD_TERM) / 100, 9);
    // mmFraction 1 by default: MM gets the whole charge too.
    expect(r.mm).toBeCloseTo(500 + (HAND_WALK_COST + HAND_SPREAD_TERM) / 100, 9);
  });

  it('skips options by default and walks their own book at the premium when asked to', () => {
    const premium = contractPricer.value(call, market);
    const optionBook = book(
      [
        [premium * 0.99, 5],
        [premium * 0.9, 50],
      ],
      [[premium * 1.01, 5]],
      'C',
    );
    const views = (id: string): LiquidityView | null => (id === 'C' ? optionBook : null);
    const params = { ...PARAMS, freeNotionalQuote: 0 };
    const byDefault = withLiquidityAddOn(stub(), { viewOf: views, params });
    expect(
      addOnOf(byDefault.margin([{ instrumentId: 'C', qty: 20 }], market, ctx).explain).positions,
    ).toEqual([]);
    const all = withLiquidityAddOn(stub(), { viewOf: views, params, appliesTo: () => true });
    const r = all.margin([{ instrumentId: 'C', qty: 20 }], market, ctx);
    const row = addOnOf(r.explain).positions[0];
    const expected = liquidityAddOn(
      { instrumentId: 'C', qtyBase: 20, markPrice: premium },
      optionBook,
      params,
    );
    expect(row?.markPrice).toBe(premium);
    expect(row?.notionalQuote).toBeCloseTo(20 * premium, 9);
    expect(row?.charge).toBeCloseTo(expected.chargeQuote, 12);
    expect(r.im).toBeCloseTo(1000 + expected.chargeQuote, 9);
  });

  it('charges a missing book at the no-book rate and keeps a non-object explain under `inner`', () => {
    const m = withLiquidityAddOn(stub(null), { viewOf: () => null, params: PARAMS });
    const r = m.margin([{ instrumentId: 'P', qty: 25 }], market, ctx);
    expect(r.im).toBeCloseTo(1000 + 100, 9);
    expect((r.explain as { inner: unknown }).inner).toBeNull();
    expect(addOnOf(r.explain).positions[0]?.reason).toBe('no-book');
  });

  it('rejects an unknown instrument', () => {
    const m = withLiquidityAddOn(stub(), { viewOf, params: PARAMS });
    expect(() => m.margin([{ instrumentId: 'X', qty: 1 }], market, ctx)).toThrow(BackstopError);
  });

  it('feeds accountMargin like any other model', () => {
    const m = withLiquidityAddOn(stub(), { viewOf, params: PARAMS });
    const r = accountMargin(
      {
        account: 'a',
        collateral: [{ currency: 'USD', amount: 5000 }],
        positions: [{ instrumentId: 'P', qty: 25 }],
      },
      m,
      ctx,
    );
    expect(r.model).toBe('stub+liquidity-addon');
    expect(r.pools[0]?.im).toBeCloseTo(1000 + HAND_WALK_COST + HAND_SPREAD_TERM, 9);
  });
});

// ---- properties --------------------------------------------------------------------------------

const levelsArb = (minLength: number) =>
  fc.array(
    fc.record({
      dBps: fc.integer({ min: 1, max: 3000 }),
      size: fc.double({ min: 0.01, max: 50, noNaN: true }),
    }),
    { minLength, maxLength: 8 },
  );
const bookArb = fc.record({ bids: levelsArb(0), asks: levelsArb(0) });
type BookSpec = { bids: { dBps: number; size: number }[]; asks: { dBps: number; size: number }[] };

/** Levels at 100 × (1 ∓ d/1e4): bids below 100, asks above, never crossed; sizes × `scale`. */
function fromSpec(spec: BookSpec, scale = 1): OrderBook {
  const b = new OrderBook('P');
  for (const l of spec.bids) b.setLevel('bid', 100 * (1 - l.dBps / 1e4), l.size * scale);
  for (const l of spec.asks) b.setLevel('ask', 100 * (1 + l.dBps / 1e4), l.size * scale);
  return b;
}

const paramsArb = fc.record({
  freeNotionalQuote: fc.double({ min: 0, max: 3000, noNaN: true }),
  multiplier: fc.double({ min: 0, max: 3, noNaN: true }),
  unfilledPenaltyFrac: fc.double({ min: 0, max: 1, noNaN: true }),
  noBookPenaltyFrac: fc.double({ min: 0, max: 1, noNaN: true }),
  minSpreadBps: fc.double({ min: 0, max: 50, noNaN: true }),
  mmFraction: fc.constant(1),
});
const markArb = fc.double({ min: 80, max: 120, noNaN: true });
/** Float slack: the walk costs are differences of sums of the order of the notional. */
const slack = (notional: number): number => 1e-9 * Math.max(1, notional);

describe('liquidityAddOn properties', () => {
  it('the charge is non-decreasing in position size', () => {
    fc.assert(
      fc.property(
        bookArb,
        paramsArb,
        markArb,
        fc.double({ min: 0, max: 500, noNaN: true }),
        fc.double({ min: 0, max: 500, noNaN: true }),
        fc.boolean(),
        fc.boolean(),
        (spec, params, mark, x, y, short, noView) => {
          const view = noView ? null : fromSpec(spec);
          const sign = short ? -1 : 1;
          const [small, big] = x <= y ? [x, y] : [y, x];
          const a = liquidityAddOn(
            { instrumentId: 'P', qtyBase: sign * small, markPrice: mark },
            view,
            params,
          );
          const b = liquidityAddOn({ instrumentId: 'P', qtyBase: sign * big, markPrice: mark }, view, params);
          return b.chargeQuote >= a.chargeQuote - slack(b.notionalQuote);
        },
      ),
      { seed: 20_240_611, numRuns: 500 },
    );
  });

  it('a thinner book (every size scaled down) never lowers the charge', () => {
    fc.assert(
      fc.property(
        bookArb,
        paramsArb,
        markArb,
        fc.double({ min: -500, max: 500, noNaN: true }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (spec, params, mark, qty, k) => {
          const pos = { instrumentId: 'P', qtyBase: qty, markPrice: mark };
          const thick = liquidityAddOn(pos, fromSpec(spec), params);
          const thin = liquidityAddOn(pos, fromSpec(spec, k), params);
          return thin.chargeQuote >= thick.chargeQuote - slack(thick.notionalQuote);
        },
      ),
      { seed: 31_337, numRuns: 500 },
    );
  });

  it('a zero position is charged nothing, whatever the book and parameters', () => {
    fc.assert(
      fc.property(bookArb, paramsArb, markArb, fc.boolean(), (spec, params, mark, noView) => {
        const r = liquidityAddOn(
          { instrumentId: 'P', qtyBase: 0, markPrice: mark },
          noView ? null : fromSpec(spec),
          params,
        );
        return r.chargeQuote === 0 && r.reason === 'zero-position';
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});
