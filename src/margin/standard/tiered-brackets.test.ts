import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ratAdd, ratCmp, ratFromNumber, ratMul, ratSub, ratToNumber } from './perp-exact.ts';
import {
  BINANCE_BTCUSDT_BRACKET_SPECS,
  BINANCE_BTCUSDT_BRACKETS,
  type BracketSpec,
  bracketMargin,
  bracketMarginExact,
  bracketTableOrThrow,
  makeBracketTable,
} from './tiered-brackets.ts';

/**
 * Maintenance amounts of BTCUSDT for the 2021-03-18 brackets, as listed in
 * gist.github.com/highfestiva/b71e76f51eed84d56c1be8ebbcc286b5 ("2021-03-26: Reverse-engineer by
 * searching for … cumFastMaintenanceAmount … in features*.js", i.e. read from Binance's web app).
 * Binance's announcement publishes the floors, caps, leverage and MMR; not these amounts.
 */
const PUBLISHED_MAINTENANCE_AMOUNTS_USDT = [
  0, 50, 1_300, 16_300, 266_300, 1_266_300, 2_516_300, 5_016_300, 25_016_300, 100_016_300,
];

const table = BINANCE_BTCUSDT_BRACKETS;

describe('Binance BTCUSDT brackets', () => {
  it('issue example: 100 000 USDT is in the 0.5 % bracket with cum 50, so MM = 100 000 × 0.005 − 50 = 450', () => {
    const r = bracketMargin(table, 100_000);
    expect(r.bracketIndex).toBe(1);
    expect(r.mmrFrac).toBe(0.005);
    expect(r.cumQuote).toBe(50);
    expect(r.mmQuote).toBe(450);
    expect(r.maxLeverage).toBe(100);
    expect(r.imQuote).toBe(1_000); // 100 000 / 100
    expect(r.leverageUsed).toBe(100);
    expect(r.leverageCapped).toBe(false);
    expect(r.aboveLastCap).toBe(false);
  });

  it('computed cums equal the published maintenance amounts', () => {
    expect(table.brackets.map((b) => b.cumQuote)).toEqual(PUBLISHED_MAINTENANCE_AMOUNTS_USDT);
  });

  it('keeps the published rows: floors, caps, leverage, MMR', () => {
    expect(table.brackets.map((b) => [b.notionalCapQuote, b.maxLeverage, b.mmrFrac])).toEqual([
      [50_000, 125, 0.004],
      [250_000, 100, 0.005],
      [1_000_000, 50, 0.01],
      [10_000_000, 20, 0.025],
      [20_000_000, 10, 0.05],
      [50_000_000, 5, 0.1],
      [100_000_000, 4, 0.125],
      [200_000_000, 3, 0.15],
      [300_000_000, 2, 0.25],
      [500_000_000, 1, 0.5],
    ]);
    expect(table.brackets[0]?.imrFrac).toBe(0.008);
  });

  // MM at each cap, hand-computed both ways: N × MMR_k − cum_k = N × MMR_{k+1} − cum_{k+1}.
  const boundaries: Array<[number, number, number]> = [
    // [cap, index of the bracket ending there, MM at the cap]
    [50_000, 0, 200], // 50 000 × 0.004 − 0          = 50 000 × 0.005 − 50
    [250_000, 1, 1_200], // 250 000 × 0.005 − 50        = 250 000 × 0.01 − 1 300
    [1_000_000, 2, 8_700], // 1e6 × 0.01 − 1 300          = 1e6 × 0.025 − 16 300
    [10_000_000, 3, 233_700], // 1e7 × 0.025 − 16 300      = 1e7 × 0.05 − 266 300
    [20_000_000, 4, 733_700], // 2e7 × 0.05 − 266 300      = 2e7 × 0.1 − 1 266 300
    [50_000_000, 5, 3_733_700], // 5e7 × 0.1 − 1 266 300   = 5e7 × 0.125 − 2 516 300
    [100_000_000, 6, 9_983_700], // 1e8 × 0.125 − 2 516 300 = 1e8 × 0.15 − 5 016 300
    [200_000_000, 7, 24_983_700], // 2e8 × 0.15 − 5 016 300 = 2e8 × 0.25 − 25 016 300
    [300_000_000, 8, 49_983_700], // 3e8 × 0.25 − 25 016 300 = 3e8 × 0.5 − 100 016 300
  ];

  it.each(boundaries)('boundary %d: belongs to bracket index %d, MM = %d on both sides', (cap, k, mm) => {
    const at = bracketMargin(table, cap);
    expect(at.bracketIndex).toBe(k);
    expect(at.mmQuote).toBe(mm);
    const next = table.brackets[k + 1]!;
    // the next bracket's formula gives the same MM at its floor (continuity by the cum formula)
    const q = ratFromNumber;
    expect(ratToNumber(ratSub(ratMul(q(cap), q(next.mmrFrac)), q(next.cumQuote)))).toBe(mm);
    // one cent above the cap: next bracket, MM grows by 0.01 × MMR_{k+1} only
    const above = bracketMargin(table, cap + 0.01);
    expect(above.bracketIndex).toBe(k + 1);
    expect(above.mmQuote).toBe(ratToNumber(ratAdd(q(mm), ratMul(q(0.01), q(next.mmrFrac)))));
  });

  it('IM jumps at a boundary (not cumulative): 50 000 at 125x = 400, 50 000.01 at 100x = 500.0001', () => {
    expect(bracketMargin(table, 50_000).imQuote).toBe(400);
    expect(bracketMargin(table, 50_000.01).imQuote).toBe(500.0001);
  });

  it('first and last bracket edges', () => {
    const zero = bracketMargin(table, 0);
    expect(zero.bracketIndex).toBe(0);
    expect(zero.mmQuote).toBe(0);
    expect(zero.imQuote).toBe(0);
    const last = bracketMargin(table, 500_000_000);
    expect(last.bracketIndex).toBe(9);
    expect(last.mmQuote).toBe(149_983_700); // 5e8 × 0.5 − 100 016 300
    expect(last.aboveLastCap).toBe(false);
    const beyond = bracketMargin(table, 600_000_000);
    expect(beyond.bracketIndex).toBe(9);
    expect(beyond.aboveLastCap).toBe(true);
    expect(beyond.mmQuote).toBe(199_983_700);
  });

  it('IM at a chosen leverage; above the bracket maximum it is capped (larger IM) and flagged', () => {
    const at20 = bracketMargin(table, 100_000, { leverage: 20 });
    expect(at20.imQuote).toBe(5_000);
    expect(at20.leverageCapped).toBe(false);
    const at125 = bracketMargin(table, 100_000, { leverage: 125 });
    expect(at125.imQuote).toBe(1_000);
    expect(at125.leverageUsed).toBe(100);
    expect(at125.leverageCapped).toBe(true);
    expect(() => bracketMargin(table, 100_000, { leverage: 0.5 })).toThrow(/leverage/);
  });

  it('refuses a negative or non-finite notional', () => {
    expect(() => bracketMargin(table, -1)).toThrow(/notional/);
    expect(() => bracketMargin(table, Number.NaN)).toThrow(/notional/);
  });
});

