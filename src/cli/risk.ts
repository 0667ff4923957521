import { Command, Option } from 'commander';
import { toIsoMicros } from '../core/time.ts';
import { type DatedValue, readPrices, readReturns, readVarSeries } from '../io/series.ts';
import { backtestVar, type VarBacktest } from '../risk/backtests/index.ts';
import { rollingVar, VAR_METHODS, type VarMethod } from '../risk/estimators/index.ts';
import { overlappingReturns, returnsFromPrices } from '../risk/returns.ts';
import { UsageError } from './errors.ts';
import { fmt, type Io } from './output.ts';

export interface RiskSeriesRow {
  readonly ts: string;
  readonly var: number;
  readonly es?: number;
  readonly realized: number;
  readonly exception: boolean;
}

/** The JSON document of `backstop risk var` and `backstop risk backtest` (docs/formats.md). */
export interface RiskReport {
  readonly method?: VarMethod;
  readonly confidence: number;
  readonly window?: number;
  readonly horizonDays?: number;
  readonly observations: number;
  readonly series: readonly RiskSeriesRow[];
  readonly backtest?: VarBacktest;
}

function parseConfidence(text: string): number {
  const v = Number(text);
  if (!(v > 0 && v < 1)) throw new UsageError(`--confidence must be in (0, 1), got "${text}"`);
  return v;
}

function parseCount(flag: string): (text: string) => number {
  return (text) => {
    const v = Number(text);
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`${flag} must be an integer ≥ 1, got "${text}"`);
    return v;
  };
}

const iso = (ms: number) => toIsoMicros(ms * 1000);

export interface VarRunOptions {
  readonly method: VarMethod;
  readonly confidence: number;
  readonly window: number;
  readonly horizonDays: number;
  readonly returnKind: 'log' | 'simple';
  readonly backtest: boolean;
  readonly seed?: number;
}

/**
 * Rolling VaR / ES over dated returns (the return at index i is dated at the later price), each
 * estimate compared with the h-day return that starts on its day; optional backtests.
 */
export function runVar(returns: readonly DatedValue[], o: VarRunOptions): RiskReport {
  const values = returns.map((r) => r.value);
  if (values.length <= o.window) {
    throw new UsageError(
      `need more than ${o.window} returns for a window of ${o.window}, got ${values.length}`,
    );
  }
  const { series } = rollingVar(values, {
    method: o.method,
    window: o.window,
    confidence: o.confidence,
    horizonDays: o.horizonDays,
    returnKind: o.returnKind,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
  });
  const realizedH = overlappingReturns(values, o.horizonDays, o.returnKind);
  const rows: RiskSeriesRow[] = [];
  for (const p of series) {
    const realized = realizedH[p.index];
    if (realized === undefined) break; // the last h − 1 days have no full h-day outcome yet
    rows.push({
      ts: iso((returns[p.index] as DatedValue).tsMs),
      var: p.var,
      es: p.es,
      realized,
      exception: -realized > p.var,
    });
  }
  if (rows.length === 0) throw new UsageError('no day has both a VaR and a realized outcome');
  return {
    method: o.method,
    confidence: o.confidence,
    window: o.window,
    horizonDays: o.horizonDays,
    observations: rows.length,
    series: rows,
    ...(o.backtest
      ? {
          backtest: backtestVar({
            var: rows.map((r) => r.var),
            // The ES test needs ES > 0 and ≥ VaR every day; an estimator can break that in edge
            // cases (a window that only rose; Cornish–Fisher under strong skew): then no ES test.
            ...(rows.every((r) => (r.es as number) > 0 && (r.es as number) >= r.var)
              ? { es: rows.map((r) => r.es as number) }
              : {}),
            realized: rows.map((r) => r.realized),
            confidence: o.confidence,
          }),
        }
      : {}),
  };
}

function writeBacktest(io: Io, b: VarBacktest): void {
  io.out.write(
    `exceptions ${b.exceptions} of ${b.observations} (expected ${fmt(b.expectedExceptions, 1, 0)})\n`,
  );
  io.out.write(`Kupiec POF        LR ${fmt(b.kupiecPof.lr, 4, 10)}  p ${fmt(b.kupiecPof.pValue, 4, 8)}\n`);
  io.out.write(
    `Kupiec TUFF       LR ${fmt(b.kupiecTuff.lr, 4, 10)}  p ${fmt(b.kupiecTuff.pValue, 4, 8)}  first failure ${b.kupiecTuff.firstFailure ?? '-'}\n`,
  );
  io.out.write(
    `Christoffersen    LRind ${fmt(b.christoffersen.lrInd, 4, 7)}  p ${fmt(b.christoffersen.pInd, 4, 8)}  LRcc ${fmt(b.christoffersen.lrCc, 4, 7)}  p ${fmt(b.christoffersen.pCc, 4, 8)}\n`,
  );
  io.out.write(`binomial          z ${fmt(b.binomial.z, 4, 11)}  p ${fmt(b.binomial.pValue, 4, 8)}\n`);
  io.out.write(
    `traffic light     ${b.trafficLight.zone} (P[X ≤ x] = ${fmt(b.trafficLight.cumulativeProbability, 5, 0)})\n`,
  );
  if (b.esTest)
    io.out.write(`ES test (Z2)      Z2 ${fmt(b.esTest.z2, 4, 10)}  p ${fmt(b.esTest.pValue, 4, 8)}\n`);
}

