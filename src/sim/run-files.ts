import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Policy } from '../backstop/policy/policy.ts';
import { BackstopError } from '../core/errors.ts';
import type { BarEvent } from '../domain/events.ts';
import { AuditLogWriter, type AuditSink, verifyAuditFile } from '../io/audit/audit-log.ts';
import { MarketFile } from '../io/market-file.ts';
import { loadPolicyFile, policyFromData } from '../io/policy/load-policy.ts';
import { POLICY_PRESETS } from '../io/policy/presets.ts';
import { type RenderedReport, renderReport } from '../report/index.ts';
import { type BacktestConfig, type BacktestResult, type RunOutcome, runBacktest } from './backtest.ts';
import { DEFAULT_IMPACT } from './impact.ts';
import { OPTION_OTM_FRAC, type OptionSettings, parseDvolCsv, STRANGLE_SHARE } from './options.ts';
import { DEFAULT_POPULATION } from './population.ts';
import { BTC_SYNTHETIC_BOOK, depthScaleFromVolume, scaledBook } from './synthetic-book.ts';
import { TradeBars } from './tick-bars.ts';

/** Bar length the trades of a tick file are aggregated to (the Binance klines' one minute). */
export const TICK_BAR_US = 60_000_000;

/**
 * Reads the bars of the data files: OHLCV files as they are; tick files' trades (tardis
 * `trades`, Binance `aggTrades`) aggregated to one-minute bars (`TradeBars`). Other rows of a
 * tick file (books, quotes, tickers) do not drive the population backtest; a file with neither
 * bars nor trades is refused, naming what it holds.
 */
export async function readBars(files: readonly string[]): Promise<{ bars: BarEvent[]; rejected: number }> {
  const bars: BarEvent[] = [];
  let rejected = 0;
  for (const path of files) {
    const f = await MarketFile.open(path);
    let fromTrades: TradeBars | null = null;
    const kinds = new Set<string>();
    let used = 0;
    for await (const item of f.items()) {
      if (!item.ok) {
        rejected++;
        continue;
      }
      const e = item.event;
      kinds.add(e.kind);
      if (e.kind === 'bar') {
        bars.push(e);
        used++;
      } else if (e.kind === 'trade') {
        fromTrades ??= new TradeBars(e.instrument, TICK_BAR_US);
        fromTrades.add(e);
        used++;
      }
    }
    if (fromTrades) bars.push(...fromTrades.finish());
    if (used === 0 && kinds.size > 0) {
      throw new BackstopError(
        'BAD_ARGUMENT',
        `${path}: backtests read OHLCV bars or trades; this file has only ${[...kinds].join(', ')} events`,
        { file: path },
      );
    }
  }
  bars.sort((a, b) => a.tsUs - b.tsUs);
  // one bar per time: the first file wins
  const out = bars.filter((b, i) => i === 0 || b.tsUs !== (bars[i - 1] as BarEvent).tsUs);
  return { bars: out, rejected };
}

/** A preset name or a policy file path. */
export function resolvePolicy(nameOrFile: string): Policy {
  const preset = POLICY_PRESETS[nameOrFile];
  if (preset) return policyFromData(preset, `preset ${nameOrFile}`);
  if (/\.(ya?ml|json)$/i.test(nameOrFile)) return loadPolicyFile(nameOrFile);
  throw new BackstopError(
    'BAD_ARGUMENT',
    `unknown policy "${nameOrFile}": a preset (${Object.keys(POLICY_PRESETS).join(', ')}) or a .yaml / .json file`,
  );
}

