import { describe, expect, it } from 'vitest';
import { SeededRng } from '../core/rng.ts';
import type { Level } from '../domain/events.ts';
import { OrderBook, type OrderBookState } from './order-book.ts';

type Op =
  | { kind: 'batch'; reset: boolean; bids: Level[]; asks: Level[] }
  | { kind: 'set'; side: 'bid' | 'ask'; price: number; size: number }
  | { kind: 'clear' };

/** Prices on a 0.5 grid around a drifting centre: inserts, size changes, deletes, resets and crossing batches. */
function ops(seed: number, n: number): Op[] {
  const rng = new SeededRng(seed);
  let centre = 1000;
  const out: Op[] = [];
  const price = (side: 'bid' | 'ask'): number =>
    centre + (side === 'bid' ? -1 : 1) * 0.5 * rng.nextInt(1, 150);
  const size = (): number => (rng.nextFloat() < 0.25 ? 0 : Math.round(rng.nextFloat() * 1e4) / 1e3 + 0.001);
  for (let i = 0; i < n; i++) {
    const r = rng.nextFloat();
    if (r < 0.05) {
      centre += 0.5 * rng.nextInt(-20, 20);
      const bids: Level[] = Array.from({ length: rng.nextInt(0, 90) }, () => [price('bid'), size()]);
      const asks: Level[] = Array.from({ length: rng.nextInt(0, 90) }, () => [price('ask'), size()]);
      out.push({ kind: 'batch', reset: true, bids, asks });
    } else if (r < 0.1) {
      // Crossing: a bid above the centre; usually rejected and rolled back.
      out.push({ kind: 'batch', reset: false, bids: [[centre + 0.5 * rng.nextInt(1, 40), 1]], asks: [] });
    } else if (r < 0.12) {
      out.push({
        kind: 'set',
        side: rng.nextFloat() < 0.5 ? 'bid' : 'ask',
        price: price('bid'),
        size: size(),
      });
    } else if (r < 0.125) {
      out.push({ kind: 'clear' });
    } else {
      const bids: Level[] = Array.from({ length: rng.nextInt(0, 6) }, () => [price('bid'), size()]);
      const asks: Level[] = Array.from({ length: rng.nextInt(0, 6) }, () => [price('ask'), size()]);
      out.push({ kind: 'batch', reset: false, bids, asks });
    }
  }
  return out;
}

/** Applies `op` and returns everything observable about the result and the book after it. */
function step(book: OrderBook, op: Op): unknown {
  let result: unknown = null;
  if (op.kind === 'batch') result = book.applyBatch(op.reset, op.bids, op.asks);
  else if (op.kind === 'set') book.setLevel(op.side, op.price, op.size);
  else book.clear();
  return {
    result,
    best: [book.bestBid(), book.bestBidSize(), book.bestAsk(), book.bestAskSize()],
    counts: [book.levelCount('bid'), book.levelCount('ask')],
    bids: book.levels('bid', 1000),
    asks: book.levels('ask', 1000),
    crossed: book.isCrossed(),
    spread: book.spreadBps(),
    depth: [10, 50, 200].map((b) => [book.depthWithinBps('bid', b), book.depthWithinBps('ask', b)]),
    sell: book.walkSellQuote(50_000),
    buy: book.walkBuyQuote(Number.POSITIVE_INFINITY),
  };
}

describe('OrderBook state snapshots', () => {
  it('restore + the same continued input gives identical outputs and state', () => {
    const all = ops(11, 800);
    const a = new OrderBook('BTC-PERP');
    for (const op of all.slice(0, 400)) step(a, op);
    const snap: OrderBookState = JSON.parse(JSON.stringify(a.exportState()));
    expect(snap.bids.length + snap.asks.length).toBeGreaterThan(64); // past the initial capacity
    const b = new OrderBook('BTC-PERP');
    b.restoreState(snap);
    expect(b.exportState()).toEqual(a.exportState());
    const outA = all.slice(400).map((op) => step(a, op));
    const outB = all.slice(400).map((op) => step(b, op));
    expect(outB).toEqual(outA);
    expect(b.exportState()).toEqual(a.exportState());
    // The sequence did exercise rejections and resets.
    expect(outA.some((o) => (o as { result: { ok?: boolean } | null }).result?.ok === false)).toBe(true);
  });

  it('a dropped level is caught by the continued comparison', () => {
    const all = ops(12, 400);
    const a = new OrderBook('X');
    for (const op of all.slice(0, 200)) step(a, op);
    const snap = a.exportState();
    const b = new OrderBook('X');
    b.restoreState({ ...snap, asks: snap.asks.slice(0, -1) });
    const outA = all.slice(200).map((op) => step(a, op));
    const outB = all.slice(200).map((op) => step(b, op));
    expect(outB).not.toEqual(outA);
  });

  it('restores into a used book, replacing its levels', () => {
    const a = new OrderBook('X');
    a.applyBatch(false, [[99, 1]], [[101, 2]]);
    const b = new OrderBook('X');
    b.applyBatch(
      false,
      [
        [50, 1],
        [49, 1],
      ],
      [[150, 1]],
    );
    b.restoreState(a.exportState());
    expect(b.levels('bid', 10)).toEqual([[99, 1]]);
    expect(b.levels('ask', 10)).toEqual([[101, 2]]);
  });

  it('refuses another instrument or a malformed state, leaving the book untouched', () => {
    const b = new OrderBook('X');
    b.applyBatch(false, [[99, 1]], [[101, 2]]);
    const before = b.exportState();
    expect(() => b.restoreState({ instrument: 'Y', bids: [], asks: [] })).toThrow(
      /order book X: cannot restore the state of Y/,
    );
    expect(() =>
      b.restoreState({
        instrument: 'X',
        bids: [
          [98, 1],
          [99, 1],
        ],
        asks: [],
      }),
    ).toThrow(/out of order/);
    expect(() => b.restoreState({ instrument: 'X', bids: [[98, 0]], asks: [] })).toThrow(/size 0/);
    expect(() => b.restoreState({ instrument: 'X', bids: [], asks: [[Number.NaN, 1]] })).toThrow(
      /bad book level/,
    );
    expect(b.exportState()).toEqual(before);
  });
});
