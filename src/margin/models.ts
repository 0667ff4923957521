import { BackstopError } from '../core/errors.ts';
import type { UnderlyingMarginModel } from './account-margin.ts';
import { derivePm2AccountModel, standardAccountModel } from './account-models.ts';
import { gridAccountModel } from './portfolio/grid-account-model.ts';
import type { GridModelConfig } from './portfolio/grid-model.ts';
import { esFhs } from './portfolio/presets/es-fhs.ts';
import { type GridPresetName, gridPreset } from './portfolio/presets/index.ts';

/** Model names accepted by `backstop margin --model` (docs/presets/). */
export const MARGIN_MODEL_NAMES = [
  'deribit-pm',
  'span-16',
  'paradex-pm',
  'derive-pm2',
  'standard',
  'es-fhs',
] as const;
export type MarginModelName = (typeof MARGIN_MODEL_NAMES)[number];

/** A grid model built per underlying (e.g. Deribit's BTC vs ETH tables, es-fhs per history). */
function perUnderlying(name: string, build: (underlying: string) => GridModelConfig): UnderlyingMarginModel {
  const byUnderlying = new Map<string, UnderlyingMarginModel>();
  return {
    name,
    margin(positions, market, ctx) {
      let m = byUnderlying.get(market.underlying);
      if (!m) {
        m = gridAccountModel(build(market.underlying));
        byUnderlying.set(market.underlying, m);
      }
      return m.margin(positions, market, ctx);
    },
  };
}

export interface MarginModelOptions {
  /** es-fhs: daily log returns of an underlying's history, oldest first. */
  readonly historyFor?: (underlying: string) => readonly number[] | undefined;
}

export function marginModel(name: MarginModelName, opts: MarginModelOptions = {}): UnderlyingMarginModel {
  switch (name) {
    case 'deribit-pm':
    case 'span-16':
    case 'paradex-pm':
      return perUnderlying(name, (u) => gridPreset(name as GridPresetName, u));
    case 'es-fhs':
      return perUnderlying(name, (u) => {
        const history = opts.historyFor?.(u);
        if (!history) {
          throw new BackstopError(
            'BAD_ARGUMENT',
            `es-fhs needs the price history of ${u} (--history ${u}=FILE)`,
            { underlying: u },
          );
        }
        return esFhs({ dailyLogReturns: history, name: `es-fhs:${u}` });
      });
    case 'derive-pm2':
      return derivePm2AccountModel();
    case 'standard':
      return standardAccountModel();
  }
}
