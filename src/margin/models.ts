import type { UnderlyingMarginModel } from './account-margin.ts';
import { derivePm2AccountModel, standardAccountModel } from './account-models.ts';
import { gridAccountModel } from './portfolio/grid-account-model.ts';
import { type GridPresetName, gridPreset } from './portfolio/presets/index.ts';

/** Model names accepted by `backstop margin --model` (docs/presets/). */
export const MARGIN_MODEL_NAMES = ['deribit-pm', 'span-16', 'paradex-pm', 'derive-pm2', 'standard'] as const;
export type MarginModelName = (typeof MARGIN_MODEL_NAMES)[number];

/** A grid preset whose parameters follow the underlying (e.g. Deribit's BTC vs ETH tables). */
function gridPresetModel(name: GridPresetName): UnderlyingMarginModel {
  const byUnderlying = new Map<string, UnderlyingMarginModel>();
  return {
    name,
    margin(positions, market, ctx) {
      let m = byUnderlying.get(market.underlying);
      if (!m) {
        m = gridAccountModel(gridPreset(name, market.underlying));
        byUnderlying.set(market.underlying, m);
      }
      return m.margin(positions, market, ctx);
    },
  };
}

export function marginModel(name: MarginModelName): UnderlyingMarginModel {
  switch (name) {
    case 'deribit-pm':
    case 'span-16':
    case 'paradex-pm':
      return gridPresetModel(name);
    case 'derive-pm2':
      return derivePm2AccountModel();
    case 'standard':
      return standardAccountModel();
  }
}
