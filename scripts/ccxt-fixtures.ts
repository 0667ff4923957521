/**
 * Regenerates the ccxt feed fixtures (test/fixtures/ccxt/, see PROVENANCE.md there) from data
 * ccxt itself stores, with the installed ccxt doing every parse:
 *
 * - ws-messages.json: raw venue WebSocket messages, the JSON examples in the comments of
 *   node_modules/ccxt/js/src/pro/{bybit,binance}.js (elided `...` levels dropped);
 * - unified.json: what ccxt makes of them and of the recorded REST responses in
 *   recorded/binance-rest.json: the WS messages go through a real ccxt pro exchange with its
 *   network cut off (src/io/feeds/ccxt-feed.offline.ts), the REST responses through ccxt's
 *   parseOrderBook / parseTrade / parseTicker. The script checks the REST results against the
 *   `parsedResponse` ccxt recorded with them.
 *
 * Usage: npx tsx scripts/ccxt-fixtures.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { offlineCcxtExchange } from '../src/io/feeds/ccxt-feed.offline.ts';

const DIR = 'test/fixtures/ccxt';
const ccxtMain = fileURLToPath(import.meta.resolve('ccxt'));
const ccxtRoot = ccxtMain.slice(
  0,
  ccxtMain.lastIndexOf('/node_modules/ccxt/') + '/node_modules/ccxt/'.length,
);
const ccxtVersion = (JSON.parse(readFileSync(`${ccxtRoot}package.json`, 'utf8')) as { version: string })
  .version;

interface Example {
  readonly file: string;
  readonly method: string;
  readonly line: number;
  readonly message: Record<string, unknown>;
}

/**
 * The JSON objects in the `//` comment block right under `signature` in a ccxt source file.
 * Inline `// …` notes, `...` elisions and trailing commas are removed before parsing.
 */
function commentExamples(relFile: string, signature: string): Example[] {
  const lines = readFileSync(`${ccxtRoot}${relFile}`, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.trim() === signature);
  if (at < 0) throw new Error(`"${signature}" not found in ${relFile}`);
  const block: { text: string; line: number }[] = [];
  for (let i = at + 1; i < lines.length; i++) {
    const t = (lines[i] as string).trim();
    if (!t.startsWith('//')) break;
    const text = t.slice(2).replace(/\s\/\/.*$/, '');
    if (text.trim() === '...,' || text.trim() === '...') continue;
    block.push({ text, line: i + 1 });
  }
  const out: Example[] = [];
  let depth = 0;
  let start = -1;
  for (let k = 0; k < block.length; k++) {
    const { text } = block[k] as { text: string };
    for (const c of text.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
      if (c === '{' || c === '[') {
        if (depth === 0 && c === '{') start = k;
        depth++;
      } else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0 && start >= 0) {
          const src = block
            .slice(start, k + 1)
            .map((b) => b.text)
            .join('\n')
            .replace(/,(\s*[}\]])/g, '$1');
          out.push({
            file: `node_modules/ccxt/${relFile}`,
            method: signature.replace(/\s*\{$/, ''),
            line: (block[start] as { line: number }).line,
            message: JSON.parse(src) as Record<string, unknown>,
          });
          start = -1;
        }
      }
    }
  }
  return out;
}

function pick(examples: Example[], test: (m: Record<string, unknown>) => boolean, what: string): Example {
  const e = examples.find((x) => test(x.message));
  if (!e) throw new Error(`no ${what} example`);
  return e;
}

const dataOf = (m: Record<string, unknown>) => (m.data ?? {}) as Record<string, unknown>;
const bybitBook = pick(
  commentExamples('js/src/pro/bybit.js', 'handleOrderBook(client, message) {'),
  (m) => m.topic === 'orderbook.50.BTCUSDT' && m.type === 'snapshot',
  'bybit order book snapshot',
);
const bybitTrades = pick(
  commentExamples('js/src/pro/bybit.js', 'handleTrades(client, message) {'),
  (m) => m.topic === 'publicTrade.BTCUSDT',
  'bybit public trade',
);
const bybitTicker = pick(
  commentExamples('js/src/pro/bybit.js', 'handleTicker(client, message) {'),
  (m) => m.topic === 'tickers.BTCUSDT' && m.type === 'snapshot' && dataOf(m).markPrice !== undefined,
  'bybit linear ticker snapshot',
);
const binanceMark = pick(
  commentExamples('js/src/pro/binance.js', 'parseWsTicker(message, marketType) {'),
  (m) => m.e === 'markPriceUpdate' && m.s === 'BTCUSDT',
  'binance markPriceUpdate',
);

const markets = JSON.parse(readFileSync(`${DIR}/recorded/markets.json`, 'utf8')) as Record<
  string,
  { markets: Record<string, unknown> }
>;
const rest = JSON.parse(readFileSync(`${DIR}/recorded/binance-rest.json`, 'utf8')) as {
  methods: Record<string, { httpResponse: unknown; parsedResponse: unknown }[]>;
};

/** A plain-JSON copy of a ccxt structure (its order book sides are Array subclasses). */
const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

