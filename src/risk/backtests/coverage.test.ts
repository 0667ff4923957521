import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BackstopError } from '../../core/errors.ts';
import { backtestVar } from './backtest-var.ts';
import {
  binomialTest,
  christoffersen,
  exceptions,
  kupiecPof,
  kupiecTuff,
  trafficLight,
  transitionCounts,
} from './coverage.ts';

/** |actual − printed| ≤ half a unit in the printed value's last decimal. */
function expectPrinted(actual: number, printed: number): void {
  const text = String(printed);
  const decimals = text.includes('.') ? (text.split('.')[1] as string).length : 0;
  expect(Math.abs(actual - printed)).toBeLessThanOrEqual(0.5 * 10 ** -decimals + 1e-12);
}

function expectBadArgument(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BackstopError);
    expect((e as BackstopError).code).toBe('BAD_ARGUMENT');
    return;
  }
  expect.unreachable('expected a BAD_ARGUMENT error');
}

const bits = (s: string): boolean[] => [...s].map((c) => c === '1');

/** Realized returns that give exactly `hits` against a flat 2 % VaR. */
function seriesFor(hits: readonly boolean[]): { var: number[]; realized: number[] } {
  return { var: hits.map(() => 0.02), realized: hits.map((h) => (h ? -0.03 : 0.01)) };
}

interface MatlabReference {
  inputs: {
    observations: number;
    failures: number;
    var_level: number;
    failure_probability_p: number;
    first_failure_index_1based: number;
    transition_counts: { N00: number; N10: number; N01: number; N11: number };
  };
  tests: Array<Record<string, number | string>>;
}

const reference = JSON.parse(
  readFileSync(
    new URL(
      // a copy of ../shared/data/reference-vectors/… (test/fixtures/risk/PROVENANCE.md)
      '../../../test/fixtures/risk/var_backtest_matlab_normal95_coverage.json',
      import.meta.url,
    ),
    'utf8',
  ),
) as MatlabReference;

function referenceTest(prefix: string): Record<string, number | string> {
  const t = reference.tests.find((x) => String(x.test).startsWith(prefix));
  if (t === undefined) throw new Error(`no reference test ${prefix}`);
  return t;
}

/**
 * A deterministic exception sequence with MATLAB's VaRBacktestData Normal95 statistics: N = 1043,
 * 57 exceptions, the first on day 58, and N00/N10/N01/N11 = 932/53/53/4. Days 1–57 are quiet; then
 * 53 clusters start every 18 days from day 58 (0-based 57), the first four of length 2 and the
 * other 49 of length 1: 4·2 + 49 = 57 exceptions, 53 entries (0→1) and 53 exits (1→0; the last
 * cluster, at 0-based 993, ends long before day 1043), 4 repeats (1→1), and the remaining
 * 1042 − 53 − 53 − 4 = 932 pairs are 0→0.
 */
function matlabSequence(): boolean[] {
  const hits = new Array<boolean>(1043).fill(false);
  for (let k = 0; k < 53; k++) {
    const start = 57 + 18 * k;
    hits[start] = true;
    if (k < 4) hits[start + 1] = true;
  }
  return hits;
}

