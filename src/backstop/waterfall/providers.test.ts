import { describe, expect, it } from 'vitest';
import { ratFrac, ratInt } from '../../margin/standard/perp-exact.ts';
import {
  allocateTakeover,
  HOUR_US,
  MINUTE_US,
  type ProviderConfig,
  type ProviderState,
  recordTakeover,
  remainingCapacity,
  splitLots,
} from './providers.ts';

const st = (id: string, equity = 0): ProviderState => ({ id, equity, takeovers: [], reduceOnly: new Set() });
const lim = (id: string, perMinute: number, priority = 0, perHour?: number): ProviderConfig => ({
  id,
  priority,
  capacity: {
    kind: 'limits',
    perMinuteNotional: perMinute,
    ...(perHour === undefined ? {} : { perHourNotional: perHour }),
  },
});
const states = (...s: ProviderState[]) => new Map(s.map((x) => [x.id, x]));
// 1 lot = 1 base unit at bankruptcy price 100 → lot notional 100
const long = (sizeLots: bigint) =>
  ({ instrument: 'BTC-PERP', side: 'long', sizeLots, bankruptcyPrice: 100, lotSize: 1 }) as const;

describe('splitLots', () => {
  it('largest remainder, exact sum, ties to lower index', () => {
    expect(splitLots(10n, [1n, 1n, 1n])).toEqual([4n, 3n, 3n]);
    expect(splitLots(7n, [5n, 3n, 2n])).toEqual([4n, 2n, 1n]); // 3.5, 2.1, 1.4 → +1 to the 0.5
  });
});

describe('allocateTakeover pro rata', () => {
  it('splits exactly by remaining capacity (Σ lots = allocated)', () => {
    // capacities 300, 200, 200 lots; position 10 lots → exact 4.286, 2.857, 2.857
    // floors 4, 2, 2 (= 8); the 2 left go to the largest remainders (.857, .857) → b, c
    const ps = [lim('a', 30_000), lim('b', 20_000), lim('c', 20_000)];
    const r = allocateTakeover({
      position: long(10n),
      providers: ps,
      states: states(st('a'), st('b'), st('c')),
      nowUs: 0,
      mode: 'pro-rata',
      discountFrac: 0,
    });
    expect(r.fills.map((f) => [f.provider, f.sizeLots])).toEqual([
      ['a', 4n],
      ['b', 3n],
      ['c', 3n],
    ]);
    expect(r.fills.reduce((s, f) => s + f.sizeLots, 0n)).toBe(10n);
    expect(r.unallocatedLots).toBe(0n);
  });

  it('capacity exhaustion leaves an unallocated remainder', () => {
    const r = allocateTakeover({
      position: long(10n),
      providers: [lim('a', 300), lim('b', 250)], // 3 lots + 2 lots (2.5 floored)
      states: states(st('a'), st('b')),
      nowUs: 0,
      mode: 'pro-rata',
      discountFrac: 0,
    });
    expect(r.fills.map((f) => f.sizeLots)).toEqual([3n, 2n]);
    expect(r.unallocatedLots).toBe(5n);
    expect(r.evidence.allocatedLots).toBe(5n);
  });
});

describe('allocateTakeover priority', () => {
  it('fills in priority order up to each capacity', () => {
    const r = allocateTakeover({
      position: long(6n),
      providers: [lim('low', 10_000, 2), lim('top', 400, 0), lim('mid', 100, 1)],
      states: states(st('low'), st('top'), st('mid')),
      nowUs: 0,
      mode: 'priority',
      discountFrac: 0,
    });
    expect(r.fills.map((f) => [f.provider, f.sizeLots])).toEqual([
      ['top', 4n],
      ['mid', 1n],
      ['low', 1n],
    ]);
    expect(r.unallocatedLots).toBe(0n);
  });
});

describe('prices', () => {
  it('provider gets the better price: long below, short above bankruptcy', () => {
    const base = { providers: [lim('a', 1e9)], states: states(st('a')), nowUs: 0, mode: 'priority' as const };
    const l = allocateTakeover({ ...base, position: long(1n), discountFrac: 0.01 });
    expect(l.fills[0]?.price).toEqual(ratInt(99n));
    const s = allocateTakeover({ ...base, position: { ...long(1n), side: 'short' }, discountFrac: 0.01 });
    expect(s.fills[0]?.price).toEqual(ratInt(101n));
    // capacity is measured at the bankruptcy price regardless of discount
    expect(s.fills[0]?.notional).toEqual(ratInt(100n));
  });
});

