import { describe, expect, it } from 'vitest';
import type { Decision } from '../domain/decisions.ts';
import type { EngineEvent } from '../domain/events.ts';
import type { Instrument } from '../domain/instrument.ts';
import { type AccountInput, accountMargin } from '../margin/account-margin.ts';
import { DEFAULT_LIQUIDITY_ADDON, withLiquidityAddOn } from '../margin/liquidity-addon.ts';
import { gridAccountModel } from '../margin/portfolio/grid-account-model.ts';
import type { GridModelConfig } from '../margin/portfolio/grid-model.ts';
import { regularGrid } from '../margin/portfolio/scenarios.ts';
import { defaultEngineConfig, Engine } from './engine.ts';

const perp: Instrument = {
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

// ±10 % price moves, MM = ½ IM: a linear perp needs IM = 10 % and MM = 5 % of its notional.
const tenPercent: GridModelConfig = {
  name: 'ten-percent',
  scenarios: regularGrid([-0.1, 0, 0.1], ['none']),
  volShock: {
    mode: 'relative',
    upFrac: 0,
    downFrac: 0,
    pivotDays: 30,
    floorDays: 1,
    shortTermPower: 0,
    longTermPower: 0,
    minVolUp: 0,
  },
  mmFactor: 0.5,
  contingencies: {},
};

const call: Instrument = {
  kind: 'option',
  id: 'BTC-C-100000',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USD',
  contractSize: 1,
  tickSize: 1,
  expiryUs: 30 * 86_400e6,
  strike: 100_000,
  right: 'call',
  underlyingId: 'BTC',
};

function engine() {
  return new Engine(
    defaultEngineConfig({
      instruments: [perp, call],
      margin: { modelFor: () => tenPercent, defaultVol: 0.5 },
    }),
  );
}

const index = (tsUs: number, price: number): EngineEvent => ({
  kind: 'index-price',
  instrument: 'BTC',
  tsUs,
  price,
});

function states(ds: Decision[]) {
  return ds
    .filter((d) => d.kind === 'margin-state-change')
    .map((d) => (d.kind === 'margin-state-change' ? [d.from, d.to] : null));
}

describe('real-time margin in the engine', () => {
  it('walks healthy → warning → margin call → liquidatable → bankrupt and back, with evidence (hand-computed)', () => {
    const e = engine();
    e.handle(index(1, 100_000));
    e.handle({ kind: 'transfer', eventId: 't1', account: 'a', currency: 'USD', amount: '10000', tsUs: 2 });
    // 1 BTC long at 100 000: IM 10 000, MM 5 000, equity 10 000 < IM × 1.2 → warning
    const fill = e.handle({
      kind: 'fill',
      eventId: 'f1',
      account: 'a',
      instrument: 'BTC-PERP',
      qtyContracts: 1,
      price: 100_000,
      fee: '0',
      tsUs: 3,
    });
    expect(states(fill)).toEqual([['healthy', 'warning']]);
    expect(fill[0]?.evidence).toEqual({
      multiplier: 1,
      'USD.equity': 10_000,
      'USD.im': 10_000,
      'USD.mm': 5_000,
    });
    // 97 000: equity 7 000 < IM 9 700 → margin call
    expect(states(e.handle(index(4, 97_000)))).toEqual([['warning', 'margin-call']]);
    // 94 000: equity 4 000 < MM 4 700 → liquidatable
    expect(states(e.handle(index(5, 94_000)))).toEqual([['margin-call', 'liquidatable']]);
    // 89 000: equity −1 000 → bankrupt
    const bankrupt = e.handle(index(6, 89_000));
    expect(states(bankrupt)).toEqual([['liquidatable', 'bankrupt']]);
    expect(bankrupt[0]).toMatchObject({ account: 'a', reason: 'equity below zero', tsUs: 6 });
    // +20 000: equity 19 000 ≥ IM 8 900 × 1.2 → healthy
    expect(
      states(
        e.handle({
          kind: 'transfer',
          eventId: 't2',
          account: 'a',
          currency: 'USD',
          amount: '20000',
          tsUs: 7,
        }),
      ),
    ).toEqual([['bankrupt', 'healthy']]);
    // An unchanged index changes nothing.
    expect(states(e.handle(index(8, 89_000)))).toEqual([]);
  });

  it('a margin multiplier applies at once to every account', () => {
    const e = engine();
    e.handle(index(1, 100_000));
    e.handle({ kind: 'transfer', eventId: 't1', account: 'a', currency: 'USD', amount: '15000', tsUs: 2 });
    e.handle({
      kind: 'fill',
      eventId: 'f1',
      account: 'a',
      instrument: 'BTC-PERP',
      qtyContracts: 1,
      price: 100_000,
      fee: '0',
      tsUs: 3,
    });
    expect(e.margin.snapshot('a')?.state).toBe('healthy'); // 15 000 ≥ 12 000
    e.margin.setMultiplier(2); // IM 20 000, MM 10 000
    expect(states(e.handle(index(4, 100_000)))).toEqual([['healthy', 'margin-call']]);
  });

  it('what-if answers from live state without changing it', () => {
    const e = engine();
    e.handle(index(1, 100_000));
    e.handle({ kind: 'transfer', eventId: 't1', account: 'a', currency: 'USD', amount: '10000', tsUs: 2 });
    e.handle({
      kind: 'fill',
      eventId: 'f1',
      account: 'a',
      instrument: 'BTC-PERP',
      qtyContracts: 1,
      price: 100_000,
      fee: '0',
      tsUs: 3,
    });
    const w = e.margin.whatIf('a', [{ instrumentId: 'BTC-PERP', qty: 1, limitPrice: 100_100 }]);
    // 2 BTC: IM 20 000, MM 10 000; buying 100 above mark costs 100 of equity → 9 900 < MM → liquidatable
    expect(w.pools[0]).toMatchObject({ currency: 'USD', im: 20_000, mm: 10_000, state: 'liquidatable' });
    expect(w.pools[0]?.equity).toBeCloseTo(9_900, 9);
    expect(e.margin.snapshot('a')?.pools.USD).toEqual({
      equity: 10_000,
      im: 10_000,
      mm: 5_000,
      state: 'warning',
    });
  });

  it('margins open orders as filled in the worst direction until they are cancelled', () => {
    const e = engine();
    e.handle(index(1, 100_000));
    e.handle({ kind: 'transfer', eventId: 't1', account: 'a', currency: 'USD', amount: '15000', tsUs: 2 });
    e.handle({
      kind: 'fill',
      eventId: 'f1',
      account: 'a',
      instrument: 'BTC-PERP',
      qtyContracts: 1,
      price: 100_000,
      fee: '0',
      tsUs: 3,
    });
    // a resting buy of 1 BTC: margined as 2 BTC → IM 20 000 > equity 15 000 → margin call
    const placed = e.handle({
      kind: 'order-placed',
      orderId: 'o1',
      account: 'a',
      instrument: 'BTC-PERP',
      qtyContracts: 1,
      limitPrice: 99_000,
      tsUs: 4,
    });
    expect(states(placed)).toEqual([['healthy', 'margin-call']]);
    // a resting sell of 1 BTC would flatten the book: the buy side still binds
    e.handle({
      kind: 'order-placed',
      orderId: 'o2',
      account: 'a',
      instrument: 'BTC-PERP',
      qtyContracts: -1,
      limitPrice: 101_000,
      tsUs: 5,
    });
    expect(e.margin.snapshot('a')?.pools.USD?.im).toBe(20_000);
    expect(states(e.handle({ kind: 'order-cancelled', orderId: 'o1', account: 'a', tsUs: 6 }))).toEqual([
      ['margin-call', 'healthy'],
    ]);
    expect(e.margin.snapshot('a')?.pools.USD?.im).toBe(10_000);
  });

  it('a new implied vol re-margins the option’s holders (only that option is repriced)', () => {
    const e = engine();
    e.handle(index(0, 100_000));
    e.handle({ kind: 'transfer', eventId: 't', account: 'w', currency: 'USD', amount: '100000', tsUs: 1 });
    e.handle({
      kind: 'fill',
      eventId: 'f',
      account: 'w',
      instrument: call.id,
      qtyContracts: -1,
      price: 5_000,
      fee: '0',
      tsUs: 2,
    });
    const before = e.margin.snapshot('w')?.pools.USD?.im as number;
    const ticker = (tsUs: number, markIv: number): EngineEvent => ({
      kind: 'option-ticker',
      instrument: call.id,
      tsUs,
      right: 'call',
      strike: 100_000,
      expiryUs: call.expiryUs,
      underlyingId: 'BTC',
      underlyingPrice: null,
      bidPrice: null,
      askPrice: null,
      markPrice: null,
      bidIv: null,
      askIv: null,
      markIv,
      openInterest: null,
    });
    e.handle(ticker(3, 1.0));
    const after = e.margin.snapshot('w')?.pools.USD?.im as number;
    // Short call, +10 % row: P&L = −(C(110 000, σ) − C(100 000, σ)); the call's delta at σ = 1 is
    // closer to ½ than at σ = 0.5 (ATM forward, 30 days), so the +10 % loss is smaller.
    expect(after).not.toBe(before);
    const arrays = e.margin.book('BTC').arrays;
    const row = arrays.row(call.id) as number;
    expect(arrays.value(row)).toBeGreaterThan(5_000); // 30-day ATM call at 100 % vol ≈ 0.4 × 0.287 × 100 000
  });

  it('the liquidity add-on in the engine equals the account-level wrapper on the same book', () => {
    const params = { ...DEFAULT_LIQUIDITY_ADDON, freeNotionalQuote: 100_000 };
    const e = new Engine(
      defaultEngineConfig({
        instruments: [perp, call],
        margin: { modelFor: () => tenPercent, defaultVol: 0.5, liquidityAddOn: { params } },
      }),
    );
    e.handle({
      kind: 'book-snapshot',
      instrument: 'BTC-PERP',
      tsUs: 0,
      bids: [
        [99_990, 1],
        [99_900, 2],
        [99_000, 5],
      ],
      asks: [
        [100_010, 1],
        [100_100, 2],
      ],
    });
    e.handle(index(1, 100_000));
    e.handle({ kind: 'transfer', eventId: 't', account: 'a', currency: 'USD', amount: '100000', tsUs: 2 });
    e.handle({
      kind: 'fill',
      eventId: 'f',
      account: 'a',
      instrument: 'BTC-PERP',
      qtyContracts: 3,
      price: 100_000,
      fee: '0',
      tsUs: 3,
    });
    const live = e.margin.snapshot('a')?.pools.USD;
    const ctx = {
      instruments: new Map<string, Instrument>([
        [perp.id, perp],
        [call.id, call],
      ]),
      markets: e.margin.markets,
    };
    const wrapped = withLiquidityAddOn(gridAccountModel(tenPercent), {
      viewOf: (id) => e.viewOf(id),
      params,
    });
    const account = accountMargin(e.margin.accountInput('a') as AccountInput, wrapped, ctx);
    // 3 BTC: scan 30 000, plus walking 200 000 of the 300 000 USD through the bids
    expect(live?.im).toBeGreaterThan(30_000);
    expect(live?.im).toBeCloseTo(account.pools[0]?.im as number, 9);
    expect(live?.mm).toBeCloseTo(account.pools[0]?.mm as number, 9);
  });

  it('implied-vol updates (SVI or strike points) set the vols of that expiry’s options (hand-computed)', () => {
    const e = engine();
    e.handle(index(0, 100_000));
    const svi = { a: 0.04, b: 0.1, rho: -0.3, m: 0, sigma: 0.1 };
    e.handle({ kind: 'implied-vol', underlying: 'BTC', expiryUs: call.expiryUs, tsUs: 1, svi, points: null });
    const m = e.margin.markets.get('BTC');
    // ATM (K = F = 100 000): w = a + b·σ = 0.05 over T = 30/365 → σ = √(0.05 × 365/30) = 0.779957
    expect(m?.volOf(call as never)).toBeCloseTo(Math.sqrt((0.05 * 365) / 30), 9);
    e.handle({
      kind: 'implied-vol',
      underlying: 'BTC',
      expiryUs: call.expiryUs,
      tsUs: 2,
      svi: null,
      points: [
        { strike: 110_000, volAnnual: 0.5 },
        { strike: 90_000, volAnnual: 0.6 },
      ],
    });
    // total variance linear in k = ln(K/F) between ln 0.9 and ln 1.1: σ² at k = 0 is
    // 0.36 + (0 − ln 0.9)/(ln 1.1 − ln 0.9) × (0.25 − 0.36) = 0.302246 → σ = 0.549769
    const w = 0.36 + ((0 - Math.log(0.9)) / (Math.log(1.1) - Math.log(0.9))) * (0.25 - 0.36);
    expect(m?.volOf(call as never)).toBeCloseTo(Math.sqrt(w), 9);
    const bad = e.handle({
      kind: 'implied-vol',
      underlying: 'BTC',
      expiryUs: call.expiryUs,
      tsUs: 3,
      svi: { ...svi, rho: 1.5 },
      points: null,
    });
    expect(bad[0]).toMatchObject({ kind: 'input-rejected', code: 'BAD_FIELD' });
  });

  it('refuses duplicate ids, zero transfers, unknown withdrawers and withdrawals beyond free collateral', () => {
    const e = engine();
    e.handle(index(1, 100_000));
    e.handle({ kind: 'transfer', eventId: 't1', account: 'a', currency: 'USD', amount: '15000', tsUs: 2 });
    const again = e.handle({
      kind: 'transfer',
      eventId: 't1',
      account: 'a',
      currency: 'USD',
      amount: '15000',
      tsUs: 3,
    });
    expect(again[0]).toMatchObject({ kind: 'input-rejected', code: 'DUPLICATE_EVENT' });
    e.handle({
      kind: 'fill',
      eventId: 'f1',
      account: 'a',
      instrument: 'BTC-PERP',
      qtyContracts: 1,
      price: 100_000,
      fee: '0',
      tsUs: 4,
    });
    expect(
      e.handle({
        kind: 'fill',
        eventId: 'f1',
        account: 'a',
        instrument: 'BTC-PERP',
        qtyContracts: 1,
        price: 100_000,
        fee: '0',
        tsUs: 5,
      })[0],
    ).toMatchObject({
      code: 'DUPLICATE_EVENT',
    });
    // equity 15 000, IM 10 000 → 5 000 free
    expect(e.margin.freeCollateral('a', 'USD')).toBe(5_000);
    const tooMuch = e.handle({
      kind: 'transfer',
      eventId: 't2',
      account: 'a',
      currency: 'USD',
      amount: '-5000.01',
      tsUs: 6,
    });
    expect(tooMuch[0]).toMatchObject({ code: 'INSUFFICIENT_FREE_COLLATERAL' });
    expect(
      e.handle({ kind: 'transfer', eventId: 't3', account: 'a', currency: 'USD', amount: '-5000', tsUs: 7 }),
    ).toEqual([expect.objectContaining({ kind: 'margin-state-change', from: 'healthy', to: 'warning' })]);
    expect(
      e.handle({
        kind: 'transfer',
        eventId: 't4',
        account: 'ghost',
        currency: 'USD',
        amount: '-1',
        tsUs: 8,
      })[0],
    ).toMatchObject({
      code: 'UNKNOWN_ACCOUNT',
    });
    expect(
      e.handle({ kind: 'transfer', eventId: 't5', account: 'a', currency: 'USD', amount: '0', tsUs: 9 })[0],
    ).toMatchObject({
      code: 'BAD_NUMBER',
    });
    // nothing refused was applied: 15 000 − 5 000
    expect(e.margin.snapshot('a')?.pools.USD?.equity).toBe(10_000);
  });
});
