import { BackstopError } from '../../core/errors.ts';
import type { EngineEvent, SourceRef } from '../../domain/events.ts';
import type { Rejection } from '../../domain/rejection.ts';
import { PushSource } from '../../runtime/live.ts';
import { decodeEvent } from '../schemas/event.ts';

/**
 * Public market data through ccxt pro (docs/concepts/live-runner.md, "ccxt pro feeds"). ccxt is
 * loaded only by `loadCcxtExchange`, with a dynamic import: importing this module costs nothing
 * until a ccxt feed is configured.
 */

export type CcxtChannel = 'orderbook' | 'trades' | 'ticker';
export const CCXT_CHANNELS: readonly CcxtChannel[] = ['orderbook', 'trades', 'ticker'];

export interface CcxtSubscription {
  /** ccxt's unified symbol, e.g. `BTC/USDT:USDT` (linear perpetual) or `BTC/USDT` (spot). */
  readonly symbol: string;
  /** The engine's instrument id the events are stamped with, e.g. `BTC-PERP`. */
  readonly instrument: string;
  readonly channels: readonly CcxtChannel[];
  /** Order book levels per side: passed to `watchOrderBook` as its limit and cut to. */
  readonly depth?: number;
}

// The fields of ccxt's unified structures that the adapter reads. Everything is `unknown` until
// checked: an exchange payload may be malformed, and that must become a rejection, not a crash.
export interface CcxtOrderBook {
  readonly bids?: unknown;
  readonly asks?: unknown;
  /** Unix ms, undefined when the venue sends none. */
  readonly timestamp?: unknown;
}
export interface CcxtTrade {
  readonly id?: unknown;
  readonly timestamp?: unknown;
  readonly side?: unknown;
  readonly price?: unknown;
  /** Base units on spot markets, contracts on derivatives (ccxt's convention). */
  readonly amount?: unknown;
}
export interface CcxtTicker {
  readonly timestamp?: unknown;
  readonly markPrice?: unknown;
  readonly indexPrice?: unknown;
}
export interface CcxtMarket {
  readonly contract?: unknown;
  readonly linear?: unknown;
  readonly inverse?: unknown;
  /** Linear: base units per contract. Inverse: quote units per contract. */
  readonly contractSize?: unknown;
}

/**
 * The part of a ccxt pro exchange the feed calls. A real `ccxt.pro.<id>` instance fits; tests
 * pass a fake that replays recorded structures.
 */
export interface CcxtWatcher {
  readonly id?: string;
  readonly has?: Readonly<Record<string, unknown>>;
  watchOrderBook(symbol: string, limit?: number): Promise<CcxtOrderBook>;
  watchTrades(symbol: string): Promise<readonly CcxtTrade[]>;
  watchTicker(symbol: string): Promise<CcxtTicker>;
  /** Used for the `ticker` channel of contract markets where `has.watchMarkPrice` is true. */
  watchMarkPrice?(symbol: string): Promise<CcxtTicker>;
  loadMarkets?(): Promise<unknown>;
  /** The market of a symbol (markets loaded): gives the unit of sizes. Without it, sizes are base. */
  market?(symbol: string): CcxtMarket;
  close(): Promise<unknown>;
}

export interface CcxtExchangeOptions {
  /** Extra ccxt constructor settings, applied over the defaults (`enableRateLimit`, `newUpdates`). */
  readonly config?: Readonly<Record<string, unknown>>;
}

/**
 * The module specifier as a `string`, not a literal: TypeScript then types the import loosely
 * instead of loading ccxt's ~300 declaration files into every type check.
 */
const CCXT_MODULE: string = 'ccxt';

/** Defaults for `new ccxt.pro[id](…)`: ccxt's own rate limiter; each watch returns what is new. */
export const CCXT_DEFAULT_CONFIG: Readonly<Record<string, unknown>> = {
  enableRateLimit: true,
  newUpdates: true,
};

/**
 * Loads ccxt (dynamic import, on first use only) and constructs its pro (WebSocket) exchange
 * `id`. An unknown id is a `BAD_CONFIG` BackstopError that names it and suggests valid ids.
 */
