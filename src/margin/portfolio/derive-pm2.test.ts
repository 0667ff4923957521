import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackstopError } from '../../core/errors.ts';
import { black76Price } from '../../pricing/black76.ts';
import {
  DERIVE_PM2_TEST_PARAMS,
  type DerivePm2Collateral,
  type DerivePm2ExpiryFeed,
  type DerivePm2Option,
  type DerivePm2Params,
  type DerivePm2Portfolio,
  type DerivePm2Scenario,
  derivePm2Margin,
  SECONDS_PER_YEAR,
} from './derive-pm2.ts';

/** |actual − expected| within `rel` relative (absolute below 1). */
function near(actual: number, expected: number, rel = 1e-9): void {
  const scale = Math.max(1, Math.abs(expected));
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(rel * scale);
}

const STABLE = 1.00019088635;
const P = DERIVE_PM2_TEST_PARAMS;

function portfolio(over: Partial<DerivePm2Portfolio>): DerivePm2Portfolio {
  return {
    spotPrice: 100,
    spotConfidence: 1,
    stablePrice: 1,
    cash: 0,
    options: [],
    expiries: [],
    perps: [],
    collaterals: [],
    ...over,
  };
}

function feed(
  secondsToExpiry: number,
  forward: number,
  rate: number,
  volConfidence = 1,
): DerivePm2ExpiryFeed {
  return { secondsToExpiry, forward, rate, forwardConfidence: 1, rateConfidence: 1, volConfidence };
}

function rows(...r: Array<[number, DerivePm2Scenario['volShock'], number?]>): DerivePm2Scenario[] {
  return r.map(([spotShock, volShock, dampening = 1]) => ({
    spotShock,
    volShock,
    dampening,
    family: volShock === 'linear' || volShock === 'abs' ? 'skew' : 'regular',
  }));
}

function withRows(scenarios: DerivePm2Scenario[]): DerivePm2Params {
  return { ...P, scenarios };
}

// Hand-written inputs of the README's worked checks (numbers from the public PMRM_2 cases).
const case12 = portfolio({
  spotPrice: 95663.50604855,
  stablePrice: STABLE,
  options: [
    { amount: -1, strike: 100000, right: 'call', secondsToExpiry: 794852, volAnnual: 0.453803924321583 },
  ],
  expiries: [feed(794852, 95776.67392708939, 0.15000000000000002, 0.95)],
});

describe('derivePm2Margin — README worked check, test 12 (one short call)', () => {
  const out = derivePm2Margin(case12, P);
  const e = out.perExpiry[0]!;

  it('marks the call and builds the static discounts (S capped at 1/D)', () => {
    near(out.optionMtm, -1186.4185694587657);
    near(e.staticDiscountLong, 0.9445087287221925);
    near(e.staticDiscountShort, 1.0037878445554764);
    near(e.staticDiscountShort, 1 / e.discount, 1e-15);
    near(e.mtmDiscounted, -1190.9125385776063);
    near(e.volShockUp, 1.712811375927374, 1e-13);
    near(e.volShockDown, 0.6079537432399443, 1e-13);
  });

  it('shows MtM·(S − 1) on the None row at m = 1 and binds on +18 % Up', () => {
    const noneAtOne = P.scenarios.findIndex((s) => s.spotShock === 1 && s.volShock === 'none');
    near(out.scenarioPnl[noneAtOne]!, -4.493969118840596);
    near(out.scenarioPnl[noneAtOne]!, -1186.4185694587657 * (1.0037878445554764 - 1));
    expect(out.binding).toEqual({ family: 'regular', row: 0 });
    near(out.minLoss, -12939.312020443322);
    near(out.scenarioPnl[28]!, -3383.043325666785); // the ×4 tail
    near(out.scenarioPnl[29]!, -43.43395259503018); // LINEAR
    near(out.scenarioPnl[30]!, -43.43395259503018); // ABS
    near(out.basis, -947.2098049301085);
  });

  it('charges the naked short and reproduces IM and MM', () => {
    near(out.addOns.mmOption, 286.99051814565);
    near(out.addOns.imOption, 191.3270120971);
    expect(out.addOns.oracle).toBe(0);
    near(out.im, -14604.048120144837);
    near(out.mm, -11824.858703959073);
  });
});

