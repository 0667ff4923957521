import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../../test/cli-harness.ts';
import type { BarEvent, EngineEvent } from '../domain/events.ts';
import type { AuditSink } from '../io/audit/audit-log.ts';
import { policyFromData } from '../io/policy/load-policy.ts';
import type { PolicyFile } from '../io/policy/policy-schema.ts';
import { POLICY_PRESETS } from '../io/policy/presets.ts';
import { BACKTEST_PERP, backtestEngine, MARKET_MAKER, runBacktest, writerEntryEvents } from './backtest.ts';
import { DEFAULT_IMPACT } from './impact.ts';
import {
  backtestOption,
  dvolAt,
  OPTION_BOOK,
  optionBook,
  optionExpiryUs,
  parseDvolCsv,
  strikeStep,
  writerStrikes,
} from './options.ts';
import { DEFAULT_POPULATION, makePopulation, optionStrategies } from './population.ts';
import { resolvePolicy } from './run-files.ts';
import { BTC_SYNTHETIC_BOOK, depthFactor, syntheticSpread } from './synthetic-book.ts';
import { hourCrashBars } from './test-bars.ts';

const DAY = 86_400_000_000;
const MIN = 60_000_000;
/** The crash bars start 90 minutes before midnight UTC: the fall (minutes 60–120) crosses it. */
const MIDNIGHT = Date.UTC(2026, 0, 1) * 1000;
const T0 = MIDNIGHT - 90 * MIN;
/** DVOL: 50 % in force on 2025-12-31 (close of 12-30), 80 % from 2026-01-01 00:00 (close of 12-31). */
const DVOL = [
  { dayStartUs: MIDNIGHT - 2 * DAY, closePct: 50 },
  { dayStartUs: MIDNIGHT - DAY, closePct: 80 },
];

/** 240 one-minute bars: flat at 100 000 for an hour, −`fall` over the next hour, a partial recovery. */
const crashBars = (fall = 30_000): BarEvent[] => hourCrashBars(T0, fall);

const population = (accounts: number) => ({ ...DEFAULT_POPULATION, accounts, seed: 5 });

/** The `none` preset without its liquidation section: margin states only, nobody is liquidated. */
function noLiquidation() {
  const { liquidation: _, ...rest } = structuredClone(POLICY_PRESETS.none) as PolicyFile;
  return policyFromData(rest as PolicyFile, 'no-liquidation');
}

const textSink = (): AuditSink & { text: string } => {
  const s = {
    text: '',
    write(line: string) {
      s.text += line;
    },
  };
  return s;
};

