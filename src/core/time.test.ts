import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDurationMicros, toIsoMicros } from './time.ts';

describe('time', () => {
  it('formats microseconds as ISO-8601 UTC', () => {
    expect(toIsoMicros(1585699200245000)).toBe('2020-04-01T00:00:00.245000Z');
    expect(toIsoMicros(1759536000061015)).toBe('2025-10-04T00:00:00.061015Z');
    expect(toIsoMicros(0)).toBe('1970-01-01T00:00:00.000000Z');
  });

  it('agrees with Date for any millisecond instant 1970..2200 (second method)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7_258_118_400_000 }),
        fc.integer({ min: 0, max: 999 }),
        (ms, us) => {
          const iso = toIsoMicros(ms * 1000 + us);
          return iso === `${new Date(ms).toISOString().slice(0, 23)}${String(us).padStart(3, '0')}Z`;
        },
      ),
      { seed: 1, numRuns: 1000 },
    );
  });

  it('parses durations', () => {
    expect(parseDurationMicros('1s')).toBe(1_000_000);
    expect(parseDurationMicros('1m')).toBe(60_000_000);
    expect(parseDurationMicros('15m')).toBe(900_000_000);
    expect(parseDurationMicros('250ms')).toBe(250_000);
    expect(parseDurationMicros('1h')).toBe(3_600_000_000);
    expect(parseDurationMicros('0s')).toBeNull();
    expect(parseDurationMicros('1 fortnight')).toBeNull();
  });
});
