// Public TypeScript API of the package.
export * from './core/index.ts';
export * from './domain/index.ts';
export { type Clock, TestClock } from './engine/clock.ts';
export { defaultEngineConfig, Engine, type EngineConfig, type EngineSinks } from './engine/engine.ts';
export { fileSources } from './io/file-sources.ts';
export { FORMAT_NAMES, type FormatName } from './io/formats/index.ts';
export { MarketFile, type ReadOptions, type SizeUnit } from './io/market-file.ts';
export { QuarantineWriter } from './io/quarantine.ts';
export { DepthProfile } from './liquidity/depth-profile.ts';
export { LiquidityMonitor, type MonitorClose, type MonitorRow } from './liquidity/monitor.ts';
export { defaultMonitorConfig, type MonitorConfig } from './liquidity/monitor-config.ts';
export { type LiquidityView, OrderBook, type WalkResult } from './liquidity/order-book.ts';
export * from './liquidity/realized-vol.ts';
export { LiveClock, PushSource, timerSource } from './runtime/live.ts';
export { type EventSource, mergeSources, type SourceItem } from './runtime/merge.ts';
export { type RunSummary, runLoop } from './runtime/run-loop.ts';
