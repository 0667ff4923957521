import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HAVE_SHARED, SHARED_DIR, SHARED_MISSING } from '../../../test/shared-data.ts';
import { type BackstopError, isBackstopError } from '../../core/errors.ts';
import { deriveStandardMargin } from '../../margin/standard/derive-standard.ts';
import {
  decimalTextToNumber,
  deriveStandardSuite,
  gradeError,
  type JsonNumber,
  parseDeriveStandardCases,
  parseJsonExact,
  withinTolerance,
} from './derive-standard.ts';
import type { CaseResult } from './suite.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURE_DIR = join(ROOT, 'test/fixtures/conformance/derive-standard');
const FIXTURE = join(FIXTURE_DIR, 'test-cases.json');
const FIXTURE_SHA256 = 'c2310170456aee83ead0b8e2aa9d253f4f5351662d589a2d81b72e415382c57e';
const CASES = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27].map((n) => `Test${n}`);

function expectAllPass(results: CaseResult[]): void {
  expect(results.map((r) => r.case)).toEqual(CASES);
  const failed = results.filter((r) => !r.pass).map((r) => r.case);
  expect(failed).toEqual([]);
  // Float64 and an accurate N(x) land far inside the 0.1 % tolerance.
  for (const r of results) {
    expect(r.detail?.imError as number).toBeLessThan(1e-12);
    expect(r.detail?.mmError as number).toBeLessThan(1e-12);
    expect(r.detail?.mtmPass).toBe(true);
  }
}

describe('the bundled copy of the Derive standard-manager vectors (always runs)', () => {
  it('is the published file, unchanged', () => {
    expect(createHash('sha256').update(readFileSync(FIXTURE)).digest('hex')).toBe(FIXTURE_SHA256);
  });

  it('passes 14/14, given as a folder or as the file', async () => {
    expectAllPass(await deriveStandardSuite.run([FIXTURE_DIR]));
    expectAllPass(await deriveStandardSuite.run([FIXTURE]));
  });

  it('reproduces the intermediate results too (option, isolated, perp, base, PnL, funding, charges)', () => {
    const cases = parseDeriveStandardCases(readFileSync(FIXTURE, 'utf8'), FIXTURE);
    let checked = 0;
    for (const c of cases) {
      const r = deriveStandardMargin(c.account);
      const x = c.expected.result;
      const sum = (f: (m: (typeof r.perMarket)[number]) => number): number =>
        r.perMarket.reduce((s, m) => s + f(m), 0);
      const pairs: [string, number][] = [
        ['PerpMargin', sum((m) => m.mm.perp)],
        ['OracleConts', sum((m) => m.im.optionOracleCharge + m.im.perpOracleCharge + m.im.baseOracleCharge)],
        ['DepegIMs', sum((m) => m.im.depegCharge)],
        ['BaseMargin', sum((m) => m.mm.base)],
        ['UnrealizedPNL', sum((m) => m.mm.unrealizedPnl)],
        ['UnsettledFunding', sum((m) => m.mm.funding)],
        ['PortfolioMtM', r.mtm],
      ];
      for (const name of ['ETH', 'BTC']) {
        const m = r.perMarket.find((p) => p.market === name);
        pairs.push(
          [`${name}OptionIM`, m?.im.options ?? 0],
          [`${name}OptionMM`, m?.mm.options ?? 0],
          [`${name}OptionIsolatedIM`, m?.im.optionsIsolated ?? 0],
          [`${name}OptionIsolatedMM`, m?.mm.optionsIsolated ?? 0],
        );
      }
      for (const [key, actual] of pairs) {
        const expected = x[key];
        expect(expected, `${c.name}.${key} present`).toBeDefined();
        expect(
          withinTolerance(actual, expected as number),
          `${c.name}.${key}: ${actual} vs ${expected}`,
        ).toBe(true);
        checked++;
      }
    }
    expect(checked).toBe(14 * 15);
  });
});

describe.skipIf(!HAVE_SHARED)(`the shared vectors (${HAVE_SHARED ? SHARED_DIR : SHARED_MISSING})`, () => {
  it('passes 14/14', async () => {
    expectAllPass(await deriveStandardSuite.run([join(SHARED_DIR, 'conformance/derive-standard')]));
  });
});

