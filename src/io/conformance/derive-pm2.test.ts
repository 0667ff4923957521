import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_SHARED, SHARED_DIR, SHARED_MISSING } from '../../../test/shared-data.ts';
import { isBackstopError } from '../../core/errors.ts';
import { derivePm2Margin } from '../../margin/portfolio/derive-pm2.ts';
import {
  DERIVE_PM2_TOLERANCE,
  type DerivePm2Case,
  derivePm2CaseFiles,
  derivePm2Suite,
  readDerivePm2Case,
} from './derive-pm2.ts';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/conformance/derive-pm2/', import.meta.url));
const SHARED_CASES = join(SHARED_DIR, 'conformance', 'derive-pm2');

/** Relative error, absolute below `floor` (the README: P&Ls with |x| < 1e-4 compare absolutely). */
function err(actual: number, expected: number, floor = 1e-4): number {
  const d = Math.abs(actual - expected);
  return Math.abs(expected) < floor ? d : d / Math.abs(expected);
}

/**
 * The intermediates the README says the model reproduces: every row's P&L, OptionMTMPerExpiry and
 * its discounted value, the [long, short] static discounts, PortfolioMTM, ForwardContingency, the
 * regular / tail split of the rows and the binding family. Returns the largest error.
 */
function checkIntermediates(c: DerivePm2Case): number {
  const out = derivePm2Margin(c.portfolio, c.params);
  const e = c.expected;
  let worst = 0;
  const cmp = (actual: number | undefined, expected: number, what: string): void => {
    expect(actual, `${c.name}: ${what}`).toBeDefined();
    const x = err(actual as number, expected);
    expect(x, `${c.name}: ${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-9);
    worst = Math.max(worst, x);
  };
  expect(e.rowPnl, `${c.name}: reg/tail/skew losses`).not.toBeNull();
  expect(out.scenarioPnl.length).toBe(e.rowPnl!.length);
  e.rowPnl!.forEach((v, i) => {
    // A skew row with SpotShock ≠ 1 may not be reproducible (README step 4): IM/MM still are.
    const row = c.params.scenarios[i]!;
    if (row.family === 'skew' && row.spotShock !== 1) return;
    cmp(out.scenarioPnl[i], v, `row ${i}`);
  });
  expect(c.params.scenarios.filter((s) => s.family === 'regular').length).toBe(e.regularRows);
  expect(c.params.scenarios.filter((s) => s.family === 'tail').length).toBe(e.tailRows);
  expect(out.perExpiry.length).toBe(e.optionMtmPerExpiry!.length);
  e.optionMtmPerExpiry!.forEach((v, i) => {
    cmp(out.perExpiry[i]?.mtm, v, `OptionMTMPerExpiry[${i}]`);
  });
  e.optionMtmPerExpiryDiscounted!.forEach((v, i) => {
    cmp(out.perExpiry[i]?.mtmDiscounted, v, `OptionMTMPerExpiryDiscounted[${i}]`);
  });
  e.discountFactors!.forEach(([long, short], i) => {
    if (out.perExpiry[i]!.timeYears === 0) return; // expired: the files report 1 for L (README step 2)
    cmp(out.perExpiry[i]?.staticDiscountLong, long, `discount_factors[${i}][0]`);
    cmp(out.perExpiry[i]?.staticDiscountShort, short, `discount_factors[${i}][1]`);
  });
  cmp(out.mtm, e.portfolioMtm!, 'PortfolioMTM');
  cmp(out.basis, e.forwardContingency!, 'ForwardContingency');
  return worst;
}

describe('derive-pm2 suite on the bundled fixtures (always runs)', () => {
  it('passes the 4 fixture cases, in test-number order, named after their files', async () => {
    const results = await derivePm2Suite.run([FIXTURES]);
    expect(results.map((r) => r.case)).toEqual([
      'test_12_risk_cancelling_naked_short_call',
      'test_29_perps_basic_perp',
      'test_32_perps_perp_hedging',
      'test_61_general_general_test_1',
    ]);
    for (const r of results) {
      expect(r.pass, `${r.case}: ${JSON.stringify(r)}`).toBe(true);
      expect(r.detail?.errorIm).toBeLessThanOrEqual(1e-12);
      expect(r.detail?.errorMm).toBeLessThanOrEqual(1e-12);
    }
    expect(results.map((r) => r.detail?.binding)).toEqual(['regular', 'regular', 'regular', 'skew']);
    expect(results.map((r) => r.detail?.expectedBinding)).toEqual(['regular', 'regular', 'regular', 'skew']);
  });

  it('reproduces the intermediates: row P&Ls, per-expiry MtM, static discounts, basis', async () => {
    for (const file of await derivePm2CaseFiles([FIXTURES])) {
      expect(checkIntermediates(await readDerivePm2Case(file))).toBeLessThanOrEqual(1e-9);
    }
  });

  it('reads each file’s own Parameters (test 61: custom tails, skew damped by 3, other skew params)', async () => {
    const c = await readDerivePm2Case(join(FIXTURES, 'test_61_general_general_test_1.json'));
    expect(c.params.scenarios.length).toBe(30);
    expect(c.params.scenarios[28]).toEqual({
      spotShock: 1,
      volShock: 'linear',
      dampening: 3,
      family: 'skew',
    });
    expect(c.params.scenarios[23]).toMatchObject({ volShock: 'up', dampening: 0.25, family: 'tail' });
    expect(c.params.skewShock.linearScaleCap).toBe(4);
    expect(c.params.skewShock.volParamScale).toBe(-0.9);
  });

  it('README worked check, test 61: f_IM = 1.84 and the full IM / MM', async () => {
    const c = await readDerivePm2Case(join(FIXTURES, 'test_61_general_general_test_1.json'));
    const out = derivePm2Margin(c.portfolio, c.params);
    expect(Math.abs(out.imLossFactor - 1.84)).toBeLessThan(1e-15);
    expect(out.binding).toEqual({ family: 'skew', row: 28 });
    expect(err(out.minLoss, -721717.3384291362)).toBeLessThan(1e-12);
    expect(err(out.addOns.oracle, 7684988.433444644)).toBeLessThan(1e-12);
    expect(err(out.addOns.mmBase, 1571137.797857143)).toBeLessThan(1e-12);
    expect(err(out.addOns.imBase, 352960.8914285712)).toBeLessThan(1e-12);
    expect(err(out.addOns.mmPerp, 2276.73)).toBeLessThan(1e-12);
    expect(err(out.addOns.imOption, 1192.0440000000003)).toBeLessThan(1e-12);
    expect(err(out.im, -16201837.75142788)).toBeLessThan(1e-12);
    expect(err(out.mm, -7411351.440588361)).toBeLessThan(1e-12);
  });

  it('maps Derive fields to the domain portfolio (test 32)', async () => {
    const c = await readDerivePm2Case(join(FIXTURES, 'test_32_perps_perp_hedging.json'));
    expect(c.name).toBe('test_32_perps_perp_hedging');
    expect(c.portfolio.perps).toEqual([
      { amount: -1, perpPrice: 100000, confidence: 0.1, unrealisedPnl: -0, unrealisedFunding: 0 },
    ]);
    expect(c.portfolio.collaterals).toEqual([
      {
        amount: 1,
        priceUsd: 100000,
        confidence: 1,
        isRiskCancelling: true,
        imHaircut: 0.015,
        mmHaircut: 0.03,
      },
    ]);
    expect(c.expected.im).toBe(-76506.39347229843);
  });
});

describe('derive-pm2 suite: bad input', () => {
  let dir = '';
  let base: Record<string, unknown> = {};
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'derive-pm2-'));
    base = JSON.parse(
      await readFile(join(FIXTURES, 'test_12_risk_cancelling_naked_short_call.json'), 'utf8'),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // biome-ignore lint/suspicious/noExplicitAny: the tests edit arbitrary paths of a parsed case file
  type Editable = any;

  async function variant(name: string, edit: (j: Editable) => void): Promise<string> {
    const j = structuredClone(base);
    edit(j);
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(j));
    return path;
  }

  async function failure(paths: string[]): Promise<{ code: string; message: string; fields: object }> {
    try {
      await derivePm2Suite.run(paths);
    } catch (e) {
      if (isBackstopError(e)) return { code: e.code, message: e.message, fields: e.fields };
      throw e;
    }
    throw new Error('expected a BackstopError');
  }

  it('a missing field is BAD_FIELD naming the file and the JSON path', async () => {
    const path = await variant('test_1_missing.json', (j) => delete j.Scenario.Options[0].Strike);
    const f = await failure([path]);
    expect(f.code).toBe('BAD_FIELD');
    expect(f.message).toContain(path);
    expect(f.message).toContain('Scenario.Options[0].Strike');
    expect(f.fields).toMatchObject({ file: path, field: 'Scenario.Options[0].Strike' });
  });

  it('a wrong type, a bad direction and an unmatched expiry are BAD_FIELD with their paths', async () => {
    const cases: Array<[(j: Editable) => void, string]> = [
      [(j) => (j.Parameters.Margin.MM_LOSS_FACTOR = 'abc'), 'Parameters.Margin.MM_LOSS_FACTOR'],
      [
        (j) => (j.Parameters.Scenarios[3].VolShockDirection = 'Sideways'),
        'Parameters.Scenarios[3].VolShockDirection',
      ],
      [(j) => (j.Scenario.Options[0].Expiry = 12345), 'Scenario.Options[0].Expiry'],
      [(j) => (j.Scenario.Options[0].IsCall = 'yes'), 'Scenario.Options[0].IsCall'],
      [(j) => (j.Scenario.OptionFeeds[0].Forward = -1), 'Scenario.OptionFeeds[0].Forward'],
      [(j) => delete j.Result.IM, 'Result.IM'],
      [(j) => delete j.Parameters.VolShock, 'Parameters.VolShock'],
    ];
    for (const [i, [edit, field]] of cases.entries()) {
      const path = await variant(`test_${100 + i}_bad.json`, edit);
      const f = await failure([path]);
      expect(f.code, field).toBe('BAD_FIELD');
      expect(f.message, field).toContain(path);
      expect(f.message, field).toContain(field);
    }
  });

  it('an unreadable file or invalid JSON is UNREADABLE_FILE naming the file', async () => {
    const missing = join(dir, 'test_999_nope.json');
    const a = await failure([missing]);
    expect(a.code).toBe('UNREADABLE_FILE');
    expect(a.message).toContain(missing);
    const broken = join(dir, 'test_998_broken.json');
    await writeFile(broken, '{"Scenario": ');
    const b = await failure([broken]);
    expect(b.code).toBe('UNREADABLE_FILE');
    expect(b.message).toContain(broken);
  });

  it('a folder without case files is rejected; a folder is read in test-number order', async () => {
    const empty = await mkdtemp(join(dir, 'empty-'));
    expect((await failure([empty])).code).toBe('BAD_ARGUMENT');
    const folder = await mkdtemp(join(dir, 'order-'));
    for (const n of [10, 9, 100]) {
      await writeFile(join(folder, `test_${n}_x.json`), JSON.stringify(base));
    }
    await writeFile(join(folder, 'notes.json'), '{}');
    const files = await derivePm2CaseFiles([folder]);
    expect(files.map((f) => basename(f))).toEqual(['test_9_x.json', 'test_10_x.json', 'test_100_x.json']);
    const results = await derivePm2Suite.run([folder]);
    expect(results.map((r) => r.case)).toEqual(['test_9_x', 'test_10_x', 'test_100_x']);
    expect(results.every((r) => r.pass)).toBe(true);
  });

  it('fails a case whose expected IM is off by more than the tolerance', async () => {
    const im = (base.Result as { IM: number }).IM;
    const path = await variant('test_7_off.json', (j) => (j.Result.IM = im * (1 + 3 * DERIVE_PM2_TOLERANCE)));
    const [r] = await derivePm2Suite.run([path]);
    expect(r?.pass).toBe(false);
    expect(r?.detail?.errorIm).toBeGreaterThan(DERIVE_PM2_TOLERANCE);
    expect(r?.detail?.errorMm).toBeLessThan(1e-12);
  });
});

describe.skipIf(!HAVE_SHARED)(
  `derive-pm2 suite on the shared cases (${HAVE_SHARED ? SHARED_CASES : SHARED_MISSING})`,
  () => {
    it('passes every shared case (22 / 22 at the time of writing)', async () => {
      const results = await derivePm2Suite.run([SHARED_CASES]);
      expect(results.length).toBeGreaterThanOrEqual(22);
      const failed = results.filter((r) => !r.pass);
      expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
      const maxErr = Math.max(
        ...results.flatMap((r) => [r.detail?.errorIm as number, r.detail?.errorMm as number]),
      );
      expect(maxErr).toBeLessThanOrEqual(1e-12);
    });

    it('reproduces the intermediates of every shared case', async () => {
      for (const file of await derivePm2CaseFiles([SHARED_CASES])) {
        expect(checkIntermediates(await readDerivePm2Case(file))).toBeLessThanOrEqual(1e-9);
      }
    });

    it('the bundled fixtures are identical to their shared originals', async () => {
      for (const file of await derivePm2CaseFiles([FIXTURES])) {
        const shared = join(SHARED_CASES, basename(file));
        expect(await readFile(file, 'utf8')).toBe(await readFile(shared, 'utf8'));
      }
    });
  },
);
