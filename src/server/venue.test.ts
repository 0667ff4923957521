import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createKey } from './auth/api-keys.ts';
import { loadServeConfig } from './config.ts';
import { startServer } from './serve.ts';

const MARKET = fileURLToPath(
  new URL('../../test/fixtures/margin/deribit-eth-perp-market.json', import.meta.url),
);
const T = Date.UTC(2026, 1, 15, 12) * 1000;

/**
 * A configured venue (docs/operations.md, "Venue"): Deribit's ETH perpetual margined by the
 * `deribit-pm` preset. Fed the account of Deribit's recorded portfolio-margin response over the
 * API, the live service must give Deribit's numbers (../shared/conformance/deribit-pm,
 * recorded-response.md: IM 0.157461562265, MM 0.125969249812 ETH), as `backstop margin` does.
 */
describe('backstop serve with a configured venue', () => {
  const dir = mkdtempSync(join(tmpdir(), 'backstop-venue-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('margins Deribit’s recorded short ETH perpetual to Deribit’s published IM and MM', async () => {
    const server = await startServer(
      loadServeConfig(
        null,
        {},
        {
          port: 0,
          dataDir: dir,
          logLevel: 'silent',
          heartbeatMs: 86_400_000,
          venue: { instruments: MARKET, marginModel: 'deribit-pm' },
        },
      ),
    );
    try {
      const { key } = await createKey(server.store, ['read', 'ingest'], 'test', 1);
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const qty = 1948.34009189502;
      const fill = (eventId: string, account: string, q: number) => ({
        kind: 'fill',
        eventId,
        account,
        instrument: 'ETH-PERPETUAL',
        qtyContracts: q,
        price: 1949.34,
        fee: '0',
        tsUs: T,
      });
      const r = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          events: [
            { kind: 'index-price', instrument: 'ETH', tsUs: T, price: 1949.34 },
            {
              kind: 'transfer',
              eventId: 'd-mm',
              account: 'market-maker',
              currency: 'ETH',
              amount: '1000',
              tsUs: T,
            },
            {
              kind: 'transfer',
              eventId: 'd-1',
              account: 'deribit-recorded',
              currency: 'ETH',
              amount: '1',
              tsUs: T,
            },
            fill('f-1', 'deribit-recorded', -qty),
            fill('f-mm', 'market-maker', qty),
          ],
        }),
      });
      expect(await r.json()).toMatchObject({ accepted: 5, rejected: [] });
      interface Pool {
        currency: string;
        im: number;
        mm: number;
        underlyings: { explain: { binding: { move: number } } }[];
      }
      const get = async <T>(path: string) =>
        (await (await fetch(`${server.url}${path}`, { headers })).json()) as T;
      expect(
        (await get<{ instruments: { id: string }[] }>('/v1/instruments')).instruments.map((i) => i.id),
      ).toEqual(['ETH-PERPETUAL']);
      const m = await get<{ model: string; pools: Pool[] }>('/v1/accounts/deribit-recorded/margin?explain=1');
      expect(m.model).toBe('live');
      const pool = m.pools[0] as Pool;
      expect(pool.currency).toBe('ETH');
      expect(Math.abs(pool.im - 0.157461562265)).toBeLessThan(1e-9);
      expect(Math.abs(pool.mm - 0.125969249812)).toBeLessThan(1e-9);
      expect(pool.underlyings[0]?.explain.binding.move).toBe(0.18);
    } finally {
      await server.close();
    }
  });

  it('refuses a venue whose underlying the preset has no parameters for, at start', async () => {
    const bad = join(dir, 'sol.json');
    (await import('node:fs')).writeFileSync(
      bad,
      JSON.stringify({
        instruments: [
          {
            kind: 'perpetual',
            id: 'SOL-PERP',
            baseCurrency: 'SOL',
            quoteCurrency: 'USD',
            settlement: 'linear',
            settlementCurrency: 'USDC',
            contractSize: 1,
            tickSize: 0.01,
          },
        ],
      }),
    );
    await expect(
      startServer(
        loadServeConfig(
          null,
          {},
          {
            port: 0,
            dataDir: join(dir, 'sol'),
            logLevel: 'silent',
            venue: { instruments: bad, marginModel: 'deribit-pm' },
          },
        ),
      ),
    ).rejects.toThrow(/deribit-pm has parameters for BTC and ETH, not SOL/);
  });
});
