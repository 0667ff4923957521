/**
 * Grid-model presets by name. Each builds a `GridModelConfig` for `gridMargin`; sources and
 * approximations per preset in docs/presets/{deribit-pm,span-16,paradex-pm}.md.
 */
import { BackstopError } from '../../../core/errors.ts';
import type { GridModelConfig } from '../grid-model.ts';
import { type DeribitPmOptions, type DeribitUnderlying, deribitPm } from './deribit-pm.ts';
import { type ParadexPmParams, paradexPm } from './paradex-pm.ts';
import { type Span16Options, span16 } from './span-16.ts';

export type {
  DeribitPmOptions,
  DeribitPmParams,
  DeribitSettlement,
  DeribitUnderlying,
} from './deribit-pm.ts';
export { DERIBIT_CURRENCY_PARAMS, DERIBIT_PAIR_PARAMS, deribitPm, deribitPmParams } from './deribit-pm.ts';
export type { ParadexPmParams, ParadexTail } from './paradex-pm.ts';
export { PARADEX_PM_PARAMS, paradexPm, paradexTails } from './paradex-pm.ts';
export type { Span16Options } from './span-16.ts';
export { SPAN16_DEFAULTS, span16, span16Scenarios } from './span-16.ts';

export type GridPresetName = 'deribit-pm' | 'span-16' | 'paradex-pm';

/** Options accepted by each preset. */
export interface GridPresetOptions {
  readonly 'deribit-pm': DeribitPmOptions;
  readonly 'span-16': Span16Options;
  readonly 'paradex-pm': Partial<ParadexPmParams>;
}

export const GRID_PRESETS: {
  readonly [K in GridPresetName]: (opts?: GridPresetOptions[K]) => GridModelConfig;
} = {
  'deribit-pm': (opts) => deribitPm(opts),
  'span-16': (opts) => span16(opts),
  'paradex-pm': (opts) => paradexPm(opts),
};

export const GRID_PRESET_NAMES: readonly GridPresetName[] = ['deribit-pm', 'span-16', 'paradex-pm'];

export function isGridPresetName(name: string): name is GridPresetName {
  return (GRID_PRESET_NAMES as readonly string[]).includes(name);
}

/**
 * A preset with its defaults for an underlying. `deribit-pm` has parameters for BTC and ETH
 * (default BTC, coin-settled); `span-16` and `paradex-pm` use the same parameters for every
 * underlying and only carry it in the model name.
 */
export function gridPreset(name: GridPresetName, underlying?: string): GridModelConfig {
  switch (name) {
    case 'deribit-pm': {
      const u = underlying ?? 'BTC';
      if (u !== 'BTC' && u !== 'ETH')
        throw new BackstopError('BAD_ARGUMENT', `deribit-pm has parameters for BTC and ETH, not ${u}`, {
          underlying: u,
        });
      return deribitPm({ underlying: u satisfies DeribitUnderlying });
    }
    case 'span-16':
      return span16(underlying === undefined ? {} : { name: `span-16:${underlying}` });
    case 'paradex-pm': {
      const c = paradexPm();
      return underlying === undefined ? c : { ...c, name: `paradex-pm:${underlying}` };
    }
    default:
      throw new BackstopError('BAD_ARGUMENT', `unknown grid preset ${String(name)}`, { name: String(name) });
  }
}