describe('option writers: pricing, expiry, strikes, vol source', () => {
  it('prices a strangle entry at Black-76, as computed by hand', () => {
    // F = 100 000, T = 0.1 y (36.5 days to expiry, 365-day year), σ = 0.5, rate 0: σ√T = 0.158114
    // put K = 90 000: d1 = (ln(10/9) + 0.0125) / 0.158114 = 0.745415, d2 = 0.587301,
    //   P = K·N(−d2) − F·N(−d1) = 90 000 · 0.278501 − 100 000 · 0.228010 = 2 264.023
    // call K = 110 000: d1 = −0.523738, d2 = −0.681851,
    //   C = F·N(d1) − K·N(d2) = 100 000 · 0.300231 − 110 000 · 0.247666 = 2 779.745
    // (N by erfc in Python's math module, not by this code base's normCdf)
    const ts = T0;
    const expiry = ts + 36.5 * DAY;
    const put = backtestOption(expiry, 90_000, 'put');
    const call = backtestOption(expiry, 110_000, 'call');
    const tr = { id: 't000007', notional: 250_000, leverage: 5 };
    const es = writerEntryEvents(tr, 'strangle', { put, call }, 100_000, 0.5, ts, 3);
    const fills = es.filter((e) => e.kind === 'fill');
    expect(es[0]).toMatchObject({ kind: 'transfer', account: 't000007', amount: '50000.00' });
    expect(fills.map((f) => [f.eventId, f.account, f.instrument, f.qtyContracts])).toEqual([
      ['in-t000007-P', 't000007', put.id, -2.5],
      ['mm-3-P', MARKET_MAKER, put.id, 2.5],
      ['in-t000007-C', 't000007', call.id, -2.5],
      ['mm-3-C', MARKET_MAKER, call.id, 2.5],
    ]);
    expect(fills[0]?.price).toBeCloseTo(2264.023164, 4);
    expect(fills[2]?.price).toBeCloseTo(2779.745334, 4);
    // covered call: the perpetual bought at the price, the call sold at Black-76
    const cc = writerEntryEvents(tr, 'covered-call', { put: null, call }, 100_000, 0.5, ts, 4);
    expect(cc.filter((e) => e.kind === 'fill').map((f) => [f.instrument, f.qtyContracts, f.price])).toEqual([
      [BACKTEST_PERP.id, 2.5, 100_000],
      [BACKTEST_PERP.id, -2.5, 100_000],
      [call.id, -2.5, expect.closeTo(2779.745334, 4)],
      [call.id, 2.5, expect.closeTo(2779.745334, 4)],
    ]);
  });

  it('lists one expiry (Friday 08:00 UTC, ≥ 30 days out and after the window) and ±10 % strikes on a grid', () => {
    // 2022-11-02 00:00 + 30 days = Friday 2022-12-02
    const ftx = optionExpiryUs(Date.UTC(2022, 10, 2) * 1000, Date.UTC(2022, 10, 16) * 1000);
    expect(new Date(ftx / 1000).toISOString()).toBe('2022-12-02T08:00:00.000Z');
    // 2026-01-01 (Thursday) + 30 days = Saturday 01-31 → Friday 02-06
    expect(new Date(optionExpiryUs(MIDNIGHT, MIDNIGHT + DAY) / 1000).toISOString()).toBe(
      '2026-02-06T08:00:00.000Z',
    );
    // a window longer than 30 days: the expiry follows its end by at least a day
    expect(new Date(optionExpiryUs(MIDNIGHT, MIDNIGHT + 40 * DAY) / 1000).toISOString()).toBe(
      '2026-02-13T08:00:00.000Z',
    );
    expect(strikeStep(20_513)).toBe(1_000);
    expect(strikeStep(9_800)).toBe(100);
    expect(writerStrikes(20_513)).toEqual({ put: 18_000, call: 23_000 });
    expect(writerStrikes(100_000)).toEqual({ put: 90_000, call: 110_000 });
  });

  it('reads DVOL and uses the close of the last finished day, backfilling before the first', () => {
    const rows = parseDvolCsv(
      'timestamp_ms,time_utc,dvol_close\n1667692800000,2022-11-06T00:00:00Z,56.76\n1667779200000,2022-11-07T00:00:00Z,59.48\n',
    );
    const d6 = 1667692800000 * 1000;
    expect(dvolAt(rows, d6 + 12 * 3_600_000_000)).toEqual({ vol: 0.5676, backfilled: true });
    expect(dvolAt(rows, d6 + DAY)).toEqual({ vol: 0.5676, backfilled: false });
    expect(dvolAt(rows, d6 + 2 * DAY - 1)).toEqual({ vol: 0.5676, backfilled: false });
    expect(dvolAt(rows, d6 + 2 * DAY)).toEqual({ vol: 0.5948, backfilled: false });
    expect(() => parseDvolCsv('timestamp_ms,dvol_close\n1,abc\n')).toThrow(/line 2/);
  });

  it('builds the option book around the mark: h = max(tick, |Δ|·hPerp + vega·¼ vol point)', () => {
    const o = backtestOption(T0 + 36.5 * DAY, 90_000, 'put');
    const ctx = { mid: 100_000, rvPerMinute: 0.0005, quoteVolumePerMinute: 0 };
    const b = optionBook(o, 100_000, 0.5, T0, ctx, BTC_SYNTHETIC_BOOK, 0.1);
    // Δ = −N(−d1) = −0.228010, vega = F·φ(d1)·√T = 100 000 · 0.301841 · 0.316228 = 9 545.11 per 1.00
    const hPerp = syntheticSpread(ctx, BTC_SYNTHETIC_BOOK, 0.1) / 2;
    const h = 0.22801 * hPerp + 9545.11 * 0.0025;
    expect(b.mark).toBeCloseTo(2264.023164, 4);
    expect(b.halfSpread).toBeCloseTo(h, 1);
    expect(b.bids).toHaveLength(OPTION_BOOK.levels);
    expect(b.asks).toHaveLength(OPTION_BOOK.levels);
    expect((b.bids[0] as [number, number])[0]).toBeLessThanOrEqual(b.mark - h + 1e-9);
    expect((b.bids[0] as [number, number])[0]).toBeGreaterThan(b.mark - h - 0.1);
    expect((b.asks[0] as [number, number])[0]).toBeGreaterThanOrEqual(b.mark + h - 1e-9);
    expect((b.asks[9] as [number, number])[0]).toBeCloseTo(b.mark + 10 * h, 0);
    expect((b.bids[0] as [number, number])[1]).toBeCloseTo(
      10 * depthFactor(ctx, BTC_SYNTHETIC_BOOK.depth),
      12,
    );
  });
});

