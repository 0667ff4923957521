// Public TypeScript API of the package.

export * from './backstop/governance/index.ts';
export * from './backstop/ledger/index.ts';
export {
  defaultLiquidatorConfig,
  type LiquidatorConfig,
  validateLiquidatorConfig,
} from './backstop/liquidator/config.ts';
export { Liquidator, type LiquidatorState } from './backstop/liquidator/liquidator.ts';
export * from './backstop/policy/policy.ts';
export { PolicyEngine } from './backstop/policy/policy-engine.ts';
export { VenueAccounts } from './backstop/venue-accounts.ts';
export * from './core/index.ts';
export * from './domain/index.ts';
export { type Clock, TestClock } from './engine/clock.ts';
export {
  DEFAULT_CURRENCIES,
  defaultEngineConfig,
  Engine,
  type EngineConfig,
  type EngineSinks,
  type EngineState,
} from './engine/engine.ts';
export { type FeedSocket, jsonFeedSource } from './io/feeds/json-feed.ts';
export { fileSources } from './io/file-sources.ts';
export { FORMAT_NAMES, type FormatName } from './io/formats/index.ts';
export { JournaledEngine, type JournaledEngineOptions, stateHash } from './io/journal/journaled-engine.ts';
export { MarketFile, type ReadOptions, type SizeUnit } from './io/market-file.ts';
export { loadPolicyFile, parsePolicy, policyFromData } from './io/policy/load-policy.ts';
export { POLICY_PRESET_NAMES, POLICY_PRESETS } from './io/policy/presets.ts';
export { QuarantineWriter } from './io/quarantine.ts';
export { decodeEvent, EventSchema } from './io/schemas/event.ts';
export { DepthProfile, type DepthProfileState } from './liquidity/depth-profile.ts';
export {
  LiquidityMonitor,
  type LiquidityMonitorState,
  type MonitorClose,
  type MonitorRow,
} from './liquidity/monitor.ts';
export { defaultMonitorConfig, type MonitorConfig } from './liquidity/monitor-config.ts';
export {
  type LiquidityView,
  OrderBook,
  type OrderBookState,
  type WalkResult,
} from './liquidity/order-book.ts';
export * from './liquidity/realized-vol.ts';
export * from './margin/account-margin.ts';
export * from './margin/account-models.ts';
export * from './margin/liquidity-addon.ts';
export { MarginBook, type MarginBookConfig, type MarginBookState } from './margin/margin-book.ts';
export * from './margin/market.ts';
export { MARGIN_MODEL_NAMES, type MarginModelName, marginModel } from './margin/models.ts';
export { gridAccountModel } from './margin/portfolio/grid-account-model.ts';
export * from './margin/portfolio/grid-model.ts';
export { GRID_PRESET_NAMES, type GridPresetName, gridPreset } from './margin/portfolio/presets/index.ts';
export { RiskArrays } from './margin/portfolio/risk-arrays.ts';
export * from './margin/portfolio/scenarios.ts';
export {
  black76,
  black76Inverse,
  black76Price,
  bsm,
  impliedVol,
  sviImpliedVol,
  sviTotalVariance,
  VolSurface,
} from './pricing/index.ts';
export { Heartbeat } from './runtime/heartbeat.ts';
export { heartbeatSource, LiveClock, PushSource } from './runtime/live.ts';
export { type LiveRunOptions, runLive } from './runtime/live-runner.ts';
export { type EventSource, mergeSources, type SourceItem } from './runtime/merge.ts';
export { type RunSummary, runLoop } from './runtime/run-loop.ts';
