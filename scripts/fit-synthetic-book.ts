// Fits the synthetic order book (src/sim/synthetic-book.ts, docs/synthetic-book.md) on the
// shared Binance bookDepth file and prints the coefficients, R², residuals and cross-checks.
// Writes nothing; the fitted values are pasted into BTC_SYNTHETIC_BOOK by hand.
// Run: npx tsx scripts/fit-synthetic-book.ts   (shared data at ../shared or $BACKSTOP_SHARED)
import { join } from 'node:path';
import type { BarEvent, DepthProfileEvent, EngineEvent } from '../src/domain/events.ts';
import { MarketFile } from '../src/io/market-file.ts';
import {
  BTC_SYNTHETIC_BOOK,
  type ContextBar,
  FIT_OPTIONS,
  fitSyntheticBook,
  minuteMidCloses,
  type SyntheticBookParams,
  syntheticBook,
  syntheticDepthWithin,
  trailingBarContext,
} from '../src/sim/synthetic-book.ts';

const shared = process.env.BACKSTOP_SHARED ?? '../shared';
const FILES = {
  bookDepth: 'data/orderbook/btcusdt_binance_usdm_bookdepth_2025-10-10_0000-1159.csv.gz',
  index: 'data/orderbook/btcusd_perp_binance_coinm_priceindex_1m_2025-10-09.csv',
  aggTrades: 'data/orderbook/btcusdc_binance_spot_aggtrades_2025-10-04.csv.gz',
  crises: [
    ['data/prices/intraday/btc_usdt_binance_spot_5m_2020-03-01_2020-03-12T2110.csv', 5],
    ['data/prices/intraday/btc_usdt_binance_spot_1m_2021-04-20_2021-05-20.csv.gz', 1],
    ['data/prices/intraday/btcusdt_binanceus_spot_1m_2023-03-01_2023-03-21.csv.gz', 1],
  ] as const,
};

async function read(rel: string): Promise<{ events: EngineEvent[]; rows: number; rejected: number }> {
  const f = await MarketFile.open(join(shared, rel));
  const events: EngineEvent[] = [];
  for await (const item of f.items()) if (item.ok) events.push(item.event);
  return { events, rows: f.stats.rows, rejected: f.stats.rejected };
}

const iso = (us: number) => new Date(us / 1000).toISOString().replace('.000Z', 'Z');
const g = (v: number, d = 4) => v.toPrecision(d);
const f = (v: number, d = 3) => v.toFixed(d);
const q = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const bpsMin = (rv: number) => `${f(rv * 1e4, 2)} bp/min`;
const annual = (rv: number) => `${f(rv * Math.sqrt(525_600) * 100, 0)} %/yr`;

// ── the fit ──
const depthFile = await read(FILES.bookDepth);
const snapshots = depthFile.events.filter((e): e is DepthProfileEvent => e.kind === 'depth-profile');
const fit = fitSyntheticBook(snapshots);
const d = fit.depth;
console.log(`# Synthetic book fit (${FILES.bookDepth})\n`);
console.log(
  `rows ${depthFile.rows}, rejected ${depthFile.rejected}, snapshots ${fit.snapshots.total} ` +
    `(incomplete ${fit.snapshots.incomplete}, warm-up ${fit.snapshots.warmup}, used ${fit.snapshots.used}: ` +
    `${iso(fit.snapshots.firstUsedTsUs)} .. ${iso(fit.snapshots.lastUsedTsUs)}), observations ${fit.observations}`,
);
console.log(
  `rv window ${FIT_OPTIONS.windowMinutes} one-minute returns; HAC lag ${FIT_OPTIONS.hacLagSnapshots} snapshots\n`,
);
console.log('| band edge | depthAtRef (BTC/side) | se ln OLS | se ln HAC | per-band β |');
console.log('|---:|---:|---:|---:|---:|');
d.bandEdges.forEach((e, k) => {
  console.log(
    `| ${f(e * 100, 0)} % | ${f(d.depthAtRef[k]!, 1)} | ${f(fit.se.logDepthOls[k]!, 4)} | ${f(fit.se.logDepthHac[k]!, 4)} | ${f(fit.rvElasticityByBand[k]!, 3)} |`,
  );
});
console.log(
  `\nrvRef ${g(d.rvRef, 6)} (${bpsMin(d.rvRef)}, ${annual(d.rvRef)}), rvLow ${g(d.rvLow, 6)} (${bpsMin(d.rvLow)}), ` +
    `rvHigh ${g(d.rvHigh, 6)} (${bpsMin(d.rvHigh)}, ${annual(d.rvHigh)})`,
);
console.log(
  `β (rvElasticity) ${f(d.rvElasticity, 4)}  se OLS ${f(fit.se.rvElasticityOls, 4)}  se HAC ${f(fit.se.rvElasticityHac, 4)}`,
);
console.log(
  `β by side (band effects kept): bid ${f(fit.rvElasticityBySide.bid, 4)}, ask ${f(fit.rvElasticityBySide.ask, 4)}; ` +
    `mean residual bid ${f(fit.meanResidualBySide.bid, 4)}, ask ${f(fit.meanResidualBySide.ask, 4)}`,
);
console.log(`R² ${f(fit.r2, 4)}   within-band R² ${f(fit.r2Within, 4)}`);
console.log(
  `residual quantiles (ln) 5/25/50/75/95 %: ${fit.residualQuantiles.map((v) => f(v, 3)).join(' / ')}`,
);
const sideShare =
  (fit.meanResidualBySide.bid ** 2 + fit.meanResidualBySide.ask ** 2) / 2 / fit.residualMeanSquare;
