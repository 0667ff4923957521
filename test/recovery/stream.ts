import { defaultLiquidatorConfig } from '../../src/backstop/liquidator/config.ts';
import type { EngineEvent } from '../../src/domain/events.ts';
import type { Instrument } from '../../src/domain/instrument.ts';
import { defaultEngineConfig, Engine } from '../../src/engine/engine.ts';

/** A deterministic event stream for the recovery test: event i depends only on i. */
export const PERP: Instrument = {
  kind: 'perpetual',
  id: 'BTC-PERP',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USD',
  contractSize: 0.001,
  tickSize: 0.5,
  fundingIntervalUs: 8 * 3600e6,
};

export function newEngine(): Engine {
  return new Engine(
    defaultEngineConfig({
      instruments: [PERP],
      liquidation: defaultLiquidatorConfig({ funds: { USD: { opening: '1000' } } }),
    }),
  );
}

function hash(i: number): number {
  let x = (i + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export function eventAt(i: number): EngineEvent {
  const tsUs = 1_700_000_000_000_000 + i * 1_000;
  const h = hash(i);
  const price = 60_000 + ((h % 2_000) - 1_000) / 2;
  const account = `a${h % 40}`;
  switch (i % 5) {
    case 0:
      return { kind: 'index-price', instrument: 'BTC', tsUs, price };
    case 1:
      return {
        kind: 'transfer',
        eventId: `t${i}`,
        account,
        currency: 'USD',
        amount: String(1_000 + (h % 5_000)),
        tsUs,
      };
    case 2:
      return {
        kind: 'fill',
        eventId: `f${i}`,
        account,
        instrument: 'BTC-PERP',
        qtyContracts: ((h >>> 3) % 2 === 0 ? 1 : -1) * (1 + (h % 50)),
        price,
        fee: '0',
        tsUs,
      };
    default:
      return {
        kind: 'book-delta',
        instrument: 'BTC-PERP',
        tsUs,
        reset: i < 5,
        bids: [[price - 1 - (h % 20) / 2, (h % 7) + 0.5]],
        asks: [[price + 1 + (h % 20) / 2, (h % 5) + 0.5]],
      };
  }
}