describe('option writers in a backtest', () => {
  it('with an option share of 0 the run is the perpetual-only run, outcome and audit log', () => {
    const base = () => ({
      policyName: 'backstop',
      policy: resolvePolicy('backstop'),
      population: population(120),
      impact: DEFAULT_IMPACT,
      book: BTC_SYNTHETIC_BOOK,
      bars: crashBars(),
    });
    const sa = textSink();
    const sb = textSink();
    const a = runBacktest({ ...base(), auditSink: sa });
    const b = runBacktest({ ...base(), auditSink: sb, options: { share: 0, dvol: DVOL } });
    expect(b.outcome).toEqual(a.outcome);
    expect(b.series).toEqual(a.series);
    expect(sb.text).toBe(sa.text);
    expect(sa.text.length).toBeGreaterThan(1000);
    // the perpetual population does not depend on the option stream
    expect(optionStrategies(5, 120, 0, 0.5).every((s) => s === null)).toBe(true);
  });

  it('writers exist; their margin rises as the price falls and DVOL rises (grid recomputed by hand)', () => {
    const bars = crashBars();
    const inputs: EngineEvent[] = [];
    const r = runBacktest({
      policyName: 'no-liquidation',
      policy: noLiquidation(),
      population: population(120),
      impact: null,
      book: BTC_SYNTHETIC_BOOK,
      bars,
      onInput: (e) => inputs.push(e),
      options: { share: 0.5, dvol: DVOL },
    });
    const stats = r.outcome.options;
    expect(stats?.writers).toBeGreaterThan(20);
    expect((stats?.strangles ?? 0) + (stats?.coveredCalls ?? 0)).toBe(stats?.writers);
    expect(stats?.instruments).toEqual(['BTC-USDC-20260206-110000-C', 'BTC-USDC-20260206-90000-P']);
    expect(r.outcome).toMatchObject({ conservationOk: true, auditOk: true, rejected: 0 });

    // replay the recorded inputs into the same venue and read a strangle writer's margin
    const strategies = optionStrategies(5, 120, 0.5, 0.5);
    const traders = makePopulation(population(120), bars.length);
    const k = strategies.findIndex((s, i) => s === 'strangle' && (traders[i]?.entryBar ?? 99) < 40);
    const writer = traders[k] as (typeof traders)[number];
    const put = backtestOption(Date.UTC(2026, 1, 6, 8) * 1000, 90_000, 'put');
    const call = backtestOption(put.expiryUs, 110_000, 'call');
    const engine = backtestEngine(noLiquidation(), MIN, {}, [call, put]);
    const q = Math.round(writer.notional / (bars[writer.entryBar] as BarEvent).open / 1e-6) * 1e-6;
    /** IM of −q puts and −q calls: the worst loss over ±5 % × vol none / up / down (Deribit's shock). */
    const handIm = (spot: number, vol: number, nowUs: number) => {
      const days = (put.expiryUs - nowUs) / DAY;
      const t = (put.expiryUs - nowUs) / 1e6 / 31_536_000;
      const scale = (30 / Math.max(days, 1)) ** (days <= 30 ? 0.3 : 0.13);
      const vols = [vol, Math.max(0.5, vol * (1 + 0.5 * scale)), vol * Math.max(0, 1 - 0.25 * scale)];
      const b76 = (right: 'put' | 'call', f: number, kk: number, v: number) => {
        const n = (x: number) => 0.5 * erfc(-x / Math.SQRT2);
        const sd = v * Math.sqrt(t);
        const d1 = (Math.log(f / kk) + 0.5 * sd * sd) / sd;
        const d2 = d1 - sd;
        return right === 'call' ? f * n(d1) - kk * n(d2) : kk * n(-d2) - f * n(-d1);
      };
      const value = (f: number, v: number) => b76('put', f, 90_000, v) + b76('call', f, 110_000, v);
      let worst = 0;
      for (const m of [-0.05, 0, 0.05])
        for (const v of vols) worst = Math.max(worst, q * (value(spot * (1 + m), v) - value(spot, vol)));
      return worst;
    };
    const at = (untilUs: number) => {
      while (inputs.length > 0 && (inputs[0] as EngineEvent).tsUs <= untilUs)
        engine.handle(inputs.shift() as EngineEvent);
      const m = engine.margin.markets.get('BTC');
      const pool = engine.margin.snapshot(writer.id)?.pools.USDC;
      return { spot: m?.spot ?? 0, nowUs: m?.nowUs ?? 0, im: pool?.im ?? 0, mm: pool?.mm ?? 0 };
    };
    const before = at(T0 + 59 * MIN + 50_000_000); // flat at 100 000, DVOL 50 %
    const after = at(T0 + 110 * MIN + 50_000_000); // −25 %, DVOL 80 % since midnight
    expect(engine.margin.marginMultiplier).toBe(1);
    expect(engine.margin.positionsOf(writer.id).map((p) => [p.instrumentId, p.qtyContracts])).toEqual([
      [call.id, -q],
      [put.id, -q],
    ]);
    expect(before.spot).toBeGreaterThan(99_000);
    expect(after.spot).toBeLessThan(76_000);
    // the hand erfc is good to ~1e-7: compare relatively
    expect(Math.abs(before.im / handIm(before.spot, 0.5, before.nowUs) - 1)).toBeLessThan(1e-5);
    expect(Math.abs(after.im / handIm(after.spot, 0.8, after.nowUs) - 1)).toBeLessThan(1e-5);
    expect(after.mm).toBeCloseTo(after.im / 2, 6);
    expect(after.im).toBeGreaterThan(before.im);
    // and the vol alone raises it: the same grid at the old 50 % vol is lower
    expect(after.im).toBeGreaterThan(handIm(after.spot, 0.5, after.nowUs));
  });

  it('liquidates option writers in the crash through the waterfall, filling against the option books', () => {
    const r = runBacktest({
      policyName: 'backstop',
      policy: resolvePolicy('backstop'),
      population: population(100),
      impact: DEFAULT_IMPACT,
      book: BTC_SYNTHETIC_BOOK,
      bars: crashBars(),
      options: { share: 0.5, dvol: DVOL },
    });
    const o = r.outcome;
    expect(o).toMatchObject({ conservationOk: true, auditOk: true, rejected: 0 });
    expect(o.options?.writers).toBeGreaterThan(20);
    expect(o.options?.writersLiquidated).toBeGreaterThan(0);
    expect(o.options?.optionBookContracts).toBeGreaterThan(0);
    expect(o.options?.dvolBackfilled).toBe(false);
    // deterministic
    const again = runBacktest({
      policyName: 'backstop',
      policy: resolvePolicy('backstop'),
      population: population(100),
      impact: DEFAULT_IMPACT,
      book: BTC_SYNTHETIC_BOOK,
      bars: crashBars(),
      options: { share: 0.5, dvol: DVOL },
    });
    expect(again.outcome).toEqual(o);
  });
});

