import type { LiquidatorConfig } from '../src/backstop/liquidator/config.ts';
import { defaultLiquidatorConfig } from '../src/backstop/liquidator/config.ts';
import type { Decision } from '../src/domain/decisions.ts';
import type { EngineEvent, Level } from '../src/domain/events.ts';
import type { Instrument } from '../src/domain/instrument.ts';
import { defaultEngineConfig, Engine } from '../src/engine/engine.ts';
import type { GridModelConfig } from '../src/margin/portfolio/grid-model.ts';
import { NO_VOL_SHOCK, regularGrid } from '../src/margin/portfolio/scenarios.ts';

/**
 * Shared inputs of the liquidation tests: a USD-settled linear BTC perpetual, a margin model whose
 * numbers are easy by hand (±10 % moves: IM = 10 % and MM = 5 % of a perp's notional), and
 * builders for the events of a scripted episode.
 */
export const PERP: Instrument = {
  kind: 'perpetual',
  id: 'BTC-PERP',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USD',
  contractSize: 1,
  tickSize: 0.5,
  fundingIntervalUs: 8 * 3600e6,
};

export const TEN_PERCENT: GridModelConfig = {
  name: 'ten-percent',
  scenarios: regularGrid([-0.1, 0, 0.1], ['none']),
  volShock: NO_VOL_SHOCK,
  mmFactor: 0.5,
  contingencies: {},
};

export function liquidationEngine(overrides: Partial<LiquidatorConfig> = {}): Engine {
  return new Engine(
    defaultEngineConfig({
      instruments: [PERP],
      margin: { modelFor: () => TEN_PERCENT, defaultVol: 0.5 },
      liquidation: defaultLiquidatorConfig({ funds: { USD: { opening: '0' } }, ...overrides }),
    }),
  );
}

export const index = (tsUs: number, price: number): EngineEvent => ({
  kind: 'index-price',
  instrument: 'BTC',
  tsUs,
  price,
});

export const deposit = (
  tsUs: number,
  account: string,
  amount: string,
  eventId = `dep-${account}-${tsUs}`,
): EngineEvent => ({
  kind: 'transfer',
  eventId,
  account,
  currency: 'USD',
  amount,
  tsUs,
});

export const fill = (
  tsUs: number,
  account: string,
  qty: number,
  price: number,
  eventId = `fill-${account}-${tsUs}`,
): EngineEvent => ({
  kind: 'fill',
  eventId,
  account,
  instrument: PERP.id,
  qtyContracts: qty,
  price,
  fee: '0',
  tsUs,
});

export const book = (tsUs: number, bids: Level[], asks: Level[]): EngineEvent => ({
  kind: 'book-snapshot',
  instrument: PERP.id,
  tsUs,
  bids,
  asks,
});

export const ofKind = <K extends Decision['kind']>(ds: readonly Decision[], kind: K) =>
  ds.filter((d): d is Extract<Decision, { kind: K }> => d.kind === kind);

/** Every ledger currency's total must be exactly zero. */
export function ledgerTotals(e: Engine): Record<string, bigint> {
  return Object.fromEntries(
    e.ledger.currencies().map(({ currency }) => [currency, e.ledger.total(currency)]),
  );
}
