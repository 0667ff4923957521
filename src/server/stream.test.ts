import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EngineEvent } from '../domain/events.ts';
import { CLOSE_FORBIDDEN, CLOSE_UNAUTHORIZED } from './stream-socket.ts';
import { MINUTE_US, openingEvents, T0_US, testService } from './test-helpers.ts';

type Svc = Awaited<ReturnType<typeof testService>>;

/** A client that records every message and the close code. */
function client(url: string) {
  const ws = new WebSocket(url);
  const messages: { type: string; topic?: string; data?: unknown; error?: string }[] = [];
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  const opened = new Promise<void>((resolve, reject) => {
    ws.on('open', () => resolve());
    ws.on('error', reject);
  });
  ws.on('message', (d) => messages.push(JSON.parse(String(d))));
  const until = async (pred: () => boolean, ms = 5_000) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out; got ${JSON.stringify(messages).slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { ws, messages, closed, opened, until, send: (v: unknown) => ws.send(JSON.stringify(v)) };
}

describe('GET /v1/stream', () => {
  let s: Svc;
  let url: string;
  beforeAll(async () => {
    s = await testService();
    const addr = await s.app.listen({ port: 0, host: '127.0.0.1' });
    url = `${addr.replace('http', 'ws')}/v1/stream`;
  });
  afterAll(() => s.close());

  it('closes with 4401 when the first message is not a valid auth, 4403 without the read scope', async () => {
    const a = client(url);
    await a.opened;
    a.send({ op: 'subscribe', topics: ['decisions'] });
    expect(await a.closed).toBe(CLOSE_UNAUTHORIZED);
    expect(a.messages).toEqual([{ type: 'error', error: 'UNAUTHORIZED' }]);
    const b = client(url);
    await b.opened;
    b.send({ op: 'auth', key: `${s.keys.read}x` });
    expect(await b.closed).toBe(CLOSE_UNAUTHORIZED);
    const c = client(url);
    await c.opened;
    c.send({ op: 'auth', key: s.keys.ingest });
    expect(await c.closed).toBe(CLOSE_FORBIDDEN);
  });

  it('streams only the subscribed topics, after the batch is stored', async () => {
    const c = client(url);
    await c.opened;
    // subscribe right behind auth: the server handles them in order
    c.send({ op: 'auth', key: s.keys.read });
    c.send({ op: 'subscribe', topics: ['decisions', 'monitor', 'prices'] });
    await c.until(() => c.messages.some((m) => m.type === 'subscribed'));
    expect(c.messages[0]).toMatchObject({
      type: 'ready',
      topics: ['decisions', 'tiers', 'monitor', 'fund', 'prices'],
    });

    const events: EngineEvent[] = [...openingEvents()];
    // one-minute index prints; the monitor closes a row per minute, and the market maker's
    // 1 BTC short is fine, alice's long loses: at 40 000 her equity is 0 → liquidated
    for (let k = 0; k <= 5; k++) {
      const price = 50_000 - 2_500 * k;
      const tsUs = T0_US + k * MINUTE_US;
      if (k > 0) events.push({ kind: 'index-price', instrument: 'BTC', tsUs, price });
      events.push({
        kind: 'book-snapshot',
        instrument: 'BTC-USDC-PERP',
        tsUs,
        bids: [[price - 5, 10]],
        asks: [[price + 5, 10]],
      });
    }
    const r = await s.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { authorization: `Bearer ${s.keys.ingest}` },
      payload: { events },
    });
    expect(r.statusCode).toBe(200);
    const decisions = r.json().decisions as number;
    await c.until(() => c.messages.filter((m) => m.topic === 'decisions').length === decisions);
    const streamed = c.messages.filter((m) => m.topic === 'decisions').map((m) => m.data as { kind: string });
    const audited = (await s.store.readAudit(0, 10_000)).map((l) => JSON.parse(l).decision);
    expect(streamed).toEqual(audited);
    expect(streamed.some((d) => d.kind === 'margin-state-change')).toBe(true);
    // prices: one per instrument per engine second; the perp's mark follows the index
    const prices = c.messages
      .filter((m) => m.topic === 'prices')
      .map((m) => m.data as { index: number; tsUs: number });
    expect(prices.map((p) => p.index)).toEqual([50_000, 47_500, 45_000, 42_500, 40_000, 37_500]);
    expect(c.messages.some((m) => m.topic === 'fund' || m.topic === 'tiers')).toBe(false);
    // monitor rows: one per closed minute
    const rows = c.messages.filter((m) => m.topic === 'monitor').map((m) => m.data as { tsUs: number });
    expect(rows.length).toBeGreaterThanOrEqual(4);
    const stored = await s.store.readSeries('monitor', 'BTC-USDC-PERP', 0, 100);
    expect(stored.map((p) => JSON.parse(p.value))).toEqual(rows);
    // the read endpoints serve the same rows: history (newest `limit`, oldest first) and the latest
    const get = async (url: string) =>
      (await s.app.inject({ url, headers: { authorization: `Bearer ${s.keys.read}` } })).json();
    expect((await get('/v1/liquidity/history?instrument=BTC-USDC-PERP')).rows).toEqual(rows);
    expect((await get('/v1/liquidity/history?instrument=BTC-USDC-PERP&limit=2')).rows).toEqual(
      rows.slice(-2),
    );
    expect((await get(`/v1/liquidity/history?instrument=BTC-USDC-PERP&since=${rows[1]?.tsUs}`)).rows).toEqual(
      rows.slice(1),
    );
    expect((await get('/v1/liquidity')).rows).toEqual([rows.at(-1)]);
    expect((await get('/v1/decisions?limit=1000')).decisions).toEqual(audited);
    expect((await get('/v1/decisions?limit=3')).decisions).toEqual(audited.slice(-3));
    c.ws.close();
  });
});
