import { describe, expect, it } from 'vitest';
import { SeededRng } from '../core/rng.ts';
import type { SviParams } from '../domain/events.ts';
import type { OptionInstrument } from '../domain/instrument.ts';
import { LiveUnderlyingMarket, type LiveUnderlyingMarketState } from './live-market.ts';

const DAY = 86_400e6;
const EXPIRIES = [2, 7, 14, 30, 60, 90].map((d) => d * DAY);
const STRIKES = [40_000, 50_000, 55_000, 60_000, 65_000, 70_000, 90_000];

function option(expiryUs: number, strike: number): OptionInstrument {
  return {
    kind: 'option',
    id: `BTC-${expiryUs / DAY}-${strike}`,
    baseCurrency: 'BTC',
    quoteCurrency: 'USD',
    settlement: 'linear',
    settlementCurrency: 'USD',
    contractSize: 1,
    tickSize: 0.01,
    expiryUs,
    strike,
    right: strike < 60_000 ? 'put' : 'call',
    underlyingId: 'BTC',
  };
}
const OPTIONS = EXPIRIES.flatMap((e) => STRIKES.map((k) => option(e, k)));
/** An expiry that never gets a smile or a vol of its own: always priced at the default vol. */
const UNQUOTED = option(180 * DAY, 60_000);
const MARKED = ['BTC-PERP', ...EXPIRIES.map((e) => `BTC-FUT-${e / DAY}`)];

type Op =
  | { kind: 'spot'; price: number; tsUs: number }
  | { kind: 'mark'; id: string; price: number }
  | { kind: 'forward'; expiryUs: number; forward: number }
  | { kind: 'vol'; id: string; vol: number }
  | { kind: 'default-vol'; vol: number }
  | { kind: 'rate'; rate: number }
  | {
      kind: 'smile';
      expiryUs: number;
      svi: SviParams | null;
      points: { strike: number; volAnnual: number }[] | null;
    };

