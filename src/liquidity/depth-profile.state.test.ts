import { describe, expect, it } from 'vitest';
import { SeededRng } from '../core/rng.ts';
import type { DepthBand } from '../domain/events.ts';
import { DepthProfile, type DepthProfileState } from './depth-profile.ts';

type Op = { kind: 'update'; bands: DepthBand[] } | { kind: 'query'; bps: number; notional: number };

/** Cumulative bands per side (sometimes none, sometimes a zero-depth innermost band), shuffled. */
function bandsFrom(rng: SeededRng): DepthBand[] {
  const bands: DepthBand[] = [];
  for (const sign of [-1, 1]) {
    if (rng.nextFloat() < 0.1) continue;
    let depth = rng.nextFloat() < 0.15 ? 0 : rng.nextFloat() * 10;
    let notional = depth * (1000 + sign * 5);
    const pcts = [0.2, 0.5, 1, 2, 3, 5].filter(() => rng.nextFloat() < 0.7);
    for (const p of pcts) {
      bands.push({ pct: sign * p, depthBase: depth, notionalQuote: notional });
      const more = rng.nextFloat() * 20;
      depth += more;
      notional += more * 1000 * (1 + (sign * p) / 100);
    }
  }
  for (let i = bands.length - 1; i > 0; i--) {
    const j = rng.nextInt(0, i);
    [bands[i], bands[j]] = [bands[j]!, bands[i]!];
  }
  return bands;
}

function ops(seed: number, n: number): Op[] {
  const rng = new SeededRng(seed);
  return Array.from({ length: n }, (): Op => {
    if (rng.nextFloat() < 0.3) return { kind: 'update', bands: bandsFrom(rng) };
    return {
      kind: 'query',
      bps: rng.nextInt(0, 700),
      notional: rng.nextFloat() < 0.1 ? 0 : rng.nextFloat() * 200_000,
    };
  });
}

function step(p: DepthProfile, op: Op): unknown {
  if (op.kind === 'update') {
    p.update(op.bands);
    return null;
  }
  return {
    mid: p.mid(),
    bands: p.bandsBps(),
    counts: [p.bandCount('bid'), p.bandCount('ask')],
    depth: [p.depthWithinBps('bid', op.bps), p.depthWithinBps('ask', op.bps)],
    sell: p.walkSellQuote(op.notional),
    buy: p.walkBuyQuote(op.notional),
    all: p.walkSellQuote(Number.POSITIVE_INFINITY),
  };
}

describe('DepthProfile state snapshots', () => {
  it('restore + the same continued input gives identical outputs and state', () => {
    const all = ops(21, 600);
    // The second half opens with queries, so the restored bands are read before any update.
    const cut = all.findIndex((op, i) => i >= 300 && op.kind === 'query' && all[i - 1]?.kind === 'update');
    expect(cut).toBeGreaterThan(0);
    const a = new DepthProfile('BTCUSDT');
    for (const op of all.slice(0, cut)) step(a, op);
    const snap: DepthProfileState = JSON.parse(JSON.stringify(a.exportState()));
    expect(snap.bands.length).toBeGreaterThan(0);
    const b = new DepthProfile('BTCUSDT');
    b.restoreState(snap);
    expect(b.exportState()).toEqual(a.exportState());
    const outA = all.slice(cut).map((op) => step(a, op));
    const outB = all.slice(cut).map((op) => step(b, op));
    expect(outB).toEqual(outA);
    expect(b.exportState()).toEqual(a.exportState());
  });

  it('keeps −0 depth exactly and a changed band shows in the continued comparison', () => {
    const a = new DepthProfile('X', [
      { pct: -1, depthBase: -0, notionalQuote: 0 },
      { pct: -2, depthBase: 1, notionalQuote: 990 },
      { pct: 1, depthBase: 1, notionalQuote: 1010 },
    ]);
    const snap: DepthProfileState = JSON.parse(JSON.stringify(a.exportState()));
    expect(snap.bands[0]).toEqual({ pct: -1, depthBase: '-0', notionalQuote: 0 });
    const b = new DepthProfile('X');
    b.restoreState(snap);
    expect(b.exportState()).toEqual(a.exportState());
    expect(b.walkSellQuote(500)).toEqual(a.walkSellQuote(500));
    const c = new DepthProfile('X');
    c.restoreState({ ...snap, bands: snap.bands.slice(0, 2) });
    expect(c.mid()).not.toEqual(a.mid());
  });

  it('refuses another instrument or bad bands', () => {
    const p = new DepthProfile('X');
    expect(() => p.restoreState({ instrument: 'Y', bands: [] })).toThrow(
      /depth profile X: cannot restore the state of Y/,
    );
    expect(() =>
      p.restoreState({ instrument: 'X', bands: [{ pct: 'NaN', depthBase: 1, notionalQuote: 1 }] }),
    ).toThrow(/non-finite/);
  });
});
