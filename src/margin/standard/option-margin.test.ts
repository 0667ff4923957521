import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBackstopError } from '../../core/errors.ts';
import type { Settlement } from '../../domain/instrument.ts';
import { black76Price } from '../../pricing/black76.ts';
import {
  expiryMaxLoss,
  expiryOptionMargin,
  imSpotFraction,
  isolatedOptionMargin,
  type MarginKind,
  type OptionLeg,
  type OptionMarginParams,
  settlementPayoffUsd,
  validateOptionMarginParams,
} from './option-margin.ts';

/** Derive's harness values (README "Parameters"). */
const P: OptionMarginParams = {
  maxSpotReq: 0.15,
  minSpotReq: 0.1,
  mmCallSpotReq: 0.075,
  mmPutSpotReq: 0.075,
  mmPutMtMReq: 0.075,
  mmOffsetScale: 1.05,
  unpairedIMScale: 1.2,
  unpairedMMScale: 1.1,
};

const call = (strike: number, amount: number, price: number): OptionLeg => ({
  right: 'call',
  strike,
  amount,
  price,
});
const put = (strike: number, amount: number, price: number): OptionLeg => ({
  right: 'put',
  strike,
  amount,
  price,
});

describe('isolated short-option margin, USD (linear)', () => {
  const lin = { spot: 1500, settlement: 'linear' as const };

  it('IM fraction: 0.15 at/in the money, reduced by the OTM fraction, floored at 0.10', () => {
    expect(imSpotFraction('call', 1500, 1500, P)).toBe(0.15);
    expect(imSpotFraction('call', 1200, 1500, P)).toBe(0.15); // ITM call
    expect(imSpotFraction('call', 1560, 1500, P)).toBeCloseTo(0.11, 15); // 4 % OTM
    expect(imSpotFraction('call', 1900, 1500, P)).toBe(0.1); // 26.7 % OTM → floor
    expect(imSpotFraction('put', 1440, 1500, P)).toBeCloseTo(0.11, 15);
    expect(imSpotFraction('put', 4500, 1500, P)).toBe(0.15);
  });

  it('short call: MM = m − 0.075·S·|n|, IM = m − k·S·|n|', () => {
    // 2 short calls K 1560 at 50: m = −100; MM = −100 − 0.075·1500·2 = −325; IM = −100 − 0.11·1500·2 = −430.
    const mm = isolatedOptionMargin(call(1560, -2, 50), lin, 'mm', P);
    const im = isolatedOptionMargin(call(1560, -2, 50), lin, 'im', P);
    expect(mm.mark).toBe(-100);
    expect(mm.margin).toBeCloseTo(-325, 10);
    expect(im.margin).toBeCloseTo(-430, 10);
    expect(im.marginOverEquity).toBeCloseTo(-330, 10);
  });

  it('short put: MM takes the larger of the spot and mark add-ons; IM at least 1.05 × MM', () => {
    // OTM put K 1440 at 20: MM = −20 + min(−112.5, −1.5) = −132.5; IM = min(−20 − 165, −139.125) = −185.
    expect(isolatedOptionMargin(put(1440, -1, 20), lin, 'mm', P).margin).toBeCloseTo(-132.5, 10);
    expect(isolatedOptionMargin(put(1440, -1, 20), lin, 'im', P).margin).toBeCloseTo(-185, 10);
    // Deep ITM put K 4500 at 3000: MM = −3000 + min(−112.5, −225) = −3225; IM = min(−3225, −3386.25).
    expect(isolatedOptionMargin(put(4500, -1, 3000), lin, 'mm', P).margin).toBeCloseTo(-3225, 9);
    expect(isolatedOptionMargin(put(4500, -1, 3000), lin, 'im', P).margin).toBeCloseTo(-3386.25, 9);
  });

  it('a long has margin 0 against cash and pays its premium against equity', () => {
    const r = isolatedOptionMargin(call(1500, 3, 80), lin, 'im', P);
    expect(r).toEqual({ mark: 240, margin: 0, marginOverEquity: -240 });
    // Account view: cash 1000 buys it for 240. Against cash: 760 + 0; against equity: (760 + 240) − 240.
    expect(760 + r.margin).toBe(760 + 240 + r.marginOverEquity);
  });

  it('rejects a bad spot, strike, price and parameters, naming the field', () => {
    const codeOf = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return isBackstopError(e) ? `${e.code}:${e.fields.field}` : 'other';
      }
      return undefined;
    };
    expect(
      codeOf(() => isolatedOptionMargin(call(1500, -1, 1), { spot: 0, settlement: 'linear' }, 'im', P)),
    ).toBe('BAD_ARGUMENT:spot');
    expect(codeOf(() => isolatedOptionMargin(call(Number.NaN, -1, 1), lin, 'im', P))).toBe(
      'NOT_FINITE:strike',
    );
    expect(codeOf(() => isolatedOptionMargin(call(1500, -1, -1), lin, 'im', P))).toBe('BAD_ARGUMENT:price');
    expect(codeOf(() => validateOptionMarginParams({ ...P, mmOffsetScale: -1 }))).toBe(
      'BAD_ARGUMENT:mmOffsetScale',
    );
    expect(codeOf(() => validateOptionMarginParams(P))).toBeUndefined();
  });
});