function varCommand(io: Io): Command {
  return new Command('var')
    .description('Rolling VaR and ES of a price or return series, with optional backtests')
    .option('--prices <file>', 'CSV with a time column (timestamp_ms, timestamp or time_utc) and prices')
    .option('--column <name>', 'price column of --prices', 'close')
    .option('--returns <file>', 'CSV with columns timestamp,return')
    .addOption(new Option('--method <name>', 'estimator').choices(VAR_METHODS).default('historical'))
    .option('--confidence <alpha>', 'confidence level in (0, 1)', '0.99')
    .option('--window <n>', 'returns per estimate', '250')
    .option(
      '--horizon <days>',
      'horizon in days (√h for parametric, overlapping h-day returns otherwise)',
      '1',
    )
    .addOption(
      new Option('--return-kind <kind>', 'log or simple returns').choices(['log', 'simple']).default('log'),
    )
    .option('--seed <n>', 'seed of the Monte Carlo method', '1')
    .option('--backtest', 'run the backtests on the series')
    .option('--json', 'one JSON document on stdout')
    .action((opts: Record<string, string | boolean | undefined>) => {
      if (Boolean(opts.prices) === Boolean(opts.returns))
        throw new UsageError('give exactly one of --prices or --returns');
      const kind = opts.returnKind as 'log' | 'simple';
      let returns: DatedValue[];
      if (opts.prices) {
        const prices = readPrices(String(opts.prices), String(opts.column));
        const values = returnsFromPrices(
          prices.map((p) => p.value),
          kind,
        );
        returns = values.map((value, i) => ({ tsMs: (prices[i + 1] as DatedValue).tsMs, value }));
      } else returns = readReturns(String(opts.returns));
      const report = runVar(returns, {
        method: opts.method as VarMethod,
        confidence: parseConfidence(String(opts.confidence)),
        window: parseCount('--window')(String(opts.window)),
        horizonDays: parseCount('--horizon')(String(opts.horizon)),
        returnKind: kind,
        backtest: Boolean(opts.backtest),
        seed: parseCount('--seed')(String(opts.seed)),
      });
      if (opts.json) {
        io.out.write(`${JSON.stringify(report)}\n`);
        return;
      }
      const last = report.series[report.series.length - 1] as RiskSeriesRow;
      io.out.write(
        `${report.method} VaR/ES at ${report.confidence}, window ${report.window}, horizon ${report.horizonDays} d: ${report.observations} days\n`,
      );
      io.out.write(
        `last (${last.ts}): VaR ${fmt(last.var, 5, 0)}  ES ${fmt(last.es, 5, 0)}  realized ${fmt(last.realized, 5, 0)}\n`,
      );
      if (report.backtest) writeBacktest(io, report.backtest);
    });
}

function backtestCommand(io: Io): Command {
  return new Command('backtest')
    .description('Backtests of your own VaR series: CSV with columns timestamp,var,realized')
    .requiredOption(
      '--series <file>',
      'CSV timestamp,var,realized (VaR a positive loss fraction, realized a return)',
    )
    .option('--confidence <alpha>', 'confidence level of the VaR in (0, 1)', '0.95')
    .option('--json', 'one JSON document on stdout')
    .action((opts: { series: string; confidence: string; json?: boolean }) => {
      const confidence = parseConfidence(opts.confidence);
      const rows = readVarSeries(opts.series);
      if (rows.length === 0) throw new UsageError(`${opts.series}: no rows`);
      const backtest = backtestVar({
        var: rows.map((r) => r.var),
        realized: rows.map((r) => r.realized),
        confidence,
      });
      const report: RiskReport = {
        confidence,
        observations: rows.length,
        series: rows.map((r) => ({
          ts: iso(r.tsMs),
          var: r.var,
          realized: r.realized,
          exception: -r.realized > r.var,
        })),
        backtest,
      };
      if (opts.json) io.out.write(`${JSON.stringify(report)}\n`);
      else writeBacktest(io, backtest);
    });
}

export function riskCommand(io: Io): Command {
  const risk = new Command('risk').description('Market risk: VaR / ES estimators and their backtests');
  for (const c of [varCommand(io), backtestCommand(io)]) {
    c.exitOverride().configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) });
    risk.addCommand(c);
  }
  return risk;
}
