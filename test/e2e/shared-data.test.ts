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
});