describe('MATLAB varbacktest reference (EquityIndex, Normal95: N = 1043, x = 57)', () => {
  const hits = matlabSequence();
  const { var: v, realized } = seriesFor(hits);
  const result = backtestVar({ var: v, realized, confidence: reference.inputs.var_level });

  it('the constructed sequence has the reference counts', () => {
    const inputs = reference.inputs;
    expect(hits.length).toBe(inputs.observations);
    expect(hits.filter((h) => h).length).toBe(inputs.failures);
    expect(hits.indexOf(true) + 1).toBe(inputs.first_failure_index_1based);
    const c = transitionCounts(hits);
    const t = inputs.transition_counts;
    expect([c.n00, c.n10, c.n01, c.n11]).toEqual([t.N00, t.N10, t.N01, t.N11]);
    expect(exceptions(v, realized)).toEqual(hits);
  });

  it('summary: ObservedLevel, Expected, Ratio, FirstFailure', () => {
    const s = referenceTest('summary');
    expect(result.observations).toBe(1043);
    expect(result.exceptions).toBe(57);
    expectPrinted(result.observedLevel, s.ObservedLevel as number); // 0.94535
    expectPrinted(result.expectedExceptions, s.Expected as number); // 52.15
    expectPrinted(result.ratio, s.Ratio as number); // 1.093
    expect(result.kupiecTuff.firstFailure).toBe(s.FirstFailure);
  });

  it('pof: LRatioPOF 0.46147, PValuePOF 0.49694', () => {
    const t = referenceTest('pof');
    expectPrinted(result.kupiecPof.lr, t.LRatioPOF as number);
    expectPrinted(result.kupiecPof.pValue, t.PValuePOF as number);
    expect(t.PValuePOF as number).toBeGreaterThan(1 - (t.test_level as number)); // "accept" at 99 %
  });

  it('bin: ZScoreBin 0.68905, PValueBin 0.49079', () => {
    const t = referenceTest('bin');
    expectPrinted(result.binomial.z, t.ZScoreBin as number);
    expectPrinted(result.binomial.pValue, t.PValueBin as number);
  });

  it('tl: green, Probability 0.77913, TypeI 0.26396', () => {
    const t = referenceTest('tl');
    expect(result.trafficLight.zone).toBe(t.TL);
    expectPrinted(result.trafficLight.cumulativeProbability, t.Probability as number);
    expectPrinted(result.trafficLight.typeI, t.TypeI as number);
  });

  it('tuff, cci and cc as printed in the MATLAB docs for the same data', () => {
    // mathworks.com/help/risk/varbacktest.tuff.html: LRatioTUFF 1.7354, PValueTUFF 0.18773, FirstFailure 58.
    expectPrinted(result.kupiecTuff.lr, 1.7354);
    expectPrinted(result.kupiecTuff.pValue, 0.18773);
    // varbacktest.cci.html: LRatioCCI 0.25866, PValueCCI 0.61104 (N00 932, N10 53, N01 53, N11 4).
    expectPrinted(result.christoffersen.lrInd, 0.25866);
    expectPrinted(result.christoffersen.pInd, 0.61104);
    // varbacktest.cc.html: LRatioCC 0.72013, PValueCC 0.69763 (= POF 0.46147 + CCI 0.25866).
    expectPrinted(result.christoffersen.lrCc, 0.72013);
    expectPrinted(result.christoffersen.pCc, 0.69763);
    expect(result.christoffersen).toMatchObject({ n00: 932, n10: 53, n01: 53, n11: 4 });
  });

  it('the component functions agree with backtestVar', () => {
    expect(kupiecPof(1043, 57, 0.05).lr).toBeCloseTo(result.kupiecPof.lr, 12);
    expect(binomialTest(1043, 57, 0.05).z).toBeCloseTo(result.binomial.z, 12);
    expect(trafficLight(1043, 57, 0.05).zone).toBe('green');
    expect('esTest' in result).toBe(false);
  });
});

describe('exceptions', () => {
  it('flags a loss strictly above the VaR', () => {
    expect(exceptions([0.02, 0.02, 0.02, 0.02], [-0.03, -0.02, 0.05, -0.0200001])).toEqual([
      true,
      false,
      false,
      true,
    ]);
  });

  it('rejects mismatched lengths and non-finite values', () => {
    expectBadArgument(() => exceptions([0.1], [0.1, 0.2]));
    expectBadArgument(() => exceptions([Number.NaN], [0.1]));
    expectBadArgument(() => exceptions([0.1], [Number.POSITIVE_INFINITY]));
  });
});

