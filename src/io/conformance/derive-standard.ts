/**
 * Conformance suite `derive-standard`: Derive v2 standard-manager vectors in their native format
 * (one JSON object keyed `TestN`, numbers fixed point ×1e18, often beyond 2^53), run through
 * `deriveStandardMargin` and graded on `realIM` / `realMM` (format and model:
 * ../shared/conformance/derive-standard/README.md; docs/presets/derive-standard.md).
 *
 * Numbers are read exactly: a small JSON parser keeps each number's source text, and the text is
 * rescaled by shifting its decimal exponent (digits × 10^(e − 18)), which `Number()` rounds once,
 * correctly. JSON.parse would round 1500833279310993817600 before the division.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BackstopError } from '../../core/errors.ts';
import {
  DERIVE_STANDARD_PARAMS,
  type DeriveStandardParams,
  deriveStandardMargin,
  type StandardAccount,
  type StandardExpiry,
  type StandardMarket,
  type StandardOptionPosition,
  type StandardPerpPosition,
} from '../../margin/standard/derive-standard.ts';
import type { OptionRight } from '../../pricing/black76.ts';
import type { CaseResult, ConformanceSuite, MarginPair } from './suite.ts';

// ---------------------------------------------------------------------------------------------
// Exact JSON

/** A JSON number kept as its source text. */
export class JsonNumber {
  constructor(readonly text: string) {}
}
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

const NUMBER_TEXT = /^-?(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses JSON keeping numbers as text (objects become Maps, key order kept, last duplicate wins).
 * @throws BackstopError UNREADABLE_FILE with the line and column of the first syntax error.
 */
export function parseJsonExact(text: string, file: string): JsonValue {
  let i = 0;
  const fail = (what: string): never => {
    const before = text.slice(0, i);
    const line = before.split('\n').length;
    const column = i - before.lastIndexOf('\n');
    throw new BackstopError(
      'UNREADABLE_FILE',
      `${file}: invalid JSON at line ${line}, column ${column}: ${what}`,
      {
        file,
        line,
        column,
      },
    );
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length) {
      const c = text[i];
      if (c === '\\') i += 2;
      else if (c === '"') {
        i++;
        try {
          return JSON.parse(text.slice(start, i)) as string;
        } catch {
          i = start;
          return fail('bad string');
        }
      } else i++;
    }
    return fail('unterminated string');
  };
  const value = (depth: number): JsonValue => {
    if (depth > 64) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: JsonObject = new Map();
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const key = str();
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        obj.set(key, value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return obj;
        } else fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: JsonValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return arr;
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    const m = /^-?\d[\d.eE+-]*/.exec(text.slice(i, i + 400));
    if (m && NUMBER_TEXT.test(m[0])) {
      i += m[0].length;
      return new JsonNumber(m[0]);
    }
    return fail('unexpected character');
  };
  const v = value(0);
  ws();
  if (i < text.length) fail('trailing characters');
  return v;
}

/** Value of a JSON number's text divided by 10^scaleDigits, correctly rounded to a double. */
export function decimalTextToNumber(text: string, scaleDigits = 0): number {
  const m = NUMBER_TEXT.exec(text);
  if (!m) return Number.NaN;
  const frac = m[2] ?? '';
  const exp = Number(m[3] ?? '0') - frac.length - scaleDigits;
  return Number(`${text.startsWith('-') ? '-' : ''}${m[1]}${frac}e${exp}`);
}

// ---------------------------------------------------------------------------------------------
// Field access with paths

class Fields {
  constructor(readonly file: string) {}

  fail(path: string, reason: string, value?: JsonValue): never {
    throw new BackstopError('BAD_FIELD', `${this.file}: ${path}: ${reason}`, {
      file: this.file,
      field: path,
      value: preview(value),
    });
  }

  obj(v: JsonValue | undefined, path: string): JsonObject {
    if (v instanceof Map) return v;
    return this.fail(path, v === undefined ? 'missing' : 'expected an object', v);
  }

  arr(v: JsonValue | undefined, path: string, length?: number, per = ''): JsonValue[] {
    if (!Array.isArray(v)) return this.fail(path, v === undefined ? 'missing' : 'expected an array', v);
    if (length !== undefined && v.length !== length) {
      this.fail(path, `expected ${length} entries${per}, found ${v.length}`);
    }
    return v;
  }

  /** A number; `scaled` divides the fixed-point value by 1e18. */
  num(v: JsonValue | undefined, path: string, scaled: boolean): number {
    if (!(v instanceof JsonNumber))
      return this.fail(path, v === undefined ? 'missing' : 'expected a number', v);
    const x = decimalTextToNumber(v.text, scaled ? 18 : 0);
    if (!Number.isFinite(x)) this.fail(path, 'number out of range', v);
    return x;
  }

