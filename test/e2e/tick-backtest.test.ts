import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readBars } from '../../src/sim/run-files.ts';
import { cli } from '../cli-harness.ts';

/**
 * The population backtest on a tick file (issue 7, "Sources: tardis CSV, Binance public files,
 * OHLCV"): the bundled Binance aggTrades sample (2025-10-04 00:00–01:59 UTC) becomes one-minute
 * bars, checked against the file read here independently, then runs through `backstop backtest`.
 */
const SAMPLE = new URL(
  '../../data/samples/btcusdc_binance_spot_aggtrades_2025-10-04_0000-0159.csv.gz',
  import.meta.url,
).pathname;

/** The file's trades straight from the CSV: [µs, price, qty]. */
function trades(): [number, number, number][] {
  const lines = gunzipSync(readFileSync(SAMPLE)).toString('utf8').trim().split('\n');
  const head = (lines[0] as string).split(',');
  const [t, p, q] = ['timestamp_us', 'price', 'quantity'].map((c) => head.indexOf(c)) as [
    number,
    number,
    number,
  ];
  return lines.slice(1).map((l) => {
    const c = l.split(',');
    return [Number(c[t]), Number(c[p]), Number(c[q])];
  });
}

describe('population backtest on a tick file', () => {
  it('aggregates the trades into one-minute bars that match the file', async () => {
    const { bars, rejected } = await readBars([SAMPLE]);
    expect(rejected).toBe(0);
    const ts = trades();
    expect(bars).toHaveLength(120);
    expect(bars[0]?.tsUs).toBe(Date.UTC(2025, 9, 4) * 1000);
    expect(bars[0]?.open).toBe(ts[0]?.[1]);
    expect(bars.at(-1)?.close).toBe(ts.at(-1)?.[1]);
    const volume = ts.reduce((a, x) => a + x[2], 0);
    expect(bars.reduce((a, b) => a + (b.volume ?? 0), 0)).toBeCloseTo(volume, 6);
    expect(bars.reduce((a, b) => a + (b.trades ?? 0), 0)).toBe(ts.length);
    expect(Math.max(...bars.map((b) => b.high))).toBe(Math.max(...ts.map((x) => x[1])));
    expect(Math.min(...bars.map((b) => b.low))).toBe(Math.min(...ts.map((x) => x[1])));
  });

  it('backstop backtest runs a population on it, with the ledger and audit checks true', async () => {
    const r = await cli([
      'backtest',
      '--data',
      SAMPLE,
      '--policy',
      'backstop',
      '--accounts',
      '200',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.bars).toBe(120);
    expect(doc.runs[0].conservationOk).toBe(true);
    expect(doc.runs[0].auditOk).toBe(true);
  }, 120_000);
});