describe('bracket margin is exact (no float residue that a ceil would turn into a cent)', () => {
  it('0.07 × 100 is 7, not 7.000000000000001; cum 0.1 + 0.2 style sums stay exact', () => {
    const t = bracketTableOrThrow([
      { notionalFloorQuote: 0, notionalCapQuote: 10, maxLeverage: 10, mmrFrac: 0.01 },
      { notionalFloorQuote: 10, notionalCapQuote: 20, maxLeverage: 10, mmrFrac: 0.03 },
      { notionalFloorQuote: 20, notionalCapQuote: 1_000, maxLeverage: 10, mmrFrac: 0.07 },
    ]);
    expect(0.07 * 100).not.toBe(7); // the float hazard this module avoids
    expect(t.brackets.map((b) => b.cumQuote)).toEqual([0, 0.2, 1]); // 10 × 0.02; 0.2 + 20 × 0.04
    expect(bracketMargin(t, 100).mmQuote).toBe(6); // 100 × 0.07 − 1
  });
});

describe('property: MM is continuous and non-decreasing in notional (fast-check, fixed seed)', () => {
  const capMax = 500_000_000;
  const notional = fc.integer({ min: 0, max: capMax * 100 }).map((c) => c / 100); // cents
  const mmOf = (n: number) => bracketMarginExact(table, ratFromNumber(n)).mm;

  it('non-decreasing: a ≤ b ⇒ MM(a) ≤ MM(b)', () => {
    fc.assert(
      fc.property(notional, notional, (x, y) => {
        const [a, b] = x <= y ? [x, y] : [y, x];
        return ratCmp(mmOf(a), mmOf(b)) <= 0;
      }),
      { seed: 20_210_318, numRuns: 2_000 },
    );
  });

  it('continuous (Lipschitz): 0 ≤ MM(n + d) − MM(n) ≤ d × max MMR, also across boundaries', () => {
    const maxMmr = ratFromNumber(0.5);
    const step = fc.integer({ min: 0, max: 10_000 }).map((c) => c / 100);
    fc.assert(
      fc.property(notional, step, (n, d) => {
        const diff = ratSub(mmOf(ratToNumber(ratAdd(ratFromNumber(n), ratFromNumber(d)))), mmOf(n));
        return diff.num >= 0n && ratCmp(diff, ratMul(ratFromNumber(d), maxMmr)) <= 0;
      }),
      { seed: 42, numRuns: 2_000 },
    );
  });

  it('exactly continuous at every cap: left and right formulas agree', () => {
    for (let k = 0; k + 1 < table.brackets.length; k++) {
      const b = table.brackets[k]!;
      const next = table.brackets[k + 1]!;
      const cap = ratFromNumber(b.notionalCapQuote);
      const mmLeft = bracketMarginExact(table, cap).mm; // bracket k holds its cap
      const mmRightFormula = ratSub(ratMul(cap, ratFromNumber(next.mmrFrac)), ratFromNumber(next.cumQuote));
      expect(ratCmp(mmLeft, mmRightFormula)).toBe(0);
    }
  });

  it('holds for random valid tables too', () => {
    const tableArb = fc
      .array(
        fc.record({
          width: fc.integer({ min: 1, max: 1_000_000 }),
          mmrStepBps: fc.integer({ min: 0, max: 300 }),
          levDrop: fc.integer({ min: 0, max: 5 }),
        }),
        { minLength: 1, maxLength: 8 },
      )
      .map((rows) => {
        const specs: BracketSpec[] = [];
        let floor = 0;
        let mmrBps = 10;
        let lev = 60;
        for (const r of rows) {
          mmrBps = Math.min(mmrBps + r.mmrStepBps, 5_000);
          lev = Math.max(1, Math.min(lev - r.levDrop, Math.floor(10_000 / mmrBps)));
          specs.push({
            notionalFloorQuote: floor,
            notionalCapQuote: floor + r.width,
            maxLeverage: lev,
            mmrFrac: mmrBps / 10_000,
          });
          floor += r.width;
        }
        return bracketTableOrThrow(specs);
      });
    fc.assert(
      fc.property(
        tableArb,
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        fc.double({ min: 0, max: 1e5, noNaN: true }),
        (t, n, d) => {
          const nq = ratFromNumber(n);
          const dq = ratFromNumber(d);
          const a = bracketMarginExact(t, nq).mm;
          const b = bracketMarginExact(t, ratAdd(nq, dq)).mm;
          const diff = ratSub(b, a);
          return diff.num >= 0n && ratCmp(diff, ratMul(dq, ratFromNumber(0.5))) <= 0;
        },
      ),
      { seed: 7, numRuns: 500 },
    );
  });
});

