import type { CircuitBreakerPolicy } from './policy.ts';

export type BreakerEvent =
  | {
      readonly action: 'halt';
      readonly tsUs: number;
      readonly untilUs: number;
      readonly price: number;
      readonly reference: number;
      readonly moveFrac: number;
    }
  | { readonly action: 'resume'; readonly tsUs: number; readonly haltedForUs: number };

/**
 * A dynamic circuit breaker on one underlying's index (CME dynamic price limits / LULD style): a
 * price more than `bandFrac` away from the reference — the price at the start of the trailing
 * window, or the window's mean — halts trading for `haltUs`; the first price at or after the end
 * of the halt resumes it and starts a fresh window (the halt's move is not counted twice).
 * Prices during a halt are recorded but never re-trigger it.
 */
export class CircuitBreaker {
  private readonly window: { tsUs: number; price: number }[] = [];
  private sum = 0;
  private haltedUntilUs: number | null = null;
  private haltedAtUs = 0;

  constructor(private config: CircuitBreakerPolicy) {}

  reconfigure(config: CircuitBreakerPolicy): void {
    this.config = config;
  }

  get halted(): boolean {
    return this.haltedUntilUs !== null;
  }

  get haltedUntil(): number | null {
    return this.haltedUntilUs;
  }

  /** Resumes when the halt is over (called on every event time). */
  tick(tsUs: number): BreakerEvent | null {
    if (this.haltedUntilUs === null || tsUs < this.haltedUntilUs) return null;
    const haltedForUs = tsUs - this.haltedAtUs;
    this.haltedUntilUs = null;
    this.window.length = 0;
    this.sum = 0;
    return { action: 'resume', tsUs, haltedForUs };
  }

  onPrice(price: number, tsUs: number): BreakerEvent | null {
    const resumed = this.tick(tsUs);
    if (resumed) {
      this.push(price, tsUs);
      return resumed;
    }
    if (this.haltedUntilUs !== null) return null;
    const start = tsUs - this.config.windowUs;
    while (this.window.length > 0 && (this.window[0] as { tsUs: number }).tsUs < start) {
      this.sum -= (this.window.shift() as { price: number }).price;
    }
    let event: BreakerEvent | null = null;
    if (this.window.length > 0) {
      const reference =
        this.config.reference === 'window-start'
          ? (this.window[0] as { price: number }).price
          : this.sum / this.window.length;
      const moveFrac = price / reference - 1;
      if (Math.abs(moveFrac) > this.config.bandFrac) {
        this.haltedUntilUs = tsUs + this.config.haltUs;
        this.haltedAtUs = tsUs;
        event = { action: 'halt', tsUs, untilUs: this.haltedUntilUs, price, reference, moveFrac };
      }
    }
    this.push(price, tsUs);
    return event;
  }

  private push(price: number, tsUs: number): void {
    this.window.push({ tsUs, price });
    this.sum += price;
  }

  exportState() {
    return {
      window: this.window.map((p) => [p.tsUs, p.price] as const),
      haltedUntilUs: this.haltedUntilUs,
      haltedAtUs: this.haltedAtUs,
    };
  }

  restoreState(s: ReturnType<CircuitBreaker['exportState']>): void {
    this.window.length = 0;
    this.sum = 0;
    for (const [tsUs, price] of s.window) this.push(price, tsUs);
    this.haltedUntilUs = s.haltedUntilUs;
    this.haltedAtUs = s.haltedAtUs;
  }
}