describe('derivePm2Margin — README worked check, test 29 (+1 perp)', () => {
  const out = derivePm2Margin(
    portfolio({
      spotPrice: 3000,
      stablePrice: STABLE,
      perps: [{ amount: 1, perpPrice: 3100, confidence: 1, unrealisedPnl: 0, unrealisedFunding: 10 }],
    }),
    P,
  );

  it('moves the perp at its own price, not spot: worst row −0.18 × 3100', () => {
    near(out.minLoss, -558);
    expect(out.binding).toEqual({ family: 'regular', row: 22 });
    near(out.scenarioPnl[0]!, 0.18 * 3100);
  });

  it('keeps the funding in the MtM and charges 1.5 % / 0.5 % of spot notional', () => {
    near(out.mtm, 10);
    near(out.addOns.mmPerp, 45);
    near(out.addOns.imPerp, 15);
    near(out.mm, 10 - 0.8 * 558 - 45);
    near(out.im, 10 - 558 - 45 - 15);
  });
});

describe('derivePm2Margin — README worked check, test 32 (perp hedged by risk-cancelling collateral)', () => {
  const out = derivePm2Margin(
    portfolio({
      spotPrice: 100000,
      spotConfidence: 0.2,
      stablePrice: STABLE,
      perps: [{ amount: -1, perpPrice: 100000, confidence: 0.1, unrealisedPnl: 0, unrealisedFunding: 0 }],
      collaterals: [
        {
          amount: 1,
          priceUsd: 100000,
          confidence: 1,
          isRiskCancelling: true,
          imHaircut: 0.015,
          mmHaircut: 0.03,
        },
      ],
    }),
    P,
  );

  it('values collateral over the stable price and takes confidences from their sources', () => {
    near(out.collaterals[0]!.value, 100000 / STABLE);
    near(out.collaterals[0]!.value, 99980.91500806445);
    expect(out.portfolioConfidence).toBe(0.1); // perp confidence lowers the portfolio's
    expect(out.collaterals[0]!.confidence).toBe(0.2); // collateral: min(own, spot), not perp
  });

  it('charges the oracle add-on 0.9 × 100 000 + 0.8 × v and reproduces IM and MM', () => {
    near(out.addOns.oracle, 0.9 * 100000 + 0.8 * 99980.91500806445);
    near(out.addOns.oracle, 169984.73200645158);
    near(out.minLoss, -3.4352985484001692);
    near(out.addOns.mmBase, 2999.4274502419335);
    near(out.addOns.imBase, 1499.7137251209665);
    near(out.im, -76506.39347229843);
    near(out.mm, 95478.73931898379);
  });
});

describe('derivePm2Margin — README worked check, test 61 (depeg as a factor)', () => {
  const base = portfolio({
    spotPrice: 1234,
    options: [{ amount: -3, strike: 1300, right: 'call', secondsToExpiry: 794852, volAnnual: 0.7 }],
    expiries: [feed(794852, 1240, 0.1)],
  });

  it('f_IM = 1 + (0.98 − 0.56) × 2 = 1.84 scales minLoss in IM only', () => {
    const on = derivePm2Margin(base, P);
    const off = derivePm2Margin({ ...base, stablePrice: 0.56 }, P);
    expect(on.imLossFactor).toBe(1);
    near(off.imLossFactor, 1.84, 1e-15);
    near(off.im, off.mtm + 1.84 * off.minLoss - off.addOns.mmTotal - off.addOns.imTotal);
    expect(off.mm).toBe(on.mm); // no collateral: the stable price moves nothing else
    expect(off.im).toBeLessThan(on.im);
  });

  it('is strict: at the threshold itself there is no depeg add-on', () => {
    expect(derivePm2Margin({ ...base, stablePrice: 0.98 }, P).imLossFactor).toBe(1);
  });
});

