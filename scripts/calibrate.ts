// Runs `compare` on the calibration windows (docs/calibration.md) and prints one markdown table
// per window, plus a JSON document with every outcome to out/calibration/results.json.
// Run: npx tsx scripts/calibrate.ts [--accounts N] [--seeds 1,2,3] [--policies a,b] [--only name]
//      [--policy-file NAME=FILE]  (shared data at ../shared or $BACKSTOP_SHARED)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type SimReport, simulate } from '../src/sim/run-files.ts';

const shared = process.env.BACKSTOP_SHARED ?? '../shared';
const D = (f: string) => join(shared, 'data/prices/intraday', f);

/** The dev windows: three crashes and a calm month (issue 7), plus the other two dev crashes. */
export const WINDOWS = [
  {
    name: '2020-03-12',
    file: D('btc_usdt_binance_spot_5m_2020-03-01_2020-03-12T2110.csv'),
    from: '2020-03-10T00:00:00Z',
    to: '2020-03-12T21:10:00Z',
    kind: 'crash',
  },
  {
    name: '2021-05-19',
    file: D('btc_usdt_binance_spot_1m_2021-04-20_2021-05-20.csv.gz'),
    from: '2021-05-18T12:00:00Z',
    to: '2021-05-20T00:00:00Z',
    kind: 'crash',
  },
  {
    name: '2022-06-13',
    file: D('btc_usdt_binance_usdm_perp_1h_2020-01-01_2023-01-01.csv.gz'),
    from: '2022-06-06T00:00:00Z',
    to: '2022-06-20T00:00:00Z',
    kind: 'crash',
  },
  {
    name: '2022-11 FTX',
    file: D('btc_usdt_binance_usdm_perp_1h_2020-01-01_2023-01-01.csv.gz'),
    from: '2022-11-02T00:00:00Z',
    to: '2022-11-16T00:00:00Z',
    kind: 'crash',
  },
  {
    name: '2023-03 USDC',
    file: D('btc_usdt_binance_usdm_perp_15m_2023-01-01_2023-12-31.csv.gz'),
    from: '2023-03-07T00:00:00Z',
    to: '2023-03-16T00:00:00Z',
    kind: 'crash',
  },
  {
    name: '2023-07 calm',
    file: D('btc_usdt_binance_usdm_perp_15m_2023-01-01_2023-12-31.csv.gz'),
    from: '2023-07-01T00:00:00Z',
    to: '2023-08-01T00:00:00Z',
    kind: 'calm',
  },
] as const;

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '1000' },
    seeds: { type: 'string', default: '1' },
    policies: { type: 'string', default: 'none,binance,deribit,drift,dydx-v4,hyperliquid,backstop' },
    only: { type: 'string' },
    'depth-scale': { type: 'string', default: 'auto' },
    out: { type: 'string', default: 'out/calibration' },
  },
});

const money = (x: number) => Math.round(x).toLocaleString('en-US');
function table(r: SimReport): string {
  const head =
    '| policy | bad debt | fund dd | ADL | ADL notional | socialized | liquidated accounts | liquidated notional | activations | false | lead (min) | ledger | audit |';
  const rule = `|${' --- |'.repeat(13)}`;
  const rows = r.runs.map(
    (x) =>
      `| ${x.policy} | ${money(x.badDebt)} | ${(x.fundDrawdownFrac * 100).toFixed(1)} % | ${x.adlCount} | ${money(x.adlNotional)} | ${money(x.socializedLoss)} | ${x.liquidations} | ${money(x.liquidatedNotional)} | ${x.activations} | ${x.falseActivations} | ${x.firstActivationLeadSec === null ? '—' : (x.firstActivationLeadSec / 60).toFixed(0)} | ${x.conservationOk ? 'ok' : 'FAIL'} | ${x.auditOk ? 'ok' : 'FAIL'} |`,
  );
  return [head, rule, ...rows].join('\n');
}

mkdirSync(values.out, { recursive: true });
const all: unknown[] = [];
for (const w of WINDOWS) {
  if (values.only && !w.name.startsWith(values.only)) continue;
  for (const seed of values.seeds.split(',').map(Number)) {
    const t0 = performance.now();
    const ds = values['depth-scale'];
    const r = await simulate({
      files: [w.file],
      policies: values.policies.split(','),
      accounts: Number(values.accounts),
      seed,
      impact: true,
      outDir: null,
      fromUs: Date.parse(w.from) * 1000,
      toUs: Date.parse(w.to) * 1000,
      ...(ds === 'auto' ? { depthScale: 'auto' as const } : { depthScale: Number(ds) }),
    });
    const sec = ((performance.now() - t0) / 1000).toFixed(0);
    console.log(
      `\n### ${w.name} (${w.kind}) — ${r.bars} bars, ${r.accounts} accounts, seed ${seed}, depth × ${r.depthScale.toPrecision(3)}, data low ${r.runs[0]?.dataLow?.price}; ${sec} s\n`,
    );
    console.log(table(r));
    all.push({ window: w, ...r, report: undefined });
  }
}
writeFileSync(join(values.out, 'results.json'), `${JSON.stringify(all, null, 2)}\n`);