describe('coin-settled (inverse): margin in coin = USD formula / index', () => {
  // BTC index S = 20 000; prices in BTC per contract (1 contract = 1 BTC).
  const inv = { spot: 20_000, settlement: 'inverse' as const };
  const lin = { spot: 20_000, settlement: 'linear' as const };

  it('short call K 22 000 at 0.02 BTC: IM = −0.02 − 0.10 = −0.12 BTC, MM = −0.02 − 0.075 = −0.095 BTC', () => {
    // OTM = 2000/20000 = 0.10 → k = max(0.15 − 0.10, 0.10) = 0.10 (Deribit's coin form: k + mark).
    expect(isolatedOptionMargin(call(22_000, -1, 0.02), inv, 'im', P).margin).toBeCloseTo(-0.12, 14);
    expect(isolatedOptionMargin(call(22_000, -1, 0.02), inv, 'mm', P).margin).toBeCloseTo(-0.095, 14);
    // Same option in USD (0.02 BTC = 400 USD): −400 − 0.10·20000 = −2400 USD = −0.12 BTC.
    expect(isolatedOptionMargin(call(22_000, -1, 400), lin, 'im', P).margin).toBeCloseTo(-2400, 9);
  });

  it('short puts: spot add-on 0.075 BTC per contract vs 0.075 × mark; IM ≥ 1.05 × MM', () => {
    // 2 × K 18 000 at 0.01: m = −0.02; MM = −0.02 + min(−0.15, −0.0015) = −0.17;
    // IM = min(−0.02 − 0.10·2, 1.05·(−0.17)) = min(−0.22, −0.1785) = −0.22.
    expect(isolatedOptionMargin(put(18_000, -2, 0.01), inv, 'mm', P).margin).toBeCloseTo(-0.17, 14);
    expect(isolatedOptionMargin(put(18_000, -2, 0.01), inv, 'im', P).margin).toBeCloseTo(-0.22, 14);
    // K 50 000 at 1.5 BTC (deep ITM): MM = −1.5 + min(−0.075, −0.1125) = −1.6125;
    // IM = min(−1.5 − 0.15, 1.05·(−1.6125)) = min(−1.65, −1.693125) = −1.693125.
    expect(isolatedOptionMargin(put(50_000, -1, 1.5), inv, 'mm', P).margin).toBeCloseTo(-1.6125, 14);
    expect(isolatedOptionMargin(put(50_000, -1, 1.5), inv, 'im', P).margin).toBeCloseTo(-1.693125, 14);
  });

  it('bear call spread: bound −2000 USD = −0.1 BTC beats the isolated −0.2 BTC', () => {
    const legs = [call(20_000, -1, 0.05), call(22_000, 1, 0.02)];
    const r = expiryOptionMargin(legs, { ...inv, forward: 20_100 }, 'im', P);
    expect(r.isolated).toBeCloseTo(-0.2, 14); // −0.05 − 0.15 (ATM), the long 0
    expect(r.maxLoss).toBeCloseTo(-0.1, 14); // payoff at 22 000: −2000 USD / 20 000
    expect(r.margin).toBeCloseTo(-0.1, 14);
    expect(r.binding).toBe('max-loss');
    expect(r.mark).toBeCloseTo(-0.03, 14);
    expect(r.marginOverEquity).toBeCloseTo(-0.07, 14);
  });

  it('naked short call: unpaired term 1.1·F/S per contract in MM', () => {
    const r = expiryMaxLoss([call(22_000, -1, 0.02)], { ...inv, forward: 20_100 }, 'mm', P);
    expect(r).toBeCloseTo(-1.1 * (20_100 / 20_000), 14);
  });
});

