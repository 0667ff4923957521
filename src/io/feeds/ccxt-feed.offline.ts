import { type CcxtExchangeOptions, type CcxtWatcher, loadCcxtExchange } from './ccxt-feed.ts';

/**
 * A real ccxt pro exchange with its network cut off, for recorded-message replays (tests, the
 * fixture script `scripts/ccxt-fixtures.ts`, drills): its markets are given, not fetched, its
 * WebSocket clients "connect" without a socket and swallow what they send, and raw venue
 * messages are fed by hand through ccxt's own client (`onMessage`: JSON decoding, then the
 * exchange's `handleMessage`). Every parse and cache step is ccxt's. HTTP calls throw.
 */

/** The parts of ccxt's WsClient touched here (ccxt/js/src/base/ws/{Client,WsClient}.js). */
interface WsClientLike {
  readonly url: string;
  readonly futures: Record<string, unknown>;
  readonly connected: { resolve(value: unknown): void };
  createConnection(): void;
  send(message: unknown): Promise<unknown>;
  onMessage(event: { data: unknown }): void;
}

/** The parts of ccxt's Exchange touched here (ccxt/js/src/base/Exchange.js). */
interface ExchangeInternals {
  clients?: Record<string, WsClientLike>;
  client(url: string): WsClientLike;
  setMarkets(markets: unknown[]): unknown;
  fetch(url: string): Promise<unknown>;
}

export interface OfflineCcxtExchange {
  readonly exchange: CcxtWatcher;
  /** What the exchange sent on its sockets (subscription requests), in order. */
  readonly sent: unknown[];
  /**
   * Feeds one raw WebSocket message as the venue sends it (text, or a value to JSON-encode) to
   * the exchange's client for `url`, or to its only open client.
   */
  deliver(message: unknown, url?: string): void;
  /** Resolves once a watch call is waiting on each ccxt message hash (rejects after `timeoutMs`). */
  waitFor(hashes: readonly string[], timeoutMs?: number): Promise<void>;
}

export async function offlineCcxtExchange(
  id: string,
  markets: Readonly<Record<string, unknown>>,
  options: CcxtExchangeOptions = {},
): Promise<OfflineCcxtExchange> {
  const exchange = await loadCcxtExchange(id, options);
  const ex = exchange as unknown as ExchangeInternals;
  ex.setMarkets(Object.values(markets));
  ex.fetch = async (url: string) => {
    throw new Error(`offline ccxt ${id}: no HTTP (${url})`);
  };
  const sent: unknown[] = [];
  const patched = new WeakSet<WsClientLike>();
  const makeClient = ex.client.bind(ex);
  ex.client = (url: string) => {
    const c = makeClient(url);
    if (!patched.has(c)) {
      patched.add(c);
      c.createConnection = () => c.connected.resolve(url);
      c.send = async (message: unknown) => {
        sent.push(message);
        return null;
      };
    }
    return c;
  };
  const open = (): WsClientLike[] => Object.values(ex.clients ?? {});
  return {
    exchange,
    sent,
    deliver(message, url) {
      const clients = open().filter((c) => url === undefined || c.url === url);
      const client = clients[0];
      if (!client || clients.length > 1)
        throw new Error(
          `offline ccxt ${id}: ${clients.length} open clients${url ? ` for ${url}` : ''} (${open()
            .map((c) => c.url)
            .join(', ')}); pass the url`,
        );
      client.onMessage({ data: typeof message === 'string' ? message : JSON.stringify(message) });
    },
    async waitFor(hashes, timeoutMs = 5_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const missing = hashes.filter((h) => !open().some((c) => h in c.futures));
        if (missing.length === 0) return;
        if (Date.now() > until)
          throw new Error(`offline ccxt ${id}: no watch call is waiting on ${missing.join(', ')}`);
        await new Promise((r) => setTimeout(r, 1));
      }
    },
  };
}
