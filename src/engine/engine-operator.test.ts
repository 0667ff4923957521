import { describe, expect, it } from 'vitest';
import { POLICY_CRASH_CONFIG, policyCrashEvents, T0 } from '../../test/golden/policy-crash.ts';
import {
  book,
  deposit,
  fill,
  index,
  ledgerTotals,
  liquidationEngine,
  ofKind,
} from '../../test/liquidation-fixtures.ts';
import { policyEngine, testPolicy } from '../../test/policy-fixtures.ts';
import type { Decision, Tier } from '../domain/decisions.ts';
import type { EngineEvent, Level, OperatorEvent } from '../domain/events.ts';
import { Engine, type EngineState } from './engine.ts';

const S = 1_000_000;
const T = 1_767_225_600 * S; // 2026-01-01T00:00:00Z

function run(e: Engine, events: EngineEvent[]): Decision[] {
  const out: Decision[] = [];
  for (const ev of events) {
    out.push(...e.handle(ev));
    for (const total of Object.values(ledgerTotals(e))) expect(total).toBe(0n);
  }
  return out;
}

const op = (
  tsUs: number,
  action: OperatorEvent['action'],
  extra: { instrument?: string; tier?: Tier | null; reason?: string; keyId?: string } = {},
): EngineEvent => ({ kind: 'operator', tsUs, action, reason: 'drill', keyId: 'key-ops-1', ...extra });

const rejected = (ds: Decision[]) => ofKind(ds, 'input-rejected').map((d) => d.code);
const liquidations = (ds: Decision[]) =>
  ds.filter((d) =>
    ['liquidation-order', 'backstop-takeover', 'adl-execution', 'insurance-payment'].includes(d.kind),
  );
const backstopTiers = (ds: Decision[]) =>
  ofKind(ds, 'tier-change')
    .filter((d) => d.scope === 'backstop')
    .map((d) => `${d.from}>${d.to}`);

/** Policy without breaker and guards: an 11 % fall is applied at once and liquidates at once. */
const plain = () => policyEngine(testPolicy({ circuitBreaker: undefined, guards: undefined }));

/** Alice 1 BTC long at 100 000 with 10 000 USD (IM 10 000, MM 5 000); bob the short side. */
function opened(e: Engine): Engine {
  run(e, [
    index(T, 100_000),
    deposit(T + 1, 'alice', '10000'),
    deposit(T + 1, 'bob', '100000'),
    fill(T + 2, 'alice', 1, 100_000),
    fill(T + 2, 'bob', -1, 100_000),
  ]);
  return e;
}

/** Books around 100 000 with a full spread of `bps`, one per second from `from` to `to` (exclusive). */
const spreads = (from: number, to: number, bps: number): EngineEvent[] =>
  Array.from({ length: to - from }, (_, k) => {
    const h = (100_000 * bps) / 2e4;
    const bids: Level[] = [[100_000 - h, 5]];
    const asks: Level[] = [[100_000 + h, 5]];
    return book(T + (from + k) * S, bids, asks);
  });

