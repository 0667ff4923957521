import { PassThrough } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { openingEvents, testService } from './test-helpers.ts';

describe('ingest rate limit and logs', () => {
  it('429 past the per-key limit; the request log never carries a key', async () => {
    const sink = new PassThrough();
    let log = '';
    sink.on('data', (d) => (log += String(d)));
    const s = await testService({
      logger: pino({ level: 'info' }, sink),
      ingestRateLimit: { max: 2, timeWindowMs: 60_000 },
    });
    try {
      const post = (key: string) =>
        s.app.inject({
          method: 'POST',
          url: '/v1/events',
          headers: { authorization: `Bearer ${key}` },
          payload: { events: openingEvents().slice(0, 1) },
        });
      expect((await post(s.keys.ingest)).statusCode).toBe(200);
      expect((await post(s.keys.ingest)).statusCode).toBe(200);
      const third = await post(s.keys.ingest);
      expect(third.statusCode).toBe(429);
      expect(third.json().error).toBe('RATE_LIMITED');
      // the limit is per key: another key still gets in
      expect((await post(s.keys.all)).statusCode).toBe(200);
      // a read is not limited
      for (let i = 0; i < 5; i++)
        expect(
          (await s.app.inject({ url: '/v1/fund', headers: { authorization: `Bearer ${s.keys.read}` } }))
            .statusCode,
        ).toBe(200);
      await new Promise((r) => setTimeout(r, 50));
      expect(log).toContain('request completed');
      for (const key of Object.values(s.keys)) {
        expect(log).not.toContain(key.slice(21)); // the secret part
      }
      expect(log.toLowerCase()).not.toContain('bearer');
    } finally {
      await s.close();
    }
  });
});
