import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runMonitor } from '../../src/cli/monitor.ts';
import type { MonitorRow } from '../../src/liquidity/monitor.ts';
import { HAVE_SHARED, SHARED_DIR, SHARED_MISSING } from '../shared-data.ts';

describe.skipIf(!HAVE_SHARED)(`full-size shared data (${HAVE_SHARED ? SHARED_DIR : SHARED_MISSING})`, () => {
  it('a full day of Binance aggTrades: every trade counted once, volume equals the file total', async () => {
    const file = join(SHARED_DIR, 'data/orderbook/btcusdc_binance_spot_aggtrades_2025-10-04.csv.gz');
    // Independent totals straight from the file.
    const lines = gunzipSync(readFileSync(file)).toString('utf8').trim().split('\n').slice(1);
    let qty = 0;
    for (const l of lines) qty += Number(l.split(',')[4]);
    const rows: MonitorRow[] = [];
    const result = await runMonitor({
      files: [file],
      intervalUs: 60_000_000,
      notionalQuote: 1e6,
      quarantinePath: join(SHARED_DIR, 'never-written.jsonl'),
      onRow: (r) => rows.push(r),
    });
    expect(result.rejected).toBe(0);
    expect(result.summary.events).toBe(140_489);
    expect(rows).toHaveLength(1440);
    expect(rows.reduce((s, r) => s + (r.trades ?? 0), 0)).toBe(lines.length);
    expect(rows.reduce((s, r) => s + (r.volume ?? 0), 0)).toBeCloseTo(qty, 6);
    // A calm Saturday: the composite never reaches crisis.
    expect(rows.some((r) => r.tier === 'crisis')).toBe(false);
  });

  it('span-16 default scan ranges are the 99th percentiles they are documented as', async () => {
    const { SPAN16_DEFAULTS } = await import('../../src/margin/portfolio/presets/span-16.ts');
    const { readPrices } = await import('../../src/io/series.ts');
    const { quantileType7 } = await import('../../src/risk/estimators/common.ts');
    const closes = readPrices(
      join(SHARED_DIR, 'data/prices/daily/btc_usdt_binance_spot_daily_2017-08-17_2023-12-31.csv'),
    ).map((p) => p.value);
    const r = closes.slice(1).map((c, i) => Math.log(c / (closes[i] as number)));
    const twoDay = r
      .slice(0, -1)
      .map((x, i) => Math.abs(x + (r[i + 1] as number)))
      .sort((a, b) => a - b);
    expect(quantileType7(Float64Array.from(twoDay), 0.99)).toBeCloseTo(SPAN16_DEFAULTS.priceScanRangeFrac, 3);
    const dvol = readPrices(
      join(SHARED_DIR, 'data/options/btc_dvol_deribit_daily_2022-11-06_2023-12-31.csv'),
      'dvol_close',
    ).map((p) => p.value / 100);
    const dv = dvol
      .slice(2)
      .map((v, i) => Math.abs(v - (dvol[i] as number)))
      .sort((a, b) => a - b);
    expect(quantileType7(Float64Array.from(dv), 0.99)).toBeCloseTo(SPAN16_DEFAULTS.volScanRange, 3);
  });
});