console.log(
  `residual mean square ${f(fit.residualMeanSquare, 4)} (rms ${f(Math.sqrt(fit.residualMeanSquare), 3)}); ` +
    `share from the bid/ask asymmetry ${f(100 * sideShare, 1)} %\n`,
);
console.log(
  `| stress bucket (rv) | snapshots | ${d.bandEdges.map((e) => `${f(e * 100, 0)} % mean / rms`).join(' | ')} |`,
);
console.log(`|---|---:|${d.bandEdges.map(() => '---:').join('|')}|`);
for (const b of fit.residuals) {
  console.log(
    `| ${b.bucket} (${f(b.rvFrom * 1e4, 2)}–${f(b.rvTo * 1e4, 2)} bp/min) | ${b.snapshots} | ${b.byBand.map((x) => `${f(x.mean, 3)} / ${f(x.rms, 3)}`).join(' | ')} |`,
  );
}
console.log('\nwindow sensitivity (β, within-band R²):');
for (const w of [15, 30, 60, 120]) {
  const alt = fitSyntheticBook(snapshots, { ...FIT_OPTIONS, windowMinutes: w });
  console.log(
    `  ${w} min: β ${f(alt.depth.rvElasticity, 4)} (HAC se ${f(alt.se.rvElasticityHac, 4)}), R²w ${f(alt.r2Within, 4)}`,
  );
}
console.log(
  '\nhourly medians (BTC within ±1 % / ±5 %) and the sd of 1-minute mid-proxy returns in the hour:',
);
{
  const closes = [...minuteMidCloses(snapshots).entries()].sort((a, b) => a[0] - b[0]);
  const t0 = snapshots[0]!.tsUs;
  for (let h = 0; h < 12; h++) {
    const inHour = snapshots.filter((s) => Math.floor((s.tsUs - t0) / 3_600_000_000) === h);
    const med = (pct: number) =>
      q(
        inHour.map((s) => s.bands.find((b) => b.pct === pct)?.depthBase ?? Number.NaN).sort((a, b) => a - b),
        0.5,
      );
    const r: number[] = [];
    for (let i = 1; i < closes.length; i++) {
      const [m, c] = closes[i]!;
      const [m0, c0] = closes[i - 1]!;
      if (m - m0 === 1 && Math.floor((m * 60_000_000 - t0) / 3_600_000_000) === h) r.push(Math.log(c / c0));
    }
    const mean = r.reduce((a, v) => a + v, 0) / r.length;
    const sd = Math.sqrt(r.reduce((a, v) => a + (v - mean) ** 2, 0) / (r.length - 1));
    console.log(
      `  ${String(h).padStart(2, '0')}:00  bid ${f(med(-1), 0)} / ${f(med(-5), 0)}  ask ${f(med(1), 0)} / ${f(med(5), 0)}  rv ${bpsMin(sd)}`,
    );
  }
}
console.log('\npaste into BTC_SYNTHETIC_BOOK.depth:');
console.log(
  `    bandEdges: [${d.bandEdges.join(', ')}],\n    depthAtRef: [${d.depthAtRef.map(String).join(', ')}],\n` +
    `    rvRef: ${d.rvRef},\n    rvLow: ${d.rvLow},\n    rvHigh: ${d.rvHigh},\n    rvElasticity: ${d.rvElasticity},`,
);
const c = BTC_SYNTHETIC_BOOK.depth;
const same =
  c.rvRef === d.rvRef &&
  c.rvLow === d.rvLow &&
  c.rvHigh === d.rvHigh &&
  c.rvElasticity === d.rvElasticity &&
  c.depthAtRef.every((v, k) => v === d.depthAtRef[k]) &&
  c.bandEdges.every((v, k) => v === d.bandEdges[k]);
