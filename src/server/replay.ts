import type { Policy } from '../backstop/policy/policy.ts';
import type { EngineEvent } from '../domain/events.ts';
import type { Engine, EngineSinks } from '../engine/engine.ts';
import { backtestEngine, backtestHeartbeatUs, runBacktest } from '../sim/backtest.ts';
import { backtestConfig, resolvePolicy, windowBars } from '../sim/run-files.ts';
import type { EngineService } from './service.ts';

/** The source name of replay batches (quarantine rows name it). */
export const REPLAY_SOURCE = 'replay';

export interface ReplayPlan {
  readonly files: readonly string[];
  readonly policy: Policy;
  readonly accounts: number;
  readonly seed: number;
  readonly barUs: number;
  /** Heartbeat period the backtest ran with: the service uses it too, so decisions match. */
  readonly heartbeatUs: number;
  /** Every engine input of the population backtest, in order (the recording). */
  readonly inputs: readonly EngineEvent[];
  readonly makeEngine: (sinks: EngineSinks) => Engine;
}

/**
 * A replay drives the live service from history with the backtest runner (issue 8): the data
 * files' population backtest is run once to record its engine inputs — market data, the
 * population's deposits and fills, the liquidation cascade's prints — and those inputs are then
 * fed to the service as a live feed would. The service's engine is the backtest venue's engine
 * with the same heartbeat, so it takes the backtest's decisions (test/e2e/live-parity.test.ts).
 */
export async function planReplay(o: {
  readonly files: readonly string[];
  readonly policy: string;
  readonly accounts: number;
  readonly seed: number;
  /** Only bars in [fromUs, toUs). */
  readonly fromUs?: number;
  readonly toUs?: number;
}): Promise<ReplayPlan> {
  const bars = await windowBars({
    files: o.files,
    ...(o.fromUs === undefined ? {} : { fromUs: o.fromUs }),
    ...(o.toUs === undefined ? {} : { toUs: o.toUs }),
  });
  const policy = resolvePolicy(o.policy);
  const barUs = (bars[1] as EngineEvent).tsUs - (bars[0] as EngineEvent).tsUs;
  const inputs: EngineEvent[] = [];
  runBacktest({
    ...backtestConfig(
      { accounts: o.accounts, seed: o.seed, impact: true, depthScale: 'auto' },
      bars,
      policy.name,
      policy,
      null,
    ),
    // the inputs go in exactly as the backtest saw them (no source tag), so the service's audit
    // log equals the backtest's byte for byte
    onInput: (e) => inputs.push(e),
  });
  return {
    files: o.files,
    policy,
    accounts: o.accounts,
    seed: o.seed,
    barUs,
    heartbeatUs: backtestHeartbeatUs(barUs),
    inputs,
    makeEngine: (sinks) => backtestEngine(policy, barUs, sinks),
  };
}

export interface ReplayStatus {
  readonly files: readonly string[];
  readonly position: number;
  readonly total: number;
  readonly speed: number;
  readonly clockUs: number | null;
  readonly done: boolean;
}

const TICK_MS = 50;
const MAX_BATCH = 5_000;

/**
 * Feeds a recording into the service at `speed` × real time: every tick, the inputs whose time
 * the replay clock has reached go in as one batch, then heartbeats up to the clock. It resumes
 * after the last replayed input found in the journal, so a restarted replay neither repeats nor
 * skips an input.
 */
export class ReplayPump {
  private position: number;
  private startWallMs = 0;
  private startUs = 0;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private stopped = false;
  private failure: Error | null = null;

  constructor(
    private readonly service: EngineService,
    private readonly plan: ReplayPlan,
    private readonly speed: number,
    startAt: number,
    private readonly wallMs: () => number = () => Date.now(),
  ) {
    if (!(speed > 0)) throw new RangeError(`replay speed must be > 0, got ${speed}`);
    this.position = startAt;
  }

  /**
   * Where a replay stopped: the number of recording inputs in the journal — every journaled
   * event except heartbeat timers and what came in over the API (whose `src` names the key).
   */
  static async resumePosition(
    readEvents: (from: number, limit: number) => Promise<readonly EngineEvent[]>,
  ): Promise<number> {
    let n = 0;
    for (let from = 0; ; ) {
      const page = await readEvents(from, 10_000);
      for (const e of page) if (e.kind !== 'timer' && !e.src?.file.startsWith('http:')) n++;
      from += page.length;
      if (page.length < 10_000) return n;
    }
  }

  /** The replay clock (µs): history's time as of now. */
  clockUs(): number | null {
    if (this.startWallMs === 0) return null;
    return Math.floor(this.startUs + (this.wallMs() - this.startWallMs) * 1_000 * this.speed);
  }

  status(): ReplayStatus {
    return {
      files: this.plan.files,
      position: this.position,
      total: this.plan.inputs.length,
      speed: this.speed,
      clockUs: this.clockUs(),
      done: this.position >= this.plan.inputs.length,
    };
  }

  get error(): Error | null {
    return this.failure;
  }

  start(): void {
    const first = this.plan.inputs[this.position];
    if (!first) return;
    this.startUs = first.tsUs;
    this.startWallMs = this.wallMs();
    this.timer = setInterval(() => void this.tick(), TICK_MS);
  }

  private async tick(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      const clock = this.clockUs() as number;
      const inputs = this.plan.inputs;
      while (this.position < inputs.length && (inputs[this.position] as EngineEvent).tsUs <= clock) {
        const end = Math.min(inputs.length, this.position + MAX_BATCH);
        let stop = this.position;
        while (stop < end && (inputs[stop] as EngineEvent).tsUs <= clock) stop++;
        const batch = inputs.slice(this.position, stop).map((event) => ({ ok: true as const, event }));
        await this.service.ingest(batch, REPLAY_SOURCE);
        this.position = stop;
        if (this.stopped) return;
      }
      await this.service.heartbeatTo(clock);
      if (this.position >= inputs.length) this.halt();
    } catch (e) {
      this.failure = e as Error;
      this.halt();
    } finally {
      this.busy = false;
    }
  }

  private halt(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Stops feeding (the batch in flight finishes). */
  stop(): void {
    this.stopped = true;
    this.halt();
  }
}
