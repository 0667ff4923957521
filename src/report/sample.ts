/**
 * A synthetic two-policy crash day (BTC, 2020-03-12 shape) for the report tests and for looking
 * at the charts: `npx tsx src/report/sample.ts [outDir]` writes a report to `out/report-sample/`.
 * Deterministic (a fixed LCG, no Math.random).
 */
import { pathToFileURL } from 'node:url';
import type { Tier } from '../domain/decisions.ts';
import { renderReport } from './render.ts';
import type { ReportInput, RunSeries } from './types.ts';

const START_US = Date.UTC(2020, 2, 12, 0, 0, 0) * 1000;
const HOUR_US = 3_600_000_000;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Piecewise-linear crash path in hours → price: slow bleed, a leg down, a flash low, a bounce. */
const PATH: readonly (readonly [number, number])[] = [
  [0, 7930],
  [6, 7800],
  [10, 7450],
  [12, 6600],
  [14, 5900],
  [18, 5650],
  [21.5, 5300],
  [22.4, 4420],
  [22.6, 4700],
  [24, 4950],
];

function pathAt(h: number): number {
  for (let i = 1; i < PATH.length; i++) {
    const [h1, p1] = PATH[i]!;
    const [h0, p0] = PATH[i - 1]!;
    if (h <= h1) return p0 + ((p1 - p0) * (h - h0)) / (h1 - h0);
  }
  return PATH[PATH.length - 1]![1];
}

/** Options: `stepSeconds` of the price series (default 5 s → 17 281 points, downsampled). */
export function sampleReportInput(opts: { stepSeconds?: number; title?: string } = {}): ReportInput {
  const step = (opts.stepSeconds ?? 5) * 1_000_000;
  const rnd = lcg(20200312);
  const dataPrice: [number, number][] = [];
  let noise = 0;
  for (let t = START_US; t <= START_US + 24 * HOUR_US; t += step) {
    noise = 0.995 * noise + (rnd() - 0.5) * 6;
    dataPrice.push([t, pathAt((t - START_US) / HOUR_US) + noise]);
  }
  const at = (h: number): number => START_US + Math.round(h * HOUR_US);
  const run = (policy: string, impact: number, seed: number): RunSeries => {
    const r = lcg(seed);
    // Impact deepens the falls: the further below the running high, the more the price is pushed.
    let high = 0;
    const price = dataPrice.map(([t, p]): [number, number] => {
      high = Math.max(high, p);
      return [t, p - impact * (high - p) * 0.25];
    });
    const liquidations: { tsUs: number; price: number; notional: number }[] = [];
    for (let i = 1; i < price.length; i += 1) {
      const drop = price[i - 1]![1] - price[i]![1];
      if (drop > 4 && r() < 0.25 + impact) {
        const notional = Math.round(20_000 + r() ** 3 * 4_000_000 * (1 + impact * 2));
        liquidations.push({ tsUs: price[i]![0], price: price[i]![1], notional });
      }
    }
    const tierPath: readonly (readonly [number, Tier])[] =
      impact > 0.2
        ? [
            [0, 'normal'],
            [9.5, 'watch'],
            [12.2, 'stressed'],
            [21.6, 'crisis'],
            [23.7, 'stressed'],
          ]
        : [
            [0, 'normal'],
            [10.1, 'watch'],
            [12.6, 'stressed'],
            [16, 'watch'],
            [21.8, 'crisis'],
            [23.1, 'stressed'],
          ];
    const tiers = tierPath.map(([h, tier]) => ({ tsUs: at(h), tier }));
    const stress: [number, number][] = [];
    for (let m = 0; m <= 24 * 60; m += 1) {
      const h = m / 60;
      const slope = Math.abs(pathAt(h + 1 / 60) - pathAt(h)) * 60;
      stress.push([at(h), 0.4 + slope / 180 + (r() - 0.5) * 0.8 + impact * (slope / 400)]);
    }
    let fundBal = 10_000_000;
    const fund: [number, number][] = [[START_US, fundBal]];
    for (const l of liquidations) {
      fundBal += (l.price > 5600 ? 0.004 : -0.03 * (1 + impact * 3)) * l.notional;
      fund.push([l.tsUs, Math.max(0, fundBal)]);
    }
    const adl =
      impact > 0.2
        ? liquidations
            .filter((l) => l.tsUs > at(22.2) && l.tsUs < at(22.8) && l.notional > 300_000)
            .map((l) => ({ tsUs: l.tsUs, notional: l.notional * 0.6 }))
        : [];
    const marginUtilisation: [number, number][] = [];
    for (let m = 0; m <= 24 * 60; m += 5) {
      const h = m / 60;
      const depth = (7930 - pathAt(h)) / 3500;
      marginUtilisation.push([at(h), Math.min(1, Math.max(0, 0.01 + depth ** 2 * (0.35 + impact)))]);
    }
    return { policy, price, dataPrice, liquidations, tiers, stress, fund, adl, marginUtilisation };
  };
  const runs = [run('backstop', 0.1, 7), run('none', 0.4, 11)];
  const summary = runs.map((r) => ({
    policy: r.policy,
    liquidations: r.liquidations.length,
    liquidatedNotional: r.liquidations.reduce((s, l) => s + l.notional, 0),
    minPrice: Math.min(...r.price.map((p) => p[1])),
    fundEnd: r.fund[r.fund.length - 1]![1],
    fundDrawdownShare: 1 - Math.min(...r.fund.map((p) => p[1])) / 10_000_000,
    adlCount: r.adl.length,
    adlNotional: r.adl.reduce((s, a) => s + a.notional, 0),
    maxMarginCallShare: Math.max(...r.marginUtilisation.map((p) => p[1])),
    halted: r.policy === 'none',
    socializedLoss: null,
  }));
  return {
    title: opts.title ?? 'BTC 2020-03-12 — compare',
    currency: 'USDT',
    data: [
      'data/btcusdt_binance_usdm_trades_2020-03-12.csv.gz',
      'data/btcusdt_binance_usdm_book_2020-03-12.csv.gz',
    ],
    runs,
    summary,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] ?? 'out/report-sample';
  const single = sampleReportInput({ title: 'BTC 2020-03-12 — backtest' });
  const r = await renderReport(sampleReportInput(), out);
  const r1 = await renderReport(
    { ...single, runs: single.runs.slice(0, 1), summary: single.summary.slice(0, 1) },
    `${out}/single`,
  );
  console.log([r.htmlPath, ...r.pngPaths, r1.htmlPath, ...r1.pngPaths].join('\n'));
}
