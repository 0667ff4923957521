import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/domain/decisions.ts';
import type { BarEvent, EngineEvent } from '../../src/domain/events.ts';
import { TestClock } from '../../src/engine/clock.ts';
import { AuditLogWriter, MemoryAuditSink } from '../../src/io/audit/audit-log.ts';
import { jsonFeedSource } from '../../src/io/feeds/json-feed.ts';
import { runLive } from '../../src/runtime/live-runner.ts';
import type { EventSource } from '../../src/runtime/merge.ts';
import { runLoop } from '../../src/runtime/run-loop.ts';
import { backtestEngine, backtestHeartbeatUs, runBacktest } from '../../src/sim/backtest.ts';
import { DEFAULT_IMPACT } from '../../src/sim/impact.ts';
import { DEFAULT_POPULATION } from '../../src/sim/population.ts';
import { resolvePolicy } from '../../src/sim/run-files.ts';
import { BTC_SYNTHETIC_BOOK, scaledBook } from '../../src/sim/synthetic-book.ts';
import { barsAlong } from '../../src/sim/test-bars.ts';

/**
 * Parity of live and backtest (issue 7): one recorded episode — every engine input of a
 * population backtest through a crash, with liquidations, the backstop policy and its tiers —
 * replayed (1) by the backtest's run loop with historical heartbeats and (2) by the live runner
 * from a fake WebSocket, as JSON messages, with the venue clock driven by the recording and the
 * heartbeat polling it on wall-clock intervals. The decisions must be identical, byte for byte
 * in their audit form (the hash chain covers order and content), to each other and to the
 * backtest's own.
 */

const T0 = Date.UTC(2026, 0, 1) * 1000;
const MIN = 60_000_000;
const SECOND = 1_000_000;

/** 150 one-minute bars: flat, a 25 % fall over 40 minutes, a partial recovery. */
const crashBars = (): BarEvent[] =>
  barsAlong(
    (k) => (k < 40 ? 100_000 : k < 80 ? 100_000 - (25_000 * (k - 39)) / 40 : 75_000 + 100 * (k - 79)),
    150,
    T0,
  );

const auditText = (ds: readonly Decision[]): string => {
  const w = new AuditLogWriter(new MemoryAuditSink());
  for (const d of ds) w.append(d, d.tsUs);
  return w.sink.text;
};

function record(): { inputs: EngineEvent[]; audit: string; liquidations: number; activations: number } {
  const inputs: EngineEvent[] = [];
  const sink = new MemoryAuditSink();
  const r = runBacktest({
    policyName: 'backstop',
    policy: resolvePolicy('backstop'),
    population: { ...DEFAULT_POPULATION, accounts: 300, seed: 5 },
    impact: DEFAULT_IMPACT,
    book: scaledBook(BTC_SYNTHETIC_BOOK, 0.05),
    bars: crashBars(),
    auditSink: sink,
    onInput: (e) => inputs.push(e),
  });
  return {
    inputs,
    audit: sink.text,
    liquidations: r.outcome.liquidations,
    activations: r.outcome.activations,
  };
}

const arraySource = (events: readonly EngineEvent[]): EventSource => ({
  name: 'recording',
  rank: 0,
  items: (async function* () {
    for (const event of events) yield { ok: true as const, event };
  })(),
});

describe('live runner and backtest runner: identical decisions on a recorded episode', () => {
  const episode = record();
  const barUs = MIN;

  it('the episode is worth the test: liquidations and backstop activations happen', () => {
    expect(episode.inputs.length).toBeGreaterThan(1_500);
    expect(episode.liquidations).toBeGreaterThan(10);
    expect(episode.activations).toBeGreaterThan(0);
  });

  it('replaying the recording through the run loop reproduces the backtest decision for decision', async () => {
    const engine = backtestEngine(resolvePolicy('backstop'), barUs);
    const ds: Decision[] = [];
    await runLoop(
      engine,
      [arraySource(episode.inputs)],
      { onDecision: (d) => ds.push(d) },
      { heartbeatUs: backtestHeartbeatUs(barUs) },
    );
    expect(auditText(ds)).toBe(episode.audit);
    // the heartbeats matter here: without them time-driven policy steps wait for the next event
    const bare = backtestEngine(resolvePolicy('backstop'), barUs);
    const without: Decision[] = [];
    await runLoop(bare, [arraySource(episode.inputs)], { onDecision: (d) => without.push(d) });
    expect(auditText(without)).not.toBe(episode.audit);
  });

  it('the live runner (fake socket, clock driven by the recording) decides exactly as the backtest runner', async () => {
    const historical: Decision[] = [];
    const hEngine = backtestEngine(resolvePolicy('backstop'), barUs);
    const hSummary = await runLoop(
      hEngine,
      [arraySource(episode.inputs)],
      { onDecision: (d) => historical.push(d) },
      { heartbeatUs: SECOND },
    );

    const socket = new EventEmitter();
    const clock = new TestClock((episode.inputs[0] as EngineEvent).tsUs);
    const feed = jsonFeedSource(socket, { name: 'fake-ws' });
    const live: Decision[] = [];
    const lEngine = backtestEngine(resolvePolicy('backstop'), barUs);
    const running = runLive({
      engine: lEngine,
      feeds: [feed.source],
      clock,
      heartbeatUs: SECOND,
      pollMs: 1,
      hooks: { onDecision: (d) => live.push(d) },
    });
    // the recording drives the clock: each message is sent at its own time, in small bursts
    // with wall-clock pauses so heartbeat polls interleave with arrivals at random points
    for (let i = 0; i < episode.inputs.length; i++) {
      const e = episode.inputs[i] as EngineEvent;
      clock.set(e.tsUs);
      socket.emit('message', Buffer.from(JSON.stringify(e)));
      if (i % 97 === 0) await new Promise((r) => setTimeout(r, 0));
    }
    socket.emit('close');
    const lSummary = await running;

    expect(feed.counters).toEqual({
      messages: episode.inputs.length,
      events: episode.inputs.length,
      rejected: 0,
    });
    // heartbeats: one timer per second boundary inside the episode, in both runners
    const spanUs = (episode.inputs.at(-1) as EngineEvent).tsUs - (episode.inputs[0] as EngineEvent).tsUs;
    expect(hSummary.events - episode.inputs.length).toBe(spanUs / SECOND - 1);
    expect(lSummary.events).toBe(hSummary.events);
    expect(live.length).toBe(historical.length);
    // the feed stamps where each event came from; decisions carry no input refs here
    expect(auditText(live)).toBe(auditText(historical));
    // and both equal the population backtest's own decisions (it raises the same heartbeats)
    expect(auditText(live)).toBe(episode.audit);
  }, 120_000);
});