describe('derivePm2Margin — details the README flags', () => {
  it('fixes part of the forward inside the last 30 minutes (s = 900 → half fixed)', () => {
    const opt: DerivePm2Option = { amount: 1, strike: 90, right: 'call', secondsToExpiry: 900, volAnnual: 0 };
    const params = withRows(rows([1.18, 'none']));
    const out = derivePm2Margin(portfolio({ options: [opt], expiries: [feed(900, 100, 0)] }), params);
    const e = out.perExpiry[0]!;
    near(e.mtm, 10, 1e-15);
    // F(1.18) = 100·(900/1800)·1.18 + 100·(900/1800) = 109 → intrinsic 19, net long → L.
    near(out.scenarioPnl[0]!, 19 * e.staticDiscountLong - 10, 1e-13);
    const full = derivePm2Margin(
      portfolio({ options: [{ ...opt, secondsToExpiry: 1800 }], expiries: [feed(1800, 100, 0)] }),
      params,
    );
    near(full.scenarioPnl[0]!, 28 * full.perExpiry[0]!.staticDiscountLong - 10, 1e-13);
  });

  it('freezes expired options at intrinsic on the forward; L = BASE_STATIC_DISCOUNT, S = 1', () => {
    const params = withRows(rows([1.18, 'up'], [0.82, 'down'], [1, 'none'], [1, 'abs']));
    for (const s of [0, -60]) {
      const long = derivePm2Margin(
        portfolio({
          options: [{ amount: 1, strike: 90, right: 'call', secondsToExpiry: s, volAnnual: 0.8 }],
          expiries: [feed(s, 100, 0.3)],
        }),
        params,
      );
      const e = long.perExpiry[0]!;
      expect(e.discount).toBe(1);
      expect(e.staticDiscountShort).toBe(1);
      expect(e.staticDiscountLong).toBe(P.margin.baseStaticDiscount);
      near(e.mtm, 10, 1e-15);
      for (const v of long.scenarioPnl) near(v, 10 * (0.95 - 1), 1e-13);
      expect(e.basis).toBe(0);
    }
    const short = derivePm2Margin(
      portfolio({
        options: [{ amount: -1, strike: 90, right: 'call', secondsToExpiry: 0, volAnnual: 0.8 }],
        expiries: [feed(0, 100, 0.3)],
      }),
      params,
    );
    for (const v of short.scenarioPnl) expect(Math.abs(v)).toBe(0);
  });

  it('floors a negative rate at 0 (D = 1, S = 1)', () => {
    const out = derivePm2Margin(
      portfolio({
        options: [
          { amount: -1, strike: 100, right: 'put', secondsToExpiry: SECONDS_PER_YEAR, volAnnual: 0.5 },
        ],
        expiries: [feed(SECONDS_PER_YEAR, 100, -1.2)],
      }),
      P,
    );
    const e = out.perExpiry[0]!;
    expect(e.rate).toBe(0);
    expect(e.discount).toBe(1);
    expect(e.staticDiscountShort).toBe(1);
    near(e.staticDiscountLong, 0.95 * Math.exp(-0.08), 1e-15);
    near(e.mtm, -black76Price('put', 100, 100, 1, 0.5, 1), 1e-12);
  });

  it('applies the static discount by the sign of the expiry’s net value, not per position', () => {
    const t = 0.25;
    const s = t * SECONDS_PER_YEAR;
    const options: DerivePm2Option[] = [
      { amount: 1, strike: 100, right: 'call', secondsToExpiry: s, volAnnual: 0.6 },
      { amount: -1, strike: 110, right: 'call', secondsToExpiry: s, volAnnual: 0.6 },
    ];
    const out = derivePm2Margin(
      portfolio({ options, expiries: [feed(s, 100, 0.05)] }),
      withRows(rows([1, 'none'])),
    );
    const e = out.perExpiry[0]!;
    const d = Math.exp(-0.05 * t);
    const longLeg = black76Price('call', 100, 100, t, 0.6, d);
    const shortLeg = black76Price('call', 100, 110, t, 0.6, d);
    near(e.mtm, longLeg - shortLeg, 1e-13);
    near(out.scenarioPnl[0]!, (longLeg - shortLeg) * (e.staticDiscountLong - 1), 1e-12);
    const perPosition = longLeg * e.staticDiscountLong - shortLeg * e.staticDiscountShort - e.mtm;
    expect(Math.abs(out.scenarioPnl[0]! - perPosition)).toBeGreaterThan(0.01);
  });

  it('floors the shocked vol on Up rows only', () => {
    const s = 2_592_000; // 30 days: τ = 1, so up = 1.5 and down = 0.725
    const t = s / SECONDS_PER_YEAR;
    const out = derivePm2Margin(
      portfolio({
        options: [{ amount: 1, strike: 100, right: 'call', secondsToExpiry: s, volAnnual: 0.1 }],
        expiries: [feed(s, 100, 0)],
      }),
      withRows(rows([1, 'up'], [1, 'down'], [1.5, 'up', 0.5])),
    );
    const e = out.perExpiry[0]!;
    near(e.volShockUp, 1.5, 1e-15);
    near(e.volShockDown, 0.725, 1e-15);
    const mtm = black76Price('call', 100, 100, t, 0.1, 1);
    const up = black76Price('call', 100, 100, t, 0.45, 1); // max(0.45, 0.1 × 1.5)
    const down = black76Price('call', 100, 100, t, 0.0725, 1); // 0.1 × 0.725, no floor
    const tail = black76Price('call', 150, 100, t, 0.45, 1); // tails are Up rows: floored too
    near(out.scenarioPnl[0]!, up * e.staticDiscountLong - mtm, 1e-12);
    near(out.scenarioPnl[1]!, down * e.staticDiscountLong - mtm, 1e-12);
    near(out.scenarioPnl[2]!, (tail * e.staticDiscountLong - mtm) * 0.5, 1e-12);
  });

  it('takes DTE_FLOOR in days', () => {
    const one = derivePm2Margin(
      portfolio({
        options: [{ amount: -1, strike: 100, right: 'call', secondsToExpiry: 1, volAnnual: 0.5 }],
        expiries: [feed(1, 100, 0.1)],
      }),
      P,
    );
    near(one.perExpiry[0]!.volShockUp, 1 + 0.5 * 30 ** 0.3, 1e-14);
    near(one.perExpiry[0]!.volShockDown, Math.max(0, 1 - 0.275 * 30 ** 0.3), 1e-14);
    const two = derivePm2Margin(
      portfolio({
        options: [{ amount: -1, strike: 100, right: 'call', secondsToExpiry: 1, volAnnual: 0.5 }],
        expiries: [feed(1, 100, 0.1)],
      }),
      { ...P, volShock: { ...P.volShock, dteFloorDays: 2 } },
    );
    near(two.perExpiry[0]!.volShockUp, 1 + 0.5 * 15 ** 0.3, 1e-14);
  });

  it('takes skew rows as −|P&L| per expiry (not of the total) and ignores their spot shock for options', () => {
    const sA = 0.1 * SECONDS_PER_YEAR;
    const sB = 0.5 * SECONDS_PER_YEAR;
    const options: DerivePm2Option[] = [
      { amount: 2, strike: 120, right: 'call', secondsToExpiry: sA, volAnnual: 0.7 },
      { amount: -1, strike: 80, right: 'put', secondsToExpiry: sB, volAnnual: 0.8 },
    ];
    const pf = portfolio({ options, expiries: [feed(sA, 100, 0.05), feed(sB, 101, 0.05)] });
    const out = derivePm2Margin(pf, withRows(rows([1, 'abs', 2], [1.3, 'abs', 2])));
    // Independent ABS evaluation: both strikes are away from the money, so both vols rise.
    const sk = P.skewShock;
    const skewed = (o: DerivePm2Option, f: number, t: number, rate: number): number => {
      const q = Math.sqrt(t);
      const cap = sk.absCBase * q + sk.absScaleCap;
      const kStar = Math.max(sk.minKStar, sk.minWidthScale * q * (sk.volParamStatic + sk.volParamScale * q));
      const k = Math.abs(Math.log(o.strike / f));
      const vol = o.volAnnual * (1 + Math.min(cap, (k * cap) / kStar));
      return o.amount * black76Price(o.right, f, o.strike, t, vol, Math.exp(-rate * t));
    };
    const pnl = (i: number, f: number, t: number): number => {
      const o = options[i]!;
      const w = skewed(o, f, t, 0.05);
      const e = out.perExpiry[i]!;
      return (w * (w >= 0 ? e.staticDiscountLong : e.staticDiscountShort) - e.mtm) * 2;
    };
    const a = pnl(0, 100, 0.1);
    const b = pnl(1, 101, 0.5);
    expect(a).toBeGreaterThan(0); // the long gains from the vol rise …
    expect(b).toBeLessThan(0); // … the short loses
    near(out.scenarioPnl[0]!, -Math.abs(a) - Math.abs(b), 1e-12);
    expect(out.scenarioPnl[1]).toBe(out.scenarioPnl[0]);
  });

  it('counts the perp confidence only when perps are held', () => {
    const out = derivePm2Margin(
      portfolio({
        spotConfidence: 0.9,
        perps: [{ amount: 0, perpPrice: 0, confidence: 0, unrealisedPnl: 5, unrealisedFunding: 1 }],
      }),
      P,
    );
    expect(out.portfolioConfidence).toBe(0.9);
    expect(out.addOns.oracle).toBe(0);
    expect(out.perpValue).toBe(0);
  });

  it('nets shorts against longs per strike, calls and puts together', () => {
    const s = 3_000_000;
    const options: DerivePm2Option[] = [
      { amount: -2, strike: 100, right: 'call', secondsToExpiry: s, volAnnual: 0.5 },
      { amount: 1, strike: 100, right: 'put', secondsToExpiry: s, volAnnual: 0.5 },
      { amount: -1, strike: 90, right: 'put', secondsToExpiry: s, volAnnual: 0.5 },
      { amount: 3, strike: 110, right: 'call', secondsToExpiry: s, volAnnual: 0.5 },
    ];
    const out = derivePm2Margin(portfolio({ options, expiries: [feed(s, 100, 0.05)] }), P);
    expect(out.perExpiry[0]!.nakedShorts).toBe(2);
    near(out.addOns.mmOption, 2 * 100 * 0.003, 1e-15);
    near(out.addOns.imOption, 2 * 100 * 0.002, 1e-15);
    expect(out.perExpiry[0]!.grossContracts).toBe(7);
  });

  it('charges the oracle add-on per expiry from min(feed confidences, portfolio confidence)', () => {
    const s = 3_000_000;
    const out = derivePm2Margin(
      portfolio({
        spotConfidence: 0.7,
        options: [
          { amount: -2, strike: 100, right: 'call', secondsToExpiry: s, volAnnual: 0.5 },
          { amount: 1, strike: 90, right: 'call', secondsToExpiry: s, volAnnual: 0.5 },
        ],
        expiries: [{ ...feed(s, 100, 0.05), rateConfidence: 0.4 }],
      }),
      P,
    );
    expect(out.perExpiry[0]!.confidence).toBe(0.4);
    near(out.addOns.oracle, (1 - 0.4) * 3 * 100, 1e-15);
  });

  it('names the basis contingency when it is strictly worse than every row', () => {
    const out = derivePm2Margin(case12, withRows(rows([1, 'none'])));
    expect(out.binding).toEqual({ family: 'fwd_contingency', row: null });
    expect(out.minLoss).toBe(out.basis);
  });

  it('rejects an option without a feed, a mislabelled row and non-finite input', () => {
    const noFeed = portfolio({
      options: [{ amount: 1, strike: 100, right: 'call', secondsToExpiry: 5, volAnnual: 0.5 }],
      expiries: [feed(6, 100, 0)],
    });
    expect(() => derivePm2Margin(noFeed, P)).toThrow(BackstopError);
    expect(() => derivePm2Margin(noFeed, P)).toThrow(/options\[0\]\.secondsToExpiry/);
    const mislabelled = withRows([{ spotShock: 1, volShock: 'linear', dampening: 1, family: 'regular' }]);
    expect(() => derivePm2Margin(case12, mislabelled)).toThrow(/scenarios\[0\]\.family/);
    expect(() => derivePm2Margin({ ...case12, spotPrice: Number.NaN }, P)).toThrow(/spotPrice/);
  });
});

