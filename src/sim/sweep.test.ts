import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BackstopError } from '../core/errors.ts';
import type { BarEvent } from '../domain/events.ts';
import { policyFromData } from '../io/policy/load-policy.ts';
import type { PolicyFile } from '../io/policy/policy-schema.ts';
import { POLICY_PRESETS } from '../io/policy/presets.ts';
import { runBacktest } from './backtest.ts';
import { DEFAULT_IMPACT } from './impact.ts';
import { paretoFront } from './pareto.ts';
import { DEFAULT_POPULATION } from './population.ts';
import { applyParams, gridPolicies, parseGrid, readPolicyData, sweepBars, sweepObjectives } from './sweep.ts';
import { BTC_SYNTHETIC_BOOK } from './synthetic-book.ts';
import { barsAlong } from './test-bars.ts';

const T0 = Date.UTC(2026, 0, 1) * 1000;
const _MIN = 60_000_000;

/** 60 one-minute bars: flat at 100 000 for 15, a 30 % fall over 15, then a slow partial recovery. */
const crashBars = (): BarEvent[] =>
  barsAlong(
    (k) =>
      k < 15 ? 100_000 : k < 30 ? 100_000 - (30_000 * (k - 14)) / 15 : 70_000 + (30_000 * (k - 29)) / 90,
    60,
    T0,
  );

const NONE = POLICY_PRESETS.none as PolicyFile;
/** Policy-shaped data for the grid parser (which does not validate), independent of the presets. */
const DATA = {
  name: 'fixture',
  tiers: {
    minDwell: '60s',
    watch: {
      enter: {
        any: [
          { metric: 'stress', above: 2 },
          { metric: 'marginCallShare', above: 0.05 },
        ],
      },
    },
  },
  liquidation: {
    stages: { adl: true },
    book: { feeFrac: 0.01, priceBandFrac: 0.01 },
    funds: { USDC: { opening: '1000000' } },
  },
};
const ACCOUNTS = 100;
const SEED = 4;

/** The `none` preset with the two swept fields set by hand (not through applyParams). */
function noneWith(book: boolean, feeFrac: number): PolicyFile {
  const l = NONE.liquidation as NonNullable<PolicyFile['liquidation']>;
  return {
    ...NONE,
    liquidation: {
      ...l,
      stages: { ...(l.stages as NonNullable<typeof l.stages>), bookLiquidation: book },
      book: { ...(l.book as NonNullable<typeof l.book>), feeFrac },
    },
  };
}

const errorOf = (f: () => unknown): BackstopError => {
  try {
    f();
  } catch (e) {
    return e as BackstopError;
  }
  throw new Error('expected a throw');
};