/** Time runs ~2 h per op, so the early expiries pass and their smile updates start being refused. */
function ops(seed: number, n: number): Op[] {
  const rng = new SeededRng(seed);
  let ts = 0;
  let spot = 60_000;
  const out: Op[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[rng.nextInt(0, xs.length - 1)]!;
  for (let i = 0; i < n; i++) {
    const r = rng.nextFloat();
    if (r < 0.25) {
      ts += rng.nextInt(0, 4 * 3_600e6);
      spot *= Math.exp(0.01 * rng.nextNormal());
      out.push({ kind: 'spot', price: spot, tsUs: ts });
    } else if (r < 0.4) {
      out.push({ kind: 'mark', id: pick(MARKED), price: spot * (1 + 0.002 * rng.nextNormal()) });
    } else if (r < 0.55) {
      out.push({ kind: 'forward', expiryUs: pick(EXPIRIES), forward: spot * (1 + 0.01 * rng.nextFloat()) });
    } else if (r < 0.62) {
      out.push({ kind: 'vol', id: pick(OPTIONS).id, vol: 0.3 + rng.nextFloat() });
    } else if (r < 0.65) {
      out.push({ kind: 'default-vol', vol: 0.4 + rng.nextFloat() * 0.5 });
    } else if (r < 0.68) {
      out.push({ kind: 'rate', rate: rng.nextFloat() * 0.08 });
    } else {
      const expiryUs = pick(EXPIRIES);
      if (rng.nextFloat() < 0.5) {
        const svi = {
          a: 0.005 + 0.03 * rng.nextFloat(),
          b: 0.05 + 0.2 * rng.nextFloat(),
          rho: -0.6 + 0.8 * rng.nextFloat(),
          m: -0.1 + 0.2 * rng.nextFloat(),
          sigma: 0.05 + 0.3 * rng.nextFloat(),
        };
        out.push({ kind: 'smile', expiryUs, svi, points: null });
      } else {
        const strikes = STRIKES.filter(() => rng.nextFloat() < 0.7);
        // Sometimes a duplicate strike, which the surface refuses.
        if (rng.nextFloat() < 0.1 && strikes.length > 0) strikes.push(strikes[0]!);
        const points = strikes.map((strike) => ({ strike, volAnnual: 0.4 + 0.5 * rng.nextFloat() }));
        for (let j = points.length - 1; j > 0; j--) {
          const k = rng.nextInt(0, j);
          [points[j], points[k]] = [points[k]!, points[j]!];
        }
        out.push({ kind: 'smile', expiryUs, svi: null, points });
      }
    }
  }
  return out;
}

/** Applies `op` and returns everything the market answers afterwards. */
function step(m: LiveUnderlyingMarket, op: Op): unknown {
  let result: string | null = null;
  switch (op.kind) {
    case 'spot':
      m.setSpot(op.price, op.tsUs);
      break;
    case 'mark':
      m.setMark(op.id, op.price);
      break;
    case 'forward':
      m.setForward(op.expiryUs, op.forward);
      break;
    case 'vol':
      m.setVol(op.id, op.vol);
      break;
    case 'default-vol':
      m.setDefaultVol(op.vol);
      break;
    case 'rate':
      m.rate = op.rate;
      break;
    case 'smile':
      result = m.setSmile(op.expiryUs, op.svi, op.points);
      break;
  }
  return {
    result,
    ready: m.ready,
    nowUs: m.nowUs,
    spot: m.spot,
    rate: m.rate,
    forwards: EXPIRIES.map((e) => m.forwardAt(e)),
    marks: MARKED.map((id) => m.markOf(id) ?? null),
    vols: [...OPTIONS, UNQUOTED].map((o) => m.volOf(o)),
  };
}

describe('LiveUnderlyingMarket state snapshots', () => {
  const all = ops(51, 700);
  // Just after a rate change (op 350), so that the rate at the cut is not the fresh 0.
  const cut = 351;

  function run(tamper: (s: LiveUnderlyingMarketState) => LiveUnderlyingMarketState = (s) => s) {
    const a = new LiveUnderlyingMarket('BTC', 0.6);
    for (const op of all.slice(0, cut)) step(a, op);
    const snap: LiveUnderlyingMarketState = JSON.parse(JSON.stringify(a.exportState()));
    const b = new LiveUnderlyingMarket('BTC', 0.6);
    b.restoreState(tamper(snap));
    const outA = all.slice(cut).map((op) => step(a, op));
    const outB = all.slice(cut).map((op) => step(b, op));
    return { a, b, snap, outA, outB };
  }

  it('restore + the same continued input gives identical answers and state', () => {
    const { a, b, snap, outA, outB } = run();
    expect(outB).toEqual(outA);
    expect(b.exportState()).toEqual(a.exportState());
    // Both kinds of smile were live at the cut, and some updates were refused after it.
    expect(snap.smiles.some((s) => 'svi' in s)).toBe(true);
    expect(snap.smiles.some((s) => 'strikes' in s)).toBe(true);
    expect(outA.some((o) => (o as { result: string | null }).result === 'expiry is not in the future')).toBe(
      true,
    );
  });

  it('a field left at its fresh value on restore changes the continued answers', () => {
    const { snap, outA } = run();
    const fresh = new LiveUnderlyingMarket('BTC', 0.6).exportState();
    for (const key of Object.keys(fresh) as (keyof LiveUnderlyingMarketState)[]) {
      if (key === 'underlying') continue;
      expect(snap[key], key).not.toEqual(fresh[key]);
      const { outB } = run((s) => ({ ...s, [key]: fresh[key] }));
      expect(outB, key).not.toEqual(outA);
    }
    // A smile rebuilt at the restore time rather than its own update time would drift.
    const { outB } = run((s) => ({
      ...s,
      smiles: s.smiles.map((sm) => ({ ...sm, timeYears: Number(sm.timeYears) * 0.999 })),
    }));
    expect(outB).not.toEqual(outA);
  });

  it('round-trips a fresh market (spot NaN) and refuses another underlying', () => {
    const m = new LiveUnderlyingMarket('ETH', 0.7);
    const s: LiveUnderlyingMarketState = JSON.parse(JSON.stringify(m.exportState()));
    expect(s.spot).toBe('NaN');
    const m2 = new LiveUnderlyingMarket('ETH', 0.1);
    m2.restoreState(s);
    expect(m2.ready).toBe(false);
    expect(m2.exportState()).toEqual(m.exportState());
    expect(() => new LiveUnderlyingMarket('BTC', 0.7).restoreState(s)).toThrow(
      /live market BTC: cannot restore the state of ETH/,
    );
  });

  it('refuses a state whose smile points cannot be rebuilt, leaving the market untouched', () => {
    const m = new LiveUnderlyingMarket('BTC', 0.5);
    m.setSpot(100, 0);
    const before = m.exportState();
    const bad: LiveUnderlyingMarketState = {
      ...before,
      spot: 200,
      smiles: [{ expiryUs: DAY, timeYears: 0.01, forward: 100, strikes: [90, 90], volsAnnual: [0.5, 0.6] }],
    };
    expect(() => m.restoreState(bad)).toThrow(/live market BTC state: smile at 86400000000/);
    expect(m.exportState()).toEqual(before);
  });
});
