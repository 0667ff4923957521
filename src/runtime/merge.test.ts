import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../domain/events.ts';
import { type EventSource, mergeSources, type SourceItem } from './merge.ts';

const ev = (tsUs: number, instrument: string): SourceItem => ({
  ok: true,
  event: { kind: 'trade', instrument, tsUs, price: 1, qty: 1, side: 'buy', id: null },
});

async function* from(items: SourceItem[]): AsyncGenerator<SourceItem> {
  for (const i of items) yield i;
}

const source = (name: string, rank: number, items: SourceItem[]): EventSource => ({
  name,
  rank,
  items: from(items),
});

describe('mergeSources', () => {
  it('orders by (timestamp, source rank, sequence) and passes rejections through', async () => {
    const rejection: SourceItem = {
      ok: false,
      rejection: { file: 'b', line: 3, code: 'BAD_PRICE', field: 'price', value: '0', reason: 'x', raw: 'r' },
    };
    const a = source('a', 1, [ev(1, 'a1'), ev(5, 'a2'), ev(5, 'a3')]);
    const b = source('b', 0, [ev(5, 'b1'), rejection, ev(2, 'b2-late'), ev(9, 'b3')]);
    const out: string[] = [];
    for await (const item of mergeSources([a, b])) {
      out.push(
        item.ok
          ? `${item.event.tsUs}:${(item.event as EngineEvent & { instrument: string }).instrument}`
          : 'rejected',
      );
    }
    // b has the lower rank so b1 goes before a2/a3 at ts 5; a2 before a3 by sequence.
    // A late event within a source is not reordered across the source's own sequence.
    expect(out).toEqual(['1:a1', '5:b1', 'rejected', '2:b2-late', '5:a2', '5:a3', '9:b3']);
  });

  it('gives the same order for the same inputs (determinism)', async () => {
    const make = () => [source('x', 0, [ev(1, 'x1'), ev(1, 'x2')]), source('y', 0, [ev(1, 'y1')])];
    const collect = async () => {
      const out: string[] = [];
      for await (const i of mergeSources(make())) if (i.ok) out.push(JSON.stringify(i.event));
      return out;
    };
    expect(await collect()).toEqual(await collect());
  });
});
