import { describe, expect, it } from 'vitest';
import { BackstopError } from '../../core/errors.ts';
import {
  DERIVE_STANDARD_PARAMS,
  deriveStandardMargin,
  type StandardAccount,
  type StandardExpiry,
  type StandardMarket,
  type StandardOptionPosition,
} from './derive-standard.ts';

// The README's dev setting: ETH S = 1500, F = 1500.8333, τ = 500 400 s; perp price 1505.
const F = 1500.833279310994;
const TAU_S = 500_400;

const opt = (
  right: 'call' | 'put',
  strike: number,
  amount: number,
  volAnnual: number,
): StandardOptionPosition => ({
  right,
  strike,
  amount,
  volAnnual,
});

const expiry = (options: StandardOptionPosition[], over: Partial<StandardExpiry> = {}): StandardExpiry => ({
  secondsToExpiry: TAU_S,
  forward: F,
  forwardConfidence: 1,
  volConfidence: 1,
  options,
  ...over,
});

const eth = (over: Partial<StandardMarket> = {}): StandardMarket => ({
  name: 'ETH',
  spot: 1500,
  spotConfidence: 1,
  perpPrice: 1505,
  perpConfidence: 1,
  settlementPrice: F,
  expiries: [],
  perp: null,
  baseUnits: 0,
  ...over,
});

const account = (markets: StandardMarket[], over: Partial<StandardAccount> = {}): StandardAccount => ({
  cash: 0,
  stablecoinPrice: 1,
  markets,
  ...over,
});

const ATM_CALL_VOL = 1.0478844940849863; // Test1's vol for the 1500 call

describe('README worked checks (hand-built inputs)', () => {
  it('Test1: short 1 ATM call — isolated wins over the unpaired bound', () => {
    const r = deriveStandardMargin(
      account([eth({ expiries: [expiry([opt('call', 1500, -1, ATM_CALL_VOL)])] })]),
    );
    const e = r.perMarket[0]!;
    const m = e.mm.expiries[0]!.mark;
    expect(m).toBeCloseTo(-79.3716, 4);
    expect(r.mm).toBeCloseTo(-191.8716, 4); // m − 0.075·1500
    expect(r.im).toBeCloseTo(-304.3716, 4); // m − 0.15·1500
    expect(r.mm).toBeCloseTo(m - 112.5, 10);
    expect(r.im).toBeCloseTo(m - 225, 10);
    expect(e.mm.expiries[0]!.maxLoss).toBeCloseTo(-1.1 * F, 9); // −1650.92, worse
    expect(e.im.expiries[0]!.maxLoss).toBeCloseTo(-1.2 * F, 9);
    expect(e.mm.expiries[0]!.binding).toBe('isolated');
    expect(r.mtm).toBeCloseTo(m, 12);
  });

  it('Test7: +1 C1200 / −1 C1000 / −0.1 C2500 — the bound −200 + scale·F·(−0.1) wins', () => {
    const r = deriveStandardMargin(
      account([
        eth({
          expiries: [
            expiry([
              opt('call', 1200, 1, 1.1389393988282974),
              opt('call', 1000, -1, 1.2620121299319145),
              opt('call', 2500, -0.1, 1.32653865803086),
            ]),
          ],
        }),
      ]),
    );
    expect(r.mm).toBeCloseTo(-200 - 1.1 * F * 0.1, 9);
    expect(r.im).toBeCloseTo(-200 - 1.2 * F * 0.1, 9);
    expect(r.mm).toBeCloseTo(-365.0917, 4);
    expect(r.im).toBeCloseTo(-380.1, 4);
    const e = r.perMarket[0]!;
    expect(e.mm.optionsIsolated).toBeCloseTo(-624.92, 2);
    expect(e.im.optionsIsolated).toBeCloseTo(-741.17, 2);
    expect(e.mm.expiries[0]!.binding).toBe('max-loss');
  });

  it('Test21: short deep-ITM put K 4500 — IM = 1.05 × MM', () => {
    const r = deriveStandardMargin(
      account([eth({ expiries: [expiry([opt('put', 4500, -1, 1.5973444422286496)])] })]),
    );
    const m = r.perMarket[0]!.mm.expiries[0]!.mark;
    expect(m).toBeCloseTo(-2999.1667, 4);
    expect(r.mm).toBeCloseTo(m + 0.075 * m, 10); // the mark add-on (224.94) beats the spot one (112.5)
    expect(r.mm).toBeCloseTo(-3224.1042, 4);
    expect(r.im).toBeCloseTo(1.05 * r.mm, 10); // below m − 0.15·1500 = −3224.17
    expect(r.im).toBeCloseTo(-3385.3094, 4);
  });

  it('Test25: a 900 s expiry takes the settlement price as its forward', () => {
    const settlement = 1450.1687079054382;
    const r = deriveStandardMargin(
      account([
        eth({
          settlementPrice: settlement,
          expiries: [
            expiry(
              [
                opt('call', 1200, 1, 1.1385520609538669),
                opt('call', 1000, -1, 1.2616528861737466),
                opt('call', 2500, -0.1, 1.3268194743411348),
              ],
              { secondsToExpiry: 900, forward: 1500.0014982884197 },
            ),
          ],
        }),
      ]),
    );
    expect(r.perMarket[0]!.mm.expiries[0]!.forward).toBe(settlement);
    expect(r.mm).toBeCloseTo(-200 - 0.11 * settlement, 9);
    expect(r.mm).toBeCloseTo(-359.5186, 4);
    expect(r.im).toBeCloseTo(-200 - 0.12 * settlement, 9);
  });
});

