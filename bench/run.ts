import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchTickDay } from './day.bench.ts';
import { benchEngine } from './engine.bench.ts';
import { benchFills } from './fills.bench.ts';
import { benchMargin } from './margin.bench.ts';
import { benchOrderBook } from './order-book.bench.ts';
import { benchService } from './service.bench.ts';

/**
 * `npm run bench`: runs every benchmark, prints one table, writes out/bench/results.json.
 * Rows whose name starts with `ratio ` carry a speed-up factor in `opsPerSec`, not a rate; rows
 * with `kind: 'latency-us'` carry a latency in microseconds in `opsPerSec`, not a rate.
 */

type Kind = 'rate' | 'ratio' | 'latency-us';

interface Row {
  readonly name: string;
  readonly opsPerSec: number;
  readonly kind?: Kind;
}

const OUT_FILE = path.join('out', 'bench', 'results.json');

const kindOf = (r: Row): Kind => r.kind ?? (r.name.startsWith('ratio ') ? 'ratio' : 'rate');

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
  };
}

function formatRate(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function table(groups: readonly { bench: string; rows: readonly Row[] }[]): string {
  const lines: string[][] = [['benchmark', 'row', 'ops/s', 'ratio', 'latency µs']];
  for (const g of groups) {
    for (const r of g.rows) {
      const kind = kindOf(r);
      lines.push(
        kind === 'ratio'
          ? [g.bench, r.name, '', `${r.opsPerSec.toFixed(2)}×`, '']
          : kind === 'latency-us'
            ? [g.bench, r.name, '', '', r.opsPerSec.toFixed(1)]
            : [g.bench, r.name, formatRate(r.opsPerSec), '', ''],
      );
    }
  }
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  const fmt = (l: string[]): string =>
    l.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [fmt(lines[0]!), rule, ...lines.slice(1).map(fmt)].join('\n');
}

async function main(): Promise<void> {
  const m = machine();
  console.log(`machine: ${m.cpus} CPUs (${m.cpuModel}), node ${m.node}, ${m.platform}`);
  const started = performance.now();

  console.log('running order-book bench…');
  const orderBook = await benchOrderBook();
  console.log('running engine bench…');
  const engine = await benchEngine((line) => console.log(line));
  console.log('running margin bench…');
  const margin = await benchMargin((line) => console.log(line));
  console.log('running fills bench…');
  const fills = await benchFills((line) => console.log(line));
  console.log('running service bench…');
  const service = await benchService((line) => console.log(line));
  console.log('running tick-day bench (about 2 min)…');
  const tickDay = await benchTickDay((line) => console.log(line));
  const seconds = (performance.now() - started) / 1e3;

  const groups = [
    { bench: 'order-book', rows: orderBook },
    { bench: 'engine', rows: engine },
    { bench: 'margin', rows: margin },
    { bench: 'fills', rows: fills },
    { bench: 'service', rows: service },
    { bench: 'tick-day', rows: tickDay },
  ];
  console.log('');
  console.log(table(groups));
  console.log('');
  console.log(
    'ratio rows are speed-up factors (fast/slow), not rates; latency rows are microseconds per call; ' +
      'ops/s are rough on a shared machine.',
  );

  const results = {
    date: new Date().toISOString(),
    machine: m,
    seconds: Number(seconds.toFixed(1)),
    results: groups.flatMap((g) =>
      g.rows.map((r) => ({
        bench: g.bench,
        name: r.name,
        opsPerSec: r.opsPerSec,
        kind: kindOf(r),
      })),
    ),
  };
  await mkdir(path.dirname(OUT_FILE), { recursive: true });
  await writeFile(OUT_FILE, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${OUT_FILE} (${seconds.toFixed(1)} s total)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
