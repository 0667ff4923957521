import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { cli } from '../../test/cli-harness.ts';
import { HAVE_SHARED, SHARED_DIR, SHARED_MISSING } from '../../test/shared-data.ts';
import type { BarEvent } from '../domain/events.ts';
import { policyFromData } from '../io/policy/load-policy.ts';
import type { PolicyFile } from '../io/policy/policy-schema.ts';
import { POLICY_PRESETS } from '../io/policy/presets.ts';
import { runBacktest } from './backtest.ts';
import { DEFAULT_IMPACT } from './impact.ts';
import { DEFAULT_POPULATION, makePopulation } from './population.ts';
import { backtestConfig, resolvePolicy, simulate, windowBars } from './run-files.ts';
import { BTC_SYNTHETIC_BOOK } from './synthetic-book.ts';
import { hourCrashBars } from './test-bars.ts';

const T0 = Date.UTC(2026, 0, 1) * 1000;
const SAMPLE_2021 = new URL('../../data/samples/btc_usdt_binance_spot_1m_2021-05-19.csv', import.meta.url)
  .pathname;
const MIN = 60_000_000;

/** 240 one-minute bars: flat at 100 000 for an hour, a fall of `fall` over an hour, then a partial recovery. */
const crashBars = (fall = 30_000): BarEvent[] => hourCrashBars(T0, fall);

/** The fitted book with its depth scaled (a thinner venue). */
const thin = (f: number) => ({
  ...BTC_SYNTHETIC_BOOK,
  depth: { ...BTC_SYNTHETIC_BOOK.depth, depthAtRef: BTC_SYNTHETIC_BOOK.depth.depthAtRef.map((x) => x * f) },
});

const run = (policy: string, impact: boolean, accounts = 400, fall = 30_000, depth = 1) =>
  runBacktest({
    policyName: policy,
    policy: resolvePolicy(policy),
    population: { ...DEFAULT_POPULATION, accounts, seed: 3, warmupFrac: 0.2 },
    impact: impact ? DEFAULT_IMPACT : null,
    book: thin(depth),
    bars: crashBars(fall),
  });

describe('backtest runner', () => {
  it('is deterministic, conserves money, verifies its audit chain, and liquidates in the crash', () => {
    const a = run('none', true);
    const b = run('none', true);
    expect(b.outcome).toEqual(a.outcome);
    expect(b.series).toEqual(a.series);
    expect(a.outcome).toMatchObject({ conservationOk: true, auditOk: true, rejected: 0 });
    expect(a.outcome.liquidations).toBeGreaterThan(0);
    // everything is liquidated after the fall began (the first hour is flat)
    expect(a.series.liquidations.every((l) => l.tsUs > T0 + 60 * MIN)).toBe(true);
    expect(a.outcome.dataLow?.price).toBeCloseTo(70_000 * (1 + 0.0005 * Math.sin(119)) * 0.999, 6);
    expect(a.series.liquidations.length).toBeGreaterThanOrEqual(a.outcome.liquidations);
  });

  it('counts negative equity left open as openDeficit, by a second method', () => {
    // a policy without a liquidation section: nobody is liquidated, the crash leaves 20× longs under water
    const { liquidation: _, ...rest } = structuredClone(POLICY_PRESETS.none) as PolicyFile;
    const bars = crashBars();
    const population = { ...DEFAULT_POPULATION, accounts: 300, seed: 3, warmupFrac: 0.2 };
    const r = runBacktest({
      policyName: 'no-liquidation',
      policy: policyFromData(rest as PolicyFile, 'x'),
      population,
      impact: null,
      book: thin(1),
      bars,
    });
    expect(r.outcome.liquidations).toBe(0);
    expect(r.outcome.badDebt).toBe(0);
    // each trader: deposit notional / leverage (to the cent), qty at its entry bar's open rounded
    // to 1e-6, marked at the last price point (the last bar's close)
    const last = (bars.at(-1) as BarEvent).close;
    let want = 0;
    for (const t of makePopulation(population, bars.length)) {
      const open = (bars[t.entryBar] as BarEvent).open;
      const qty = Math.round((t.side * t.notional) / open / 1e-6) * 1e-6;
      if (qty === 0) continue;
      const equity = Number((t.notional / t.leverage).toFixed(2)) + qty * (last - open);
      if (equity < 0) want -= equity;
    }
    expect(want).toBeGreaterThan(10_000);
    expect(r.outcome.openDeficit).toBeCloseTo(want, 0);
    // with liquidations nothing is left under water
    expect(run('none', false, 300).outcome.openDeficit).toBe(0);
  });

  it('reports depth and spread with and without the reserve quotes', () => {
    const none = run('none', true);
    // no reserve: the two views are the same numbers
    expect(none.outcome.liquidity.with).toEqual(none.outcome.liquidity.without);
    const b = run('backstop', true);
    const { with: w, without: wo } = b.outcome.liquidity;
    // the book is the same synthetic book in both views; the reserve only adds bids (3 levels of
    // 2–4 contracts within 1 % of mid at 70–100k: at most 12 contracts × 100k per price point)
    expect(b.outcome.activations).toBeGreaterThan(0);
    expect(w.meanDepthBidUsd).toBeGreaterThan(wo.meanDepthBidUsd);
    expect(w.meanDepthBidUsd - wo.meanDepthBidUsd).toBeLessThanOrEqual(12 * 100_000 * 1.001);
    expect(w.minDepthBidUsd).toBeGreaterThanOrEqual(wo.minDepthBidUsd);
    expect(w.meanSpreadBps).toBeLessThanOrEqual(wo.meanSpreadBps);
  });

  it('socializes onto the reserve and providers from their own accounts (no fund, takeover or ADL)', async () => {
    // once crashed the engine: the reserve holds open interest from its quotes, and its share of
    // a socialized loss was charged to a trader account of the same name, which held nothing
    // the previous backstop preset (stress-index tiers: the reserve is quoting when losses land)
    const file = new URL('../../test/fixtures/policies/backstop-stress-tiers.yaml', import.meta.url).pathname;
    const data = parseYaml(readFileSync(file, 'utf8')) as PolicyFile;
    const stages = { ...data.liquidation?.stages, insuranceFund: false, providerTakeover: false };
    const policy = policyFromData(
      { ...data, liquidation: { ...data.liquidation, stages } } as PolicyFile,
      'x',
    );
    // the bundled 2021-05-19 sample around the low, on a book 20× thinner than the fitted one
    const o = {
      files: [SAMPLE_2021],
      fromUs: Date.parse('2021-05-19T12:00:00Z') * 1000,
      toUs: Date.parse('2021-05-19T15:00:00Z') * 1000,
      accounts: 500,
      seed: 1,
      impact: true,
      depthScale: 0.05,
    };
    const r = runBacktest(backtestConfig(o, await windowBars(o), 'backstop-no-fund', policy, null));
    expect(r.outcome.socializedLoss).toBeGreaterThan(0);
  });

  it('price impact turns forced selling into a deeper low and more liquidations (a cascade)', () => {
    // a 10 % fall on a venue 50× thinner than the fitted book: forced selling moves the price
    const withImpact = run('none', true, 1_000, 10_000, 0.02);
    const without = run('none', false, 1_000, 10_000, 0.02);
    expect(without.outcome.low?.price).toBeCloseTo(without.outcome.dataLow?.price as number, 9);
    expect(withImpact.outcome.low?.price as number).toBeLessThan(without.outcome.low?.price as number);
    expect(withImpact.outcome.liquidations).toBeGreaterThan(without.outcome.liquidations);
  });

  it('policies differ on the same data and population: the fund and ADL stages change the outcome', () => {
    const none = run('none', true);
    const dydx = run('dydx-v4', true);
    // 'none' socializes every bad debt; dYdX v4 never socializes (fund, then deleveraging)
    expect(none.outcome.socializedLoss).toBe(none.outcome.badDebt);
    expect(dydx.outcome.socializedLoss).toBe(0);
    expect(dydx.outcome.conservationOk && none.outcome.conservationOk).toBe(true);
  });
});