  /** A number, or null (also when the key is absent). */
  numOrNull(v: JsonValue | undefined, path: string, scaled: boolean): number | null {
    return v === null || v === undefined ? null : this.num(v, path, scaled);
  }

  str(v: JsonValue | undefined, path: string): string {
    if (typeof v === 'string') return v;
    return this.fail(path, v === undefined ? 'missing' : 'expected a string', v);
  }
}

function preview(v: JsonValue | undefined): string | number | boolean | null {
  if (v === undefined || v === null) return null;
  if (v instanceof JsonNumber) return v.text;
  if (typeof v === 'string') return v.length > 80 ? `${v.slice(0, 80)}…` : v;
  if (typeof v === 'boolean') return v;
  return Array.isArray(v) ? `array(${v.length})` : 'object';
}

// ---------------------------------------------------------------------------------------------
// Native format → domain-neutral account

/** Markets of the format, in the order of `PerpPrice` and `SpotPerpConfidences`. */
const MARKETS = ['ETH', 'BTC'] as const;
type MarketName = (typeof MARKETS)[number];

export interface DeriveStandardCase {
  readonly name: string;
  readonly file: string;
  readonly account: StandardAccount;
  readonly expected: {
    readonly im: number;
    readonly mm: number;
    /** `PortfolioMtM`, optional. */
    readonly mtm: number | null;
    /** Every numeric `Result` entry, unscaled (diagnostics such as `ETHOptionIM`). */
    readonly result: Readonly<Record<string, number>>;
  };
}

interface OptionRow {
  readonly market: MarketName;
  readonly expiry: number;
  readonly option: StandardOptionPosition;
  readonly volConfidence: number;
}