describe('sweep over a 2 × 2 grid on a synthetic crash', () => {
  it('runs every assignment, each equal to a direct run of that policy; pareto flags match the front', async () => {
    const bars = crashBars();
    const progress: [number, number, string][] = [];
    const r = await sweepBars(
      {
        policyData: NONE,
        policyFile: 'none.yaml',
        grid: 'liquidation.stages.bookLiquidation=true,false; liquidation.book.feeFrac=0,0.01',
        accounts: ACCOUNTS,
        seed: SEED,
        impact: true,
        depthScale: 1, // the fitted book as is, as in the direct runs below
        onProgress: (done, total, label) => progress.push([done, total, label]),
      },
      bars,
    );
    expect(r.grid).toEqual([
      { path: 'liquidation.stages.bookLiquidation', values: [true, false] },
      { path: 'liquidation.book.feeFrac', values: [0, 0.01] },
    ]);
    // first path slowest
    const expected: [boolean, number][] = [
      [true, 0],
      [true, 0.01],
      [false, 0],
      [false, 0.01],
    ];
    expect(r.points.map((p) => p.params)).toEqual(
      expected.map(([b, f]) => ({ 'liquidation.stages.bookLiquidation': b, 'liquidation.book.feeFrac': f })),
    );
    const labels = expected.map(
      ([b, f]) => `liquidation.stages.bookLiquidation=${b}; liquidation.book.feeFrac=${f}`,
    );
    expect(progress).toEqual([[0, 4, ''], ...labels.map((l, i) => [i + 1, 4, l])]);

    // second method: the same policy built by hand, run through runBacktest with a hand-made config
    for (const [i, [book, fee]] of expected.entries()) {
      const direct = runBacktest({
        policyName: labels[i] as string,
        policy: policyFromData(noneWith(book, fee), 'by hand'),
        population: { ...DEFAULT_POPULATION, accounts: ACCOUNTS, seed: SEED },
        impact: DEFAULT_IMPACT,
        book: BTC_SYNTHETIC_BOOK,
        bars,
      }).outcome;
      const { params: _p, pareto: _f, ...outcome } = r.points[i] as (typeof r.points)[number];
      expect(outcome).toEqual(direct);
    }

    const [bookFee0, bookFee1, noBook0, noBook1] = r.points;
    // the crash liquidates when book liquidation is on; with it off (and no provider stage in
    // `none`) no account can have a filled step or a takeover, so the count is 0 by definition
    expect(bookFee0?.liquidations).toBeGreaterThan(0);
    expect(bookFee1?.liquidations).toBeGreaterThan(0);
    // the fee comes out of what the liquidated account has left, so more of its loss lands beyond it
    expect(bookFee1?.badDebt).toBeGreaterThan(bookFee0?.badDebt as number);
    expect(noBook0?.liquidations).toBe(0);
    expect(noBook1?.liquidations).toBe(0);
    // nothing closes a bankrupt position without the book stage, so no loss is realized: its bad
    // debt is 0 but the open deficit is larger than what the book points realize, so the cheaper
    // book point (no fee) alone is on the front
    expect(noBook0?.badDebt).toBe(0);
    expect(noBook0?.openDeficit).toBeGreaterThan(bookFee1?.badDebt as number);
    expect(bookFee0?.openDeficit).toBe(0);
    expect(bookFee0?.badDebt).toBeLessThan(bookFee1?.badDebt as number);
    expect(r.front).toEqual([0]);
    const front = paretoFront(r.points.map(sweepObjectives));
    expect(r.points.map((p) => p.pareto)).toEqual(r.points.map((_, i) => front.includes(i)));
    expect(r.points.every((p) => p.conservationOk && p.auditOk)).toBe(true);
  }, 30_000);
});

describe('a run that throws', () => {
  it('names the point, keeps the error as its cause', async () => {
    const one = crashBars().slice(0, 1); // runBacktest refuses fewer than two bars
    const cfg = { policyData: NONE, policyFile: 'none.yaml', grid: 'liquidation.book.feeFrac=0,0.01' };
    const e = await sweepBars({ ...cfg, accounts: 5, seed: 1, impact: false, depthScale: 1 }, one).then(
      () => null,
      (x: unknown) => x as Error,
    );
    expect(e?.message).toBe('sweep point 0 (liquidation.book.feeFrac=0): a backtest needs at least two bars');
    expect(e?.cause).toBeInstanceOf(RangeError);
  });
});