describe('makeBracketTable refuses bad tables, naming the bracket', () => {
  const good = BINANCE_BTCUSDT_BRACKET_SPECS;
  const withRow = (i: number, patch: Partial<BracketSpec>): BracketSpec[] =>
    good.map((b, j) => (j === i ? ({ ...b, ...patch } as BracketSpec) : b));
  const refused = (specs: readonly BracketSpec[]) => {
    const r = makeBracketTable(specs);
    if (r.ok) throw new Error('expected a refusal');
    return r.error;
  };

  it('accepts the preset', () => {
    expect(makeBracketTable(good).ok).toBe(true);
  });

  it.each([
    ['EMPTY_TABLE', [] as BracketSpec[], -1],
    ['FIRST_FLOOR_NOT_ZERO', withRow(0, { notionalFloorQuote: 1 }), 0],
    ['NOT_CONTIGUOUS', withRow(3, { notionalFloorQuote: 999_999 }), 3],
    ['CAP_NOT_ABOVE_FLOOR', withRow(9, { notionalCapQuote: 300_000_000 }), 9],
    ['UNBOUNDED_CAP_NOT_LAST', withRow(4, { notionalCapQuote: Number.POSITIVE_INFINITY }), 4],
    ['NOT_FINITE', withRow(2, { mmrFrac: Number.NaN }), 2],
    ['IM_SPEC', withRow(5, { imrFrac: 0.2 }), 5],
    ['LEVERAGE_OUT_OF_RANGE', withRow(9, { maxLeverage: 0.5 }), 9],
    ['MMR_OUT_OF_RANGE', withRow(0, { mmrFrac: -0.001 }), 0],
    ['MMR_ABOVE_IMR', withRow(1, { mmrFrac: 0.02 }), 1],
    ['MMR_DECREASING', withRow(6, { mmrFrac: 0.09 }), 6],
    ['IMR_DECREASING', withRow(1, { maxLeverage: 150 }), 1],
  ] as const)('%s', (code, specs, index) => {
    const e = refused(specs);
    expect(e.code).toBe(code);
    expect(e.bracketIndex).toBe(index);
    if (index >= 0) expect(e.message).toContain(`bracket ${index + 1} (index ${index})`);
  });

  it('IMR_OUT_OF_RANGE for an imrFrac table', () => {
    const e = refused([{ notionalFloorQuote: 0, notionalCapQuote: 10, imrFrac: 1.5, mmrFrac: 0.1 }]);
    expect(e.code).toBe('IMR_OUT_OF_RANGE');
  });

  it('accepts IMR instead of leverage and an unbounded last cap', () => {
    const t = bracketTableOrThrow([
      { notionalFloorQuote: 0, notionalCapQuote: 1_000, imrFrac: 0.02, mmrFrac: 0.01 },
      {
        notionalFloorQuote: 1_000,
        notionalCapQuote: Number.POSITIVE_INFINITY,
        imrFrac: 0.333,
        mmrFrac: 0.15,
      },
    ]);
    expect(t.brackets[1]?.cumQuote).toBe(140); // 1 000 × (0.15 − 0.01)
    expect(t.brackets[1]?.maxLeverage).toBeCloseTo(3.003003, 6);
    const r = bracketMargin(t, 1e12);
    expect(r.aboveLastCap).toBe(false);
    expect(r.mmQuote).toBe(1e12 * 0.15 - 140);
  });
});
