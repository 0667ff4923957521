import type { BarEvent } from '../domain/events.ts';

const MIN_US = 60_000_000;

/**
 * One-minute test bars along a price path (tests only): bar k closes at `target(k)` times a small
 * deterministic wiggle (1 + 0.0005·sin k), opens at the previous close (the first at 100 000),
 * with high / low 0.1 % beyond; volume 100, 1 000 trades. Each test gives its own path.
 */
export function barsAlong(target: (k: number) => number, bars: number, t0Us: number): BarEvent[] {
  const out: BarEvent[] = [];
  let prev = 100_000;
  for (let k = 0; k < bars; k++) {
    const close = target(k) * (1 + 0.0005 * Math.sin(k));
    out.push({
      kind: 'bar',
      instrument: 'BTC/USDT',
      tsUs: t0Us + k * MIN_US,
      open: prev,
      high: Math.max(prev, close) * 1.001,
      low: Math.min(prev, close) * 0.999,
      close,
      volume: 100,
      trades: 1_000,
    });
    prev = close;
  }
  return out;
}

/** 240 bars: flat at 100 000 for an hour, a fall of `fall` over the next hour, a partial recovery. */
export function hourCrashBars(t0Us: number, fall = 30_000): BarEvent[] {
  return barsAlong(
    (k) =>
      k < 60
        ? 100_000
        : k < 120
          ? 100_000 - (fall * (k - 59)) / 60
          : 100_000 - fall + (fall * (k - 119)) / 360,
    240,
    t0Us,
  );
}
