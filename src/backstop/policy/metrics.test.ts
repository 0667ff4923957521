import { describe, expect, it } from 'vitest';
import type { MonitorRow } from '../../liquidity/monitor.ts';
import type { MarginBook } from '../../margin/margin-book.ts';
import { MetricBook } from './metrics.ts';

const H = 3_600_000_000;
const row = (instrument: string, tsUs: number, mid: number | null) =>
  ({ instrument, tsUs, mid }) as unknown as MonitorRow;
// price-move reads monitor rows only; the margin book is never asked
const noMargin = {} as MarginBook;

describe('MetricBook: price-move', () => {
  const specs = {
    drop1h: { source: 'price-move', direction: 'down', windowUs: H },
    rise1h: { source: 'price-move', direction: 'up', windowUs: H },
    either4h: { source: 'price-move', direction: 'either', windowUs: 4 * H },
    dropY: { source: 'price-move', direction: 'down', windowUs: H, instrument: 'Y' },
  } as const;

  it('measures the latest mid against the window extremes, by hand', () => {
    const m = new MetricBook(specs, noMargin, null);
    expect(m.values(0)).toEqual({ drop1h: null, rise1h: null, either4h: null, dropY: null });
    m.onRow(row('X', 0, 100)); // 4 h window: 100
    m.onRow(row('X', 1 * H, 120)); // high
    m.onRow(row('X', 2 * H, 110));
    m.onRow(row('X', 2.5 * H, 90));
    m.onRow(row('X', 3 * H, 99));
    // 1 h window at 3 h: mids 90 (2.5 h) and 99 (3 h, and 2 h is exactly 1 h back: included)
    // down: 1 − 99 / 110 = 0.1; up: 99 / 90 − 1 = 0.1
    // 4 h window: high 120, low 90 → down 1 − 99 / 120 = 0.175, up 0.1 → either 0.175
    const v = m.values(3 * H);
    expect(v.drop1h).toBeCloseTo(0.1, 12);
    expect(v.rise1h).toBeCloseTo(0.1, 12);
    expect(v.either4h).toBeCloseTo(0.175, 12);
    expect(v.dropY).toBeNull();
  });

  it('takes the largest move over instruments unless one is named, and survives a snapshot', () => {
    const m = new MetricBook(specs, noMargin, null);
    m.onRow(row('X', 0, 100));
    m.onRow(row('X', H / 2, 95)); // X down 5 %
    m.onRow(row('Y', 0, 200));
    m.onRow(row('Y', H / 2, 180)); // Y down 10 %
    m.onRow(row('Y', H / 2 + 1, null)); // a row without a mid changes nothing
    expect(m.values(H / 2).drop1h).toBeCloseTo(0.1, 12);
    expect(m.values(H / 2).dropY).toBeCloseTo(0.1, 12);
    const copy = new MetricBook(specs, noMargin, null);
    copy.restoreState(JSON.parse(JSON.stringify(m.exportState())));
    expect(copy.values(H / 2)).toEqual(m.values(H / 2));
    // four and a half hours later Y's earlier mids are outside every window
    m.onRow(row('Y', 5 * H, 170));
    expect(m.values(5 * H).dropY).toBeCloseTo(0, 12);
  });
});