console.log(`BTC_SYNTHETIC_BOOK equals this fit: ${same ? 'yes' : 'NO — paste the values above'}`);

// The model as fitted now (fitted depth + the committed assumed parts).
const params: SyntheticBookParams = { ...BTC_SYNTHETIC_BOOK, depth: { ...BTC_SYNTHETIC_BOOK.depth, ...d } };

// ── cross-checks ──
console.log('\n# Cross-checks\n');
const mins = [...minuteMidCloses(snapshots).entries()].sort((a, b) => a[0] - b[0]);
const perMinuteSd = (k: number) => {
  const r: number[] = [];
  for (let i = k; i < mins.length; i++) {
    if (mins[i]![0] - mins[i - k]![0] === k) r.push(Math.log(mins[i]![1] / mins[i - k]![1]));
  }
  const m = r.reduce((s, v) => s + v, 0) / r.length;
  return Math.sqrt(r.reduce((s, v) => s + (v - m) ** 2, 0) / (r.length - 1) / k);
};
console.log(
  `mid proxy noise: per-minute sd from 1m returns ${bpsMin(perMinuteSd(1))}, from 5m ${bpsMin(perMinuteSd(5))}, ` +
    `from 15m ${bpsMin(perMinuteSd(15))} (equal = little microstructure noise in the proxy)`,
);

function rvQuantiles(bars: readonly ContextBar[], barMinutes: number): number[] {
  const w = Math.round(FIT_OPTIONS.windowMinutes / barMinutes);
  const rv: number[] = [];
  for (let i = w + 1; i < bars.length; i++) rv.push(trailingBarContext(bars, i, w, barMinutes).rvPerMinute);
  return rv.sort((a, b) => a - b);
}
const describeRv = (rv: readonly number[]) =>
  `rv 1/50/90/99 %/max ${[0.01, 0.5, 0.9, 0.99].map((p) => f(q(rv, p) * 1e4, 2)).join(' / ')} / ${f(rv[rv.length - 1]! * 1e4, 2)} bp/min; ` +
  `above rvHigh ${f((100 * rv.filter((v) => v > d.rvHigh).length) / rv.length, 1)} %`;

const index = (await read(FILES.index)).events.filter((e): e is BarEvent => e.kind === 'bar');
console.log(`price index 2025-10-09 (1m, ${index.length} bars): ${describeRv(rvQuantiles(index, 1))}`);

const trades = (await read(FILES.aggTrades)).events;
const tradeBars: ContextBar[] = [];
for (const e of trades) {
  if (e.kind !== 'trade') continue;
  const m = Math.floor(e.tsUs / 60_000_000) * 60_000_000;
  const last = tradeBars[tradeBars.length - 1];
  if (last && last.tsUs === m)
    tradeBars[tradeBars.length - 1] = {
      tsUs: m,
      close: e.price,
      quoteVolume: last.quoteVolume! + e.price * e.qty,
    };
  else tradeBars.push({ tsUs: m, close: e.price, quoteVolume: e.price * e.qty });
}
// Effective spread proxy: a buyer-taker and a seller-taker trade < 100 ms apart hit opposite touches.
const crossings: number[] = [];
let prevTrade: { tsUs: number; price: number; side: string } | null = null;
for (const e of trades) {
  if (e.kind !== 'trade') continue;
  if (prevTrade && prevTrade.side !== e.side && e.tsUs - prevTrade.tsUs < 100_000) {
    crossings.push(e.side === 'buy' ? e.price - prevTrade.price : prevTrade.price - e.price);
  }
  prevTrade = { tsUs: e.tsUs, price: e.price, side: e.side };
}
crossings.sort((a, b) => a - b);
console.log(
  `spot BTCUSDC 2025-10-04: buy − sell price of ${crossings.length} adjacent opposite-side trades (< 100 ms): ` +
    `25/50/75 % ${[0.25, 0.5, 0.75].map((p) => f(q(crossings, p), 2)).join(' / ')} USDC (tick 0.01)`,
);
const qv = tradeBars.map((b) => b.quoteVolume!).sort((a, b) => a - b);
console.log(
  `spot BTCUSDC aggTrades 2025-10-04 (${tradeBars.length} one-minute bars): ${describeRv(rvQuantiles(tradeBars, 1))}; ` +
    `median quote volume ${f(q(qv, 0.5) / 1e3, 0)} k USDC/min (context only: volume is not in the model)`,
);

