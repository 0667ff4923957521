import type { EngineEvent, Level } from '../../src/domain/events.ts';
import { defaultEngineConfig, type EngineConfig } from '../../src/engine/engine.ts';
import { book, deposit, fill, index, PERP, TEN_PERCENT } from '../liquidation-fixtures.ts';
import { testPolicy } from '../policy-fixtures.ts';

/**
 * A scripted crash for the policy golden test (reviewed in test/golden/README.md): one event
 * time per second for 8 minutes. BTC is calm at 100 000 (5 bps spread), the spread widens to
 * 15 bps (watch), the price slides to 96 000 at 30 bps (stressed: reserve quotes), then falls to
 * 85 000 in 20 s at 60 bps (crisis: purchases, margin × 1.5) — the circuit breaker halts it —
 * holds during the 30 s halt, recovers to 92 000 and the spread narrows back to 5 bps; the tiers
 * step down after their dwell and the purchases are unwound. Alice (1 BTC long, 10 000 USD) is
 * liquidated on the way down; the reserve's bid takes part of it.
 */
export const T0 = Date.UTC(2026, 2, 12, 9, 0, 0) * 1000;
const S = 1_000_000;

export const POLICY_CRASH_CONFIG: EngineConfig = defaultEngineConfig({
  instruments: [PERP],
  margin: { modelFor: () => TEN_PERCENT, defaultVol: 0.5 },
  policy: testPolicy(),
});

/** Index price and full spread (bps) at second k. */
export function pathAt(k: number): { price: number; spreadBps: number } {
  const lerp = (a: number, b: number, from: number, to: number) => a + ((b - a) * (k - from)) / (to - from);
  if (k < 60) return { price: 100_000, spreadBps: 5 };
  if (k < 120) return { price: 100_000, spreadBps: 15 };
  if (k < 180) return { price: lerp(100_000, 96_000, 120, 180), spreadBps: 30 };
  if (k < 200) return { price: lerp(96_000, 85_000, 180, 200), spreadBps: 60 };
  if (k < 240) return { price: 85_000, spreadBps: 60 };
  if (k < 300) return { price: lerp(85_000, 92_000, 240, 300), spreadBps: lerp(60, 30, 240, 300) };
  if (k < 360) return { price: 92_000, spreadBps: lerp(30, 5, 300, 360) };
  return { price: 92_000, spreadBps: 5 };
}

function bookAt(tsUs: number, mid: number, spreadBps: number): EngineEvent {
  const h = (mid * spreadBps) / 2e4;
  // depth thins as the spread widens; the bids start 10 bps below the best
  const size = spreadBps >= 50 ? 0.3 : spreadBps >= 25 ? 1 : 5;
  const bids: Level[] = [
    [mid - h, size],
    [mid - h - mid * 0.001, size * 2],
  ];
  const asks: Level[] = [
    [mid + h, size],
    [mid + h + mid * 0.001, size * 2],
  ];
  return book(tsUs, bids, asks);
}

export function policyCrashEvents(): EngineEvent[] {
  const out: EngineEvent[] = [
    index(T0, 100_000),
    deposit(T0 + 1, 'alice', '10000'),
    deposit(T0 + 1, 'bob', '200000'),
    fill(T0 + 2, 'alice', 1, 100_000),
    fill(T0 + 2, 'bob', -1, 100_000),
  ];
  for (let k = 1; k <= 480; k++) {
    const { price, spreadBps } = pathAt(k);
    out.push(bookAt(T0 + k * S, price, spreadBps), index(T0 + k * S, price));
  }
  return out;
}