// ---- properties ------------------------------------------------------------------------------

const EXPIRIES = [0, 1, 900, 1800, 86_400, 2_592_000, 17_280_000];

const optionArb = (spot: number): fc.Arbitrary<DerivePm2Option> =>
  fc.record({
    amount: fc.double({ min: -20, max: 20, noNaN: true }),
    strike: fc.double({ min: 0.4, max: 2.5, noNaN: true }).map((x) => x * spot),
    right: fc.constantFrom('call' as const, 'put' as const),
    secondsToExpiry: fc.constantFrom(...EXPIRIES),
    volAnnual: fc.double({ min: 0.05, max: 2.5, noNaN: true }),
  });

const portfolioArb: fc.Arbitrary<DerivePm2Portfolio> = fc
  .record({
    spot: fc.double({ min: 50, max: 100_000, noNaN: true }),
    basis: fc.array(fc.double({ min: 0.9, max: 1.1, noNaN: true }), {
      minLength: EXPIRIES.length,
      maxLength: EXPIRIES.length,
    }),
    rates: fc.array(fc.double({ min: -0.5, max: 1.5, noNaN: true }), {
      minLength: EXPIRIES.length,
      maxLength: EXPIRIES.length,
    }),
    spotConfidence: fc.double({ min: 0, max: 1, noNaN: true }),
    stablePrice: fc.double({ min: 0.5, max: 1.05, noNaN: true }),
    cash: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    perp: fc.record({
      amount: fc.double({ min: -50, max: 50, noNaN: true }),
      priceRatio: fc.double({ min: 0.9, max: 1.1, noNaN: true }),
      confidence: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  })
  .chain((g) =>
    fc.array(optionArb(g.spot), { maxLength: 8 }).map(
      (options): DerivePm2Portfolio => ({
        spotPrice: g.spot,
        spotConfidence: g.spotConfidence,
        stablePrice: g.stablePrice,
        cash: g.cash,
        options,
        expiries: EXPIRIES.map((s, i) => ({
          ...feed(s, g.spot * g.basis[i]!, g.rates[i]!),
          volConfidence: 0.3 + 0.7 * g.spotConfidence,
        })),
        perps: [
          {
            amount: g.perp.amount,
            perpPrice: g.spot * g.perp.priceRatio,
            confidence: g.perp.confidence,
            unrealisedPnl: 0,
            unrealisedFunding: 0,
          },
        ],
        collaterals: [],
      }),
    ),
  );

const plainCollateralArb: fc.Arbitrary<DerivePm2Collateral> = fc.record({
  amount: fc.double({ min: 0, max: 1000, noNaN: true }),
  priceUsd: fc.double({ min: 0.01, max: 100_000, noNaN: true }),
  confidence: fc.double({ min: 0, max: 1, noNaN: true }),
  isRiskCancelling: fc.constant(false),
  imHaircut: fc.constant(0),
  mmHaircut: fc.constant(0),
});

describe('derivePm2Margin — properties', () => {
  it('adding non-risk-cancelling collateral with 0 haircut never lowers IM or MM', () => {
    fc.assert(
      fc.property(portfolioArb, plainCollateralArb, (pf, extra) => {
        const before = derivePm2Margin(pf, P);
        const after = derivePm2Margin({ ...pf, collaterals: [...pf.collaterals, extra] }, P);
        const tol = 1e-9 * (Math.abs(before.mtm) + before.addOns.imTotal + Math.abs(before.minLoss) * 2 + 1);
        expect(after.mm).toBeGreaterThanOrEqual(before.mm - tol);
        expect(after.im).toBeGreaterThanOrEqual(before.im - tol);
        expect(after.scenarioPnl).toEqual(before.scenarioPnl);
      }),
      { seed: 4242, numRuns: 300 },
    );
  });

  it('an option position plus its exact opposite has zero option P&L on every row', () => {
    fc.assert(
      fc.property(portfolioArb, (pf) => {
        const hedged: DerivePm2Portfolio = {
          ...pf,
          perps: [],
          options: [...pf.options, ...pf.options.map((o) => ({ ...o, amount: -o.amount }))],
        };
        const out = derivePm2Margin(hedged, P);
        // Rounding scale: the gross value the cancelling terms are made of.
        const gross = pf.options.reduce((a, o) => a + Math.abs(o.amount) * (o.strike + pf.spotPrice * 5), 0);
        for (const v of out.scenarioPnl) expect(Math.abs(v)).toBeLessThanOrEqual(1e-12 * gross + 1e-12);
        expect(Math.abs(out.basis)).toBeLessThanOrEqual(1e-12 * gross + 1e-12);
        expect(out.addOns.mmOption).toBeLessThanOrEqual(1e-12 * gross);
      }),
      { seed: 1729, numRuns: 300 },
    );
  });

  it('IM never exceeds MM, minLoss ≤ 0, and the binding row carries minLoss', () => {
    fc.assert(
      fc.property(portfolioArb, (pf) => {
        const out = derivePm2Margin(pf, P);
        expect(out.minLoss).toBeLessThanOrEqual(0);
        expect(out.im).toBeLessThanOrEqual(out.mm + 1e-9 * Math.max(1, Math.abs(out.mm)));
        if (out.binding.row === null) expect(out.minLoss).toBe(out.basis);
        else expect(out.scenarioPnl[out.binding.row]).toBe(out.minLoss);
        for (const v of out.scenarioPnl) expect(v).toBeGreaterThanOrEqual(out.minLoss);
      }),
      { seed: 31337, numRuns: 300 },
    );
  });
});