describe('operator halt and resume', () => {
  it('a halt pauses the liquidation that happens without it; resume lets it run', () => {
    // without a halt: at 89 000 alice's equity is 10 000 − 11 000 = −1 000 and the fund pays it at once
    const free = run(opened(plain()), [index(T + 4 * S, 89_000)]);
    expect(ofKind(free, 'insurance-payment')).toMatchObject([{ account: 'alice', amount: '1000.000000' }]);

    for (const instrument of [undefined, 'BTC-PERP']) {
      const e = opened(plain());
      const halt = run(e, [op(T + 3 * S, 'halt', instrument ? { instrument } : {})]);
      expect(halt).toEqual([
        {
          kind: 'circuit-breaker',
          tsUs: T + 3 * S,
          instrument: instrument ?? 'venue',
          action: 'halt',
          reason: 'operator halt: drill',
          evidence: { keyId: 'key-ops-1', source: 'operator', reason: 'drill' },
        },
      ]);
      expect(e.policy?.isPaused('BTC-PERP')).toBe(true);
      expect(e.policy?.halted).toBe(instrument === undefined);
      const fall = run(e, [index(T + 4 * S, 89_000), index(T + 10 * S, 89_000)]);
      expect(ofKind(fall, 'margin-state-change').map((d) => d.to)).toEqual(['bankrupt']);
      expect(liquidations(fall)).toEqual([]);
      const resume = run(e, [
        op(T + 20 * S, 'resume', instrument ? { instrument, reason: 'all clear' } : {}),
      ]);
      expect(ofKind(resume, 'circuit-breaker')).toMatchObject([
        {
          instrument: instrument ?? 'venue',
          action: 'resume',
          reason: `operator resume: ${instrument ? 'all clear' : 'drill'}`,
          evidence: { keyId: 'key-ops-1', source: 'operator', haltedBy: 'key-ops-1', haltedForUs: 17 * S },
        },
      ]);
      expect(ofKind(resume, 'insurance-payment')).toMatchObject([
        { account: 'alice', amount: '1000.000000', tsUs: T + 20 * S },
      ]);
      expect(e.policy?.isPaused('BTC-PERP')).toBe(false);
    }
  });

  it('the venue and an instrument are separate scopes; refusals name their code and change nothing', () => {
    const e = opened(plain());
    expect(rejected(run(e, [op(T + 3 * S, 'resume')]))).toEqual(['NOT_HALTED']);
    run(e, [op(T + 3 * S, 'halt', { keyId: 'key-a' })]);
    const again = run(e, [op(T + 4 * S, 'halt', { keyId: 'key-b' })]);
    expect(rejected(again)).toEqual(['ALREADY_HALTED']);
    expect(ofKind(again, 'input-rejected')[0]?.reason).toMatch(/already halted by key-a/);
    run(e, [op(T + 5 * S, 'halt', { instrument: 'BTC-PERP', keyId: 'key-b' })]);
    expect(e.policy?.operatorState).toEqual({
      halted: {
        venue: { reason: 'drill', keyId: 'key-a', sinceUs: T + 3 * S },
        instruments: { 'BTC-PERP': { reason: 'drill', keyId: 'key-b', sinceUs: T + 5 * S } },
      },
      override: null,
      computedTier: 'normal',
    });
    // resuming the venue leaves the instrument's own halt: alice still waits
    run(e, [op(T + 6 * S, 'resume')]);
    expect(liquidations(run(e, [index(T + 7 * S, 89_000)]))).toEqual([]);
    expect(
      ofKind(run(e, [op(T + 8 * S, 'resume', { instrument: 'BTC-PERP' })]), 'insurance-payment'),
    ).toHaveLength(1);
    expect(rejected(run(e, [op(T + 9 * S, 'resume', { instrument: 'BTC-PERP' })]))).toEqual(['NOT_HALTED']);
    expect(rejected(run(e, [op(T + 9 * S, 'halt', { instrument: 'ETH-PERP' })]))).toEqual([
      'UNKNOWN_INSTRUMENT',
    ]);
    // malformed input from the library API (the wire schema refuses it earlier)
    expect(rejected(run(e, [op(T + 9 * S, 'halt', { reason: '' })]))).toEqual(['BAD_FIELD']);
    expect(rejected(run(e, [op(T + 9 * S, 'halt', { keyId: '' })]))).toEqual(['BAD_FIELD']);
    expect(rejected(run(e, [op(T + 9 * S, 'halt', { tier: 'watch' })]))).toEqual(['BAD_FIELD']);
    expect(rejected(run(e, [op(T + 9 * S, 'tier')]))).toEqual(['BAD_FIELD']);
    expect(rejected(run(e, [op(T + 9 * S, 'tier', { tier: 'watch', instrument: 'BTC-PERP' })]))).toEqual([
      'BAD_FIELD',
    ]);
    expect(e.policy?.operatorActive).toBe(false);
    expect(e.stats.rejected).toBe(9);
    // no policy: refused like governance
    expect(rejected(liquidationEngine().handle(op(T, 'halt')))).toEqual(['NO_POLICY']);
  });

  it('an operator resume does not end a circuit-breaker halt; an operator halt outlasts the breaker', () => {
    const e = opened(policyEngine());
    run(e, [index(T + 10 * S, 95_000)]);
    // 89 000 is 11 % below the window start: the breaker halts until 50 s
    const breaker = run(e, [op(T + 15 * S, 'halt'), index(T + 20 * S, 89_000)]);
    expect(ofKind(breaker, 'circuit-breaker').map((d) => `${d.instrument}:${d.action}`)).toEqual([
      'venue:halt',
      'BTC:halt',
    ]);
    expect(rejected(run(e, [op(T + 25 * S, 'resume'), op(T + 26 * S, 'resume')]))).toEqual(['NOT_HALTED']);
    expect(e.policy?.halted).toBe(true); // the breaker's halt runs on
    expect(liquidations(run(e, [index(T + 30 * S, 89_000)]))).toEqual([]);
    // the breaker's timer ends its halt: liquidation runs at once
    const end = run(e, [index(T + 50 * S, 89_000)]);
    expect(ofKind(end, 'circuit-breaker')).toMatchObject([{ instrument: 'BTC', action: 'resume' }]);
    expect(ofKind(end, 'insurance-payment')).toMatchObject([{ account: 'alice', amount: '1000.000000' }]);

    // and the other way round: the breaker's resume leaves an operator halt in force
    const f = opened(policyEngine());
    run(f, [index(T + 10 * S, 95_000), index(T + 20 * S, 89_000), op(T + 21 * S, 'halt')]);
    const over = run(f, [index(T + 50 * S, 89_000)]);
    expect(ofKind(over, 'circuit-breaker')).toMatchObject([{ instrument: 'BTC', action: 'resume' }]);
    expect(liquidations(over)).toEqual([]);
    expect(ofKind(run(f, [op(T + 60 * S, 'resume')]), 'insurance-payment')).toMatchObject([
      { amount: '1000.000000' },
    ]);
  });
});