describe('Kupiec tests by hand', () => {
  it('POF on N = 8, x = 3, p = 0.1', () => {
    // −2[5 ln 0.9 + 3 ln 0.1] + 2[5 ln(5/8) + 3 ln(3/8)] = 4.284103904014822
    const t = kupiecPof(8, 3, 0.1);
    expect(t.lr).toBeCloseTo(4.284103904014822, 12);
    // χ²₁ tail = 2Φ(−√lr) — here ≈ 0.0385
    expect(t.pValue).toBeCloseTo(0.03847, 5);
  });

  it('POF edge cases x = 0 and x = N (0·ln 0 = 0)', () => {
    // x = 0: only the null term survives, −2N ln(1−p).
    expect(kupiecPof(250, 0, 0.01).lr).toBeCloseTo(-2 * 250 * Math.log(0.99), 12);
    // x = N: −2N ln p.
    expect(kupiecPof(5, 5, 0.05).lr).toBeCloseTo(-2 * 5 * Math.log(0.05), 12);
    // x/N = p: LR = 0, p-value 1.
    expect(kupiecPof(100, 5, 0.05)).toEqual({ lr: 0, pValue: 1 });
  });

  it('TUFF: first failure, first-day failure, and no failure (n = N + 1)', () => {
    const p = 0.05;
    // n = 20: −2[ln p + 19 ln(1−p)] + 2[ln(1/20) + 19 ln(19/20)]
    const t = kupiecTuff(bits('00000000000000000001000'), p);
    expect(t.firstFailure).toBe(20);
    expect(t.lr).toBeCloseTo(
      -2 * (Math.log(p) + 19 * Math.log(1 - p)) + 2 * (Math.log(1 / 20) + 19 * Math.log(19 / 20)),
      12,
    );
    // n = 1: the alternative likelihood is (1/1)·0⁰ = 1, LR = −2 ln p.
    const first = kupiecTuff(bits('1000'), p);
    expect(first.firstFailure).toBe(1);
    expect(first.lr).toBeCloseTo(-2 * Math.log(p), 12);
    // None in N = 10: n = 11.
    const none = kupiecTuff(bits('0000000000'), p);
    expect(none.firstFailure).toBeNull();
    expect(none.lr).toBeCloseTo(
      -2 * (Math.log(p) + 10 * Math.log(1 - p)) + 2 * (Math.log(1 / 11) + 10 * Math.log(10 / 11)),
      12,
    );
  });
});

describe('Christoffersen by hand', () => {
  it('a tiny sequence 01101000, p = 0.1', () => {
    // Pairs: 01 11 10 01 10 00 00 → n00 = 2, n01 = 2, n10 = 2, n11 = 1.
    // π01 = 2/4, π11 = 1/3, π = 3/7.
    // LRind = −2[4 ln(4/7) + 3 ln(3/7)] + 2[2 ln ½ + 2 ln ½ + 2 ln(2/3) + ln(1/3)] = 0.1964510115581639
    // LRpof (N = 8, x = 3) = 4.284103904014822; LRcc = 4.480554915572986, P[χ²₂ > LRcc] = e^(−LRcc/2).
    const c = christoffersen(bits('01101000'), 0.1);
    expect(c).toMatchObject({ n00: 2, n01: 2, n10: 2, n11: 1 });
    expect(c.lrInd).toBeCloseTo(0.1964510115581639, 13);
    expect(c.pInd).toBeCloseTo(0.6576008676133727, 12);
    expect(c.lrCc).toBeCloseTo(4.480554915572986, 12);
    expect(c.pCc).toBeCloseTo(Math.exp(-4.480554915572986 / 2), 13);
  });

  it('no exceptions: LRind = 0, LRcc = LRpof', () => {
    const c = christoffersen(bits('0000000000'), 0.05);
    expect(c).toMatchObject({ n00: 9, n01: 0, n10: 0, n11: 0, lrInd: 0, pInd: 1 });
    expect(c.lrCc).toBeCloseTo(-2 * 10 * Math.log(0.95), 12);
    expect(c.pCc).toBeCloseTo(Math.exp(-c.lrCc / 2), 14);
  });

  it('all exceptions: LRind = 0, LRcc = −2N ln p', () => {
    const c = christoffersen(bits('11111'), 0.05);
    expect(c).toMatchObject({ n00: 0, n01: 0, n10: 0, n11: 4, lrInd: 0, pInd: 1 });
    expect(c.lrCc).toBeCloseTo(-2 * 5 * Math.log(0.05), 12);
  });

  it('no consecutive exceptions (n11 = 0): π11 = 0 and its terms vanish', () => {
    // 01010010: n00 = 1, n01 = 3, n10 = 3, n11 = 0; π01 = 3/4, π = 3/7.
    // LRind = −2[4 ln(4/7) + 3 ln(3/7)] + 2[ln(1/4) + 3 ln(3/4)] = 5.062032308856137
    const c = christoffersen(bits('01010010'), 0.1);
    expect(c).toMatchObject({ n00: 1, n01: 3, n10: 3, n11: 0 });
    expect(c.lrInd).toBeCloseTo(5.062032308856137, 12);
  });

  it('an empty transition row contributes nothing', () => {
    // Exception only on the last day: row 1 (n10 + n11) is empty, π01 = π = 1/3 → LRind = 0.
    expect(christoffersen(bits('0001'), 0.1)).toMatchObject({ n00: 2, n01: 1, n10: 0, n11: 0, lrInd: 0 });
    // Exception only on the first day: π11 = 0 = π (n01 + n11 = 0) → LRind = 0.
    expect(christoffersen(bits('1000'), 0.1)).toMatchObject({ n00: 2, n01: 0, n10: 1, n11: 0, lrInd: 0 });
    // Row 0 empty (n00 + n01 = 0): 1110 → π11 = π = 2/3 → LRind = 0.
    expect(christoffersen(bits('1110'), 0.1)).toMatchObject({ n00: 0, n01: 0, n10: 1, n11: 2, lrInd: 0 });
    // One observation: no pairs.
    expect(christoffersen(bits('1'), 0.1)).toMatchObject({
      n00: 0,
      n01: 0,
      n10: 0,
      n11: 0,
      lrInd: 0,
      pInd: 1,
    });
  });
});