type Watch = (symbol: string, limit?: number) => Promise<unknown>;
const SYMBOL = 'BTC/USDT:USDT';

// bybit: the three messages through a real ccxt.pro.bybit (order book snapshots come in-band)
const bybit = await offlineCcxtExchange('bybit', markets.bybit?.markets ?? {});
const bx = bybit.exchange as unknown as Record<string, Watch>;
const pending = {
  orderbook: (bx.watchOrderBook as Watch).call(bx, SYMBOL, 50),
  trades: (bx.watchTrades as Watch).call(bx, SYMBOL),
  ticker: (bx.watchTicker as Watch).call(bx, SYMBOL),
};
await bybit.waitFor([`orderbook:${SYMBOL}`, `trade:${SYMBOL}`, `ticker:${SYMBOL}`]);
for (const e of [bybitBook, bybitTrades, bybitTicker]) bybit.deliver(e.message);
const bybitUnified = {
  [`orderbook:${SYMBOL}`]: plain(await pending.orderbook),
  [`trades:${SYMBOL}`]: plain(await pending.trades),
  [`ticker:${SYMBOL}`]: plain(await pending.ticker),
};
await bybit.exchange.close();

// binance: the mark price stream through a real ccxt.pro.binance; REST responses through the parsers
const binance = await offlineCcxtExchange('binance', markets.binance?.markets ?? {});
const bn = binance.exchange as unknown as Record<string, (...a: unknown[]) => unknown>;
const markPending = (bn.watchMarkPrice as Watch).call(bn, SYMBOL);
await binance.waitFor([`markPrice:markPrice@${SYMBOL}`]);
binance.deliver(binanceMark.message);
const markTicker = plain(await markPending);

const call = (name: string, ...args: unknown[]) => (bn[name] as (...a: unknown[]) => unknown).apply(bn, args);
const restCase = (method: string) => {
  const c = rest.methods[method]?.[0];
  if (!c) throw new Error(`no ${method} case`);
  return c;
};
const bookCase = restCase('fetchOrderBook');
// as binance.fetchOrderBook does with the response: time from T, nonce from lastUpdateId
const restBook = plain(
  call('parseOrderBook', bookCase.httpResponse, SYMBOL, call('safeInteger', bookCase.httpResponse, 'T')),
) as Record<string, unknown>;
restBook.nonce = call('safeInteger2', bookCase.httpResponse, 'lastUpdateId', 'u');
const tradesCase = restCase('fetchTrades');
const restTrades = plain(call('parseTrades', tradesCase.httpResponse)) as Record<string, unknown>[];
const tickerCase = restCase('fetchTicker');
const restTicker = plain(call('parseTicker', tickerCase.httpResponse)) as Record<string, unknown>;
await binance.exchange.close();

// the REST parses must agree with what ccxt recorded with the responses
const same = (what: string, a: unknown, b: unknown) => {
  if (!isDeepStrictEqual(a, b))
    throw new Error(`${what}: ccxt ${ccxtVersion} gives ${JSON.stringify(a)}, recorded ${JSON.stringify(b)}`);
};
const rec = (x: unknown) => x as Record<string, unknown>;
const keep = (x: Record<string, unknown>, keys: string[]) =>
  Object.fromEntries(keys.map((k) => [k, x[k] ?? null]));
same(
  'order book',
  keep(restBook, ['bids', 'asks', 'timestamp', 'nonce']),
  keep(rec(bookCase.parsedResponse), ['bids', 'asks', 'timestamp', 'nonce']),
);
same(
  'trade',
  keep(rec(restTrades[0]), ['id', 'timestamp', 'side', 'price', 'amount']),
  keep(rec((tradesCase.parsedResponse as unknown[])[0]), ['id', 'timestamp', 'side', 'price', 'amount']),
);
same(
  'ticker',
  keep(restTicker, ['timestamp', 'last', 'markPrice', 'indexPrice']),
  keep(rec(tickerCase.parsedResponse), ['timestamp', 'last', 'markPrice', 'indexPrice']),
);

const ws = {
  ccxtVersion,
  note: 'generated by scripts/ccxt-fixtures.ts; see PROVENANCE.md',
  bybit: { orderbook: bybitBook, trades: bybitTrades, ticker: bybitTicker },
  binance: { markPrice: binanceMark },
};
const unified = {
  ccxtVersion,
  note: 'generated by scripts/ccxt-fixtures.ts; see PROVENANCE.md',
  bybit: bybitUnified,
  binance: {
    [`ticker:${SYMBOL}`]: markTicker,
    [`orderbook:${SYMBOL}`]: restBook,
    'trades:BTC/USDT': restTrades,
    'ticker:BTC/USDT': restTicker,
  },
};
writeFileSync(`${DIR}/ws-messages.json`, `${JSON.stringify(ws, null, 2)}\n`);
writeFileSync(`${DIR}/unified.json`, `${JSON.stringify(unified, null, 2)}\n`);
console.log(`wrote ${DIR}/ws-messages.json and ${DIR}/unified.json (ccxt ${ccxtVersion})`);
