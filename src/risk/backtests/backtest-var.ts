/**
 * All VaR backtests of one VaR series against realized returns, in one plain-data result the CLI
 * can print as JSON. Conventions and formulas: coverage.ts, expected-shortfall.ts and
 * docs/concepts/var-backtests.md.
 */
import { BackstopError } from '../../core/errors.ts';
import {
  type BinomialTest,
  binomialTest,
  type ChristoffersenTest,
  christoffersen,
  exceptionProbability,
  exceptions,
  kupiecPof,
  kupiecTuff,
  type LikelihoodRatioTest,
  type TrafficLight,
  type TuffTest,
  trafficLight,
} from './coverage.ts';
import { type EsBacktest, esBacktestZ2 } from './expected-shortfall.ts';

export interface VarBacktest {
  /** N, the number of days. */
  readonly observations: number;
  /** x, the number of exceptions (−realized > var). */
  readonly exceptions: number;
  /** N·p. */
  readonly expectedExceptions: number;
  /** 1 − x/N (MATLAB `summary` ObservedLevel). */
  readonly observedLevel: number;
  /** x/(N·p) (MATLAB `summary` Ratio). */
  readonly ratio: number;
  readonly kupiecPof: LikelihoodRatioTest;
  readonly kupiecTuff: TuffTest;
  readonly christoffersen: ChristoffersenTest;
  readonly binomial: BinomialTest;
  readonly trafficLight: TrafficLight;
  /** Present when `es` was given. */
  readonly esTest?: EsBacktest;
}

export interface VarBacktestInput {
  /** VaR per day, positive loss fraction. */
  readonly var: readonly number[];
  /** Realized return per day (same length). */
  readonly realized: readonly number[];
  /** VaR confidence level in (0, 1); p = 1 − confidence. */
  readonly confidence: number;
  /** ES per day at the same confidence (positive loss fraction, ≥ VaR) — enables `esTest`. */
  readonly es?: readonly number[];
  /** Number of simulated null paths for the ES test's p-value (default 1000). */
  readonly esSimulations?: number;
  /** Seed of the ES test's simulation (default 1). */
  readonly seed?: number;
}

/** Runs every backtest; bad input (lengths, non-finite values, confidence) throws BAD_ARGUMENT. */
export function backtestVar(input: VarBacktestInput): VarBacktest {
  const p = exceptionProbability(input.confidence);
  const hits = exceptions(input.var, input.realized);
  const n = hits.length;
  if (n < 1) throw new BackstopError('BAD_ARGUMENT', 'var and realized must not be empty');
  const x = hits.reduce((s, h) => s + (h ? 1 : 0), 0);
  const result: VarBacktest = {
    observations: n,
    exceptions: x,
    expectedExceptions: n * p,
    observedLevel: 1 - x / n,
    ratio: x / (n * p),
    kupiecPof: kupiecPof(n, x, p),
    kupiecTuff: kupiecTuff(hits, p),
    christoffersen: christoffersen(hits, p),
    binomial: binomialTest(n, x, p),
    trafficLight: trafficLight(n, x, p),
  };
  if (input.es === undefined) return result;
  const esOptions = {
    realized: input.realized,
    var: input.var,
    es: input.es,
    p,
    ...(input.esSimulations === undefined ? {} : { simulations: input.esSimulations }),
    ...(input.seed === undefined ? {} : { seed: input.seed }),
  };
  return { ...result, esTest: esBacktestZ2(esOptions) };
}