export async function loadCcxtExchange(id: string, options: CcxtExchangeOptions = {}): Promise<CcxtWatcher> {
  type CcxtModule = { pro?: Record<string, unknown>; default?: { pro?: Record<string, unknown> } };
  let mod: CcxtModule;
  try {
    mod = (await import(CCXT_MODULE)) as CcxtModule;
  } catch (e) {
    throw new BackstopError('BAD_CONFIG', `ccxt feed "${id}": cannot load ccxt (${(e as Error).message})`, {
      exchange: id,
    });
  }
  const pro = mod.pro ?? mod.default?.pro ?? {};
  const ctor = Object.hasOwn(pro, id) ? pro[id] : undefined;
  if (typeof ctor !== 'function') {
    const known = Object.keys(pro).sort();
    const near = closest(id, known, 5);
    throw new BackstopError(
      'BAD_CONFIG',
      `unknown ccxt pro exchange "${id}": one of ${known.length} ids such as ${near.join(', ')}`,
      { exchange: id, suggestions: near.join(','), available: known.length },
    );
  }
  const Exchange = ctor as new (config: Record<string, unknown>) => CcxtWatcher;
  return new Exchange({ ...CCXT_DEFAULT_CONFIG, ...options.config });
}

/** The `n` ids nearest to `id` by edit distance (ties alphabetical). */
function closest(id: string, ids: readonly string[], n: number): string[] {
  const dist = (a: string, b: string): number => {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const cur = [i];
      for (let j = 1; j <= b.length; j++) {
        cur[j] = Math.min(
          (prev[j] as number) + 1,
          (cur[j - 1] as number) + 1,
          (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
        );
      }
      prev = cur;
    }
    return prev[b.length] as number;
  };
  const key = id.toLowerCase();
  return ids
    .map((k) => ({ k, d: dist(key, k) }))
    .sort((x, y) => x.d - y.d || (x.k < y.k ? -1 : 1))
    .slice(0, n)
    .map((x) => x.k);
}

export interface CcxtFeedCounters {
  /** Structures returned by watch* calls. */
  updates: number;
  /** Events pushed. */
  events: number;
  /** Rejections pushed: bad payloads and feed errors. */
  rejected: number;
  /** watch* calls that threw (each is also a FEED_ERROR rejection). */
  errors: number;
  /** Trades skipped because ccxt handed them over again. */
  duplicates: number;
}

export interface CcxtFeedOptions {
  readonly name: string;
  readonly rank?: number;
  /** Receive time in µs since the epoch, for books and tickers without a venue time. */
  readonly now?: () => number;
  /** Waits between retries (injectable for tests); resolves early when `signal` aborts. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Retry delay after the first failure; doubles per consecutive failure up to `maxBackoffMs`. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Trade keys remembered per symbol to drop repeats (default 10 000). */
  readonly dedupeWindow?: number;
  /** How long `stop()` waits for watch calls to settle after the exchange is closed (ms). */
  readonly stopGraceMs?: number;
}

export interface CcxtFeed {
  readonly source: PushSource;
  readonly counters: CcxtFeedCounters;
  /** Ends every loop, closes the exchange, then ends the source. Idempotent. */
  stop(): Promise<void>;
}

/** ccxt errors that retrying cannot fix: the loop records them and gives up. */
const PERMANENT_ERRORS = new Set([
  'AuthenticationError',
  'PermissionDenied',
  'AccountNotEnabled',
  'AccountSuspended',
  'ArgumentsRequired',
  'BadRequest',
  'BadSymbol',
  'NotSupported',
  'RestrictedLocation',
  'InvalidProxySettings',
]);

const RAW_LIMIT = 16_384;

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** JSON for the quarantine: non-finite numbers spelled out (JSON would make them null), capped. */
function rawOf(x: unknown): string {
  let s: string;
  try {
    s =
      JSON.stringify(x, (_k, v: unknown) =>
        typeof v === 'number' && !Number.isFinite(v) ? String(v) : v === undefined ? null : v,
      ) ?? String(x);
  } catch {
    s = String(x);
  }
  return s.length > RAW_LIMIT ? `${s.slice(0, RAW_LIMIT)}…(truncated)` : s;
}