describe('per-expiry max-loss bound (USD)', () => {
  const ctx = { spot: 1500, forward: 1500, settlement: 'linear' as const };

  it('payoff at settlement, longs included', () => {
    const legs = [call(1200, 1, 0), call(1000, -1, 0), put(900, -2, 0)];
    expect(settlementPayoffUsd(legs, 0)).toBe(-1800);
    expect(settlementPayoffUsd(legs, 1100)).toBe(-100);
    expect(settlementPayoffUsd(legs, 2000)).toBe(-200);
  });

  it('box spread: payoff +100 everywhere → bound 0 → margin 0 whatever the isolated sum', () => {
    const legs = [call(1500, 1, 80), put(1500, -1, 79), call(1600, -1, 50), put(1600, 1, 150)];
    const r = expiryOptionMargin(legs, ctx, 'im', P);
    expect(r.maxLoss).toBe(0);
    expect(r.isolated).toBeLessThan(-100);
    expect(r.margin).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties (fixed seed)

const SEED = 20_260_126;
const rightArb = fc.constantFrom<'call' | 'put'>('call', 'put');
const legArb = (amount: fc.Arbitrary<number>): fc.Arbitrary<OptionLeg> =>
  fc.record({
    right: rightArb,
    strike: fc.integer({ min: 50, max: 400 }).map((k) => k * 5),
    amount,
    price: fc.integer({ min: 0, max: 100_000 }).map((p) => p / 100),
  });
const signedAmount = fc
  .integer({ min: -40, max: 40 })
  .filter((a) => a !== 0)
  .map((a) => a / 10);
const longAmount = fc.integer({ min: 1, max: 40 }).map((a) => a / 10);
const ctxArb = fc.record({
  spot: fc.integer({ min: 500, max: 1500 }),
  forward: fc.integer({ min: 500, max: 1500 }),
  settlement: fc.constantFrom<Settlement>('linear', 'inverse'),
});
const kindArb = fc.constantFrom<MarginKind>('im', 'mm');
const near = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * (1 + Math.abs(a) + Math.abs(b));
const netCalls = (legs: readonly OptionLeg[]): number =>
  legs.reduce((s, l) => s + (l.right === 'call' ? l.amount : 0), 0);

describe('properties', () => {
  it('adding a long never increases the expiry requirement when the expiry has no net short calls or the long is struck at or below its highest strike', () => {
    fc.assert(
      fc.property(
        fc.array(legArb(signedAmount), { maxLength: 6 }),
        legArb(longAmount),
        ctxArb,
        kindArb,
        (legs, long, ctx, kind) => {
          const maxStrike = Math.max(0, ...legs.map((l) => l.strike));
          fc.pre(legs.length === 0 || netCalls(legs) >= 0 || long.strike <= maxStrike);
          const before = expiryOptionMargin(legs, ctx, kind, P).margin;
          const after = expiryOptionMargin([...legs, long], ctx, kind, P).margin;
          return after >= before || near(after, before);
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('…but not in general: a far-OTM long call above every strike, with net short calls, raises it', () => {
    // README Test7 (MM): +1 C1200 / −1 C1000 / −0.1 C2500, F 1500.8333: bound −365.09 binds.
    const ctx = { spot: 1500, forward: 1500.833279310994, settlement: 'linear' as const };
    const tau = 500_400 / 31_536_000;
    const mark = (k: number, vol: number): number => black76Price('call', ctx.forward, k, tau, vol);
    const legs = [
      call(1200, 1, mark(1200, 1.1389393988282974)),
      call(1000, -1, mark(1000, 1.2620121299319145)),
      call(2500, -0.1, mark(2500, 1.32653865803086)),
    ];
    const before = expiryOptionMargin(legs, ctx, 'mm', P);
    expect(before.binding).toBe('max-loss');
    expect(before.margin).toBeCloseTo(-200 - 1.1 * 1500.833279310994 * 0.1, 9);
    // + 0.01 C12000: a new evaluation point at 12 000 where the payoff is −200 − 0.1·9500 = −1150.
    const after = expiryOptionMargin([...legs, call(12_000, 0.01, 0)], ctx, 'mm', P);
    expect(after.maxLoss).toBeCloseTo(-1150 - 1.1 * 1500.833279310994 * 0.09, 9);
    expect(after.binding).toBe('isolated');
    expect(after.margin).toBeCloseTo(-624.9223, 3); // README: isolated MM sum of Test7
    expect(after.margin).toBeLessThan(before.margin); // the requirement rises from 365.09 to 624.92
  });

  it('the bound is a lower bound of the settlement payoff on [0, highest strike + scale·F], and on all X ≥ 0 when net calls ≥ 0', () => {
    fc.assert(
      fc.property(
        fc.array(legArb(signedAmount), { minLength: 1, maxLength: 6 }),
        ctxArb,
        kindArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (legs, ctx, kind, u) => {
          const L = expiryMaxLoss(legs, ctx, kind, P);
          const scale = kind === 'im' ? P.unpairedIMScale : P.unpairedMMScale;
          const maxStrike = Math.max(...legs.map((l) => l.strike));
          const top = netCalls(legs) >= 0 ? 10 * maxStrike : maxStrike + scale * ctx.forward;
          const x = u * top;
          const toSettle = ctx.settlement === 'linear' ? 1 : 1 / ctx.spot;
          const payoff = settlementPayoffUsd(legs, x) * toSettle;
          return L <= payoff || near(L, payoff);
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('an expiry whose every short is covered by a long of the same right and size at a no-worse strike needs nothing', () => {
    fc.assert(
      fc.property(
        fc.array(legArb(signedAmount.map((a) => -Math.abs(a))), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 4, maxLength: 4 }),
        ctxArb,
        kindArb,
        (shorts, offsets, ctx, kind) => {
          // A call is covered by a long call struck at or below it; a put by a long put at or above it.
          const covers = shorts.map((s, i) => ({
            right: s.right,
            strike:
              s.right === 'call'
                ? Math.max(5, s.strike - 5 * (offsets[i] ?? 0))
                : s.strike + 5 * (offsets[i] ?? 0),
            amount: -s.amount,
            price: s.price,
          }));
          const r = expiryOptionMargin([...shorts, ...covers], ctx, kind, P);
          return near(r.maxLoss, 0) && r.margin === r.maxLoss && r.isolated < 0;
        },
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('the expiry margin is never worse than the isolated sum nor the bound, is ≤ 0, and marginOverEquity = margin − mark', () => {
    fc.assert(
      fc.property(fc.array(legArb(signedAmount), { maxLength: 6 }), ctxArb, kindArb, (legs, ctx, kind) => {
        const r = expiryOptionMargin(legs, ctx, kind, P);
        return (
          r.margin >= r.isolated &&
          r.margin >= r.maxLoss &&
          r.margin <= 0 &&
          near(r.marginOverEquity, r.margin - r.mark)
        );
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('coin-settled margin = USD margin / index when coin prices are USD prices / index', () => {
    fc.assert(
      fc.property(fc.array(legArb(signedAmount), { maxLength: 6 }), ctxArb, kindArb, (legs, ctx, kind) => {
        const usd = expiryOptionMargin(legs, { ...ctx, settlement: 'linear' }, kind, P);
        const coinLegs = legs.map((l) => ({ ...l, price: l.price / ctx.spot }));
        const coin = expiryOptionMargin(coinLegs, { ...ctx, settlement: 'inverse' }, kind, P);
        const s = ctx.spot;
        return (
          near(coin.margin * s, usd.margin) &&
          near(coin.isolated * s, usd.isolated) &&
          near(coin.maxLoss * s, usd.maxLoss) &&
          near(coin.mark * s, usd.mark)
        );
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
