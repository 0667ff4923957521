import { Command } from 'commander';
import { type SimReport, simulate, summaryRow } from '../sim/run-files.ts';
import { UsageError } from './errors.ts';
import { fmt, type Io } from './output.ts';

const int = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${v}"`);
  return n;
};

/** One line per run: the compare contract's fields. */
function table(r: SimReport): string {
  const head = `${'policy'.padEnd(12)} ${'bad debt'.padStart(14)} ${'fund dd'.padStart(8)} ${'ADL'.padStart(5)} ${'ADL notional'.padStart(14)} ${'socialized'.padStart(12)} ${'liqs'.padStart(6)} ${'liq notional'.padStart(14)} ${'activ'.padStart(6)} ${'false'.padStart(6)} ${'lead s'.padStart(8)} ledger audit`;
  const rows = r.runs.map(
    (x) =>
      `${x.policy.padEnd(12)} ${fmt(x.badDebt, 2, 14)} ${fmt(x.fundDrawdownFrac * 100, 1, 7)}% ${String(x.adlCount).padStart(5)} ${fmt(x.adlNotional, 2, 14)} ${fmt(x.socializedLoss, 2, 12)} ${String(x.liquidations).padStart(6)} ${fmt(x.liquidatedNotional, 2, 14)} ${String(x.activations).padStart(6)} ${String(x.falseActivations).padStart(6)} ${fmt(x.firstActivationLeadSec, 0, 8)} ${x.conservationOk ? 'ok' : 'FAIL'}     ${x.auditOk ? 'ok' : 'FAIL'}`,
  );
  return [head, ...rows].join('\n');
}

export function addCommon(c: Command): Command {
  return c
    .requiredOption('--data <files...>', 'OHLCV bar files of the window (csv / csv.gz)')
    .option('--accounts <n>', 'synthetic traders', int('accounts', 0), 1_000)
    .option('--seed <s>', 'population seed', int('seed', 0), 1)
    .option('--no-impact', 'no price impact of forced flow (the data prices as they are)')
    .option(
      '--depth-scale <x|auto>',
      'multiply the synthetic book depth (1 = the fitted 2025 Binance book); auto: from the window volume',
      (v: string): number | 'auto' => {
        if (v === 'auto') return 'auto';
        const x = Number(v);
        if (!(x > 0) || !Number.isFinite(x))
          throw new UsageError(`--depth-scale must be a number > 0 or "auto", got "${v}"`);
        return x;
      },
      'auto',
    )
    .option('--from <iso>', 'first bar time (UTC, ISO 8601), inclusive', isoUs('from'))
    .option('--to <iso>', 'end of the window (UTC, ISO 8601), exclusive', isoUs('to'))
    .option(
      '--option-share <f>',
      'share of accounts writing options (short strangles, covered calls), 0..1; needs --dvol',
      (v: string): number => {
        const x = Number(v);
        if (v.trim() === '' || !(x >= 0 && x <= 1))
          throw new UsageError(`--option-share must be a number in [0, 1], got "${v}"`);
        return x;
      },
      0,
    )
    .option('--dvol <file>', "DVOL CSV (daily, annualised %): the options' implied vol (docs/backtesting.md)")
    .option('--out <dir>', 'write report.json, audit log(s), report.html and chart PNGs here')
    .option('--json', 'one JSON document on stdout');
}

/** Option flags: a share > 0 needs a vol source. */
export function checkOptionFlags(o: Pick<Opts, 'optionShare' | 'dvol'>): void {
  if ((o.optionShare ?? 0) > 0 && !o.dvol)
    throw new UsageError(`--option-share ${o.optionShare} needs a vol source: --dvol FILE`);
}

/** The option fields of SimOptions from the flags (none when the share is 0). */
export function optionSimOptions(o: Pick<Opts, 'optionShare' | 'dvol'>) {
  return {
    ...(o.optionShare ? { optionShare: o.optionShare } : {}),
    ...(o.optionShare && o.dvol ? { dvolFile: o.dvol } : {}),
  };
}

export const isoUs = (name: string) => (v: string) => {
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) throw new UsageError(`--${name} must be an ISO 8601 time, got "${v}"`);
  return ms * 1000;
};

export interface Opts {
  depthScale?: number | 'auto';
  from?: number;
  to?: number;
  data: string[];
  accounts: number;
  seed: number;
  impact: boolean;
  out?: string;
  json?: boolean;
  optionShare?: number;
  dvol?: string;
}

export async function runAndPrint(io: Io, policies: string[], o: Opts): Promise<SimReport> {
  checkOptionFlags(o);
  const r = await simulate({
    ...optionSimOptions(o),
    files: o.data,
    policies,
    accounts: o.accounts,
    seed: o.seed,
    impact: o.impact,
    outDir: o.out ?? null,
    ...(o.depthScale === undefined ? {} : { depthScale: o.depthScale }),
    ...(o.from === undefined ? {} : { fromUs: o.from }),
    ...(o.to === undefined ? {} : { toUs: o.to }),
  });
  if (o.json) {
    io.out.write(
      `${JSON.stringify({ data: r.data, accounts: r.accounts, seed: r.seed, impact: r.impact, depthScale: r.depthScale, bars: r.bars, ...(r.options ? { options: r.options } : {}), runs: r.runs.map((x) => (x.options ? { ...summaryRow(x), options: x.options } : summaryRow(x))) })}\n`,
    );
    return r;
  }
  io.out.write(
    `${r.bars} bars, ${r.accounts} accounts, seed ${r.seed}, impact ${r.impact ? 'on' : 'off'}, depth × ${r.depthScale.toPrecision(3)}; money in USDC\n`,
  );
  io.out.write(`${table(r)}\n`);
  if (r.options) {
    io.out.write(
      `option writers (share ${r.options.optionShare}, DVOL ${r.options.dvol}): ${r.runs
        .map((x) =>
          x.options
            ? `${x.policy}: ${x.options.writers} writers (${x.options.strangles} strangles, ${x.options.coveredCalls} covered calls), ${x.options.writersLiquidated} liquidated, ${x.options.optionBookContracts} option contracts closed in the option books`
            : '',
        )
        .join('; ')}\n`,
    );
  }
  if (r.outDir) io.out.write(`report: ${r.report?.htmlPath ?? `${r.outDir}/report.json`}\n`);
  return r;
}

/** `backstop backtest` and `backstop compare` (docs/backtesting.md). */
export function backtestCommands(io: Io): Command[] {
  const backtest = addCommon(
    new Command('backtest')
      .description('Replays a window through the engine with a synthetic population under one policy')
      .option('--policy <name|file>', 'preset name or policy file', 'backstop'),
  ).action(async (o: Opts & { policy: string }) => {
    await runAndPrint(io, [o.policy], o);
  });
  const compare = addCommon(
    new Command('compare')
      .description('Runs several policies on identical data, population and seed')
      .requiredOption(
        '--policies <list>',
        'comma-separated presets or policy files, e.g. none,dydx-v4,backstop',
      ),
  ).action(async (o: Opts & { policies: string }) => {
    const list = o.policies
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (list.length === 0) throw new UsageError('--policies needs at least one policy');
    if (new Set(list).size !== list.length) throw new UsageError('--policies lists a policy twice');
    await runAndPrint(io, list, o);
  });
  return [backtest, compare];
}
