/**
 * Conformance suite `derive-pm2`: Derive v2's PMRM_2 portfolio cases (`test_<n>_<name>.json`,
 * native format, see ../shared/conformance/derive-pm2/README.md) mapped to the domain-neutral
 * model in src/margin/portfolio/derive-pm2.ts and compared on IM and MM.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BackstopError } from '../../core/errors.ts';
import {
  type DerivePm2Collateral,
  type DerivePm2ExpiryFeed,
  type DerivePm2Option,
  type DerivePm2Params,
  type DerivePm2Portfolio,
  type DerivePm2RowFamily,
  type DerivePm2Scenario,
  type DerivePm2VolShock,
  derivePm2Margin,
} from '../../margin/portfolio/derive-pm2.ts';
import type { CaseResult, ConformanceSuite } from './suite.ts';

/** Relative tolerance on IM and MM; absolute when the expected value is within TOLERANCE of 0. */
export const DERIVE_PM2_TOLERANCE = 1e-6;

/** The expected values of one case file (`Result`), with the intermediates the model reproduces. */
export interface DerivePm2Expected {
  readonly im: number;
  readonly mm: number;
  /** `Result.worst_all_scenarios` when present. */
  readonly binding: string | null;
  /** `reg_losses`, `tail_losses`, `skew_losses` concatenated: one P&L per scenario row. */
  readonly rowPnl: readonly number[] | null;
  readonly regularRows: number | null;
  readonly tailRows: number | null;
  readonly optionMtmPerExpiry: readonly number[] | null;
  readonly optionMtmPerExpiryDiscounted: readonly number[] | null;
  readonly discountFactors: readonly (readonly [number, number])[] | null;
  readonly portfolioMtm: number | null;
  readonly forwardContingency: number | null;
}

export interface DerivePm2Case {
  /** File name without `.json`. */
  readonly name: string;
  readonly file: string;
  readonly portfolio: DerivePm2Portfolio;
  readonly params: DerivePm2Params;
  readonly expected: DerivePm2Expected;
}

type Json = unknown;

/** Typed access to a parsed file, with errors naming the file and the JSON path. */
class Reader {
  constructor(readonly file: string) {}