function readScenario(f: Fields, sc: JsonObject, at: string, params: DeriveStandardParams): StandardAccount {
  const g = (k: string): JsonValue | undefined => sc.get(k);
  const under = f.arr(g('OptionUnderlying'), `${at}.OptionUnderlying`);
  const n = under.length;
  const col = (k: string): JsonValue[] => f.arr(g(k), `${at}.${k}`, n, ' (one per OptionUnderlying entry)');
  const expiries = col('OptionExpiries');
  const strikes = col('OptionStrikes');
  const isCall = col('OptionIsCall');
  const amounts = col('OptionAmounts');
  const vols = col('OptionVols');
  const volConfs = col('OptionVolConfidences');
  const feedExpiries = col('FeedExpiries');
  const forwards = col('Forwards');
  const fwdConfs = col('ForwardConfidences');

  const rows: OptionRow[] = [];
  // Forward feed per (market, expiry): the last entry wins.
  const feeds = new Map<string, { forward: number; confidence: number }>();
  for (let i = 0; i < n; i++) {
    const p = (k: string): string => `${at}.${k}[${i}]`;
    const name = f.str(under[i], p('OptionUnderlying'));
    const market = MARKETS.find((m) => m === name);
    if (market === undefined)
      f.fail(p('OptionUnderlying'), `unknown market (expected ${MARKETS.join(' or ')})`, name);
    const flag = f.num(isCall[i], p('OptionIsCall'), false);
    if (flag !== 0 && flag !== 1) f.fail(p('OptionIsCall'), 'expected 1 (call) or 0 (put)', isCall[i]);
    const right: OptionRight = flag === 1 ? 'call' : 'put';
    const expiry = f.num(expiries[i], p('OptionExpiries'), false);
    if (expiry < 0) f.fail(p('OptionExpiries'), 'expected seconds ≥ 0', expiries[i]);
    const strike = f.num(strikes[i], p('OptionStrikes'), true);
    if (!(strike > 0)) f.fail(p('OptionStrikes'), 'expected a strike > 0', strikes[i]);
    const volAnnual = f.num(vols[i], p('OptionVols'), true);
    if (volAnnual < 0) f.fail(p('OptionVols'), 'expected a vol ≥ 0', vols[i]);
    const option: StandardOptionPosition = {
      right,
      strike,
      amount: f.num(amounts[i], p('OptionAmounts'), true),
      volAnnual,
    };
    rows.push({
      market,
      expiry,
      option,
      volConfidence: confidence(f, volConfs[i], p('OptionVolConfidences')),
    });
    const feedExpiry = f.num(feedExpiries[i], p('FeedExpiries'), false);
    const forward = f.num(forwards[i], p('Forwards'), true);
    if (!(forward > 0)) f.fail(p('Forwards'), 'expected a forward > 0', forwards[i]);
    feeds.set(`${market}@${feedExpiry}`, {
      forward,
      confidence: confidence(f, fwdConfs[i], p('ForwardConfidences')),
    });
  }

  const markets: StandardMarket[] = [];
  MARKETS.forEach((name, idx) => {
    const mine = rows.filter((r) => r.market === name);
    const perpAmount = f.numOrNull(g(`Perps_${name}`), `${at}.Perps_${name}`, true) ?? 0;
    const baseUnits = f.numOrNull(g(`w${name}`), `${at}.w${name}`, true) ?? 0;
    if (baseUnits < 0) f.fail(`${at}.w${name}`, 'expected units ≥ 0', g(`w${name}`));
    // A market with no positions gives 0; its feeds may be absent.
    if (mine.length === 0 && perpAmount === 0 && baseUnits === 0) return;

    const spot = f.num(g(`${name}SpotPrice`), `${at}.${name}SpotPrice`, true);
    if (!(spot > 0)) f.fail(`${at}.${name}SpotPrice`, 'expected a price > 0', g(`${name}SpotPrice`));
    const confPath = `${at}.SpotPerpConfidences[${idx}]`;
    const confs = f.arr(f.arr(g('SpotPerpConfidences'), `${at}.SpotPerpConfidences`)[idx], confPath, 2);
    const spotConfidence = confidence(f, confs[0], `${confPath}[0]`);

    let perp: StandardPerpPosition | null = null;
    let perpPrice = 0;
    let perpConfidence = 0;
    if (perpAmount !== 0) {
      const pricePath = `${at}.PerpPrice[${idx}]`;
      perpPrice = f.num(f.arr(g('PerpPrice'), `${at}.PerpPrice`)[idx], pricePath, true);
      if (!(perpPrice > 0)) f.fail(pricePath, 'expected a price > 0');
      perpConfidence = confidence(f, confs[1], `${confPath}[1]`);
      perp = {
        amount: perpAmount,
        entryPrice: f.num(g(`LastEntry${name}`), `${at}.LastEntry${name}`, true),
        globalFundingIndex: f.num(g(`${name}GlobalFundingIndex`), `${at}.${name}GlobalFundingIndex`, true),
        accountFundingIndex: f.num(g(`Account${name}FundingIndex`), `${at}.Account${name}FundingIndex`, true),
      };
    }

    // Group options by expiry in order of first appearance; the last option's vol confidence wins.
    const byExpiry = new Map<number, { volConfidence: number; options: StandardOptionPosition[] }>();
    for (const r of mine) {
      const e = byExpiry.get(r.expiry) ?? { volConfidence: r.volConfidence, options: [] };
      e.volConfidence = r.volConfidence;
      e.options.push(r.option);
      byExpiry.set(r.expiry, e);
    }
    const expiriesOut: StandardExpiry[] = [];
    for (const [secondsToExpiry, e] of byExpiry) {
      const feed = feeds.get(`${name}@${secondsToExpiry}`);
      if (feed === undefined) {
        f.fail(`${at}.FeedExpiries`, `no forward for ${name} options expiring in ${secondsToExpiry} s`);
      }
      expiriesOut.push({
        secondsToExpiry,
        forward: feed.forward,
        forwardConfidence: feed.confidence,
        volConfidence: e.volConfidence,
        options: e.options,
      });
    }
    const settlementPath = `${at}.SettlementPrice${name}`;
    const settlementPrice = f.numOrNull(g(`SettlementPrice${name}`), settlementPath, true);
    if (expiriesOut.some((e) => e.secondsToExpiry < params.settlementWindowSec)) {
      if (settlementPrice === null) {
        f.fail(settlementPath, `required: an expiry is under ${params.settlementWindowSec} s`);
      }
      if (!(settlementPrice > 0)) f.fail(settlementPath, 'expected a price > 0', g(`SettlementPrice${name}`));
    }
    markets.push({
      name,
      spot,
      spotConfidence,
      perpPrice,
      perpConfidence,
      settlementPrice,
      expiries: expiriesOut,
      perp,
      baseUnits,
    });
  });

  const cash = f.num(g('Cash'), `${at}.Cash`, true);
  const stablecoinPrice = f.num(g('USDCValue'), `${at}.USDCValue`, true);
  if (!(stablecoinPrice > 0)) f.fail(`${at}.USDCValue`, 'expected a price > 0', g('USDCValue'));
  return { cash, stablecoinPrice, markets };
}

function confidence(f: Fields, v: JsonValue | undefined, path: string): number {
  const c = f.num(v, path, true);
  if (c < 0 || c > 1) f.fail(path, 'expected a confidence in [0, 1]', v);
  return c;
}

