import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type SkewShock, shockedVol, skewMultiplier } from './scenarios.ts';

const dir = fileURLToPath(new URL('../../../test/fixtures/conformance/derive-pm2/', import.meta.url));

describe('skew scenarios', () => {
  it('reproduce Derive PM2’s published linear and abs multipliers (fixture files, every option)', () => {
    let checked = 0;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      const d = JSON.parse(readFileSync(dir + f, 'utf8'));
      const p = d.Parameters.SkewShock;
      const shock = (shape: 'linear' | 'abs'): SkewShock => ({
        shape,
        sign: 1,
        capBase: shape === 'linear' ? p.LINEAR_CBASE : p.ABS_CBASE,
        capScale: shape === 'linear' ? p.LINEAR_SCALE_CAP : p.ABS_SCALE_CAP,
        minKStar: p.MIN_K_STAR,
        minWidthScale: p.MIN_WIDTH_SCALE,
        volParamStatic: p.VOL_PARAM_STATIC,
        volParamScale: p.VOL_PARAM_SCALE,
      });
      for (const o of d.Scenario.Options) {
        if (o.Expiry <= 0) continue;
        const feed = d.Scenario.OptionFeeds.find((x: { FeedExpiry: number }) => x.FeedExpiry === o.Expiry);
        const t = o.Expiry / 31_536_000;
        const k = Math.log(o.Strike / feed.Forward);
        // The files' multipliers are before the max(0, ·) floor; compare where they are positive.
        if (o.linear_multiplier > 0)
          expect(skewMultiplier(shock('linear'), k, t)).toBeCloseTo(o.linear_multiplier, 12);
        else expect(skewMultiplier(shock('linear'), k, t)).toBe(0);
        expect(skewMultiplier(shock('abs'), k, t)).toBeCloseTo(o.abs_multiplier, 12);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3);
  });

  it('vol shocks scale with time to expiry (hand-computed)', () => {
    const spec = {
      mode: 'relative' as const,
      upFrac: 0.5,
      downFrac: 0.25,
      pivotDays: 30,
      floorDays: 1,
      shortTermPower: 0.3,
      longTermPower: 0.13,
      minVolUp: 0.5,
    };
    // 7 days: τ = 30/7, p = 0.3 → up = 1 + 0.5 × (30/7)^0.3
    expect(shockedVol(spec, 0.6, 'up', 7)).toBeCloseTo(0.6 * (1 + 0.5 * (30 / 7) ** 0.3), 12);
    // 90 days: τ = 1/3, p = 0.13 → down = 1 − 0.25 × (1/3)^0.13
    expect(shockedVol(spec, 0.6, 'down', 90)).toBeCloseTo(0.6 * (1 - 0.25 * (1 / 3) ** 0.13), 12);
    // the floor on up rows
    expect(shockedVol(spec, 0.2, 'up', 365)).toBe(0.5);
    expect(shockedVol({ ...spec, mode: 'absolute', upFrac: 0.05 }, 0.6, 'up', 7)).toBeCloseTo(0.65, 12);
  });
});