describe('backstop backtest / compare (CLI)', () => {
  const sample = SAMPLE_2021;

  it('compare --json prints the contract; --out writes report.json, verifiable audit logs, HTML and PNGs', async () => {
    const out = mkdtempSync(join(tmpdir(), 'backstop-compare-'));
    const r = await cli([
      'compare',
      '--data',
      sample,
      '--policies',
      'none,backstop',
      '--accounts',
      '150',
      '--seed',
      '2',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ data: [sample], accounts: 150, seed: 2, bars: 1440 });
    expect(doc.runs.map((x: { policy: string }) => x.policy)).toEqual(['none', 'backstop']);
    expect(Object.keys(doc.runs[0])).toEqual([
      'policy',
      'badDebt',
      'fundDrawdownFrac',
      'adlCount',
      'adlNotional',
      'socializedLoss',
      'liquidations',
      'liquidatedNotional',
      'activations',
      'falseActivations',
      'firstActivationLeadSec',
      'conservationOk',
      'auditOk',
    ]);
    expect(
      doc.runs.every((x: { conservationOk: boolean; auditOk: boolean }) => x.conservationOk && x.auditOk),
    ).toBe(true);
    for (const f of [
      'report.json',
      'audit-none.jsonl',
      'audit-backstop.jsonl',
      'report.html',
      'chart-price.png',
    ]) {
      expect(existsSync(join(out, f))).toBe(true);
    }
    const v = await cli(['audit', 'verify', join(out, 'audit-backstop.jsonl'), '--json']);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout).records).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).runs).toHaveLength(2);
  }, 120_000);

  it('refuses bad usage: no such policy, a non-bar file, a repeated policy', async () => {
    expect((await cli(['backtest', '--data', sample, '--policy', 'ftx', '--accounts', '5'])).code).toBe(2);
    expect((await cli(['compare', '--data', sample, '--policies', 'none,none'])).code).toBe(2);
    // a file of books only: no bars, no trades to build them from
    const books = new URL('../../test/fixtures/readers/tardis_book_snapshot_5.csv', import.meta.url).pathname;
    const r = await cli(['backtest', '--data', books, '--accounts', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'backtests read OHLCV bars or trades; this file has only book-snapshot events',
    );
  });
});

describe.skipIf(!HAVE_SHARED)(
  `2020-03-12 under the none policy${HAVE_SHARED ? '' : ` (${SHARED_MISSING})`}`,
  () => {
    it('on a book 20× thinner than the 2025 fit: more liquidated accounts and a deeper low with impact', async () => {
      const file = join(
        SHARED_DIR,
        'data/prices/intraday/btc_usdt_binance_spot_5m_2020-03-01_2020-03-12T2110.csv',
      );
      const go = async (impact: boolean) =>
        (
          await simulate({
            files: [file],
            policies: ['none'],
            accounts: 800,
            seed: 1,
            impact,
            outDir: null,
            depthScale: 0.05,
          })
        ).runs[0];
      const on = await go(true);
      const off = await go(false);
      expect(on?.conservationOk && off?.conservationOk).toBe(true);
      expect(on?.liquidations).toBeGreaterThan(off?.liquidations as number);
      expect(on?.low?.price as number).toBeLessThan(off?.low?.price as number);
      expect(off?.low?.price).toBe(off?.dataLow?.price);
    }, 240_000);
  },
);