describe('operator tier override', () => {
  it('forces the tier and its multiplier (crisis ×1.5, fixture), and ending it restores ×1', () => {
    const e = opened(plain());
    const set = run(e, [op(T + 3 * S, 'tier', { tier: 'crisis', reason: 'exchange outage' })]);
    expect(ofKind(set, 'tier-change')).toEqual([
      {
        kind: 'tier-change',
        tsUs: T + 3 * S,
        scope: 'backstop',
        from: 'normal',
        to: 'crisis',
        reason: 'operator override: exchange outage',
        evidence: {
          keyId: 'key-ops-1',
          source: 'operator',
          reason: 'exchange outage',
          computedTier: 'normal',
        },
      },
    ]);
    expect(ofKind(set, 'margin-multiplier-change')).toMatchObject([{ from: 1, to: 1.5 }]);
    expect(e.margin.marginMultiplier).toBe(1.5);
    expect(e.policy?.tier).toBe('crisis');
    // crisis actions: the reserve quotes 80 bps wide, 1 contract; IM 1.5 × 10 000 > alice's 10 000
    expect(ofKind(set, 'quote-deployment')).toMatchObject([
      { bidPrice: 99_600, askPrice: 100_400, sizeContracts: 1 },
    ]);
    expect(ofKind(set, 'margin-state-change')).toMatchObject([
      {
        account: 'alice',
        to: 'margin-call',
        evidence: { multiplier: 1.5, 'USD.im': 15_000, 'USD.mm': 7_500 },
      },
    ]);
    expect(e.policy?.operatorState.override).toEqual({
      tier: 'crisis',
      reason: 'exchange outage',
      keyId: 'key-ops-1',
      sinceUs: T + 3 * S,
    });

    const end = run(e, [op(T + 4 * S, 'tier', { tier: null, reason: 'resolved', keyId: 'key-ops-2' })]);
    expect(ofKind(end, 'tier-change')).toMatchObject([
      {
        from: 'crisis',
        to: 'normal',
        reason: 'operator override ended: resolved',
        evidence: { keyId: 'key-ops-2', computedTier: 'normal' },
      },
    ]);
    expect(ofKind(end, 'margin-multiplier-change')).toMatchObject([{ from: 1.5, to: 1 }]);
    expect(ofKind(end, 'quote-deployment')).toMatchObject([{ action: 'withdraw' }]);
    expect(e.margin.marginMultiplier).toBe(1);
    expect(rejected(run(e, [op(T + 5 * S, 'tier', { tier: null })]))).toEqual(['NO_OVERRIDE']);
    // an override to the tier in force is recorded too (from = to): every accepted action is audited
    const pin = run(e, [op(T + 6 * S, 'tier', { tier: 'normal' })]);
    expect(backstopTiers(pin)).toEqual(['normal>normal']);
    expect(ofKind(pin, 'margin-multiplier-change')).toEqual([]);
  });

  it('the tier machine runs on under the override; ending it returns to the computed tier', () => {
    const e = opened(policyEngine(testPolicy({ circuitBreaker: undefined })));
    run(e, [op(T + 2 * S, 'tier', { tier: 'watch' })]);
    expect(e.margin.marginMultiplier).toBe(1.1);
    // 30 bps spreads: stressed without the override (engine-policy.test.ts); here no backstop tier-change
    const stress = run(e, spreads(3, 8, 30));
    expect(backstopTiers(stress)).toEqual([]);
    expect(ofKind(stress, 'margin-multiplier-change')).toEqual([]);
    expect(e.policy?.operatorState.computedTier).toBe('stressed');
    expect(e.policy?.tier).toBe('watch');
    expect(e.margin.marginMultiplier).toBe(1.1);
    const end = run(e, [op(T + 8 * S, 'tier', { tier: null })]);
    expect(backstopTiers(end)).toEqual(['watch>stressed']);
    expect(ofKind(end, 'margin-multiplier-change')).toMatchObject([{ from: 1.1, to: 1.25 }]);
    expect(ofKind(end, 'quote-deployment')).toMatchObject([{ action: 'deploy', sizeContracts: 0.5 }]);
  });
});