export interface SimOptions {
  readonly files: readonly string[];
  readonly policies: readonly string[];
  readonly accounts: number;
  readonly seed: number;
  readonly impact: boolean;
  readonly outDir: string | null;
  /** Reports with charts (HTML + PNG) when writing to outDir. */
  readonly charts?: boolean;
  /**
   * Multiplies the synthetic book's depth (1 = the fitted 2025 Binance book); `auto` (the
   * default) scales it by the window's traded volume (`depthScaleFromVolume`).
   */
  readonly depthScale?: number | 'auto';
  /** Only bars in [fromUs, toUs). */
  readonly fromUs?: number;
  readonly toUs?: number;
  /** Share of accounts writing options (0..1, default 0: the perpetual-only population). */
  readonly optionShare?: number;
  /** DVOL CSV (../shared/data/options): the options' vol source; needed when optionShare > 0. */
  readonly dvolFile?: string;
}

/** The option settings of a run set: null when the share is 0 (nothing about options changes). */
export function loadOptionSettings(o: Pick<SimOptions, 'optionShare' | 'dvolFile'>): OptionSettings | null {
  const share = o.optionShare ?? 0;
  if (!(share >= 0 && share <= 1))
    throw new BackstopError('BAD_ARGUMENT', `option share must be in [0, 1], got ${share}`);
  if (share === 0) return null;
  if (!o.dvolFile)
    throw new BackstopError('BAD_ARGUMENT', `--option-share ${share} needs a vol source: --dvol FILE`);
  let text: string;
  try {
    text = readFileSync(o.dvolFile, 'utf8');
  } catch (e) {
    throw new BackstopError('UNREADABLE_FILE', `--dvol ${o.dvolFile}: ${(e as Error).message}`, {
      file: o.dvolFile,
    });
  }
  try {
    return { share, dvol: parseDvolCsv(text, o.dvolFile) };
  } catch (e) {
    throw new BackstopError('BAD_ARGUMENT', `--dvol ${(e as Error).message}`, { file: o.dvolFile });
  }
}

export interface SimReport {
  /** Present only with option writers: the settings report.json records. */
  readonly options?: {
    readonly optionShare: number;
    readonly volSource: 'dvol';
    readonly dvol: string | null;
    readonly strangleShare: number;
    readonly otmFrac: number;
  };
  readonly data: readonly string[];
  readonly accounts: number;
  readonly seed: number;
  readonly impact: boolean;
  readonly depthScale: number;
  readonly bars: number;
  readonly runs: readonly RunOutcome[];
  readonly outDir: string | null;
  readonly report: RenderedReport | null;
}

/** A number as given; `auto` or absent: from the window's traded volume. */
export function resolveDepthScale(scale: number | 'auto' | undefined, bars: readonly BarEvent[]): number {
  if (typeof scale === 'number') return scale;
  const barMinutes = ((bars[1] as BarEvent).tsUs - (bars[0] as BarEvent).tsUs) / 60_000_000;
  return depthScaleFromVolume(bars, barMinutes, DEFAULT_POPULATION.warmupFrac);
}

/** What every report of a run set starts with: the data, population, impact, depth and bar count. */
export function runHeader(
  o: Pick<SimOptions, 'files' | 'accounts' | 'seed' | 'impact' | 'depthScale' | 'optionShare' | 'dvolFile'>,
  bars: readonly BarEvent[],
) {
  const share = o.optionShare ?? 0;
  return {
    data: o.files,
    accounts: o.accounts,
    seed: o.seed,
    impact: o.impact,
    depthScale: resolveDepthScale(o.depthScale, bars),
    bars: bars.length,
    // only with option writers: a perpetual-only report is unchanged
    ...(share > 0
      ? {
          options: {
            optionShare: share,
            volSource: 'dvol' as const,
            dvol: o.dvolFile ?? null,
            strangleShare: STRANGLE_SHARE,
            otmFrac: OPTION_OTM_FRAC,
          },
        }
      : {}),
  };
}

/** The bars of the data files inside the options' [from, to) window; at least two. */
export async function windowBars(
  o: Pick<SimOptions, 'files' | 'fromUs' | 'toUs'>,
): Promise<readonly BarEvent[]> {
  const { bars: all } = await readBars(o.files);
  const bars = all.filter(
    (b) => (o.fromUs === undefined || b.tsUs >= o.fromUs) && (o.toUs === undefined || b.tsUs < o.toUs),
  );
  if (bars.length < 2)
    throw new BackstopError(
      'BAD_ARGUMENT',
      'the data files hold fewer than two bars (in the --from / --to window)',
    );
  return bars;
}

