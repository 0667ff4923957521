import { describe, expect, it } from 'vitest';
import { EPISODE_CONFIG, EPISODE_EVENTS } from '../../test/golden/liquidation-episode.ts';
import { POLICY_CRASH_CONFIG, policyCrashEvents, T0 } from '../../test/golden/policy-crash.ts';
import { book, deposit, fill, index, liquidationEngine } from '../../test/liquidation-fixtures.ts';
import { testPolicy } from '../../test/policy-fixtures.ts';
import { SeededRng } from '../core/rng.ts';
import type { Decision } from '../domain/decisions.ts';
import type { EngineEvent } from '../domain/events.ts';
import { Engine, type EngineState } from './engine.ts';

// quorum 5 %: carol's 5 000 of the 55 000 snapshot weight (the venue's 50 000 does not vote)
const governed = testPolicy({
  governance: {
    currency: 'USD',
    quorumFrac: 0.05,
    majorityFrac: 0.5,
    votingPeriod: '60s',
    timelock: '10s',
    gracePeriod: '1h',
    unstakeCooldown: '60s',
    minProposalShares: '1',
  },
});

const roundTrip = (s: EngineState): EngineState => JSON.parse(JSON.stringify(s)) as EngineState;

/** Runs `events`, snapshots after `cut` of them, restores into a fresh engine and runs the rest on both. */
function splitRun(make: () => Engine, events: readonly EngineEvent[], cut: number) {
  const a = make();
  for (const e of events.slice(0, cut)) a.handle(e);
  const b = make();
  b.restoreState(roundTrip(a.exportState()));
  const da: Decision[] = [];
  const db: Decision[] = [];
  for (const e of events.slice(cut)) {
    da.push(...a.handle(e));
    db.push(...b.handle(e));
  }
  da.push(...a.finish());
  db.push(...b.finish());
  return { a, b, da, db };
}

function randomEvents(seed: number, n: number): EngineEvent[] {
  const rng = new SeededRng(seed);
  const names = ['a', 'b', 'c', 'd'];
  let price = 100_000;
  let t = 1_000_000;
  let k = 0;
  const out: EngineEvent[] = [index(t, price), deposit(t, 'lp', '300000')];
  for (let i = 0; i < n; i++) {
    t += rng.nextInt(1, 3) * 1_000_000;
    const r = rng.nextFloat();
    const who = () => names[rng.nextInt(0, 3)] as string;
    if (r < 0.15) out.push(deposit(t, who(), String(rng.nextInt(1, 30_000)), `d${k++}`));
    else if (r < 0.4) {
      const q = rng.nextInt(1, 40) / 20;
      out.push(fill(t, who(), q, price, `f${k++}`), fill(t, who(), -q, price, `f${k++}`));
    } else if (r < 0.75) {
      price *= 1 + (rng.nextFloat() - 0.55) * 0.04;
      out.push(index(t, price));
    } else {
      out.push(
        book(
          t,
          [
            [price * 0.999, rng.nextFloat()],
            [price * 0.99, rng.nextFloat() * 3],
          ],
          [[price * 1.001, rng.nextFloat() * 3]],
        ),
      );
      out.push({
        kind: 'trade',
        instrument: 'BTC-PERP',
        tsUs: t,
        price,
        qty: rng.nextFloat(),
        side: 'buy',
      } as EngineEvent);
    }
  }
  return out;
}

describe('engine state snapshots', () => {
  it('a restore at every point of the golden crash continues with identical decisions and state', () => {
    for (let cut = 0; cut <= EPISODE_EVENTS.length; cut++) {
      const { a, b, da, db } = splitRun(() => new Engine(EPISODE_CONFIG), EPISODE_EVENTS, cut);
      expect(db).toEqual(da);
      expect(b.exportState()).toEqual(a.exportState());
      expect(b.stateSummary()).toEqual(a.stateSummary());
    }
  });

  it('random markets, trades, liquidations and monitor intervals: identical after restore', () => {
    const make = () =>
      liquidationEngine({
        funds: { USD: { opening: '5000' } },
        providers: [{ id: 'lp', priority: 0, capacity: { kind: 'limits', perMinuteNotional: 150_000 } }],
      });
    for (const seed of [11, 12, 13]) {
      const events = randomEvents(seed, 300);
      for (const cut of [1, 97, 211, events.length - 3]) {
        const { a, b, da, db } = splitRun(make, events, cut);
        expect(db).toEqual(da);
        expect(b.exportState()).toEqual(a.exportState());
      }
      // the run reached the waterfall and the monitor's interval closes
      const all = splitRun(make, events, 0).da.map((d) => d.kind);
      expect(all).toContain('liquidation-order');
    }
  });

  it('the backstop policy (tiers, quotes, purchases, halt, guards, governance) restores exactly', () => {
    const events = policyCrashEvents();
    const gov = (k: number, action: string, params: Record<string, string | number | boolean>, id = '') =>
      ({ kind: 'governance', tsUs: T0 + k * 1_000_000 + 500, proposalId: id, action, params }) as EngineEvent;
    // interleave some governance: a stake and a proposal with a vote, executed mid-crash
    const withGov = [
      ...events,
      deposit(T0 + 3, 'carol', '5000'),
      gov(0, 'stake', { staker: 'carol', amount: '5000' }),
      gov(
        10,
        'propose',
        { proposer: 'carol', kind: 'param-change', path: 'actions.watch.marginMultiplier', value: 1.15 },
        'p1',
      ),
      gov(11, 'vote', { staker: 'carol', support: 'for' }, 'p1'),
      gov(85, 'execute', {}, 'p1'),
    ].sort((x, y) => x.tsUs - y.tsUs);
    const make = () => new Engine({ ...POLICY_CRASH_CONFIG, policy: governed });
    for (const cut of [5, 130, 200, 370, 400, 500, 700, 900]) {
      const { a, b, da, db } = splitRun(make, withGov, cut);
      expect(db).toEqual(da);
      expect(b.exportState()).toEqual(a.exportState());
      expect(b.policy?.policy.actions.watch.marginMultiplier).toBe(1.15);
    }
    // the governance actually ran: the change was executed at 85 s
    const all = splitRun(make, withGov, 0).da;
    expect(
      all.filter((d) => d.kind === 'governance-action').map((d) => (d as { action: string }).action),
    ).toEqual(['stake', 'proposal-created', 'vote', 'proposal-executed']);
  });

  it('refuses a state into a used engine, or one whose config disagrees on liquidation', () => {
    const a = new Engine(EPISODE_CONFIG);
    a.handle(EPISODE_EVENTS[0] as EngineEvent);
    const s = a.exportState();
    expect(() => a.restoreState(s)).toThrow(/fresh engine/);
    const plain = new Engine({ ...EPISODE_CONFIG, liquidation: undefined } as never);
    expect(() => plain.restoreState(s)).toThrow(/disagree on liquidation/);
  });
});