/**
 * Reads one `test-cases.json` text into cases, in file order.
 * @throws BackstopError UNREADABLE_FILE (bad JSON) or BAD_FIELD naming the file and the field path
 *   (e.g. `Test7.Scenario.OptionStrikes[2]`).
 */
export function parseDeriveStandardCases(
  text: string,
  file: string,
  params: DeriveStandardParams = DERIVE_STANDARD_PARAMS,
): DeriveStandardCase[] {
  const f = new Fields(file);
  const root = f.obj(parseJsonExact(text, file), '(root)');
  const out: DeriveStandardCase[] = [];
  for (const [name, v] of root) {
    const c = f.obj(v, name);
    const sc = f.obj(c.get('Scenario'), `${name}.Scenario`);
    const res = f.obj(c.get('Result'), `${name}.Result`);
    const account = readScenario(f, sc, `${name}.Scenario`, params);
    const result: Record<string, number> = {};
    for (const [k, x] of res) {
      if (x instanceof JsonNumber) result[k] = f.num(x, `${name}.Result.${k}`, true);
    }
    out.push({
      name,
      file,
      account,
      expected: {
        im: f.num(res.get('realIM'), `${name}.Result.realIM`, true),
        mm: f.num(res.get('realMM'), `${name}.Result.realMM`, true),
        mtm: f.numOrNull(res.get('PortfolioMtM'), `${name}.Result.PortfolioMtM`, true),
        result,
      },
    });
  }
  if (out.length === 0) f.fail('(root)', 'no cases');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Grading and the suite

/** The source harness's tolerance: 0.1 % relative, or 1e-6 absolute when the expected value is 0. */
export const RELATIVE_TOLERANCE = 1e-3;
export const ABSOLUTE_TOLERANCE_AT_ZERO = 1e-6;

/** Relative error |a − e| / |e|, or the absolute error when e = 0. */
export function gradeError(actual: number, expected: number): number {
  return expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
}

export function withinTolerance(actual: number, expected: number): boolean {
  const err = gradeError(actual, expected);
  return err <= (expected === 0 ? ABSOLUTE_TOLERANCE_AT_ZERO : RELATIVE_TOLERANCE);
}

/** Runs one parsed case; `label` names it in the result. */
export function runDeriveStandardCase(
  c: DeriveStandardCase,
  label: string = c.name,
  params: DeriveStandardParams = DERIVE_STANDARD_PARAMS,
): CaseResult {
  const r = deriveStandardMargin(c.account, params);
  const expected: MarginPair = { im: c.expected.im, mm: c.expected.mm };
  const actual: MarginPair = { im: r.im, mm: r.mm };
  const imPass = withinTolerance(r.im, c.expected.im);
  const mmPass = withinTolerance(r.mm, c.expected.mm);
  return {
    case: label,
    pass: imPass && mmPass,
    expected,
    actual,
    detail: {
      file: c.file,
      imError: gradeError(r.im, c.expected.im),
      mmError: gradeError(r.mm, c.expected.mm),
      errorKind: 'relative (absolute where the expected value is 0)',
      mtm: r.mtm,
      mtmExpected: c.expected.mtm,
      mtmPass: c.expected.mtm === null ? null : withinTolerance(r.mtm, c.expected.mtm),
    },
  };
}

async function resolveFile(path: string): Promise<string> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    throw new BackstopError('UNREADABLE_FILE', `${path}: cannot read (${(e as Error).message})`, {
      file: path,
    });
  }
  return isDir ? join(path, 'test-cases.json') : path;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new BackstopError('UNREADABLE_FILE', `${file}: cannot read (${(e as Error).message})`, { file });
  }
}

export const deriveStandardSuite: ConformanceSuite = {
  name: 'derive-standard',
  description:
    'Derive v2 standard manager (Deribit-style per-position option margin, max-loss bound, perps, oracle and depeg charges): realIM / realMM within 0.1 % (1e-6 at 0)',
  async run(paths: readonly string[]): Promise<CaseResult[]> {
    if (paths.length === 0) {
      throw new BackstopError('BAD_ARGUMENT', 'derive-standard: no paths given (files or folders)', {});
    }
    const files: string[] = [];
    for (const p of paths) files.push(await resolveFile(p));
    const results: CaseResult[] = [];
    for (const file of files) {
      const cases = parseDeriveStandardCases(await readText(file), file);
      for (const c of cases)
        results.push(runDeriveStandardCase(c, files.length > 1 ? `${file}#${c.name}` : c.name));
    }
    return results;
  },
};
