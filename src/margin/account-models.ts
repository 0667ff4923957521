import { BackstopError } from '../core/errors.ts';
import type { Instrument } from '../domain/instrument.ts';
import type { AccountPosition, GroupMargin, MarginContext, UnderlyingMarginModel } from './account-margin.ts';
import { type UnderlyingMarket, yearsTo } from './market.ts';
import { type DerivePm2Option, type DerivePm2Perp, derivePm2Margin } from './portfolio/derive-pm2.ts';
import { DERIVE_PM2_TEST_PARAMS, type DerivePm2Params } from './portfolio/derive-pm2-params.ts';
import { contractPricer, markPrice } from './portfolio/instrument-pnl.ts';
import { DERIVE_STANDARD_PARAMS } from './standard/derive-standard.ts';
import { expiryOptionMargin, type OptionLeg, type OptionMarginParams } from './standard/option-margin.ts';
import { type PerpMarginModel, perpMargin } from './standard/perp-margin.ts';

/**
 * Adapters that put the per-position (standard) and Derive PM2 models behind the account-level
 * interface. Requirements are positive amounts against an equity that already holds the
 * options' marks and the perpetuals' unrealized P&L (see account-margin.ts).
 */
function instrumentsOf(
  positions: readonly AccountPosition[],
  ctx: MarginContext,
): [Instrument, AccountPosition][] {
  return positions.map((p) => {
    const i = ctx.instruments.get(p.instrumentId);
    if (!i) throw new RangeError(`unknown instrument ${p.instrumentId}`);
    return [i, p];
  });
}

export interface StandardModelParams {
  readonly option: OptionMarginParams;
  /** Margin model per perpetual / future instrument id; `defaultPerp` otherwise. */
  readonly perpByInstrument?: Readonly<Record<string, PerpMarginModel>>;
  readonly defaultPerp: PerpMarginModel;
}

/** Defaults: Deribit-style option formulas with Derive's harness values; perps flat IM 6.5 % / MM 5 %. */
export const STANDARD_DEFAULTS: StandardModelParams = {
  option: DERIVE_STANDARD_PARAMS.market.option,
  defaultPerp: {
    kind: 'flat',
    imfFrac: DERIVE_STANDARD_PARAMS.market.perp.imReq,
    mmfFrac: DERIVE_STANDARD_PARAMS.market.perp.mmReq,
  },
};

/**
 * Standard (per-position) margin: options per expiry with the Deribit formulas and the max-loss
 * bound (long options pay their premium), perpetuals and futures by their own model.
 */
export function standardAccountModel(params: StandardModelParams = STANDARD_DEFAULTS): UnderlyingMarginModel {
  return {
    name: 'standard',
    margin(positions, market, ctx): GroupMargin {
      const byExpiry = new Map<number, { legs: OptionLeg[]; settlement: 'linear' | 'inverse' }>();
      let im = 0;
      let mm = 0;
      const perps: unknown[] = [];
      for (const [i, p] of instrumentsOf(positions, ctx)) {
        if (i.kind === 'option') {
          const e = byExpiry.get(i.expiryUs) ?? { legs: [], settlement: i.settlement };
          // Price per contract in the settlement currency; the formulas work per unit of underlying.
          e.legs.push({
            right: i.right,
            strike: i.strike,
            amount: p.qty * i.contractSize,
            price: contractPricer.value(i, market) / i.contractSize,
          });
          byExpiry.set(i.expiryUs, e);
        } else if (i.kind === 'perpetual' || i.kind === 'future') {
          const model = params.perpByInstrument?.[i.id] ?? params.defaultPerp;
          const r = perpMargin(
            {
              qtyBase: p.qty,
              contractSize: i.contractSize,
              markPrice: markPrice(i, market),
              settlement: i.settlement,
            },
            model,
          );
          im += r.imCoin ?? r.imQuote;
          mm += r.mmCoin ?? r.mmQuote;
          perps.push({
            instrument: i.id,
            im: r.imCoin ?? r.imQuote,
            mm: r.mmCoin ?? r.mmQuote,
            explain: r.explain,
          });
        }
      }
      const expiries: unknown[] = [];
      for (const [expiryUs, e] of [...byExpiry].sort(([a], [b]) => a - b)) {
        const c = { spot: market.spot, forward: market.forwardAt(expiryUs), settlement: e.settlement };
        const ri = expiryOptionMargin(e.legs, c, 'im', params.option);
        const rm = expiryOptionMargin(e.legs, c, 'mm', params.option);
        im += -ri.marginOverEquity;
        mm += -rm.marginOverEquity;
        expiries.push({
          expiryUs,
          im: -ri.marginOverEquity,
          mm: -rm.marginOverEquity,
          binding: ri.binding,
          maxLoss: ri.maxLoss,
          isolated: ri.isolated,
        });
      }
      return { im: Math.max(im, 0), mm: Math.max(mm, 0), explain: { expiries, perps } };
    },
  };
}

/**
 * Derive PM2 on an account: options, perpetuals and the Derive parameters (confidences 1,
 * stablecoin on peg unless the parameters say otherwise). Requirement = MtM − Derive's margin,
 * i.e. the worst-loss term and the add-ons, independent of cash.
 */
export function derivePm2AccountModel(
  params: DerivePm2Params = DERIVE_PM2_TEST_PARAMS,
): UnderlyingMarginModel {
  return {
    name: 'derive-pm2',
    margin(positions, market: UnderlyingMarket, ctx): GroupMargin {
      const options: DerivePm2Option[] = [];
      const perps: DerivePm2Perp[] = [];
      const expiries = new Map<number, number>();
      for (const [i, p] of instrumentsOf(positions, ctx)) {
        if (
          (i.kind === 'option' || i.kind === 'perpetual' || i.kind === 'future') &&
          i.settlement === 'inverse'
        ) {
          // Derive's model is USD-settled; a coin-settled book has different P&L (convexity in coin).
          throw new BackstopError(
            'BAD_ARGUMENT',
            `derive-pm2 margins USD-settled (linear) books; ${i.id} is coin-settled`,
            {
              instrument: i.id,
            },
          );
        }
        if (i.kind === 'option') {
          const seconds = yearsTo(i.expiryUs, market.nowUs) * 31_536_000;
          options.push({
            amount: p.qty * i.contractSize,
            strike: i.strike,
            right: i.right,
            secondsToExpiry: seconds,
            volAnnual: market.volOf(i),
          });
          expiries.set(seconds, market.forwardAt(i.expiryUs));
        } else if (i.kind === 'perpetual' || i.kind === 'future') {
          perps.push({
            amount: p.qty * i.contractSize,
            perpPrice: markPrice(i, market),
            confidence: 1,
            unrealisedPnl: 0,
            unrealisedFunding: 0,
          });
        }
      }
      const r = derivePm2Margin(
        {
          spotPrice: market.spot,
          spotConfidence: 1,
          stablePrice: 1,
          cash: 0,
          options,
          expiries: [...expiries].map(([secondsToExpiry, forward]) => ({
            secondsToExpiry,
            forward,
            rate: market.rate,
            forwardConfidence: 1,
            rateConfidence: 1,
            volConfidence: 1,
          })),
          perps,
          collaterals: [],
        },
        params,
      );
      return {
        im: Math.max(r.mtm - r.im, 0),
        mm: Math.max(r.mtm - r.mm, 0),
        explain: {
          minLoss: r.minLoss,
          binding: r.binding,
          addOns: r.addOns,
          imLossFactor: r.imLossFactor,
          basis: r.basis,
        },
      };
    },
  };
}