describe('binomial z-test', () => {
  it('N = 100, p = 5 %, x = 10', () => {
    // z = (10 − 5)/√(100·0.05·0.95) = 5/√4.75 = 2.2941573387056176; p = 2Φ(−z) = 0.0217814627911195
    const t = binomialTest(100, 10, 0.05);
    expect(t.z).toBeCloseTo(2.2941573387056176, 13);
    expect(t.pValue).toBeCloseTo(0.0217814627911195, 13);
    expect(binomialTest(100, 0, 0.05).z).toBeCloseTo(-2.2941573387056176, 13);
  });
});

describe('traffic light', () => {
  it('reproduces the Basel Committee table (N = 250, 99 % VaR)', () => {
    // Basel Committee (1996), "Supervisory framework for the use of backtesting…", Table 2:
    // cumulative probability (%) for 0…10 exceptions, and Table 1's type I error (%).
    const cumulative = [8.11, 28.58, 54.32, 75.81, 89.22, 95.88, 98.63, 99.6, 99.89, 99.97, 99.99];
    const typeI = [100, 91.9, 71.4, 45.7, 24.2, 10.8, 4.1, 1.4, 0.4, 0.1, 0.0];
    const zones = [
      'green',
      'green',
      'green',
      'green',
      'green',
      'yellow',
      'yellow',
      'yellow',
      'yellow',
      'yellow',
      'red',
    ];
    for (let x = 0; x <= 10; x++) {
      const t = trafficLight(250, x, 0.01);
      expectPrinted(100 * t.cumulativeProbability, cumulative[x] as number);
      expectPrinted(100 * t.typeI, typeI[x] as number);
      expect(t.zone).toBe(zones[x]);
    }
    expect(trafficLight(250, 30, 0.01).zone).toBe('red');
  });

  it('typeI is accurate far in the tail (no 1 − cdf cancellation)', () => {
    // P[X ≥ N] = p^N: 1e−40 for N = 20, p = 1 % (1 − P[X ≤ 19] would give 0).
    const t2 = trafficLight(20, 20, 0.01);
    expect(t2.typeI).toBeCloseTo(1e-40, 52);
    expect(Math.abs(t2.typeI / 1e-40 - 1)).toBeLessThan(1e-12);
  });
});

describe('backtestVar input checks', () => {
  it('rejects bad confidence, empty and mismatched series', () => {
    expectBadArgument(() => backtestVar({ var: [0.1], realized: [0], confidence: 1 }));
    expectBadArgument(() => backtestVar({ var: [0.1], realized: [0], confidence: 0 }));
    expectBadArgument(() => backtestVar({ var: [0.1], realized: [0], confidence: Number.NaN }));
    expectBadArgument(() => backtestVar({ var: [], realized: [], confidence: 0.99 }));
    expectBadArgument(() => backtestVar({ var: [0.1, 0.1], realized: [0], confidence: 0.99 }));
  });

  it('a one-day window works (no transition pairs)', () => {
    const r = backtestVar({ var: [0.01], realized: [-0.02], confidence: 0.99 });
    expect(r.exceptions).toBe(1);
    expect(r.kupiecTuff.firstFailure).toBe(1);
    expect(r.christoffersen.lrInd).toBe(0);
    expect(r.kupiecPof.lr).toBeCloseTo(-2 * Math.log(0.01), 10);
  });
});