describe('windows', () => {
  it('rolling per-minute limit: capacity returns exactly one minute after the takeover', () => {
    const p = lim('a', 500, 0, 800);
    const r = allocateTakeover({
      position: long(5n),
      providers: [p],
      states: states(st('a')),
      nowUs: 1_000,
      mode: 'priority',
      discountFrac: 0,
    });
    const s = r.states.get('a') as ProviderState;
    expect(remainingCapacity(p, s, 1_000)).toEqual(ratInt(0n));
    expect(remainingCapacity(p, s, 1_000 + MINUTE_US - 1)).toEqual(ratInt(0n));
    // minute rolled off; hour limit 800 − 500 = 300 binds
    expect(remainingCapacity(p, s, 1_000 + MINUTE_US)).toEqual(ratInt(300n));
    expect(remainingCapacity(p, s, 1_000 + HOUR_US)).toEqual(ratInt(500n));
  });

  it('fixed equity-fraction window: flat until the window closes, then resets in one step', () => {
    const p: ProviderConfig = {
      id: 'lsp',
      priority: 0,
      capacity: { kind: 'equity-fraction', fraction: 0.1, windowUs: 1_000 },
    };
    // equity 10 000 → limit 1 000
    let s = st('lsp', 10_000);
    s = recordTakeover(
      s,
      [
        {
          provider: 'lsp',
          instrument: 'X',
          side: 'long',
          sizeLots: 4n,
          price: ratInt(100n),
          notional: ratInt(400n),
        },
      ],
      0,
    );
    s = recordTakeover(
      s,
      [
        {
          provider: 'lsp',
          instrument: 'X',
          side: 'long',
          sizeLots: 4n,
          price: ratInt(100n),
          notional: ratInt(400n),
        },
      ],
      900,
    );
    expect(remainingCapacity(p, s, 900)).toEqual(ratInt(200n));
    expect(remainingCapacity(p, s, 999)).toEqual(ratInt(200n)); // still inside [0, 1000)
    expect(remainingCapacity(p, s, 1_000)).toEqual(ratInt(1_000n)); // window [0,1000) closed → all back
    const rolling: ProviderConfig = {
      ...p,
      capacity: { ...p.capacity, window: 'rolling' },
    } as ProviderConfig;
    expect(remainingCapacity(rolling, s, 1_000)).toEqual(ratInt(600n)); // the takeover at 900 still counts
  });
});

describe('groups and reduce-only', () => {
  it('a group shares one budget on pooled equity; members split by equity', () => {
    const cap = { kind: 'equity-fraction', fraction: 0.5, windowUs: MINUTE_US } as const;
    const ps: ProviderConfig[] = [
      { id: 'g1', group: 'firm', priority: 0, capacity: cap },
      { id: 'g2', group: 'firm', priority: 0, capacity: cap },
      { id: 'solo', priority: 0, capacity: cap },
    ];
    // firm: (600 + 200) × 0.5 = 400 → 4 lots; solo: 400 × 0.5 = 200 → 2 lots
    const r = allocateTakeover({
      position: long(9n),
      providers: ps,
      states: states(st('g1', 600), st('g2', 200), st('solo', 400)),
      nowUs: 0,
      mode: 'pro-rata',
      discountFrac: 0,
    });
    expect(r.fills.map((f) => [f.provider, f.sizeLots])).toEqual([
      ['g1', 3n],
      ['g2', 1n],
      ['solo', 2n],
    ]);
    expect(r.unallocatedLots).toBe(3n);
    // after: the shared budget is spent for every member
    const next = allocateTakeover({
      position: long(1n),
      providers: ps,
      states: r.states,
      nowUs: 10,
      mode: 'pro-rata',
      discountFrac: 0,
    });
    expect(next.fills).toEqual([]);
    expect(next.unallocatedLots).toBe(1n);
  });

  it('takers become reduce-only on the instrument; non-takers are untouched', () => {
    const input = states(st('a'), st('b'));
    const r = allocateTakeover({
      position: long(2n),
      providers: [lim('a', 1_000, 0), lim('b', 1_000, 1)],
      states: input,
      nowUs: 5,
      mode: 'priority',
      discountFrac: ratFrac(1n, 200n),
    });
    expect(r.states.get('a')?.reduceOnly.has('BTC-PERP')).toBe(true);
    expect(r.states.get('b')).toBe(input.get('b'));
    expect(input.get('a')?.reduceOnly.size).toBe(0); // input not mutated
    expect(r.fills[0]?.price).toEqual(ratFrac(199n, 2n));
  });

  it('rejects mismatched group capacities and takeovers in the future', () => {
    const ps: ProviderConfig[] = [
      lim('a', 100),
      { ...lim('b', 200), group: 'x' },
      { ...lim('c', 100), group: 'x' },
    ];
    expect(() =>
      allocateTakeover({
        position: long(1n),
        providers: ps,
        states: states(st('a'), st('b'), st('c')),
        nowUs: 0,
        mode: 'pro-rata',
        discountFrac: 0,
      }),
    ).toThrow(/differ in capacity/);
    const s = recordTakeover(
      st('a'),
      [
        {
          provider: 'a',
          instrument: 'X',
          side: 'long',
          sizeLots: 1n,
          price: ratInt(1n),
          notional: ratInt(1n),
        },
      ],
      10,
    );
    expect(() => remainingCapacity(lim('a', 100), s, 5)).toThrow(/after now/);
  });
});