describe('exact numbers', () => {
  it('keeps integers beyond 2^53 and rescales them with one rounding', () => {
    const v = parseJsonExact('{"a": [1500833279310993817600, -3.0437158518905995e+20, 0, 1.5]}', 'x.json');
    expect(v).toBeInstanceOf(Map);
    const a = (v as Map<string, unknown>).get('a') as JsonNumber[];
    expect(a.map((n) => n.text)).toEqual(['1500833279310993817600', '-3.0437158518905995e+20', '0', '1.5']);
    // Test27's strike: JSON.parse rounds the integer, then the division rounds again.
    expect(Number('23000000000000000000000') / 1e18).toBe(23000.000000000004);
    expect(decimalTextToNumber('23000000000000000000000', 18)).toBe(23000);
    // Number('…') of the exact decimal: rounded once, by the JS parser.
    expect(decimalTextToNumber('1450168707905438228480', 18)).toBe(Number('1450.16870790543822848'));
    expect(decimalTextToNumber('1500833279310993817600', 18)).toBe(Number('1500.8332793109938176'));
    expect(decimalTextToNumber('-3.0437158518905995e+20', 18)).toBe(Number('-304.37158518905995'));
    expect(decimalTextToNumber('1047884494084986240', 18)).toBe(Number('1.04788449408498624'));
    expect(decimalTextToNumber('1.5')).toBe(1.5);
    expect(decimalTextToNumber('-0')).toBe(-0);
  });

  it('names the line and column of a syntax error', () => {
    try {
      parseJsonExact('{\n  "a": [1, 2,, 3]\n}', 'bad.json');
      expect.unreachable();
    } catch (e) {
      expect(isBackstopError(e) && e.code).toBe('UNREADABLE_FILE');
      expect((e as BackstopError).fields).toMatchObject({ file: 'bad.json', line: 2 });
    }
    expect(() => parseJsonExact('{"a": 01}', 'b.json')).toThrow(/b\.json: invalid JSON/);
    expect(() => parseJsonExact('{"a": 1} x', 'c.json')).toThrow(/trailing/);
  });
});

describe('grading (README criterion)', () => {
  it('0.1 % relative, 1e-6 absolute at 0', () => {
    expect(withinTolerance(-100.09, -100)).toBe(true);
    expect(withinTolerance(-100.11, -100)).toBe(false);
    expect(withinTolerance(9e-7, 0)).toBe(true);
    expect(withinTolerance(-2e-6, 0)).toBe(false);
    expect(gradeError(-101, -100)).toBeCloseTo(0.01, 15);
  });
});

describe('bad input names the file and the field path', () => {
  const text = readFileSync(FIXTURE, 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'backstop-derive-standard-'));
  const write = (name: string, body: string): string => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };
  const failure = async (paths: string[]): Promise<BackstopError> => {
    try {
      await deriveStandardSuite.run(paths);
    } catch (e) {
      if (isBackstopError(e)) return e;
      throw e;
    }
    throw new Error('expected a BackstopError');
  };
  const mutate = (edit: (root: Record<string, { Scenario: Record<string, unknown> }>) => void): string => {
    // Exact numbers are irrelevant in these broken files; JSON.parse is fine for building them.
    const root = JSON.parse(text) as Record<string, { Scenario: Record<string, unknown> }>;
    edit(root);
    return JSON.stringify(root);
  };

  it('a missing file or a folder without test-cases.json', async () => {
    const e1 = await failure([join(dir, 'nope.json')]);
    expect(e1.code).toBe('UNREADABLE_FILE');
    expect(e1.message).toContain('nope.json');
    const e2 = await failure([dir]);
    expect(e2.code).toBe('UNREADABLE_FILE');
    expect(e2.message).toContain(join(dir, 'test-cases.json'));
  });

  it('a non-numeric strike', async () => {
    const file = write(
      'strike.json',
      mutate((r) => {
        (r.Test7!.Scenario.OptionStrikes as unknown[])[2] = 'abc';
      }),
    );
    const e = await failure([file]);
    expect(e.code).toBe('BAD_FIELD');
    expect(e.fields).toMatchObject({ file, field: 'Test7.Scenario.OptionStrikes[2]', value: 'abc' });
    expect(e.message).toContain(`${file}: Test7.Scenario.OptionStrikes[2]`);
  });

  it('parallel arrays of different lengths, an unknown market, a missing spot, a missing result', async () => {
    const cases: [string, (r: Record<string, { Scenario: Record<string, unknown> }>) => void, string][] = [
      ['len.json', (r) => (r.Test5!.Scenario.OptionVols as unknown[]).pop(), 'Test5.Scenario.OptionVols'],
      [
        'mkt.json',
        (r) => ((r.Test1!.Scenario.OptionUnderlying as unknown[])[0] = 'SOL'),
        'Test1.Scenario.OptionUnderlying[0]',
      ],
      ['spot.json', (r) => delete r.Test27!.Scenario.BTCSpotPrice, 'Test27.Scenario.BTCSpotPrice'],
      [
        'settle.json',
        (r) => {
          r.Test25!.Scenario.SettlementPriceETH = null;
        },
        'Test25.Scenario.SettlementPriceETH',
      ],
      [
        'entry.json',
        (r) => {
          r.Test17!.Scenario.LastEntryETH = null;
        },
        'Test17.Scenario.LastEntryETH',
      ],
      [
        'result.json',
        (r) => delete (r.Test3 as unknown as { Result: Record<string, unknown> }).Result.realMM,
        'Test3.Result.realMM',
      ],
      [
        'conf.json',
        (r) => ((r.Test13!.Scenario.OptionVolConfidences as unknown[])[0] = 2e18),
        'Test13.Scenario.OptionVolConfidences[0]',
      ],
    ];
    for (const [name, edit, field] of cases) {
      const e = await failure([write(name, mutate(edit))]);
      expect(e.code, name).toBe('BAD_FIELD');
      expect(e.fields.field, name).toBe(field);
      expect(e.message, name).toContain(name);
    }
  });

  it('no paths at all', async () => {
    expect((await failure([])).code).toBe('BAD_ARGUMENT');
  });
});
