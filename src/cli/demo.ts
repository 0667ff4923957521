import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { toIsoMicros } from '../core/time.ts';
import type { TierChange } from '../domain/decisions.ts';
import type { MonitorRow } from '../liquidity/monitor.ts';
import { summaryRow } from '../sim/run-files.ts';
import { runAndPrint } from './backtest.ts';
import { UsageError } from './errors.ts';
import { runMonitor } from './monitor.ts';
import { fmt, type Io } from './output.ts';

/** Bundled real crash window (data/samples/PROVENANCE.md): Binance BTC/USDT 1m bars, 2021-05-19. */
export const DEMO_SAMPLE = fileURLToPath(
  new URL('../../data/samples/btc_usdt_binance_spot_1m_2021-05-19.csv', import.meta.url),
);

export interface DemoSummary {
  readonly outDir: string | null;
  readonly sample: string;
  readonly rows: number;
  readonly events: number;
  readonly rejected: number;
  readonly low: { readonly ts: string; readonly price: number } | null;
  readonly tierMinutes: Readonly<Record<string, number>>;
  readonly tierChanges: readonly {
    ts: string;
    from: string;
    to: string;
    stressIndex: number;
    mid: number | null;
  }[];
  readonly firstCrisisMinutesBeforeLow: number | null;
}

/** The monitor on the 2021-05-19 crash day: when did each tier start, relative to the low? */
export async function runDemo(outDir: string | null): Promise<DemoSummary> {
  const rows: MonitorRow[] = [];
  const changes: TierChange[] = [];
  const result = await runMonitor({
    files: [DEMO_SAMPLE],
    intervalUs: 60_000_000,
    notionalQuote: 1_000_000,
    quarantinePath: 'backstop-quarantine.jsonl',
    instrument: 'BTC/USDT',
    onRow: (r) => rows.push(r),
    onDecision: (d) => {
      if (d.kind === 'tier-change') changes.push(d);
    },
  });
  const tierMinutes: Record<string, number> = {};
  for (const r of rows) tierMinutes[r.tier] = (tierMinutes[r.tier] ?? 0) + 1;
  let low: { ts: string; price: number; tsUs: number } | null = null;
  for (const r of rows)
    if (r.mid !== null && (low === null || r.mid < low.price)) low = { ts: r.ts, price: r.mid, tsUs: r.tsUs };
  const midAt = new Map(rows.map((r) => [r.tsUs + 60_000_000, r.mid]));
  const firstCrisis = changes.find((c) => c.to === 'crisis');
  const summary: DemoSummary = {
    outDir,
    sample: DEMO_SAMPLE,
    rows: rows.length,
    events: result.summary.events,
    rejected: result.rejected,
    low: low && { ts: low.ts, price: low.price },
    tierMinutes,
    tierChanges: changes.map((c) => ({
      ts: toIsoMicros(c.tsUs),
      from: c.from,
      to: c.to,
      stressIndex: Number(c.evidence.stressIndex),
      mid: midAt.get(c.tsUs) ?? null,
    })),
    firstCrisisMinutesBeforeLow:
      firstCrisis && low ? (low.tsUs + 60_000_000 - firstCrisis.tsUs) / 60_000_000 : null,
  };
  if (outDir !== null) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'monitor.jsonl'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    writeFileSync(join(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  }
  return summary;
}

/** The compare part of the demo: the crash hours of the bundled day (11:00–15:00 UTC, the low at 13:3x). */
export const DEMO_POLICIES = ['none', 'hyperliquid', 'dydx-v4', 'backstop'];
export const DEMO_WINDOW = { from: Date.UTC(2021, 4, 19, 11) * 1000, to: Date.UTC(2021, 4, 19, 15) * 1000 };

export function demoCommand(io: Io): Command {
  return new Command('demo')
    .description(
      'The bundled 2021-05-19 BTC crash: the liquidity monitor, then compare none, hyperliquid, dydx-v4 and backstop on a synthetic population',
    )
    .option(
      '--out <dir>',
      'where to write monitor.jsonl, summary.json and compare/ (report, audit logs)',
      'out/demo',
    )
    .option(
      '--accounts <n>',
      'synthetic traders in the compare',
      (v) => {
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n < 0)
          throw new UsageError(`--accounts must be an integer ≥ 0, got "${v}"`);
        return n;
      },
      10_000,
    )
    .option('--json', 'print the monitor summary and the compare as one JSON document')
    .action(async (opts: { json?: boolean; out: string; accounts: number }) => {
      const s = await runDemo(opts.out);
      const compareOpts = {
        data: [DEMO_SAMPLE],
        accounts: opts.accounts,
        seed: 1,
        impact: true,
        out: join(opts.out, 'compare'),
        from: DEMO_WINDOW.from,
        to: DEMO_WINDOW.to,
      };
      if (opts.json) {
        const quiet = { out: new PassThrough(), err: io.err };
        const r = await runAndPrint(quiet, DEMO_POLICIES, compareOpts);
        io.out.write(`${JSON.stringify({ monitor: s, compare: { ...r, runs: r.runs.map(summaryRow) } })}\n`);
        return;
      }
      io.out.write(
        'Backstop demo: liquidity monitor on the 2021-05-19 BTC crash (Binance BTC/USDT, 1m bars)\n',
      );
      io.out.write(
        `sample ${s.sample}\n${s.events} bars, ${s.rejected} rejected, ${s.rows} one-minute rows\n`,
      );
      if (s.low) io.out.write(`lowest close: ${fmt(s.low.price, 2, 0)} in the minute starting ${s.low.ts}\n`);
      io.out.write('\ntier changes (time = end of the interval that triggered it):\n');
      for (const c of s.tierChanges) {
        io.out.write(
          `  ${c.ts}  ${c.from.padEnd(8)} -> ${c.to.padEnd(8)} stress ${fmt(c.stressIndex, 2, 5)}  close ${fmt(c.mid, 2, 9)}\n`,
        );
      }
      io.out.write(`\nminutes per tier: ${JSON.stringify(s.tierMinutes)}\n`);
      if (s.firstCrisisMinutesBeforeLow !== null) {
        io.out.write(`first crisis tier ${s.firstCrisisMinutesBeforeLow} minutes before the low\n`);
      }
      io.out.write(`rows and summary written to ${s.outDir}/\n`);
      io.out.write(
        `\ncompare on 11:00–15:00 UTC, ${opts.accounts} synthetic accounts, same population and seed for every policy:\n`,
      );
      await runAndPrint(io, DEMO_POLICIES, compareOpts);
    });
}
