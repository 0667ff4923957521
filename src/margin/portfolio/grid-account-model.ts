import type {
  AccountPosition,
  GroupMargin,
  MarginContext,
  UnderlyingMarginModel,
} from '../account-margin.ts';
import type { UnderlyingMarket } from '../market.ts';
import { type GridModelConfig, gridMargin } from './grid-model.ts';
import { RiskArrays } from './risk-arrays.ts';

/**
 * A grid preset as an account-level model. Without `persistent` arrays it builds risk arrays for
 * the positions' instruments on each call (CLI); the engine passes its own arrays, kept current
 * per market move, so a what-if costs only multiply-adds.
 */
export function gridAccountModel(config: GridModelConfig, persistent?: RiskArrays): UnderlyingMarginModel {
  return {
    name: config.name,
    margin(positions: readonly AccountPosition[], market: UnderlyingMarket, ctx: MarginContext): GroupMargin {
      // With persistent arrays (the engine's, kept current per market update) only instruments
      // new to them are priced now; otherwise the positions' rows are built for this call.
      const arrays = persistent ?? new RiskArrays(config.scenarios, config.volShock, (i) => i.baseCurrency);
      for (const p of positions) {
        const i = ctx.instruments.get(p.instrumentId);
        if (!i) throw new RangeError(`unknown instrument ${p.instrumentId}`);
        if (persistent && persistent.row(i.id) !== undefined) continue;
        arrays.register(i);
        if (persistent) arrays.updateInstrument(i.id, market);
      }
      if (!persistent) arrays.update(market);
      const r = gridMargin(config, arrays, market, positions);
      const binding = r.bindingScenario === null ? null : config.scenarios[r.bindingScenario];
      return {
        im: r.im,
        mm: r.mm,
        explain: {
          binding: binding
            ? { index: r.bindingScenario, ...binding, pnl: r.scenarioPnl[r.bindingScenario as number] }
            : null,
          scanLoss: r.scanLoss,
          contingencies: r.contingencies,
          floor: r.floor,
          netDeltaBase: r.netDeltaBase,
          contributions: r.contributions,
          scenarios: config.scenarios.map((s, k) => ({ ...s, pnl: r.scenarioPnl[k] })),
        },
      };
    },
  };
}
