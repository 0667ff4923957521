import { describe, expect, it } from 'vitest';
import { book, deposit, fill, index } from '../../test/liquidation-fixtures.ts';
import { defaultLiquidatorConfig } from '../backstop/liquidator/config.ts';
import { SeededRng } from '../core/rng.ts';
import type { Decision } from '../domain/decisions.ts';
import type { EngineEvent } from '../domain/events.ts';
import type { Instrument } from '../domain/instrument.ts';
import { gridPreset } from '../margin/portfolio/presets/index.ts';
import { defaultEngineConfig, Engine } from './engine.ts';

const PERP: Instrument = {
  kind: 'perpetual',
  id: 'BTC-PERP',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USD',
  contractSize: 1,
  tickSize: 0.5,
  fundingIntervalUs: 8 * 3600e6,
};

function engine(bandSkip: boolean): Engine {
  return new Engine(
    defaultEngineConfig({
      instruments: [PERP],
      margin: { modelFor: () => gridPreset('deribit-pm', 'BTC'), defaultVol: 0.6, bandSkip },
      liquidation: defaultLiquidatorConfig({ funds: { USD: { opening: '20000' } } }),
    }),
  );
}

function events(seed: number): EngineEvent[] {
  const rng = new SeededRng(seed);
  const names = Array.from({ length: 30 }, (_, i) => `a${i}`);
  let price = 100_000;
  let n = 0;
  const out: EngineEvent[] = [index(1, price)];
  for (let t = 2; t < 1_500; t++) {
    const r = rng.nextFloat();
    const who = () => names[rng.nextInt(0, names.length - 1)] as string;
    if (r < 0.1) out.push(deposit(t, who(), String(rng.nextInt(500, 20_000)), `d${n++}`));
    else if (r < 0.3) {
      const q = rng.nextInt(1, 40) / 20;
      out.push(fill(t, who(), q, price, `f${n++}`), fill(t, who(), -q, price, `f${n++}`));
    } else if (r < 0.95) {
      price *= 1 + (rng.nextFloat() - 0.5) * 0.01;
      out.push(index(t, price));
    } else {
      out.push(book(t, [[price * 0.999, 3]], [[price * 1.001, 3]]));
    }
  }
  return out;
}

describe('margin band skip', () => {
  it('skipping re-margins inside the state band changes nothing: same decisions, same state', () => {
    let skipped = 0;
    for (const seed of [1, 2, 3]) {
      const on = engine(true);
      const off = engine(false);
      const dOn: Decision[] = [];
      const dOff: Decision[] = [];
      for (const e of events(seed)) {
        dOn.push(...on.handle(e));
        dOff.push(...off.handle(e));
        // reading figures refreshes them: the snapshot of every account agrees at every step
        if (e.tsUs % 97 === 0) {
          for (const id of on.margin.accountIds())
            expect(on.margin.snapshot(id)).toEqual(off.margin.snapshot(id));
        }
      }
      expect(dOn).toEqual(dOff);
      expect(on.exportState()).toEqual(off.exportState());
      expect(dOn.some((d) => d.kind === 'liquidation-order')).toBe(true);
      // and it does skip: most index moves re-margin nobody whose state could not change
      expect(on.margin.counters.skipped).toBeGreaterThan(0);
      expect(on.margin.counters.remargins).toBeLessThan(off.margin.counters.remargins);
      skipped += on.margin.counters.skipped;
    }
    expect(skipped).toBeGreaterThan(1_000);
  });
});
