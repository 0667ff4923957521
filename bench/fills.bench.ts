import { performance } from 'node:perf_hooks';
import { defaultLiquidatorConfig } from '../src/backstop/liquidator/config.ts';
import type { EngineEvent } from '../src/domain/events.ts';
import type { Instrument } from '../src/domain/instrument.ts';
import { defaultEngineConfig, Engine } from '../src/engine/engine.ts';
import { MarginBook } from '../src/margin/margin-book.ts';
import { gridPreset } from '../src/margin/portfolio/presets/index.ts';

/**
 * Cost of ledger-first money: fills through the engine (exact ledger settlement against the
 * settlement account, margin cash synced from the ledger, re-margin, liquidator check) against
 * the same fills applied to the margin book alone (float cash, re-margin). Same accounts, same
 * fills, same margin model; the ratio is what exactness costs per fill.
 */

const PERP: Instrument = {
  kind: 'perpetual',
  id: 'BTC-USDC',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USDC',
  contractSize: 1,
  tickSize: 0.5,
  fundingIntervalUs: 8 * 3600e6,
};
const ACCOUNTS = 2_000;
const FILLS = 100_000;
const REPS = 3;
const T0 = 1_767_225_600_000_000;

function fills(): EngineEvent[] {
  const out: EngineEvent[] = [];
  let s = 12_345;
  const rnd = () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 4_294_967_296;
  };
  for (let k = 0; k < FILLS; k++) {
    out.push({
      kind: 'fill',
      eventId: `f${k}`,
      account: `a${Math.floor(rnd() * ACCOUNTS)}`,
      instrument: PERP.id,
      qtyContracts: ((rnd() < 0.5 ? -1 : 1) * (1 + Math.floor(rnd() * 100))) / 1000,
      price: 60_000 + Math.round((rnd() - 0.5) * 2_000),
      fee: '0.5',
      tsUs: T0 + 1_000 + k,
    });
  }
  return out;
}

function deposits(): EngineEvent[] {
  return Array.from({ length: ACCOUNTS }, (_, i) => ({
    kind: 'transfer' as const,
    eventId: `d${i}`,
    account: `a${i}`,
    currency: 'USDC',
    amount: '100000',
    tsUs: T0 + 1,
  }));
}

const model = () => gridPreset('deribit-pm', 'BTC');

function timeEngine(events: EngineEvent[]): number {
  const e = new Engine(
    defaultEngineConfig({
      instruments: [PERP],
      margin: { modelFor: model, defaultVol: 0.6 },
      liquidation: defaultLiquidatorConfig({ funds: { USDC: { opening: '1000000' } } }),
    }),
  );
  e.handle({ kind: 'index-price', instrument: 'BTC', tsUs: T0, price: 60_000 });
  for (const d of deposits()) e.handle(d);
  const t = performance.now();
  for (const ev of events) e.handle(ev);
  const dt = performance.now() - t;
  if (e.stats.rejected !== 0) throw new Error(`engine rejected ${e.stats.rejected} bench fills`);
  if (e.ledger.total('USDC') !== 0n) throw new Error('ledger does not conserve');
  return events.length / (dt / 1e3);
}

function timeMarginBook(events: EngineEvent[]): number {
  const b = new MarginBook({ modelFor: model, defaultVol: 0.6 }, [PERP]);
  b.onIndexPrice('BTC', 60_000, T0);
  for (let i = 0; i < ACCOUNTS; i++) b.onTransfer(`a${i}`, 'USDC', 100_000);
  b.flush(T0);
  const t = performance.now();
  for (const ev of events) {
    if (ev.kind !== 'fill') continue;
    b.onFill(ev.account, ev.instrument, ev.qtyContracts, ev.price);
    b.onTransfer(ev.account, 'USDC', -Number(ev.fee));
    b.flush(ev.tsUs);
  }
  const dt = performance.now() - t;
  return events.length / (dt / 1e3);
}

export async function benchFills(log: (line: string) => void) {
  const events = fills();
  timeEngine(events.slice(0, 20_000));
  timeMarginBook(events.slice(0, 20_000));
  let engine = 0;
  let book = 0;
  for (let r = 0; r < REPS; r++) {
    engine = Math.max(engine, timeEngine(events));
    book = Math.max(book, timeMarginBook(events));
  }
  log(`fills: ${ACCOUNTS} accounts, ${FILLS} fills, best of ${REPS}`);
  return [
    { name: 'margin book alone (float cash) fills/s', opsPerSec: book },
    { name: 'engine, ledger-first fills/s', opsPerSec: engine },
    { name: 'ratio margin-book-alone / engine (cost of exact money)', opsPerSec: book / engine },
  ];
}
