import { statSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';
import { parseDurationMicros } from '../core/time.ts';
import type { Decision } from '../domain/decisions.ts';
import { defaultEngineConfig, Engine } from '../engine/engine.ts';
import { fileSources } from '../io/file-sources.ts';
import { FORMAT_NAMES, type FormatName } from '../io/formats/index.ts';
import type { SizeUnit } from '../io/market-file.ts';
import { QuarantineWriter } from '../io/quarantine.ts';
import type { MonitorRow } from '../liquidity/monitor.ts';
import { defaultMonitorConfig } from '../liquidity/monitor-config.ts';
import { type RunSummary, runLoop } from '../runtime/run-loop.ts';
import { UsageError } from './errors.ts';
import { fmt, type Io } from './output.ts';

export interface MonitorOptions {
  readonly files: readonly string[];
  readonly intervalUs: number;
  readonly notionalQuote: number;
  readonly quarantinePath: string;
  readonly format?: FormatName;
  readonly instrument?: string;
  readonly sizeUnit?: SizeUnit;
  readonly onRow: (row: MonitorRow) => void;
  readonly onDecision?: (d: Decision) => void;
  readonly showProgress?: boolean;
  readonly err?: NodeJS.WritableStream;
}

export interface MonitorResult {
  readonly summary: RunSummary;
  readonly rejected: number;
  readonly quarantine: string | null;
  readonly tierChanges: number;
}

/** Runs files through the engine and reports one monitor row per instrument per interval. */
export async function runMonitor(o: MonitorOptions): Promise<MonitorResult> {
  const monitor = defaultMonitorConfig(o.intervalUs, o.notionalQuote);
  const engine = new Engine(defaultEngineConfig({ monitor }), { onMonitorClose: (c) => o.onRow(c.row) });
  const { sources, files } = await fileSources(o.files, {
    ...(o.format ? { format: o.format } : {}),
    ...(o.instrument ? { instrument: o.instrument } : {}),
    ...(o.sizeUnit ? { sizeUnit: o.sizeUnit } : {}),
  });
  const quarantine = new QuarantineWriter(o.quarantinePath);
  let bar: cliProgress.SingleBar | null = null;
  const totalBytes = o.files.reduce((s, f) => s + statSync(f).size, 0);
  if (o.showProgress && totalBytes > 1_000_000) {
    bar = new cliProgress.SingleBar(
      { stream: o.err ?? process.stderr, format: 'monitor |{bar}| {percentage}% | {value}/{total} bytes' },
      cliProgress.Presets.shades_classic,
    );
    bar.start(totalBytes, 0);
  }
  let tierChanges = 0;
  try {
    const summary = await runLoop(engine, sources, {
      onRejection: (r) => quarantine.write(r),
      onDecision: (d) => {
        if (d.kind === 'tier-change') tierChanges++;
        o.onDecision?.(d);
      },
      onProgress: (n) => {
        if (bar && n % 20_000 === 0) bar.update(files.reduce((s, f) => s + f.progress.bytesRead, 0));
      },
    });
    return { summary, rejected: quarantine.count, quarantine: quarantine.writtenPath, tierChanges };
  } finally {
    bar?.stop();
    await quarantine.close();
  }
}

const HEADER = `${'ts'.padEnd(27)} ${'instrument'.padEnd(14)} ${'mid'.padStart(12)} ${'sprd bps'.padStart(9)} ${'bid dpth'.padStart(10)} ${'ask dpth'.padStart(10)} ${'imb'.padStart(6)} ${'volume'.padStart(10)} ${'trades'.padStart(7)} ${'rvEwma'.padStart(7)} ${'slip bps'.padStart(9)} ${'stress'.padStart(7)} tier`;

function humanRow(r: MonitorRow, bandBps: number): string {
  const b = r.depthBid?.[String(bandBps)] ?? null;
  const a = r.depthAsk?.[String(bandBps)] ?? null;
  return `${r.ts.padEnd(27)} ${r.instrument.slice(0, 14).padEnd(14)} ${fmt(r.mid, 2, 12)} ${fmt(r.spreadBps, 2, 9)} ${fmt(b, 0, 10)} ${fmt(a, 0, 10)} ${fmt(r.imbalance, 2, 6)} ${fmt(r.volume, 3, 10)} ${fmt(r.trades, 0, 7)} ${fmt(r.rvEwma, 3, 7)} ${fmt(r.slippageBps, 2, 9)} ${fmt(r.stressIndex, 2, 7)} ${r.tier}`;
}

export function parseInterval(text: string): number {
  const us = parseDurationMicros(text);
  if (us === null)
    throw new UsageError(`--interval: expected a duration like 1s, 500ms, 1m, 1h; got "${text}"`);
  return us;
}

export function parsePositive(flag: string): (text: string) => number {
  return (text) => {
    const v = Number(text);
    if (!Number.isFinite(v) || v <= 0)
      throw new UsageError(`${flag}: expected a positive number, got "${text}"`);
    return v;
  };
}

export function monitorCommand(io: Io): Command {
  return new Command('monitor')
    .description('Liquidity metrics and stress tiers per instrument and interval, from market-data files')
    .argument(
      '<files...>',
      'tardis-dev CSV, Binance bookDepth / aggTrades / klines, or OHLCV CSV (.csv or .csv.gz)',
    )
    .option('--interval <duration>', 'interval length (e.g. 1s, 1m, 1h)', '1s')
    .option('--notional <quote>', 'quote notional sold into the bids for slippageBps', '1000000')
    .option(
      '--quarantine <file>',
      'JSONL file for rejected rows (created on the first one)',
      'backstop-quarantine.jsonl',
    )
    .addOption(
      new Option('--format <name>', 'skip header detection and use this format').choices(FORMAT_NAMES),
    )
    .option('--instrument <id>', 'instrument id for files without a symbol column (default: file name)')
    .addOption(
      new Option(
        '--size-unit <unit>',
        'unit of sizes in the files: base, or quote (USD contracts of inverse perps)',
      )
        .choices(['base', 'quote'])
        .default('base'),
    )
    .option('--json', 'one JSON document {rows, rejected, quarantine} on stdout')
    .option('--jsonl', 'one JSON row per line on stdout, as they are produced')
    .action(async (files: string[], opts: Record<string, string | boolean | undefined>) => {
      const intervalUs = parseInterval(String(opts.interval));
      const notionalQuote = parsePositive('--notional')(String(opts.notional));
      if (opts.json && opts.jsonl) throw new UsageError('--json and --jsonl are exclusive');
      const rows: MonitorRow[] = [];
      const band = defaultMonitorConfig().imbalanceBandBps;
      let printedHeader = false;
      const onRow = (r: MonitorRow) => {
        if (opts.jsonl) io.out.write(`${JSON.stringify(r)}\n`);
        else if (opts.json) rows.push(r);
        else {
          if (!printedHeader) {
            io.out.write(`${HEADER}\n`);
            printedHeader = true;
          }
          io.out.write(`${humanRow(r, band)}\n`);
        }
      };
      const result = await runMonitor({
        files,
        intervalUs,
        notionalQuote,
        quarantinePath: String(opts.quarantine),
        ...(opts.format ? { format: opts.format as FormatName } : {}),
        ...(opts.instrument ? { instrument: String(opts.instrument) } : {}),
        sizeUnit: opts.sizeUnit as SizeUnit,
        onRow,
        showProgress: Boolean(io.err.isTTY),
        err: io.err,
      });
      if (opts.json) {
        io.out.write(
          `${JSON.stringify({ rows, rejected: result.rejected, quarantine: result.quarantine })}\n`,
        );
      } else if (!opts.jsonl) {
        io.out.write(
          `\n${result.summary.events} events, ${result.tierChanges} tier changes, ${result.rejected} rejected${result.quarantine ? ` (see ${result.quarantine})` : ''}\n`,
        );
      }
      if (result.rejected > 0 && (opts.json || opts.jsonl)) {
        io.err.write(`${result.rejected} rejected rows quarantined in ${result.quarantine}\n`);
      }
    });
}
