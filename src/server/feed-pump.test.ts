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

  it('stores the feed’s events in batches, quarantines its bad messages with their reason, reconnects', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    let connections = 0;
    wss.on('connection', (ws) => {
      connections++;
      if (connections === 1) {
        const events = openingEvents();
        ws.send(JSON.stringify(events.slice(0, 2))); // an array of events is one message
        for (const e of events.slice(2)) ws.send(JSON.stringify(e));
        ws.send('{"kind":"index-price","instrument":"BTC","tsUs":1,"price":-5'); // cut short
        ws.send(JSON.stringify({ kind: 'index-price', instrument: 'BTC', tsUs: 2, price: 'x' }));
        // the venue drops the connection: the service reconnects after 1 s
        setTimeout(() => ws.close(), 50);
        return;
      }
      const t = openingEvents()[0] as { tsUs: number };
      ws.send(
        JSON.stringify({ kind: 'index-price', instrument: 'BTC', tsUs: t.tsUs + 1_000_000, price: 50_500 }),
      );
      ws.send('not json');
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
      const deadline = Date.now() + 15_000;
      let q = await server.store.readQuarantine(0, 100);
      while ((server.service.events < 6 || q.length < 3) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        q = await server.store.readQuarantine(0, 100);
      }
      expect(connections).toBe(2);
      // 5 from the first connection, 1 from the second (no heartbeat timer: one-day period)
      expect(server.service.events).toBe(6);
      expect(server.service.engine.margin.market('BTC').spot).toBe(50_500);
      expect(server.service.engine.margin.positionsOf('alice').map((p) => p.qtyContracts)).toEqual([1]);
      expect(q.map((x) => [x.code, x.source])).toEqual([
        ['BAD_JSON', 'feed:venue:5'], // message 1 held two events, 2–4 one each
        ['BAD_FIELD', 'feed:venue:6'],
        ['BAD_JSON', 'feed:venue#2:2'],
      ]);
      expect(q[1]?.reason).toContain('/price');
    } finally {
      await server.close();
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    }
  });
});