function pointerValue(x: unknown, pointer: string): unknown {
  let cur: unknown = x;
  for (const part of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** The value at a JSON pointer, as text for `Rejection.value`. */
function valueAt(x: unknown, pointer: string): string | null {
  const v = pointerValue(x, pointer);
  if (v === undefined) return null;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : rawOf(v);
}

const isNum = (v: unknown): v is number => typeof v === 'number';

/** ccxt sizes → base units: spot as is; linear × contractSize; inverse × contractSize / price. */
type SizeToBase = (amount: unknown, price: unknown) => unknown;
const AS_IS: SizeToBase = (amount) => amount;
function sizeToBase(m: CcxtMarket | undefined): SizeToBase {
  if (m?.contract !== true) return AS_IS;
  const cs =
    isNum(m.contractSize) && Number.isFinite(m.contractSize) && m.contractSize > 0 ? m.contractSize : 1;
  if (m.inverse === true)
    return (amount, price) => (isNum(amount) && isNum(price) ? (amount * cs) / price : amount);
  if (cs === 1) return AS_IS;
  return (amount) => (isNum(amount) ? amount * cs : amount);
}

/** Venue ms → µs; undefined/null → the receive clock when allowed, else left for the check to refuse. */
function tsUsOf(ts: unknown, fallback: (() => number) | null): unknown {
  if ((ts === undefined || ts === null) && fallback) return fallback();
  return isNum(ts) && Number.isFinite(ts) ? Math.round(ts * 1000) : (ts ?? null);
}

/** The engine's range rules (src/engine/validate.ts), with the field as a pointer into the event. */
function rangeProblem(e: EngineEvent): { code: string; field: string; reason: string } | null {
  const badPrice = (v: number) => !(Number.isFinite(v) && v > 0);
  switch (e.kind) {
    case 'book-snapshot':
      for (const side of ['bids', 'asks'] as const) {
        const levels = e[side];
        for (let i = 0; i < levels.length; i++) {
          const [p, s] = levels[i] as readonly [number, number];
          if (badPrice(p))
            return { code: 'BAD_PRICE', field: `/${side}/${i}/0`, reason: 'price must be > 0' };
          if (!(Number.isFinite(s) && s >= 0))
            return { code: 'BAD_SIZE', field: `/${side}/${i}/1`, reason: 'size must be >= 0' };
        }
      }
      return null;
    case 'trade':
      if (badPrice(e.price)) return { code: 'BAD_PRICE', field: '/price', reason: 'price must be > 0' };
      if (!(Number.isFinite(e.qty) && e.qty > 0))
        return { code: 'BAD_SIZE', field: '/qty', reason: 'qty must be > 0' };
      return null;
    case 'mark-price':
    case 'index-price':
      return badPrice(e.price) ? { code: 'BAD_PRICE', field: '/price', reason: 'price must be > 0' } : null;
    default:
      return null;
  }
}

function checkSubscriptions(subs: readonly CcxtSubscription[]): void {
  const seen = new Set<string>();
  subs.forEach((s, i) => {
    const bad = (why: string) => {
      throw new BackstopError('BAD_CONFIG', `ccxt subscription ${i} (${s.symbol}): ${why}`, {
        index: i,
        symbol: s.symbol ?? null,
      });
    };
    if (typeof s.symbol !== 'string' || s.symbol === '') bad('symbol must be a non-empty string');
    if (typeof s.instrument !== 'string' || s.instrument === '') bad('instrument must be a non-empty string');
    if (!Array.isArray(s.channels) || s.channels.length === 0) bad('channels must be a non-empty list');
    for (const c of s.channels) {
      if (!CCXT_CHANNELS.includes(c)) bad(`unknown channel "${c}" (one of ${CCXT_CHANNELS.join(', ')})`);
      const key = `${s.symbol}\u0000${c}`;
      if (seen.has(key)) bad(`channel ${c} is subscribed twice`);
      seen.add(key);
    }
    if (s.depth !== undefined && !(Number.isSafeInteger(s.depth) && s.depth > 0))
      bad(`depth must be a positive integer, got ${s.depth}`);
  });
}

/**
 * A live feed from a ccxt pro exchange (docs/concepts/live-runner.md): one loop per
 * (subscription, channel) calls watchOrderBook / watchTrades / watchTicker until stopped and maps
 * ccxt's unified structures to `book-snapshot`, `trade`, `mark-price` and `index-price` events.
 * Every event passes the wire validator (`decodeEvent`) and the engine's range rules before it is
 * pushed; what fails becomes a rejection naming the ccxt field (a JSON pointer into `raw`). A
 * watch call that throws is a FEED_ERROR rejection, retried with capped exponential backoff.
 */
export function ccxtFeedSource(
  exchange: CcxtWatcher,
  subscriptions: readonly CcxtSubscription[],
  options: CcxtFeedOptions,
): CcxtFeed {
  checkSubscriptions(subscriptions);
  const name = options.name;
  const push = new PushSource(name, options.rank ?? 0);
  const counters: CcxtFeedCounters = { updates: 0, events: 0, rejected: 0, errors: 0, duplicates: 0 };
  const now = options.now ?? (() => Date.now() * 1000);
  const sleep = options.sleep ?? defaultSleep;
  const initialBackoff = options.initialBackoffMs ?? 500;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  const window = options.dedupeWindow ?? 10_000;
  const abort = new AbortController();
  let stopped = false;
  let ended = false;

  const finish = () => {
    if (ended) return;
    ended = true;
    push.end();
  };
  const reject = (r: Omit<Rejection, 'file'>) => {
    if (ended) return;
    counters.rejected++;
    push.push({ ok: false, rejection: { file: name, ...r } });
  };
  /** Validates a candidate event; `fieldOf` maps an event pointer to the ccxt field. */
  const emit = (
    candidate: Record<string, unknown>,
    line: number,
    what: string,
    raw: unknown,
    fieldOf: (eventPointer: string) => string,
  ) => {
    const d = decodeEvent(candidate);
    if (!d.ok) {
      const field = fieldOf(d.field);
      const code = isNum(pointerValue(candidate, d.field)) ? 'BAD_NUMBER' : 'BAD_FIELD';
      const value = valueAt(raw, field);
      reject({ line, code, field, value, reason: `${what}: ${field}: ${d.reason}`, raw: rawOf(raw) });
      return;
    }
    const range = rangeProblem(d.event);
    if (range) {
      const field = fieldOf(range.field);
      reject({
        line,
        code: range.code,
        field,
        value: valueAt(raw, field),
        reason: `${what}: ${field}: ${range.reason}, got ${valueAt(candidate, range.field)}`,
        raw: rawOf(raw),
      });
      return;
    }
    if (ended) return;
    counters.events++;
    const src: SourceRef = { file: name, line };
    push.push({ ok: true, event: { ...d.event, src } });
  };

  const onBook = (sub: CcxtSubscription, book: CcxtOrderBook, line: number, toBase: SizeToBase) => {
    const what = `${sub.symbol} orderbook`;
    const side = (levels: unknown): unknown => {
      if (!Array.isArray(levels)) return levels;
      const cut = sub.depth === undefined ? levels : levels.slice(0, sub.depth);
      return cut.map((l: unknown) => (Array.isArray(l) ? [l[0], toBase(l[1], l[0])] : l));
    };
    const candidate = {
      kind: 'book-snapshot',
      tsUs: tsUsOf(book.timestamp, now),
      instrument: sub.instrument,
      bids: side(book.bids),
      asks: side(book.asks),
    };
    emit(candidate, line, what, book, (p) => (p === '/tsUs' ? '/timestamp' : p));
  };

  const TRADE_FIELDS: Record<string, string> = { '/tsUs': '/timestamp', '/qty': '/amount' };
  const onTrades = (
    sub: CcxtSubscription,
    trades: readonly CcxtTrade[],
    line: number,
    toBase: SizeToBase,
    seen: Map<string, true>,
  ) => {
    const what = `${sub.symbol} trade`;
    for (const t of trades) {
      if (t === null || typeof t !== 'object') {
        reject({
          line,
          code: 'BAD_MESSAGE',
          field: null,
          value: null,
          reason: `${what}: not an object`,
          raw: rawOf(t),
        });
        continue;
      }
      const id = typeof t.id === 'number' ? String(t.id) : t.id;
      const key =
        typeof id === 'string' && id !== ''
          ? `id:${id}`
          : `at:${String(t.timestamp)}|${String(t.price)}|${String(t.amount)}|${String(t.side)}`;
      if (seen.has(key)) {
        counters.duplicates++;
        continue;
      }
      seen.set(key, true);
      if (seen.size > window) seen.delete(seen.keys().next().value as string);
      const candidate = {
        kind: 'trade',
        // a trade without the venue's time is refused: its place in time is unknown
        tsUs: tsUsOf(t.timestamp, null),
        instrument: sub.instrument,
        price: t.price,
        qty: toBase(t.amount, t.price),
        side: t.side === undefined || t.side === null ? 'unknown' : t.side,
        id: id === undefined || id === null || id === '' ? null : id,
      };
      emit(candidate, line, what, t, (p) => TRADE_FIELDS[p] ?? p);
    }
  };

  const onTicker = (sub: CcxtSubscription, ticker: CcxtTicker, line: number) => {
    const tsUs = tsUsOf(ticker.timestamp, now);
    for (const [field, kind] of [
      ['markPrice', 'mark-price'],
      ['indexPrice', 'index-price'],
    ] as const) {
      const price = ticker[field];
      if (price === undefined || price === null) continue;
      const candidate = { kind, tsUs, instrument: sub.instrument, price };
      emit(candidate, line, `${sub.symbol} ticker`, ticker, (p) =>
        p === '/price' ? `/${field}` : p === '/tsUs' ? '/timestamp' : p,
      );
    }
  };

  const marketOf = (symbol: string): CcxtMarket | undefined => {
    try {
      return exchange.market?.(symbol);
    } catch {
      return undefined;
    }
  };

  /** The `ticker` channel reads `watchMarkPrice` for contracts where the venue's ticker has no mark. */
  const tickerMethod = async (symbol: string): Promise<(s: string) => Promise<CcxtTicker>> => {
    const markPrice = exchange.watchMarkPrice;
    if (exchange.has?.watchMarkPrice !== true || typeof markPrice !== 'function')
      return (s) => exchange.watchTicker(s);
    await exchange.loadMarkets?.();
    return marketOf(symbol)?.contract === true
      ? (s) => markPrice.call(exchange, s)
      : (s) => exchange.watchTicker(s);
  };

  const loop = async (sub: CcxtSubscription, channel: CcxtChannel): Promise<void> => {
    let failures = 0;
    let toBase: SizeToBase | undefined;
    let watchTicker: ((s: string) => Promise<CcxtTicker>) | undefined;
    const seen = new Map<string, true>();
    const call = async (): Promise<unknown> => {
      switch (channel) {
        case 'orderbook':
          return exchange.watchOrderBook(sub.symbol, sub.depth);
        case 'trades':
          return exchange.watchTrades(sub.symbol);
        case 'ticker':
          watchTicker ??= await tickerMethod(sub.symbol);
          return watchTicker(sub.symbol);
      }
    };
    while (!stopped) {
      let result: unknown;
      try {
        result = await call();
      } catch (e) {
        if (stopped) break;
        failures++;
        counters.errors++;
        const err = e instanceof Error ? e : new Error(String(e));
        const permanent = PERMANENT_ERRORS.has(err.name);
        const delay = Math.min(maxBackoff, initialBackoff * 2 ** (failures - 1));
        reject({
          line: counters.updates,
          code: 'FEED_ERROR',
          field: null,
          value: err.name,
          reason: `${sub.symbol} ${channel}: ${err.name}: ${err.message}${
            permanent ? ' (not retryable: this channel stops)' : `; retry ${failures} in ${delay} ms`
          }`,
          raw: '',
        });
        if (permanent) break;
        await sleep(delay, abort.signal);
        continue;
      }
      if (stopped) break;
      failures = 0;
      const line = ++counters.updates;
      toBase ??= sizeToBase(marketOf(sub.symbol));
      try {
        if (
          result === null ||
          typeof result !== 'object' ||
          (channel === 'trades') !== Array.isArray(result)
        ) {
          reject({
            line,
            code: 'BAD_MESSAGE',
            field: null,
            value: null,
            reason: `${sub.symbol} ${channel}: ccxt returned ${channel === 'trades' ? 'a non-list' : 'a non-object'}`,
            raw: rawOf(result),
          });
        } else if (channel === 'orderbook') onBook(sub, result as CcxtOrderBook, line, toBase);
        else if (channel === 'trades') onTrades(sub, result as readonly CcxtTrade[], line, toBase, seen);
        else onTicker(sub, result as CcxtTicker, line);
      } catch (e) {
        // a payload shaped so oddly that mapping it threw: still a rejection, never a crash
        reject({
          line,
          code: 'BAD_MESSAGE',
          field: null,
          value: null,
          reason: `${sub.symbol} ${channel}: ${(e as Error).message}`,
          raw: rawOf(result),
        });
      }
    }
  };

  const loops = subscriptions.flatMap((sub) => sub.channels.map((c) => loop(sub, c)));
  const settled = Promise.allSettled(loops);
  // every loop gave up (not retryable errors): the feed is over
  void settled.then(finish);

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      stopped = true;
      abort.abort(); // ends the backoff sleeps
      // closing rejects the pending watch calls (ccxt's ExchangeClosedByUser); a close or a
      // watch call that hangs is given up on after the grace period
      const closed = Promise.resolve()
        .then(() => exchange.close())
        .catch((e: unknown) =>
          reject({
            line: counters.updates,
            code: 'FEED_ERROR',
            field: null,
            value: null,
            reason: `closing the exchange failed: ${(e as Error).message}`,
            raw: '',
          }),
        )
        .then(() => settled);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, options.stopGraceMs ?? 2_000);
        timer.unref?.();
      });
      await Promise.race([closed, grace]);
      clearTimeout(timer);
      finish();
    })());

  return { source: push, counters, stop };
}
