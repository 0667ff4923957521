import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { loadServeConfig } from './config.ts';
import { startServer } from './serve.ts';
import { openingEvents } from './test-helpers.ts';

describe('backstop serve with a ws-json feed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'backstop-feed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores the feed’s events in batches and quarantines its bad messages with their reason', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    wss.on('connection', (ws) => {
      const events = openingEvents();
      ws.send(JSON.stringify(events.slice(0, 2))); // an array of events is one message
      for (const e of events.slice(2)) ws.send(JSON.stringify(e));
      ws.send('{"kind":"index-price","instrument":"BTC","tsUs":1,"price":-5'); // cut short
      ws.send(JSON.stringify({ kind: 'index-price', instrument: 'BTC', tsUs: 2, price: 'x' }));
    });
    const server = await startServer(
      loadServeConfig(
        null,
        {},
        {
          port: 0,
          dataDir: dir,
          logLevel: 'silent',
          heartbeatMs: 86_400_000,
          feeds: [{ type: 'ws-json', name: 'venue', url: `ws://127.0.0.1:${port}` }],
        },
      ),
    );
    try {
      const deadline = Date.now() + 10_000;
      let q = await server.store.readQuarantine(0, 100);
      while ((server.service.events < 5 || q.length < 2) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        q = await server.store.readQuarantine(0, 100);
      }
      expect(server.service.events).toBe(5);
      expect(server.service.engine.margin.positionsOf('alice').map((p) => p.qtyContracts)).toEqual([1]);
      expect(q.map((x) => [x.code, x.source])).toEqual([
        ['BAD_JSON', 'feed:venue:5'], // message 1 held two events, 2–4 one each
        ['BAD_FIELD', 'feed:venue:6'],
      ]);
      expect(q[1]?.reason).toContain('/price');
    } finally {
      await server.close();
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    }
  });
});
