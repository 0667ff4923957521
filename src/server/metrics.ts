import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TIERS } from '../domain/decisions.ts';
import type { CommittedBatch, EngineService } from './service.ts';
import { fundRows } from './views.ts';

/**
 * Prometheus metrics (`GET /metrics`, docs/operations.md). Counters move when a batch is stored;
 * gauges (fund, tier, events journaled) are read from the engine at scrape time.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly events = new Counter({
    name: 'backstop_events_processed_total',
    help: 'Engine inputs journaled and applied (heartbeat timers included)',
    registers: [this.registry],
  });
  private readonly rejections = new Counter({
    name: 'backstop_rejections_total',
    help: 'Inputs refused and quarantined (by the wire schema or by the engine)',
    registers: [this.registry],
  });
  private readonly decisions = new Counter({
    name: 'backstop_decisions_total',
    help: 'Decisions by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  private readonly remargin = new Histogram({
    name: 'backstop_remargin_seconds',
    help: 'Engine time per ingested batch: re-margin, policy and decisions (store excluded)',
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });

  constructor(service: () => EngineService | null) {
    const reg = [this.registry];
    new Gauge({
      name: 'backstop_fund_balance',
      help: 'Insurance fund balance in its currency',
      labelNames: ['currency'],
      registers: reg,
      collect() {
        const s = service();
        if (!s) return;
        for (const f of fundRows(s.engine)) this.set({ currency: f.currency }, Number(f.balance));
      },
    });
    new Gauge({
      name: 'backstop_fund_drawdown_ratio',
      help: 'Insurance fund drawdown from its highest balance (0..1)',
      labelNames: ['currency'],
      registers: reg,
      collect() {
        const s = service();
        if (!s) return;
        for (const f of fundRows(s.engine)) this.set({ currency: f.currency }, f.drawdownFrac);
      },
    });
    new Gauge({
      name: 'backstop_tier',
      help: `Backstop tier: ${TIERS.map((t, i) => `${i}=${t}`).join(', ')}`,
      registers: reg,
      collect() {
        const s = service();
        if (s) this.set(TIERS.indexOf(s.engine.policy?.tier ?? 'normal'));
      },
    });
    new Gauge({
      name: 'backstop_journal_events',
      help: 'Events in the journal',
      registers: reg,
      collect() {
        const s = service();
        if (s) this.set(s.events);
      },
    });
    new Gauge({
      name: 'backstop_stream_subscribers',
      help: 'Open WebSocket stream subscriptions',
      registers: reg,
      collect() {
        const s = service();
        if (s) this.set(s.hub.subscribers);
      },
    });
  }

  onCommitted(b: CommittedBatch): void {
    this.events.inc(b.applied);
    if (b.rejected > 0) this.rejections.inc(b.rejected);
    for (const d of b.decisions) this.decisions.inc({ kind: d.kind });
    if (b.applied > 0) this.remargin.observe(b.engineSeconds);
  }
}
