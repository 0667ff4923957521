import { describe, expect, it } from 'vitest';
import { SeededRng } from '../src/core/rng.ts';
import type { MarginState } from '../src/domain/decisions.ts';
import type { Engine } from '../src/engine/engine.ts';
import { BACKTEST_PERP, backtestEngine } from '../src/sim/backtest.ts';
import { resolvePolicy } from '../src/sim/run-files.ts';

const UNDER_CALL: ReadonlySet<MarginState> = new Set(['margin-call', 'liquidatable', 'bankrupt']);
const T0 = 1_767_225_600_000_000;

/** The share by walking every account (the definition; the book keeps running sums instead). */
function bruteForce(e: Engine, states: ReadonlySet<MarginState>, exclude?: string): number | null {
  const mark = e.margin.markOf(BACKTEST_PERP.id);
  if (mark === null) return null;
  let all = 0;
  let inStates = 0;
  for (const { input, state } of e.margin.summary()) {
    if (!input || input.account === exclude) continue;
    for (const p of e.margin.positionsOf(input.account)) {
      const n = Math.abs(p.qtyContracts) * mark;
      all += n;
      if (states.has(state)) inStates += n;
    }
  }
  return all > 0 ? inStates / all : null;
}

describe('MarginBook.openInterestShare (running sums)', () => {
  // positions are summed in nano-contracts, so the two agree to about 1e-9 of a contract
  it('equals the walk over every account through fills, a crash with liquidations, and a restore', () => {
    const rng = new SeededRng(11);
    const e = backtestEngine(resolvePolicy('none'), 60_000_000);
    const ev = (x: Parameters<Engine['handle']>[0]) => e.handle(x);
    ev({ kind: 'index-price', instrument: 'BTC', tsUs: T0, price: 100_000 });
    ev({ kind: 'transfer', eventId: 'mm', account: 'mm', currency: 'USDC', amount: '1000000000', tsUs: T0 });
    for (let k = 0; k < 150; k++) {
      const qty = Math.round((rng.nextFloat() - 0.4) * 4e6) / 1e6; // mostly long, some short
      if (qty === 0) continue;
      const lev = 2 + 18 * rng.nextFloat();
      const t = T0 + k;
      ev({
        kind: 'transfer',
        eventId: `d${k}`,
        account: `a${k}`,
        currency: 'USDC',
        amount: ((Math.abs(qty) * 100_000) / lev).toFixed(2),
        tsUs: t,
      });
      ev({
        kind: 'fill',
        eventId: `f${k}`,
        account: `a${k}`,
        instrument: BACKTEST_PERP.id,
        qtyContracts: qty,
        price: 100_000,
        fee: '0',
        tsUs: t,
      });
      ev({
        kind: 'fill',
        eventId: `m${k}`,
        account: 'mm',
        instrument: BACKTEST_PERP.id,
        qtyContracts: -qty,
        price: 100_000,
        fee: '0',
        tsUs: t,
      });
    }
    let checked = 0;
    let underCallSeen = 0;
    for (let s = 1; s <= 40; s++) {
      const price = 100_000 * (1 - 0.004 * s);
      const t = T0 + s * 1_000_000;
      ev({
        kind: 'book-snapshot',
        instrument: BACKTEST_PERP.id,
        tsUs: t,
        bids: [
          [price - 5, 50],
          [price * 0.99, 500],
        ],
        asks: [[price + 5, 50]],
      });
      ev({ kind: 'index-price', instrument: 'BTC', tsUs: t, price });
      const got = e.margin.openInterestShare(UNDER_CALL);
      const want = bruteForce(e, UNDER_CALL);
      expect(got).not.toBeNull();
      expect(got as number).toBeCloseTo(want as number, 9);
      expect(e.margin.openInterestShare(UNDER_CALL, 'mm') as number).toBeCloseTo(
        bruteForce(e, UNDER_CALL, 'mm') as number,
        9,
      );
      if ((want as number) > 0) underCallSeen++;
      checked++;
    }
    // the crash (−16 %) put accounts in margin call and the liquidator closed some of them
    expect(underCallSeen).toBeGreaterThan(10);
    expect(e.stats.decisions).toBeGreaterThan(checked);
    // a restored book reads the same sums, exactly
    const copy = backtestEngine(resolvePolicy('none'), 60_000_000);
    copy.restoreState(JSON.parse(JSON.stringify(e.exportState())));
    expect(copy.margin.openInterestShare(UNDER_CALL)).toBe(e.margin.openInterestShare(UNDER_CALL));
    expect(copy.margin.openInterestShare(UNDER_CALL, 'mm')).toBe(
      e.margin.openInterestShare(UNDER_CALL, 'mm'),
    );
  });
});