describe('longs, perps, base, oracle and depeg terms (hand computations from steps 3–8)', () => {
  it('a long alone: 0 IM and MM even with low-confidence oracles; MtM holds its value', () => {
    const r = deriveStandardMargin(
      account(
        [
          eth({
            spotConfidence: 0.1,
            expiries: [
              expiry([opt('call', 1500, 1, ATM_CALL_VOL)], { forwardConfidence: 0.1, volConfidence: 0.1 }),
            ],
          }),
        ],
        { stablecoinPrice: 0.9 },
      ),
    );
    expect(r.im).toBe(0);
    expect(r.mm).toBe(0);
    expect(r.mtm).toBeCloseTo(79.3716, 4);
  });

  it('option oracle charge: c = min(cS, cF, cV) = 0.3 → (1 − 0.3)·0.4·1500·1 = 420 on IM only', () => {
    const r = deriveStandardMargin(
      account([
        eth({ expiries: [expiry([opt('call', 1500, -1, ATM_CALL_VOL)], { forwardConfidence: 0.3 })] }),
      ]),
    );
    expect(r.perMarket[0]!.im.optionOracleCharge).toBeCloseTo(-420, 10);
    expect(r.im).toBeCloseTo(-304.3716 - 420, 4);
    expect(r.mm).toBeCloseTo(-191.8716, 4);
    // At the threshold (c = 0.4) there is no charge.
    const atThreshold = deriveStandardMargin(
      account([eth({ expiries: [expiry([opt('call', 1500, -1, ATM_CALL_VOL)], { volConfidence: 0.4 })] })]),
    );
    expect(atThreshold.perMarket[0]!.im.optionOracleCharge).toBe(0);
  });

  it('Test17: long 1 perp, entry 1535, funding indices 0 / 10', () => {
    const r = deriveStandardMargin(
      account([
        eth({ perp: { amount: 1, entryPrice: 1535, globalFundingIndex: 0, accountFundingIndex: 10 } }),
      ]),
    );
    // MM −1505·0.05 − 30 + 10 = −95.25; IM −1505·0.065 − 30 + 10 = −117.825.
    expect(r.mm).toBeCloseTo(-95.25, 10);
    expect(r.im).toBeCloseTo(-117.825, 10);
    expect(r.mtm).toBeCloseTo(-20, 10);
  });

  it('short perp with a low perp confidence: IM charge (1 − 0.2)·0.4·S·|N| on spot, not perp price', () => {
    const r = deriveStandardMargin(
      account([
        eth({
          perpConfidence: 0.2,
          spotConfidence: 0.9,
          perp: { amount: -2, entryPrice: 1500, globalFundingIndex: 5, accountFundingIndex: 2 },
        }),
      ]),
    );
    // PnL (1505 − 1500)·(−2) = −10; funding −(−2)·(5 − 2) = +6.
    // IM −2·1505·0.065 − 0.8·0.4·1500·2 − 10 + 6 = −195.65 − 960 − 4; MM −150.5 − 4.
    expect(r.perMarket[0]!.im.perpOracleCharge).toBeCloseTo(-960, 10);
    expect(r.im).toBeCloseTo(-1159.65, 9);
    expect(r.mm).toBeCloseTo(-154.5, 10);
  });

  it('base asset: +0.1·B·S in IM and MM; IM charge (1 − cS)·0.4·B·S below 0.4 confidence; MtM B·S/u', () => {
    const r = deriveStandardMargin(
      account([eth({ baseUnits: 2, spotConfidence: 0.3 })], { stablecoinPrice: 0.99 }),
    );
    expect(r.mm).toBeCloseTo(300, 10);
    expect(r.im).toBeCloseTo(300 - 0.7 * 0.4 * 3000, 10); // −540
    expect(r.mtm).toBeCloseTo(3000 / 0.99, 9);
  });

  it('depeg (u = 0.95 < 0.98): IM charge (0.98 − 0.95)·1.2·S·(|N| + shorts), none for MM', () => {
    const base = eth({
      expiries: [expiry([opt('call', 1500, -1, ATM_CALL_VOL), opt('call', 1600, 3, 1.08)])],
      perp: { amount: 1, entryPrice: 1505, globalFundingIndex: 0, accountFundingIndex: 0 },
    });
    const pegged = deriveStandardMargin(account([base]));
    const depegged = deriveStandardMargin(account([base], { stablecoinPrice: 0.95 }));
    const charge = 0.03 * 1.2 * 1500 * (1 + 1); // longs do not count: 108
    expect(depegged.perMarket[0]!.im.depegCharge).toBeCloseTo(-charge, 9);
    expect(depegged.im).toBeCloseTo(pegged.im - charge, 9);
    expect(depegged.mm).toBe(pegged.mm);
  });

  it('cash adds to both; markets add up; an empty market gives 0', () => {
    const btc: StandardMarket = { ...eth(), name: 'BTC', spot: 28_000, perpPrice: 27_990 };
    const one = deriveStandardMargin(account([eth({ baseUnits: 1 })], { cash: 1000 }));
    const two = deriveStandardMargin(account([eth({ baseUnits: 1 }), btc], { cash: 1000 }));
    expect(one.im).toBeCloseTo(1150, 10);
    expect(two.im).toBe(one.im);
    expect(two.perMarket[1]!.im.total).toBe(0);
  });

  it('per-market parameter overrides apply to that market only', () => {
    const params = {
      ...DERIVE_STANDARD_PARAMS,
      marketOverrides: {
        ETH: { ...DERIVE_STANDARD_PARAMS.market, perp: { mmReq: 0.1, imReq: 0.2 } },
      },
    };
    const r = deriveStandardMargin(
      account([
        eth({ perp: { amount: 1, entryPrice: 1505, globalFundingIndex: 0, accountFundingIndex: 0 } }),
      ]),
      params,
    );
    expect(r.mm).toBeCloseTo(-150.5, 10);
    expect(r.im).toBeCloseTo(-301, 10);
  });

  it('rejects an expiry inside the settlement window without a settlement price, and non-finite inputs', () => {
    const near = eth({
      settlementPrice: null,
      expiries: [expiry([opt('call', 1500, -1, 1)], { secondsToExpiry: 60 })],
    });
    expect(() => deriveStandardMargin(account([near]))).toThrow(BackstopError);
    expect(() => deriveStandardMargin(account([eth({ spot: Number.NaN })]))).toThrow(
      /ETH\.spot must be finite/,
    );
    expect(() =>
      deriveStandardMargin(account([eth({ expiries: [expiry([opt('put', 1500, -1, -0.5)])] })])),
    ).toThrow(/volAnnual/);
  });
});
