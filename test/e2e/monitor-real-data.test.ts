// End-to-end check of `backstop monitor FILE --interval 1m --jsonl` on the three bundled real
// samples. Every printed number is compared with an independent, deliberately plain computation
// written here (own CSV parsing, own minute grouping, own formulas): nothing from src/ is used for
// the expected values, only the CLI entry point is called.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEPTH_FILE = join(repoRoot, 'data/samples/btcusdt_binance_usdm_bookdepth_2025-10-10_0000-1159.csv.gz');
const TRADES_FILE = join(repoRoot, 'data/samples/btcusdc_binance_spot_aggtrades_2025-10-04_0000-0159.csv.gz');
const OHLCV_FILE = join(repoRoot, 'data/samples/btc_usdt_binance_spot_1m_2021-05-19.csv');

const INTERVAL_US = 60_000_000;
const WINDOW = 60;
const PERIODS_PER_YEAR = 365 * 1440;
const EWMA_LAMBDA = 0.94;
const NOTIONAL = 1_000_000;
const TIERS = ['normal', 'watch', 'stressed', 'crisis'];
const BAND_KEYS = ['100', '200', '300', '400', '500'];

const tmp = mkdtempSync(join(tmpdir(), 'backstop-e2e-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// Comparison helpers
// ---------------------------------------------------------------------------------------------

/** True when `actual` equals `expected` within a relative tolerance of 1e-9 (null must match null). */
function close(actual: unknown, expected: number | null, rel = 1e-9): boolean {
  if (expected === null) return actual === null;
  if (typeof actual !== 'number' || !Number.isFinite(actual)) return false;
  if (actual === expected) return true;
  return Math.abs(actual - expected) <= rel * Math.max(Math.abs(actual), Math.abs(expected));
}

/** Collects every mismatch (row, field, both values) so a failure reports all of them at once. */
class Mismatches {
  readonly list: string[] = [];
  num(row: number, ts: string, field: string, actual: unknown, expected: number | null): void {
    if (!close(actual, expected)) {
      this.list.push(
        `row ${row} ${ts} ${field}: cli=${JSON.stringify(actual)} expected=${JSON.stringify(expected)}`,
      );
    }
  }
  eq(row: number, ts: string, field: string, actual: unknown, expected: unknown): void {
    if (actual !== expected) {
      this.list.push(
        `row ${row} ${ts} ${field}: cli=${JSON.stringify(actual)} expected=${JSON.stringify(expected)}`,
      );
    }
  }
  bands(row: number, ts: string, field: string, actual: unknown, expected: readonly number[]): void {
    if (actual === null || typeof actual !== 'object') {
      this.list.push(`row ${row} ${ts} ${field}: cli=${JSON.stringify(actual)} expected an object`);
      return;
    }
    const obj = actual as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    if (keys.join(',') !== BAND_KEYS.join(',')) {
      this.list.push(`row ${row} ${ts} ${field}: keys ${keys.join(',')} expected ${BAND_KEYS.join(',')}`);
    }
    BAND_KEYS.forEach((k, i) => {
      this.num(row, ts, `${field}.${k}`, obj[k], expected[i] ?? null);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Running the CLI
// ---------------------------------------------------------------------------------------------

type Row = Record<string, unknown>;

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly rows: Row[];
  readonly quarantine: string;
}

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { stream, text: () => text };
}

let runCounter = 0;
async function runMonitorCli(file: string): Promise<CliRun> {
  const quarantine = join(tmp, `quarantine-${++runCounter}.jsonl`);
  const out = sink();
  const err = sink();
  const code = await main(['monitor', file, '--interval', '1m', '--jsonl', '--quarantine', quarantine], {
    out: out.stream,
    err: err.stream,
  });
  const stdout = out.text();
  const rows = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
  return { code, stdout, stderr: err.text(), rows, quarantine };
}

function expectCleanRun(run: CliRun): void {
  expect(run.code).toBe(0);
  expect(run.stderr).toBe('');
  expect(existsSync(run.quarantine)).toBe(false);
}

// ---------------------------------------------------------------------------------------------
// Independent reading of the sample files
// ---------------------------------------------------------------------------------------------

function readLines(file: string): { header: string[]; rows: string[][] } {
  const raw = readFileSync(file);
  const text = file.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').trim().split(',');
  return { header, rows: lines.slice(1).map((l) => l.trim().split(',')) };
}

function col(header: readonly string[], name: string): number {
  const i = header.indexOf(name);
  if (i < 0) throw new Error(`column ${name} missing in ${header.join(',')}`);
  return i;
}

function num(cells: readonly string[], i: number): number {
  const v = Number(cells[i]);
  if (!Number.isFinite(v)) throw new Error(`not a number in column ${i}: ${cells.join(',')}`);
  return v;
}

interface Snapshot {
  readonly tUs: number;
  /** notional and depth per percentage band (-5..-1, 1..5) */
  readonly notional: Map<number, number>;
  readonly depth: Map<number, number>;
}

interface Trade {
  readonly tUs: number;
  readonly price: number;
  readonly qty: number;
}

interface Bar {
  readonly tUs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

function readSnapshots(file: string): Snapshot[] {
  const { header, rows } = readLines(file);
  const [iT, iP, iD, iN] = ['timestamp_ms', 'percentage', 'depth', 'notional'].map((c) => col(header, c)) as [
    number,
    number,
    number,
    number,
  ];
  const out: Snapshot[] = [];
  let cur: Snapshot | null = null;
  for (const cells of rows) {
    const tUs = num(cells, iT) * 1000;
    if (cur === null || cur.tUs !== tUs) {
      cur = { tUs, notional: new Map(), depth: new Map() };
      out.push(cur);
    }
    const p = num(cells, iP);
    cur.notional.set(p, num(cells, iN));
    cur.depth.set(p, num(cells, iD));
  }
  return out;
}

function readTrades(file: string): Trade[] {
  const { header, rows } = readLines(file);
  const iT = col(header, 'timestamp_us');
  const iP = col(header, 'price');
  const iQ = col(header, 'quantity');
  return rows.map((c) => ({ tUs: num(c, iT), price: num(c, iP), qty: num(c, iQ) }));
}

function readBars(file: string): Bar[] {
  const { header, rows } = readLines(file);
  const [iT, iO, iH, iL, iC, iV] = ['timestamp_ms', 'open', 'high', 'low', 'close', 'volume'].map((c) =>
    col(header, c),
  ) as [number, number, number, number, number, number];
  return rows.map((c) => ({
    tUs: num(c, iT) * 1000,
    open: num(c, iO),
    high: num(c, iH),
    low: num(c, iL),
    close: num(c, iC),
    volume: num(c, iV),
  }));
}

// ---------------------------------------------------------------------------------------------
// Independent expected rows
// ---------------------------------------------------------------------------------------------

interface Ohlc {
  open: number;
  high: number;
  low: number;
  close: number;
}

/** What one interval contributed, before the rolling statistics. */
interface IntervalData {
  readonly startUs: number;
  readonly bar: Ohlc | null;
  readonly volume: number | null;
  readonly trades: number | null;
  readonly quoteVolume: number;
  /** time of the last event (of any interval so far) strictly before the interval end */
  readonly lastEventUs: number;
  /** last snapshot before the interval end (depth file only) */
  readonly book: Snapshot | null;
}

interface Expected {
  readonly ts: string;
  readonly tsUs: number;
  readonly mid: number | null;
  readonly spreadBps: null;
  readonly depthBid: number[] | null;
  readonly depthAsk: number[] | null;
  readonly imbalance: number | null;
  readonly volume: number | null;
  readonly trades: number | null;
  readonly rvCloseToClose: number | null;
  readonly rvEwma: number | null;
  readonly rvParkinson: number | null;
  readonly rvGarmanKlass: number | null;
  readonly amihud: number | null;
  readonly slippageBps: number | null;
  readonly slippageComplete: boolean | null;
  readonly stale: number;
  /** notional of the -1 % band, to assert the slippage case */
  readonly firstBidBand: number | null;
}

function floorInterval(tUs: number): number {
  return Math.floor(tUs / INTERVAL_US) * INTERVAL_US;
}

/**
 * Walks the minutes from the first event's interval to the last event's interval and lets
 * `consume` turn the events of each minute (in file order) into that minute's data.
 */
function groupByMinute<E extends { tUs: number }>(
  events: readonly E[],
  consume: (inMinute: readonly E[], startUs: number) => Omit<IntervalData, 'startUs' | 'lastEventUs'>,
): IntervalData[] {
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.tUs < events[i - 1]!.tUs) throw new Error(`events out of order at ${i}`);
  }
  const first = events[0];
  const last = events[events.length - 1];
  if (!first || !last) throw new Error('no events');
  const out: IntervalData[] = [];
  let idx = 0;
  let lastEventUs = first.tUs;
  for (let start = floorInterval(first.tUs); start <= floorInterval(last.tUs); start += INTERVAL_US) {
    const end = start + INTERVAL_US;
    const inMinute: E[] = [];
    while (idx < events.length && events[idx]!.tUs < end) {
      inMinute.push(events[idx]!);
      lastEventUs = events[idx]!.tUs;
      idx++;
    }
    out.push({ startUs: start, lastEventUs, ...consume(inMinute, start) });
  }
  expect(idx).toBe(events.length);
  return out;
}

function ohlcOf(prices: readonly number[]): Ohlc | null {
  if (prices.length === 0) return null;
  let high = -Infinity;
  let low = Infinity;
  for (const p of prices) {
    if (p > high) high = p;
    if (p < low) low = p;
  }
  return { open: prices[0]!, high, low, close: prices[prices.length - 1]! };
}

function vwapOf(s: Snapshot, pct: number): number {
  return s.notional.get(pct)! / s.depth.get(pct)!;
}

function midOf(s: Snapshot): number {
  return (vwapOf(s, -1) + vwapOf(s, 1)) / 2;
}

function depthIntervals(snaps: readonly Snapshot[]): IntervalData[] {
  let book: Snapshot | null = null;
  return groupByMinute(snaps, (inMinute) => {
    if (inMinute.length > 0) book = inMinute[inMinute.length - 1]!;
    return {
      bar: ohlcOf(inMinute.map(midOf)),
      volume: null,
      trades: null,
      quoteVolume: 0,
      book,
    };
  });
}

function tradeIntervals(trades: readonly Trade[]): IntervalData[] {
  return groupByMinute(trades, (inMinute) => {
    let volume = 0;
    let quoteVolume = 0;
    for (const t of inMinute) {
      volume += t.qty;
      quoteVolume += t.price * t.qty;
    }
    return {
      bar: ohlcOf(inMinute.map((t) => t.price)),
      volume,
      trades: inMinute.length,
      quoteVolume,
      book: null,
    };
  });
}

function barIntervals(bars: readonly Bar[]): IntervalData[] {
  return groupByMinute(bars, (inMinute) => {
    const b = inMinute[0];
    if (!b) return { bar: null, volume: null, trades: null, quoteVolume: 0, book: null };
    if (inMinute.length !== 1) throw new Error('expected one 1m bar per minute');
    return {
      bar: { open: b.open, high: b.high, low: b.low, close: b.close },
      volume: b.volume,
      trades: null,
      quoteVolume: b.volume * b.close,
      book: null,
    };
  });
}

function logReturns(closes: readonly number[]): number[] {
  const r: number[] = [];
  for (let i = 1; i < closes.length; i++) r.push(Math.log(closes[i]! / closes[i - 1]!));
  return r;
}

function expectedRows(intervals: readonly IntervalData[]): Expected[] {
  const closes: number[] = [];
  const bars: Ohlc[] = [];
  const pairs: { absR: number; qv: number }[] = [];
  let prevClose: number | null = null;
  const out: Expected[] = [];
  for (const it of intervals) {
    if (it.bar) {
      closes.push(it.bar.close);
      if (closes.length > WINDOW + 1) closes.shift();
      bars.push(it.bar);
      if (bars.length > WINDOW) bars.shift();
      if (prevClose !== null) {
        pairs.push({ absR: Math.abs(Math.log(it.bar.close / prevClose)), qv: it.quoteVolume });
        if (pairs.length > WINDOW) pairs.shift();
      }
      prevClose = it.bar.close;
    }

    const r = logReturns(closes);
    let rvC2C: number | null = null;
    if (r.length >= 2) {
      let mean = 0;
      for (const x of r) mean += x;
      mean /= r.length;
      let ss = 0;
      for (const x of r) ss += (x - mean) ** 2;
      rvC2C = Math.sqrt((PERIODS_PER_YEAR * ss) / (r.length - 1));
    }
    let rvEw: number | null = null;
    if (r.length >= 1) {
      let v = r[0]! ** 2;
      for (let i = 1; i < r.length; i++) v = EWMA_LAMBDA * v + (1 - EWMA_LAMBDA) * r[i]! ** 2;
      rvEw = Math.sqrt(PERIODS_PER_YEAR * v);
    }
    let rvPk: number | null = null;
    let rvGk: number | null = null;
    if (bars.length > 0) {
      let pk = 0;
      let gk = 0;
      for (const b of bars) {
        const hl = Math.log(b.high / b.low);
        const co = Math.log(b.close / b.open);
        pk += hl ** 2 / (4 * Math.LN2);
        gk += 0.5 * hl ** 2 - (2 * Math.LN2 - 1) * co ** 2;
      }
      rvPk = Math.sqrt((PERIODS_PER_YEAR * pk) / bars.length);
      rvGk = Math.sqrt(PERIODS_PER_YEAR * Math.max(0, gk / bars.length));
    }
    let amihud: number | null = null;
    let amihudSum = 0;
    let amihudN = 0;
    for (const p of pairs) {
      if (p.qv > 0) {
        amihudSum += p.absR / p.qv;
        amihudN++;
      }
    }
    if (amihudN > 0) amihud = amihudSum / amihudN;

    const endUs = it.startUs + INTERVAL_US;
    const base = {
      ts: `${new Date(it.startUs / 1000).toISOString().slice(0, -1)}000Z`,
      tsUs: it.startUs,
      spreadBps: null,
      volume: it.volume,
      trades: it.trades,
      rvCloseToClose: rvC2C,
      rvEwma: rvEw,
      rvParkinson: rvPk,
      rvGarmanKlass: rvGk,
      amihud,
      stale: (endUs - it.lastEventUs) / 1e6,
    } as const;
    const book = it.book;
    if (book) {
      const mid = midOf(book);
      const n1 = book.notional.get(-1)!;
      const a1 = book.notional.get(1)!;
      out.push({
        ...base,
        mid,
        depthBid: [-1, -2, -3, -4, -5].map((p) => book.notional.get(p)!),
        depthAsk: [1, 2, 3, 4, 5].map((p) => book.notional.get(p)!),
        imbalance: (n1 - a1) / (n1 + a1),
        // NOTIONAL <= N(-1): filled inside the first band at its vwap
        slippageBps: ((mid - vwapOf(book, -1)) / mid) * 1e4,
        slippageComplete: true,
        firstBidBand: n1,
      });
    } else {
      out.push({
        ...base,
        mid: it.bar ? it.bar.close : null,
        depthBid: null,
        depthAsk: null,
        imbalance: null,
        slippageBps: null,
        slippageComplete: null,
        firstBidBand: null,
      });
    }
  }
  return out;
}

const NUMERIC_FIELDS = [
  'mid',
  'imbalance',
  'volume',
  'trades',
  'rvCloseToClose',
  'rvEwma',
  'rvParkinson',
  'rvGarmanKlass',
  'amihud',
  'slippageBps',
  'stale',
] as const;

const ROW_FIELDS = [
  'ts',
  'tsUs',
  'instrument',
  'mid',
  'spreadBps',
  'depthBid',
  'depthAsk',
  'imbalance',
  'volume',
  'trades',
  'rvCloseToClose',
  'rvEwma',
  'rvParkinson',
  'rvGarmanKlass',
  'amihud',
  'slippageBps',
  'slippageComplete',
  'stale',
  'stressIndex',
  'tier',
];

/** Compares every row and every listed field; returns the number of values compared. */
function compareAll(rows: readonly Row[], expected: readonly Expected[], instrument: string): number {
  expect(rows.length).toBe(expected.length);
  const m = new Mismatches();
  let compared = 0;
  rows.forEach((row, i) => {
    const e = expected[i]!;
    const ts = String(row.ts);
    for (const f of ROW_FIELDS) {
      if (!(f in row)) m.list.push(`row ${i} ${ts}: field ${f} missing`);
    }
    m.eq(i, ts, 'ts', row.ts, e.ts);
    m.eq(i, ts, 'tsUs', row.tsUs, e.tsUs);
    m.eq(i, ts, 'instrument', row.instrument, instrument);
    m.eq(i, ts, 'spreadBps', row.spreadBps, null);
    m.eq(i, ts, 'slippageComplete', row.slippageComplete, e.slippageComplete);
    compared += 5;
    for (const f of NUMERIC_FIELDS) {
      m.num(i, ts, f, row[f], e[f]);
      compared++;
    }
    if (e.depthBid && e.depthAsk) {
      m.bands(i, ts, 'depthBid', row.depthBid, e.depthBid);
      m.bands(i, ts, 'depthAsk', row.depthAsk, e.depthAsk);
      compared += 10;
    } else {
      m.eq(i, ts, 'depthBid', row.depthBid, null);
      m.eq(i, ts, 'depthAsk', row.depthAsk, null);
      compared += 2;
    }
    if (!TIERS.includes(String(row.tier))) m.list.push(`row ${i} ${ts}: tier ${String(row.tier)}`);
  });
  expect(m.list.slice(0, 40), `${m.list.length} mismatches`).toEqual([]);
  return compared;
}

function instrumentOf(file: string): string {
  return basename(file).replace(/\.csv(\.gz)?$/, '');
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('backstop monitor --interval 1m --jsonl on the bundled real samples', () => {
  it('Binance USD-M bookDepth: mid, depth bands, imbalance, slippage, vol and staleness on every row', async () => {
    const snaps = readSnapshots(DEPTH_FILE);
    for (const s of snaps) {
      expect([...s.notional.keys()].sort((a, b) => a - b)).toEqual([-5, -4, -3, -2, -1, 1, 2, 3, 4, 5]);
    }
    const expected = expectedRows(depthIntervals(snaps));
    // 00:00 … 11:59 UTC
    expect(expected.length).toBe(720);
    // Every row is in the "fill inside the first bid band" case of the slippage formula.
    for (const e of expected) expect(e.firstBidBand).toBeGreaterThanOrEqual(NOTIONAL);

    const run = await runMonitorCli(DEPTH_FILE);
    expectCleanRun(run);
    const compared = compareAll(run.rows, expected, instrumentOf(DEPTH_FILE));
    expect(compared).toBe(720 * 26);
    for (const row of run.rows) {
      expect(row.volume).toBeNull();
      expect(row.trades).toBeNull();
      expect(row.amihud).toBeNull(); // no quote volume in a depth file
      expect(row.slippageComplete).toBe(true);
    }
    expect(run.rows[0]!.ts).toBe('2025-10-10T00:00:00.000000Z');
    expect(run.rows[719]!.ts).toBe('2025-10-10T11:59:00.000000Z');
  });

  it('Binance spot aggTrades: trade bars, volume, trade count, amihud, vol and staleness on every row', async () => {
    const trades = readTrades(TRADES_FILE);
    const expected = expectedRows(tradeIntervals(trades));
    expect(expected.length).toBe(120); // 00:00 … 01:59 UTC

    const run = await runMonitorCli(TRADES_FILE);
    expectCleanRun(run);
    const compared = compareAll(run.rows, expected, instrumentOf(TRADES_FILE));
    expect(compared).toBe(120 * 18);
    const totalTrades = run.rows.reduce((s, r) => s + Number(r.trades), 0);
    expect(totalTrades).toBe(trades.length);
    // A calm two hours: the stress tier never leaves normal.
    expect(new Set(run.rows.map((r) => r.tier))).toEqual(new Set(['normal']));
  });

  it('Binance spot 1m OHLCV (2021-05-19 crash): bars, volume, amihud, vol and staleness on every row; reaches crisis', async () => {
    const bars = readBars(OHLCV_FILE);
    const expected = expectedRows(barIntervals(bars));
    expect(expected.length).toBe(1440);

    const run = await runMonitorCli(OHLCV_FILE);
    expectCleanRun(run);
    const compared = compareAll(run.rows, expected, instrumentOf(OHLCV_FILE));
    expect(compared).toBe(1440 * 18);
    expect(run.rows.some((r) => r.tier === 'crisis')).toBe(true);

    // The real binary (what `npx backstop` runs) prints exactly the same lines.
    const quarantine = join(tmp, 'quarantine-bin.jsonl');
    const bin = spawnSync(
      process.execPath,
      ['bin/backstop.mjs', 'monitor', OHLCV_FILE, '--interval', '1m', '--jsonl', '--quarantine', quarantine],
      { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    expect(bin.error).toBeUndefined();
    expect(bin.stderr).toBe('');
    expect(bin.status).toBe(0);
    expect(existsSync(quarantine)).toBe(false);
    expect(bin.stdout).toBe(run.stdout);
  });
});