/**
 * One run's configuration from the options: every policy of a compare or a sweep sees the same
 * bars, population, seed, impact and book.
 */
export function backtestConfig(
  o: Pick<SimOptions, 'accounts' | 'seed' | 'impact' | 'depthScale'>,
  bars: readonly BarEvent[],
  label: string,
  policy: Policy,
  auditSink: AuditSink | null,
  options: OptionSettings | null = null,
): BacktestConfig {
  return {
    policyName: label,
    policy,
    population: { ...DEFAULT_POPULATION, accounts: o.accounts, seed: o.seed },
    impact: o.impact ? DEFAULT_IMPACT : null,
    book: scaledBook(BTC_SYNTHETIC_BOOK, resolveDepthScale(o.depthScale, bars)),
    bars,
    auditSink,
    ...(options ? { options } : {}),
  };
}

/**
 * Runs each policy on the same bars, population and seed; with `outDir`, writes report.json,
 * one audit log per policy (`audit.jsonl` for one policy, `audit-<policy>.jsonl` for several,
 * each verified after writing) and the HTML / PNG report.
 */
export async function simulate(o: SimOptions): Promise<SimReport> {
  const options = loadOptionSettings(o);
  const bars = await windowBars(o);
  if (o.outDir) mkdirSync(o.outDir, { recursive: true });
  const results: BacktestResult[] = [];
  const outcomes: RunOutcome[] = [];
  for (const name of o.policies) {
    const policy = resolvePolicy(name);
    const label = policy.name;
    let auditPath: string | null = null;
    let writer: AuditLogWriter | null = null;
    if (o.outDir) {
      auditPath = join(o.outDir, o.policies.length === 1 ? 'audit.jsonl' : `audit-${label}.jsonl`);
      writeFileSync(auditPath, '');
      writer = await AuditLogWriter.openFile(auditPath);
    }
    const r = runBacktest(backtestConfig(o, bars, label, policy, writer?.sink ?? null, options));
    writer?.sink.close?.();
    let outcome = r.outcome;
    if (auditPath) outcome = { ...outcome, auditOk: (await verifyAuditFile(auditPath)).ok };
    results.push(r);
    outcomes.push(outcome);
  }
  let report: RenderedReport | null = null;
  if (o.outDir) {
    const doc = { ...runHeader(o, bars), runs: outcomes };
    writeFileSync(join(o.outDir, 'report.json'), `${JSON.stringify(doc, null, 2)}\n`);
    if (o.charts !== false) {
      report = await renderReport(
        {
          title: `${o.policies.length === 1 ? 'backtest' : 'compare'}: ${o.files.map((f) => f.split('/').at(-1)).join(', ')}`,
          currency: 'USDC',
          data: o.files,
          runs: results.map((r) => r.series),
          summary: outcomes.map((x) => summaryRow(x)),
        },
        o.outDir,
      );
    }
  }
  return { ...runHeader(o, bars), runs: outcomes, outDir: o.outDir, report };
}

/** The compare contract's fields, in order. */
export function summaryRow(x: RunOutcome): Record<string, number | string | boolean | null> {
  return {
    policy: x.policy,
    badDebt: x.badDebt,
    fundDrawdownFrac: x.fundDrawdownFrac,
    adlCount: x.adlCount,
    adlNotional: x.adlNotional,
    socializedLoss: x.socializedLoss,
    liquidations: x.liquidations,
    liquidatedNotional: x.liquidatedNotional,
    activations: x.activations,
    falseActivations: x.falseActivations,
    firstActivationLeadSec: x.firstActivationLeadSec,
    conservationOk: x.conservationOk,
    auditOk: x.auditOk,
  };
}