for (const [rel, barMinutes] of FILES.crises) {
  const bars = (await read(rel)).events.filter((e): e is BarEvent => e.kind === 'bar');
  const qvm = bars.map((b) => (b.volume! * b.close) / barMinutes).sort((a, b) => a - b);
  console.log(
    `${rel.split('/').pop()} (${bars.length} bars of ${barMinutes}m): ${describeRv(rvQuantiles(bars, barMinutes))}; ` +
      `median quote volume ${f(q(qvm, 0.5) / 1e3, 0)} k/min`,
  );
}

// Crash minutes of the 2021-04-20..05-20 file (most on 05-19): the model's depth within the
// minute's move from its open (to the high or the low, the larger) must not exceed the minute's
// whole traded volume, since the move went through the book. A bound, not a fit.
{
  const bars = (await read(FILES.crises[1][0])).events.filter((e): e is BarEvent => e.kind === 'bar');
  const minutes: { i: number; move: number }[] = [];
  for (let i = 61; i < bars.length; i++) {
    const b = bars[i]!;
    minutes.push({ i, move: Math.max(Math.log(b.high / b.open), -Math.log(b.low / b.open)) });
  }
  minutes.sort((a, b) => b.move - a.move || a.i - b.i);
  const top = minutes.slice(0, 30);
  const days = new Map<string, number>();
  for (const { i } of top) {
    const day = iso(bars[i]!.tsUs).slice(0, 10);
    days.set(day, (days.get(day) ?? 0) + 1);
  }
  const perDay = [...days].map(([day, n]) => `${day} ×${n}`).join(', ');
  console.log(
    `\ncrash-minute bound: the 30 largest 1m moves of the 2021 file (${perDay}), ${f(top[29]!.move * 100, 1)}–${f(top[0]!.move * 100, 1)} %;`,
  );
  console.log('model depth within the move at the trailing 60-minute rv / the minute volume:');
  for (const beta of [params.depth.stressRvElasticity, -0.5]) {
    const p = { ...params, depth: { ...params.depth, stressRvElasticity: beta } };
    const ratios = top
      .map(
        ({ i, move }) => syntheticDepthWithin(trailingBarContext(bars, i, 60, 1), p, move) / bars[i]!.volume!,
      )
      .sort((a, b) => a - b);
    console.log(
      `  βₛ = ${beta}: median ${f(q(ratios, 0.5), 2)}, min ${f(ratios[0]!, 2)}, max ${f(ratios[ratios.length - 1]!, 2)}, ` +
        `above 1 in ${ratios.filter((r) => r > 1).length} of ${ratios.length}`,
    );
  }
}

// ── example books ──
console.log('\n# Example books (mid 100 000, tick 0.1; per side, BTC)\n');
console.log(
  '| state | rv | spread | depth ≤ 1 % | depth ≤ 5 % | depth ≤ 10 % | sell 300 BTC: avg / worst vs mid | levels/side |',
);
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
const mid = 100_000;
for (const [state, rv] of [
  ['calm (rvRef)', d.rvRef],
  ['medium', 1e-3],
  ['crisis', 5e-3],
  ['crash minute', 1.5e-2],
] as const) {
  const book = syntheticBook({ mid, rvPerMinute: rv, quoteVolumePerMinute: 0 }, params, 0.1);
  const within = (x: number) =>
    book.bids.filter(([p]) => p >= mid * (1 - x) - 0.1).reduce((s, [, z]) => s + z, 0);
  let left = 300;
  let quote = 0;
  let worst = mid;
  for (const [p, z] of book.bids) {
    const take = Math.min(z, left);
    quote += take * p;
    left -= take;
    worst = p;
    if (left <= 0) break;
  }
  const filled = 300 - left;
  const walk =
    left > 1e-9
      ? `book out after ${f(filled, 0)} BTC (avg ${f(((mid - quote / filled) / mid) * 1e4, 0)} bp)`
      : `${f(((mid - quote / filled) / mid) * 1e4, 1)} / ${f(((mid - worst) / mid) * 1e4, 1)} bp`;
  const spreadBps = ((book.asks[0]![0] - book.bids[0]![0]) / mid) * 1e4;
  console.log(
    `| ${state} | ${bpsMin(rv)} (${annual(rv)}) | ${f(spreadBps, 2)} bp | ${f(within(0.01), 0)} | ${f(within(0.05), 0)} | ${f(within(0.1), 0)} | ${walk} | ${book.bids.length} |`,
  );
}
