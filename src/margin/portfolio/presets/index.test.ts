import { describe, expect, it } from 'vitest';
import { GRID_PRESET_NAMES, GRID_PRESETS, gridPreset, isGridPresetName } from './index.ts';

describe('grid preset registry', () => {
  it('every preset builds a config with defaults and with options', () => {
    for (const name of GRID_PRESET_NAMES) {
      const c = GRID_PRESETS[name]();
      expect(c.scenarios.length).toBeGreaterThan(0);
      expect(c.mmFactor).toBeGreaterThan(0);
      expect(c.scenarios.every((s) => s.weight >= 0 && s.weight <= 1 && s.move > -1)).toBe(true);
    }
    expect(GRID_PRESETS['deribit-pm']({ underlying: 'ETH' }).name).toBe('deribit-pm:ETH');
    expect(GRID_PRESETS['span-16']({ extremeMultiple: 3 }).scenarios[14]?.move).toBeCloseTo(3 * 0.164, 12);
    expect(GRID_PRESETS['paradex-pm']({ mmFactor: 0.6 }).mmFactor).toBe(0.6);
  });

  it('gridPreset by name and underlying', () => {
    expect(gridPreset('deribit-pm').name).toBe('deribit-pm:BTC');
    expect(gridPreset('deribit-pm', 'ETH').scenarios).toHaveLength(35);
    expect(() => gridPreset('deribit-pm', 'SOL')).toThrow(/BTC and ETH/);
    expect(gridPreset('span-16', 'ES').name).toBe('span-16:ES');
    expect(gridPreset('paradex-pm', 'BTC').name).toBe('paradex-pm:BTC');
    expect(gridPreset('paradex-pm').scenarios).toHaveLength(24);
    expect(isGridPresetName('span-16')).toBe(true);
    expect(isGridPresetName('span-17')).toBe(false);
  });
});
