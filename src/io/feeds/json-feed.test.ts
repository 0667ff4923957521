import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { SourceItem } from '../../runtime/merge.ts';
import { jsonFeedSource } from './json-feed.ts';

async function drain(items: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const i of items) out.push(i);
  return out;
}

describe('jsonFeedSource', () => {
  it('passes events on in order, stamped with the feed and message number, and quarantines the rest', async () => {
    const socket = new EventEmitter();
    const { source, counters } = jsonFeedSource(socket, { name: 'ws-test' });
    const idx = { kind: 'index-price', tsUs: 10, instrument: 'BTC', price: 100_000 };
    socket.emit('message', JSON.stringify(idx));
    socket.emit('message', Buffer.from('{"kind":"index-price",'));
    socket.emit(
      'message',
      JSON.stringify([
        { kind: 'trade', tsUs: 11, instrument: 'BTC-PERP', price: 99_990, qty: 0.5, side: 'sell', id: null },
        {
          kind: 'trade',
          tsUs: 12,
          instrument: 'BTC-PERP',
          price: 99_990,
          qty: 0.5,
          side: 'sideways',
          id: null,
        },
        { kind: 'nonsense', tsUs: 13 },
      ]),
    );
    socket.emit('message', JSON.stringify({ ...idx, tsUs: 1.5 }));
    socket.emit('message', JSON.stringify({ ...idx, extra: 1 }));
    socket.emit('close');
    const items = await drain(source.items);
    expect(counters).toEqual({ messages: 5, events: 2, rejected: 5 });
    const ok = items.filter((i) => i.ok).map((i) => (i.ok ? i.event : null));
    expect(ok).toEqual([
      { ...idx, src: { file: 'ws-test', line: 1 } },
      {
        kind: 'trade',
        tsUs: 11,
        instrument: 'BTC-PERP',
        price: 99_990,
        qty: 0.5,
        side: 'sell',
        id: null,
        src: { file: 'ws-test', line: 3 },
      },
    ]);
    const bad = items.flatMap((i) => (i.ok ? [] : [i.rejection]));
    expect(bad.map((r) => [r.line, r.code, r.field])).toEqual([
      [2, 'BAD_JSON', null],
      [3, 'BAD_FIELD', '/1/side'],
      [3, 'BAD_FIELD', '/2/kind'],
      [4, 'BAD_FIELD', '/tsUs'],
      [5, 'BAD_FIELD', '/extra'],
    ]);
    expect(bad[0]?.raw).toBe('{"kind":"index-price",');
    expect(bad[2]?.reason).toMatch(/unknown event kind "nonsense"/);
  });

  it('a socket error is recorded as a rejection and ends the feed', async () => {
    const socket = new EventEmitter();
    const { source, counters } = jsonFeedSource(socket, { name: 'ws-err' });
    socket.emit('error', new Error('connection reset'));
    socket.emit('message', '{"kind":"timer","tsUs":1}'); // after the end: ignored, not queued
    const items = await drain(source.items);
    expect(items).toEqual([
      {
        ok: false,
        rejection: {
          file: 'ws-err',
          line: 0,
          code: 'FEED_ERROR',
          field: null,
          value: null,
          reason: 'socket error: connection reset',
          raw: '',
        },
      },
    ]);
    expect(counters.rejected).toBe(1);
  });
});
