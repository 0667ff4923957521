export { backtestVar, type VarBacktest, type VarBacktestInput } from './backtest-var.ts';
export {
  type BinomialTest,
  binomialTest,
  type ChristoffersenTest,
  christoffersen,
  exceptionProbability,
  exceptions,
  kupiecPof,
  kupiecTuff,
  type LikelihoodRatioTest,
  TRAFFIC_LIGHT_RED,
  TRAFFIC_LIGHT_YELLOW,
  type TrafficLight,
  type TrafficLightZone,
  type TuffTest,
  trafficLight,
  transitionCounts,
} from './coverage.ts';
export {
  acerbiSzekelyZ2,
  DEFAULT_ES_SEED,
  DEFAULT_ES_SIMULATIONS,
  type EsBacktest,
  esBacktestZ2,
  simulateZ2Null,
} from './expected-shortfall.ts';