  fail(path: string, message: string, value?: Json): BackstopError {
    const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)?.slice(0, 60) ?? String(value)})`;
    return new BackstopError('BAD_FIELD', `${this.file}: ${path}: ${message}${shown}`, {
      file: this.file,
      field: path,
    });
  }

  get(obj: Json, path: string, key: string): Json {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
      throw this.fail(path, 'expected an object');
    const v = (obj as Record<string, Json>)[key];
    if (v === undefined) throw this.fail(`${path}.${key}`, 'missing field');
    return v;
  }

  has(obj: Json, key: string): boolean {
    return typeof obj === 'object' && obj !== null && key in obj;
  }

  object(obj: Json, path: string, key: string): Json {
    const v = this.get(obj, path, key);
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw this.fail(`${path}.${key}`, 'expected an object', v);
    return v;
  }

  array(obj: Json, path: string, key: string): Json[] {
    const v = this.get(obj, path, key);
    if (!Array.isArray(v)) throw this.fail(`${path}.${key}`, 'expected an array', v);
    return v;
  }

  /** A finite number; a numeric string (as Derive writes its 18-decimal values) is accepted. */
  toNumber(v: Json, path: string): number {
    const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    if (!Number.isFinite(x)) throw this.fail(path, 'expected a finite number', v);
    return x;
  }

  number(obj: Json, path: string, key: string): number {
    return this.toNumber(this.get(obj, path, key), `${path}.${key}`);
  }

  positive(obj: Json, path: string, key: string): number {
    const x = this.number(obj, path, key);
    if (!(x > 0)) throw this.fail(`${path}.${key}`, 'expected a number > 0', x);
    return x;
  }

  nonNegative(obj: Json, path: string, key: string): number {
    const x = this.number(obj, path, key);
    if (!(x >= 0)) throw this.fail(`${path}.${key}`, 'expected a number ≥ 0', x);
    return x;
  }

  /** true/false, or 1/0 (`IsCall` is written as 1/0). */
  flag(obj: Json, path: string, key: string): boolean {
    const v = this.get(obj, path, key);
    if (v === true || v === 1) return true;
    if (v === false || v === 0) return false;
    throw this.fail(`${path}.${key}`, 'expected true/false or 1/0', v);
  }
}

const VOL_SHOCKS: Readonly<Record<string, DerivePm2VolShock>> = {
  up: 'up',
  down: 'down',
  none: 'none',
  linear: 'linear',
  abs: 'abs',
};

/**
 * Scenario rows with their family. The files list the regular grid first, then the tails, then the
 * skew rows (LINEAR / ABS). The regular grid is the leading run of rows with dampening 1; from the
 * first non-skew row with another dampening on, every non-skew row is a tail (a custom tail may
 * itself have dampening 1, as in test 34). The family only labels rows; the arithmetic ignores it.
 */
function scenarios(r: Reader, params: Json): DerivePm2Scenario[] {
  let inTails = false;
  return r.array(params, 'Parameters', 'Scenarios').map((row, i) => {
    const path = `Parameters.Scenarios[${i}]`;
    const dir = r.get(row, path, 'VolShockDirection');
    const volShock = typeof dir === 'string' ? VOL_SHOCKS[dir.toLowerCase()] : undefined;
    if (volShock === undefined) {
      throw r.fail(`${path}.VolShockDirection`, 'expected Up, Down, None, LINEAR or ABS', dir);
    }
    const spotShock = r.number(row, path, 'SpotShock');
    const dampening = r.number(row, path, 'DampeningFactor');
    let family: DerivePm2RowFamily;
    if (volShock === 'linear' || volShock === 'abs') family = 'skew';
    else {
      if (dampening !== 1) inTails = true;
      family = inTails ? 'tail' : 'regular';
    }
    return { spotShock, volShock, dampening, family };
  });
}

function mapParams(r: Reader, root: Json): DerivePm2Params {
  const p = r.object(root, '$', 'Parameters');
  const vs = r.object(p, 'Parameters', 'VolShock');
  const sk = r.object(p, 'Parameters', 'SkewShock');
  const mg = r.object(p, 'Parameters', 'Margin');
  const bc = r.object(p, 'Parameters', 'BasisContingency');
  const oc = r.object(p, 'Parameters', 'OtherContingency');
  const n = (obj: Json, group: string, key: string): number => r.number(obj, `Parameters.${group}`, key);
  return {
    scenarios: scenarios(r, p),
    volShock: {
      volRangeUp: n(vs, 'VolShock', 'VOLRANGEUP'),
      volRangeDown: n(vs, 'VolShock', 'VOLRANGEDOWN'),
      shortTermPower: n(vs, 'VolShock', 'SHORTTERMPOWER'),
      longTermPower: n(vs, 'VolShock', 'LONGTERMPOWER'),
      dteFloorDays: n(vs, 'VolShock', 'DTE_FLOOR'),
      minVolEvalShocked: n(vs, 'VolShock', 'MIN_VOL_EVAL_SHOCKED'),
    },
    skewShock: {
      linearScaleCap: n(sk, 'SkewShock', 'LINEAR_SCALE_CAP'),
      linearCBase: n(sk, 'SkewShock', 'LINEAR_CBASE'),
      absScaleCap: n(sk, 'SkewShock', 'ABS_SCALE_CAP'),
      absCBase: n(sk, 'SkewShock', 'ABS_CBASE'),
      minKStar: n(sk, 'SkewShock', 'MIN_K_STAR'),
      minWidthScale: n(sk, 'SkewShock', 'MIN_WIDTH_SCALE'),
      volParamStatic: n(sk, 'SkewShock', 'VOL_PARAM_STATIC'),
      volParamScale: n(sk, 'SkewShock', 'VOL_PARAM_SCALE'),
    },
    margin: {
      mmLossFactor: n(mg, 'Margin', 'MM_LOSS_FACTOR'),
      imLossFactor: n(mg, 'Margin', 'IM_LOSS_FACTOR'),
      shortRateMultScale: n(mg, 'Margin', 'SHORT_RATE_MULTSCALE'),
      longRateMultScale: n(mg, 'Margin', 'LONG_RATE_MULTSCALE'),
      shortRateAddScale: n(mg, 'Margin', 'SHORT_RATE_ADDSCALE'),
      longRateAddScale: n(mg, 'Margin', 'LONG_RATE_ADDSCALE'),
      baseStaticDiscount: n(mg, 'Margin', 'BASE_STATIC_DISCOUNT'),
      baseStaticDiscountNeg: n(mg, 'Margin', 'BASE_STATIC_DISCOUNT_NEG'),
    },
    basis: {
      scenarioSpotUp: n(bc, 'BasisContingency', 'SCENARIO_SPOT_UP'),
      scenarioSpotDown: n(bc, 'BasisContingency', 'SCENARIO_SPOT_DOWN'),
      addFactor: n(bc, 'BasisContingency', 'BASIS_CONT_ADD_FACTOR'),
      multFactor: n(bc, 'BasisContingency', 'BASIS_CONT_MULT_FACTOR'),
    },
    other: {
      pegLossThreshold: n(oc, 'OtherContingency', 'PEG_LOSS_THRESHOLD'),
      pegLossFactor: n(oc, 'OtherContingency', 'PEG_LOSS_FACTOR'),
      confThreshold: n(oc, 'OtherContingency', 'CONF_THRESHOLD'),
      confMargin: n(oc, 'OtherContingency', 'CONF_MARGIN'),
      mmPerpPercent: n(oc, 'OtherContingency', 'MM_PERP_PERCENT'),
      imPerpPercent: n(oc, 'OtherContingency', 'IM_PERP_PERCENT'),
      mmOptionPercent: n(oc, 'OtherContingency', 'MM_OPTION_PERCENT'),
      imOptionPercent: n(oc, 'OtherContingency', 'IM_OPTION_PERCENT'),
    },
  };
}

function mapPortfolio(r: Reader, root: Json): DerivePm2Portfolio {
  const s = r.object(root, '$', 'Scenario');
  const S = 'Scenario';
  const expiries: DerivePm2ExpiryFeed[] = r.array(s, S, 'OptionFeeds').map((f, i) => {
    const path = `${S}.OptionFeeds[${i}]`;
    return {
      secondsToExpiry: r.number(f, path, 'FeedExpiry'),
      forward: r.positive(f, path, 'Forward'),
      rate: r.number(f, path, 'Rate'),
      forwardConfidence: r.number(f, path, 'ForwardConfidence'),
      rateConfidence: r.number(f, path, 'RateConfidence'),
      volConfidence: r.number(f, path, 'OptionVolConfidences'),
    };
  });
  expiries.forEach((e, i) => {
    if (expiries.findIndex((x) => x.secondsToExpiry === e.secondsToExpiry) !== i) {
      throw r.fail(
        `${S}.OptionFeeds[${i}].FeedExpiry`,
        'a second feed for the same expiry',
        e.secondsToExpiry,
      );
    }
  });
  const options: DerivePm2Option[] = r.array(s, S, 'Options').map((o, i) => {
    const path = `${S}.Options[${i}]`;
    const secondsToExpiry = r.number(o, path, 'Expiry');
    if (!expiries.some((e) => e.secondsToExpiry === secondsToExpiry)) {
      throw r.fail(`${path}.Expiry`, 'no entry of Scenario.OptionFeeds has this FeedExpiry', secondsToExpiry);
    }
    return {
      amount: r.number(o, path, 'Amount'),
      strike: r.positive(o, path, 'Strike'),
      right: r.flag(o, path, 'IsCall') ? 'call' : 'put',
      secondsToExpiry,
      volAnnual: r.nonNegative(o, path, 'MarkVol'),
    };
  });
  const collaterals: DerivePm2Collateral[] = r.array(s, S, 'Collaterals').map((c, i) => {
    const path = `${S}.Collaterals[${i}]`;
    return {
      amount: r.number(c, path, 'Amount'),
      priceUsd: r.number(c, path, 'Price'),
      confidence: r.number(c, path, 'Confidence'),
      isRiskCancelling: r.flag(c, path, 'IsRiskCancelling'),
      imHaircut: r.number(c, path, 'IMHaircut'),
      mmHaircut: r.number(c, path, 'MMHaircut'),
    };
  });
  return {
    spotPrice: r.positive(s, S, 'SpotPrice'),
    spotConfidence: r.number(s, S, 'SpotConfidence'),
    stablePrice: r.positive(s, S, 'StablePrice'),
    cash: r.number(s, S, 'Cash'),
    options,
    expiries,
    perps: [
      {
        amount: r.number(s, S, 'NumPerps'),
        perpPrice: r.number(s, S, 'PerpPrice'),
        confidence: r.number(s, S, 'PerpConfidence'),
        unrealisedPnl: r.number(s, S, 'UnrealisedPerpPNL'),
        unrealisedFunding: r.number(s, S, 'UnrealisedFunding'),
      },
    ],
    collaterals,
  };
}

function mapExpected(r: Reader, root: Json): DerivePm2Expected {
  const res = r.object(root, '$', 'Result');
  const R = 'Result';
  const optional = <T>(key: string, read: () => T): T | null => (r.has(res, key) ? read() : null);
  const numbers = (key: string): number[] =>
    r.array(res, R, key).map((v, i) => r.toNumber(v, `${R}.${key}[${i}]`));
  const lossRows = (key: string, pnlIndex: number): number[] =>
    r.array(res, R, key).map((row, i) => {
      if (!Array.isArray(row)) throw r.fail(`${R}.${key}[${i}]`, 'expected an array', row);
      return r.toNumber(row[pnlIndex], `${R}.${key}[${i}][${pnlIndex}]`);
    });
  const hasRows = r.has(res, 'reg_losses') && r.has(res, 'tail_losses') && r.has(res, 'skew_losses');
  const reg = hasRows ? lossRows('reg_losses', 2) : null;
  const tail = hasRows ? lossRows('tail_losses', 2) : null;
  const skew = hasRows ? lossRows('skew_losses', 1) : null;
  const binding = optional('worst_all_scenarios', () => r.get(res, R, 'worst_all_scenarios'));
  return {
    im: r.number(res, R, 'IM'),
    mm: r.number(res, R, 'MM'),
    binding: typeof binding === 'string' ? binding : null,
    rowPnl: reg && tail && skew ? [...reg, ...tail, ...skew] : null,
    regularRows: reg ? reg.length : null,
    tailRows: tail ? tail.length : null,
    optionMtmPerExpiry: optional('OptionMTMPerExpiry', () => numbers('OptionMTMPerExpiry')),
    optionMtmPerExpiryDiscounted: optional('OptionMTMPerExpiryDiscounted', () =>
      numbers('OptionMTMPerExpiryDiscounted'),
    ),
    discountFactors: optional('discount_factors', () =>
      r.array(res, R, 'discount_factors').map((pair, i): [number, number] => {
        const path = `${R}.discount_factors[${i}]`;
        if (!Array.isArray(pair) || pair.length !== 2) throw r.fail(path, 'expected [long, short]', pair);
        return [r.toNumber(pair[0], `${path}[0]`), r.toNumber(pair[1], `${path}[1]`)];
      }),
    ),
    portfolioMtm: optional('PortfolioMTM', () => r.number(res, R, 'PortfolioMTM')),
    forwardContingency: optional('ForwardContingency', () => r.number(res, R, 'ForwardContingency')),
  };
}

/**
 * Reads one PMRM_2 case file and maps it to the model's portfolio and parameters (each file's own
 * `Parameters`) and its expected values.
 * @throws BackstopError UNREADABLE_FILE (cannot read, not JSON) or BAD_FIELD naming the file and
 *   the JSON path of a missing or unusable field.
 */
export async function readDerivePm2Case(file: string): Promise<DerivePm2Case> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new BackstopError('UNREADABLE_FILE', `${file}: cannot read (${(e as Error).message})`, { file });
  }
  let root: Json;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new BackstopError('UNREADABLE_FILE', `${file}: not valid JSON (${(e as Error).message})`, { file });
  }
  const r = new Reader(file);
  return {
    name: basename(file).replace(/\.json$/i, ''),
    file,
    portfolio: mapPortfolio(r, root),
    params: mapParams(r, root),
    expected: mapExpected(r, root),
  };
}

const CASE_FILE = /^test_(\d+)(?:_.*)?\.json$/i;

/** Files as given; a folder becomes its `test_*.json` files sorted by test number. */
export async function derivePm2CaseFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch (e) {
      throw new BackstopError('UNREADABLE_FILE', `${p}: cannot open (${(e as Error).message})`, { file: p });
    }
    if (!isDir) {
      files.push(p);
      continue;
    }
    const cases = (await readdir(p))
      .map((name) => ({ name, m: CASE_FILE.exec(name) }))
      .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
      .map((x) => ({ name: x.name, n: Number(x.m[1]) }))
      .sort((a, b) => a.n - b.n || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (cases.length === 0) {
      throw new BackstopError('BAD_ARGUMENT', `${p}: no test_*.json case files in this folder`, { file: p });
    }
    for (const c of cases) files.push(join(p, c.name));
  }
  return files;
}

/** |a − e| / |e|, or |a − e| when the expected value is within the tolerance of 0. */
export function derivePm2Error(actual: number, expected: number): number {
  const diff = Math.abs(actual - expected);
  return Math.abs(expected) <= DERIVE_PM2_TOLERANCE ? diff : diff / Math.abs(expected);
}

/** Runs one mapped case through the model and applies the pass criterion. */
export function runDerivePm2Case(c: DerivePm2Case): CaseResult {
  let out: ReturnType<typeof derivePm2Margin>;
  try {
    out = derivePm2Margin(c.portfolio, c.params);
  } catch (e) {
    if (e instanceof BackstopError) {
      throw new BackstopError('BAD_FIELD', `${c.file}: ${e.message}`, { ...e.fields, file: c.file });
    }
    throw e;
  }
  const errIm = derivePm2Error(out.im, c.expected.im);
  const errMm = derivePm2Error(out.mm, c.expected.mm);
  const pass = errIm <= DERIVE_PM2_TOLERANCE && errMm <= DERIVE_PM2_TOLERANCE;
  return {
    case: c.name,
    pass,
    expected: { im: c.expected.im, mm: c.expected.mm },
    actual: { im: out.im, mm: out.mm },
    detail: {
      errorIm: errIm,
      errorMm: errMm,
      errorKindIm: Math.abs(c.expected.im) <= DERIVE_PM2_TOLERANCE ? 'absolute' : 'relative',
      errorKindMm: Math.abs(c.expected.mm) <= DERIVE_PM2_TOLERANCE ? 'absolute' : 'relative',
      binding: out.binding.family,
      bindingRow: out.binding.row,
      expectedBinding: c.expected.binding,
      minLoss: out.minLoss,
    },
  };
}

export const derivePm2Suite: ConformanceSuite = {
  name: 'derive-pm2',
  description:
    'Derive v2 portfolio margin (PMRM_2) portfolio cases, native JSON: IM and MM within 1e-6 relative (absolute near 0)',
  async run(paths: readonly string[]): Promise<CaseResult[]> {
    const files = await derivePm2CaseFiles(paths);
    const results: CaseResult[] = [];
    for (const file of files) results.push(runDerivePm2Case(await readDerivePm2Case(file)));
    return results;
  },
};