describe('parseGrid', () => {
  it('types values: numbers, booleans, strings; array indices; a string field keeps its text', () => {
    const g = parseGrid(
      'tiers.watch.enter.any.0.above=1.5,2,2.5;liquidation.stages.adl=true,false;tiers.minDwell=60s,2m;liquidation.funds.USDC.opening=0,1000000',
      DATA,
    );
    expect(g).toEqual([
      { path: 'tiers.watch.enter.any.0.above', values: [1.5, 2, 2.5] },
      { path: 'liquidation.stages.adl', values: [true, false] },
      { path: 'tiers.minDwell', values: ['60s', '2m'] },
      // the fund opening is a decimal string in the policy format: "0", not 0
      { path: 'liquidation.funds.USDC.opening', values: ['0', '1000000'] },
    ]);
  });

  it('applyParams sets array elements on a deep copy and leaves the data alone', () => {
    const before = JSON.stringify(DATA);
    const out = applyParams(DATA, { 'tiers.watch.enter.any.1.above': 0.07 }) as typeof DATA;
    expect(out.tiers.watch.enter).toEqual({
      any: [
        { metric: 'stress', above: 2 },
        { metric: 'marginCallShare', above: 0.07 },
      ],
    });
    expect(JSON.stringify(DATA)).toBe(before);
  });

  it('refuses bad grids with a BAD_ARGUMENT naming the path or the entry', () => {
    const cases: [string, RegExp][] = [
      ['liquidation.book.nope=1', /liquidation\.book\.nope does not exist .*liquidation\.book has no "nope"/],
      ['tiers.watch.enter.any.2.above=1', /tiers\.watch\.enter\.any\.2\.above does not exist .*list of 2/],
      ['liquidation.book.feeFrac.x=1', /liquidation\.book\.feeFrac is a value/],
      ['liquidation.book.feeFrac=', /liquidation\.book\.feeFrac has an empty value list/],
      ['liquidation.book.feeFrac=0,,1', /liquidation\.book\.feeFrac has an empty value/],
      ['liquidation.book.feeFrac=0,0', /liquidation\.book\.feeFrac lists the value 0 twice/],
      ['liquidation.book.feeFrac=0;liquidation.book.feeFrac=1', /liquidation\.book\.feeFrac appears twice/],
      [
        'liquidation.book=1;liquidation.book.feeFrac=1',
        /liquidation\.book\.feeFrac overlaps liquidation\.book/,
      ],
      ['liquidation.book.feeFrac', /malformed entry "liquidation\.book\.feeFrac": expected path=v1,v2/],
      ['liquidation..feeFrac=1', /malformed path "liquidation\.\.feeFrac"/],
      ['=1', /no path before '='/],
      ['liquidation.book.feeFrac=0;', /empty entry/],
      ['', /grid: empty/],
    ];
    for (const [spec, re] of cases) {
      const e = errorOf(() => parseGrid(spec, DATA));
      expect(e, spec).toBeInstanceOf(BackstopError);
      expect(e.code, spec).toBe('BAD_ARGUMENT');
      expect(e.message, spec).toMatch(re);
    }
  });

  it('an invalid value fails in the loader, with its message and the point label', () => {
    const e = errorOf(() =>
      gridPolicies({ policyData: NONE, policyFile: 'none.yaml', grid: 'liquidation.book.feeFrac=0.01,2' }),
    );
    expect(e.code).toBe('BAD_FIELD');
    expect(e.message).toBe(
      'none.yaml [liquidation.book.feeFrac=2]: policy liquidation.book.feeFrac: must be <= 1',
    );
  });

  it('caps the grid size', () => {
    const steps = (n: number, step: number) => Array.from({ length: n }, (_, i) => (i + 1) * step).join(',');
    const spec = `liquidation.book.feeFrac=0,${steps(10, 0.1)};liquidation.book.priceBandFrac=${steps(10, 0.01)};liquidation.book.maxFractionPerStep=${steps(10, 0.1)}`;
    const e = errorOf(() => gridPolicies({ policyData: NONE, policyFile: 'none.yaml', grid: spec }));
    expect(e.code).toBe('BAD_ARGUMENT');
    expect(e.message).toMatch(/11 × 10 × 10 = 1100 points; a sweep runs at most 1000/);
    // the same grid under a larger cap is built (every point validated)
    expect(
      gridPolicies({ policyData: NONE, policyFile: 'none.yaml', grid: spec, maxPoints: 1100 }).points,
    ).toHaveLength(1100);
  });
});

describe('readPolicyData', () => {
  it('a preset gives its own data; a YAML file gives the data as written; others are refused', () => {
    expect(readPolicyData('none')).toEqual({ data: NONE, file: 'preset none' });
    const dir = mkdtempSync(join(tmpdir(), 'backstop-sweep-'));
    const file = join(dir, 'p.yaml');
    writeFileSync(file, stringify(NONE));
    expect(readPolicyData(file)).toEqual({ data: NONE, file });
    expect(errorOf(() => readPolicyData('ftx')).message).toMatch(/unknown policy "ftx"/);
    // a broken file fails in the loader first, as `policy validate` would report it
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, stringify({ ...NONE, liquidation: { ...NONE.liquidation, bogus: 1 } }));
    expect(errorOf(() => readPolicyData(broken)).message).toBe(
      `${broken}: policy liquidation.bogus: unknown field bogus`,
    );
  });
});