describe('operator state in snapshots and the state hash', () => {
  const roundTrip = (s: EngineState): EngineState => JSON.parse(JSON.stringify(s)) as EngineState;
  const at = (k: number) => T0 + k * S + 250_000;

  it('export / restore mid-override or mid-halt continues with the decisions of an engine never restored', () => {
    const events = [
      ...policyCrashEvents(),
      op(at(20), 'tier', { tier: 'stressed' }),
      op(at(60), 'halt'),
      op(at(70), 'halt', { instrument: 'BTC-PERP' }),
      op(at(100), 'resume'),
      op(at(130), 'tier', { tier: 'crisis' }),
      op(at(150), 'resume', { instrument: 'BTC-PERP' }),
      op(at(185), 'halt', { reason: 'crash' }),
      op(at(200), 'tier', { tier: null }),
      op(at(260), 'resume'),
    ].sort((x, y) => x.tsUs - y.tsUs);
    const make = () => new Engine(POLICY_CRASH_CONFIG);
    const reference = make();
    const perEvent = events.map((ev) => reference.handle(ev));
    const finish = reference.finish();
    const all = [...perEvent.flat(), ...finish];
    // all nine controls were accepted and recorded
    expect(rejected(all).filter((c) => c !== 'OUTLIER_PRICE')).toEqual([]);
    const recorded = all.flatMap((d) => {
      if (d.evidence.source !== 'operator') return [];
      if (d.kind === 'tier-change') return [d.to];
      return d.kind === 'circuit-breaker' ? [`${d.instrument}:${d.action}`] : [];
    });
    expect(recorded).toEqual([
      'stressed',
      'venue:halt',
      'BTC-PERP:halt',
      'venue:resume',
      'crisis',
      'BTC-PERP:resume',
      'venue:halt',
      'crisis',
      'venue:resume',
    ]);
    const cuts = [30, 65, 75, 110, 140, 160, 190, 210, 270].map((k) =>
      events.findIndex((ev) => ev.tsUs > at(k)),
    );
    for (const cut of cuts) {
      const a = make();
      for (const ev of events.slice(0, cut)) a.handle(ev);
      const b = make();
      b.restoreState(roundTrip(a.exportState()));
      expect(b.policy?.operatorState).toEqual(a.policy?.operatorState);
      const db: Decision[] = [];
      for (const ev of events.slice(cut)) db.push(...b.handle(ev));
      db.push(...b.finish());
      expect(db).toEqual([...perEvent.slice(cut).flat(), ...finish]);
      expect(b.exportState()).toEqual(reference.exportState());
      expect(b.stateSummary()).toEqual(reference.stateSummary());
    }
  });

  it('the state summary names the controls only while one is in force', () => {
    const e = opened(plain());
    const before = e.stateSummary();
    expect('operator' in before).toBe(false);
    run(e, [op(T + 3 * S, 'halt')]);
    expect(e.stateSummary()).toMatchObject({
      operator: { halted: { venue: { keyId: 'key-ops-1', sinceUs: T + 3 * S } } },
    });
    run(e, [op(T + 4 * S, 'resume')]);
    expect('operator' in e.stateSummary()).toBe(false);
  });
});

describe('governance events name the API key', () => {
  it('keyId, when sent, is in the governance-action evidence', () => {
    const e = policyEngine(
      testPolicy({
        circuitBreaker: undefined,
        governance: {
          currency: 'USD',
          quorumFrac: 0.4,
          majorityFrac: 0.5,
          votingPeriod: '60s',
          timelock: '30s',
          gracePeriod: '1h',
          unstakeCooldown: '120s',
          minProposalShares: '1',
        },
      }),
    );
    const gov = (tsUs: number, keyId?: string): EngineEvent => ({
      kind: 'governance',
      tsUs,
      proposalId: '',
      action: 'stake',
      params: { staker: 'carol', amount: '100' },
      ...(keyId ? { keyId } : {}),
    });
    const ds = run(e, [
      index(T, 100_000),
      deposit(T + 1, 'carol', '1000'),
      gov(T + 2, 'key-gov-7'),
      gov(T + 3),
    ]);
    const [withKey, without] = ofKind(ds, 'governance-action');
    expect(withKey?.evidence.keyId).toBe('key-gov-7');
    expect(without?.evidence).not.toHaveProperty('keyId');
    expect(withKey?.reason).toBe(without?.reason);
  });
});
