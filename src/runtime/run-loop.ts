import type { Decision } from '../domain/decisions.ts';
import type { Rejection } from '../domain/rejection.ts';
import type { Engine } from '../engine/engine.ts';
import { Heartbeat } from './heartbeat.ts';
import { type EventSource, mergeSources } from './merge.ts';

export interface RunHooks {
  onDecision?(d: Decision): void;
  /** Every rejected input — by a reader or by the engine — goes here exactly once. */
  onRejection?(r: Rejection): void;
  /** Called after each event, for progress reporting. */
  onProgress?(events: number): void;
}

export interface RunSummary {
  events: number;
  decisions: number;
  rejected: number;
  firstTsUs: number | null;
  lastTsUs: number | null;
}

/** An engine rejection in the same shape as a reader's, so both land in one quarantine. */
export function rejectionFromDecision(d: Decision): Rejection | null {
  if (d.kind !== 'input-rejected') return null;
  return {
    file: d.src?.file ?? '',
    line: d.src?.line ?? 0,
    code: d.code,
    field: null,
    value: null,
    reason: d.reason,
    raw: d.src?.raw ?? '',
  };
}

export interface RunLoopOptions {
  /**
   * Historical heartbeats: a timer event at every multiple of this period that the event time
   * passes, the same timers a live runner's `heartbeatSource` raises (docs/adr/0007-heartbeats.md).
   * Absent: no timers besides those the sources carry.
   */
  readonly heartbeatUs?: number;
}

/**
 * The one loop shared by backtest and live: merge sources in total order, hand each event to
 * the engine, route decisions and rejections. Only the sources (files vs feeds + a clock's
 * timers) differ between the two modes; the engine and this loop are the same code.
 */
export async function runLoop(
  engine: Engine,
  sources: readonly EventSource[],
  hooks: RunHooks = {},
  options: RunLoopOptions = {},
): Promise<RunSummary> {
  const heartbeat = options.heartbeatUs ? new Heartbeat(options.heartbeatUs) : null;
  const summary: RunSummary = { events: 0, decisions: 0, rejected: 0, firstTsUs: null, lastTsUs: null };
  const emit = (ds: Decision[]) => {
    for (const d of ds) {
      summary.decisions++;
      const r = rejectionFromDecision(d);
      if (r) {
        summary.rejected++;
        hooks.onRejection?.(r);
      }
      hooks.onDecision?.(d);
    }
  };
  for await (const item of mergeSources(sources)) {
    if (!item.ok) {
      summary.rejected++;
      hooks.onRejection?.(item.rejection);
      continue;
    }
    const e = item.event;
    if (heartbeat) {
      for (const tsUs of heartbeat.due(e.tsUs)) {
        summary.events++;
        emit(engine.handle({ kind: 'timer', tsUs }));
      }
    }
    summary.events++;
    summary.firstTsUs ??= e.tsUs;
    summary.lastTsUs = e.tsUs;
    emit(engine.handle(e));
    hooks.onProgress?.(summary.events);
  }
  emit(engine.finish());
  return summary;
}
