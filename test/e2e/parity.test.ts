import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/domain/decisions.ts';
import { defaultEngineConfig, Engine } from '../../src/engine/engine.ts';
import { fileSources } from '../../src/io/file-sources.ts';
import { MarketFile } from '../../src/io/market-file.ts';
import type { MonitorRow } from '../../src/liquidity/monitor.ts';
import { defaultMonitorConfig } from '../../src/liquidity/monitor-config.ts';
import { PushSource } from '../../src/runtime/live.ts';
import { runLoop } from '../../src/runtime/run-loop.ts';

const sample = (name: string) => fileURLToPath(new URL(`../../data/samples/${name}`, import.meta.url));
const FILES = [
  sample('btcusdt_binance_usdm_bookdepth_2025-10-10_0000-1159.csv.gz'),
  sample('btc_usdt_binance_spot_1m_2021-05-19.csv'),
];

function recorder() {
  const rows: MonitorRow[] = [];
  const decisions: Decision[] = [];
  const engine = new Engine(defaultEngineConfig({ monitor: defaultMonitorConfig(60_000_000) }), {
    onMonitorClose: (c) => rows.push(c.row),
  });
  return { engine, rows, decisions };
}

describe('backtest / live parity', () => {
  it('the same recording through the file runner and the live push runner gives identical output', async () => {
    const bt = recorder();
    const { sources } = await fileSources(FILES);
    const btSummary = await runLoop(bt.engine, sources, { onDecision: (d) => bt.decisions.push(d) });

    // Live: each feed is a PushSource filled asynchronously, as a venue adapter would.
    const live = recorder();
    const pushes = FILES.map((f, rank) => new PushSource(f, rank));
    const producers = FILES.map(async (f, i) => {
      const file = await MarketFile.open(f);
      let n = 0;
      for await (const item of file.items()) {
        (pushes[i] as PushSource).push(item);
        if (++n % 500 === 0) await new Promise((r) => setImmediate(r));
      }
      (pushes[i] as PushSource).end();
    });
    const liveRun = runLoop(live.engine, pushes, { onDecision: (d) => live.decisions.push(d) });
    await Promise.all(producers);
    const liveSummary = await liveRun;

    expect(btSummary.events).toBe(1439 + 1440);
    expect(liveSummary).toEqual(btSummary);
    expect(live.rows.length).toBeGreaterThan(2000);
    expect(JSON.stringify(live.rows)).toBe(JSON.stringify(bt.rows));
    expect(JSON.stringify(live.decisions)).toBe(JSON.stringify(bt.decisions));
    expect(bt.decisions.some((d) => d.kind === 'tier-change')).toBe(true);
  });
});