describe('--option-share and --dvol (CLI)', () => {
  const sample = new URL('../../data/samples/btc_usdt_binance_spot_1m_2021-05-19.csv', import.meta.url)
    .pathname;
  const window = ['--from', '2021-05-19T11:00:00Z', '--to', '2021-05-19T13:00:00Z'];

  it('refuses a share without a vol source, or out of [0, 1] (exit 2, naming the flag)', async () => {
    const r = await cli(['backtest', '--data', sample, ...window, '--option-share', '0.2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--dvol');
    const s = await cli([
      'sweep',
      '--data',
      sample,
      '--policy',
      'backstop',
      '--grid',
      'liquidation.book.feeFrac=0.01',
      '--option-share',
      '0.2',
    ]);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('--dvol');
    const bad = await cli([
      'compare',
      '--data',
      sample,
      '--policies',
      'none',
      '--option-share',
      '1.5',
      '--dvol',
      'x.csv',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--option-share');
  });

  it('records the option settings in report.json and --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backstop-options-'));
    const dvol = join(dir, 'dvol.csv');
    // 2021-05-18 close 95 % (in force on 05-19)
    writeFileSync(dvol, 'timestamp_ms,time_utc,dvol_close\n1621296000000,2021-05-18T00:00:00Z,95\n');
    const out = join(dir, 'out');
    const r = await cli([
      'backtest',
      '--data',
      sample,
      ...window,
      '--accounts',
      '40',
      '--option-share',
      '0.5',
      '--dvol',
      dvol,
      '--out',
      out,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const settings = { optionShare: 0.5, volSource: 'dvol', dvol, strangleShare: 0.5, otmFrac: 0.1 };
    expect(doc.options).toEqual(settings);
    expect(doc.runs[0].options.writers).toBeGreaterThan(5);
    expect(doc.runs[0].options.dvolBackfilled).toBe(false);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.options).toEqual(settings);
    // 11:00 + 30 days = Friday 2021-06-18 11:00, past that day's 08:00: the next Friday
    expect(report.runs[0].options.expiry).toBe('2021-06-25T08:00:00.000Z');
    expect(report.runs[0]).toMatchObject({ conservationOk: true, auditOk: true });
  }, 60_000);
});

/** Complementary error function (Numerical Recipes' erfc, |error| < 1.2e-7), independent of src/pricing. */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
