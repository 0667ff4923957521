import { defaultLiquidatorConfig } from '../../src/backstop/liquidator/config.ts';
import type { EngineEvent, Level } from '../../src/domain/events.ts';
import { defaultEngineConfig, type EngineConfig } from '../../src/engine/engine.ts';
import { deposit, fill, index, PERP, TEN_PERCENT } from '../liquidation-fixtures.ts';

/**
 * A scripted crash for the liquidation golden test (reviewed by hand in test/golden/README.md).
 * BTC falls from 100 000 to 75 000 in three moves, one minute apart, while the book thins out.
 * Margin: ±10 % grid (IM 10 %, MM 5 % of a perp's notional). Waterfall: quarter steps into the
 * book within a 1 % band, one provider with a 60 000 USD per-minute limit taking over at mark −
 * 1 %, a 2 000 USD insurance fund, BitMEX-ranked ADL at the bankruptcy price, socialization
 * across open interest.
 */
export const T0 = Date.UTC(2026, 0, 5, 14, 0, 0) * 1000;
const s = (seconds: number) => T0 + seconds * 1_000_000;

export const EPISODE_CONFIG: EngineConfig = defaultEngineConfig({
  instruments: [PERP],
  margin: { modelFor: () => TEN_PERCENT, defaultVol: 0.5 },
  liquidation: defaultLiquidatorConfig({
    book: {
      maxFractionPerStep: 0.25,
      minStepNotional: 10_000,
      cooldownUs: 5_000_000,
      priceBandFrac: 0.01,
      feeFrac: 0.015,
    },
    distressedFractionOfMm: 0.5,
    providers: [{ id: 'lp1', priority: 0, capacity: { kind: 'limits', perMinuteNotional: 60_000 } }],
    providerMode: 'priority',
    providerDiscountFrac: 0.01,
    funds: { USD: { opening: '2000' } },
    adl: { rule: 'bitmex', mode: 'rank', priceBasis: 'bankruptcy' },
    socializeMode: 'open-interest',
  }),
});

const snapshot = (t: number, bids: Level[], asks: Level[]): EngineEvent => ({
  kind: 'book-snapshot',
  instrument: PERP.id,
  tsUs: t,
  bids,
  asks,
});

export const EPISODE_EVENTS: EngineEvent[] = [
  index(s(0), 100_000),
  deposit(s(1), 'alice', '9000'),
  deposit(s(1), 'erin', '3400'),
  deposit(s(1), 'frank', '4600'),
  deposit(s(1), 'gina', '10000'),
  deposit(s(1), 'hank', '8000'),
  deposit(s(1), 'whale', '200000'),
  deposit(s(1), 'sam', '40000'),
  deposit(s(1), 'lp1', '100000'),
  // longs 3.4 BTC, shorts 3.4 BTC, all at 100 000
  fill(s(2), 'alice', 1, 100_000),
  fill(s(2), 'erin', 0.5, 100_000),
  fill(s(2), 'frank', 0.5, 100_000),
  fill(s(2), 'gina', 1, 100_000),
  fill(s(2), 'hank', 0.4, 100_000),
  fill(s(2), 'whale', -2.4, 100_000),
  fill(s(2), 'sam', -1, 100_000),
  snapshot(
    s(3),
    [
      [99_950, 2],
      [99_900, 3],
    ],
    [
      [100_050, 2],
      [100_100, 3],
    ],
  ),
  // minute 0, −5 %: alice is stepped into the book; erin too, then the provider takes her rest
  snapshot(
    s(10),
    [
      [94_900, 0.125],
      [94_800, 0.5],
      [93_000, 4],
    ],
    [
      [95_100, 1],
      [95_200, 2],
    ],
  ),
  index(s(10), 95_000),
  // alice tops up and is safe from here on
  deposit(s(30), 'alice', '20000'),
  // minute 1, a gap to −12 % with no bids inside the band: frank and gina are bankrupt
  snapshot(s(70), [[80_000, 5]], [[88_500, 1]]),
  index(s(70), 88_000),
  // minute 2, a gap to −25 %: hank is bankrupt and the fund is nearly empty
  snapshot(s(130), [[70_000, 5]], [[75_500, 1]]),
  index(s(130), 75_000),
];
