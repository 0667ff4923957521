import { BackstopError } from '../../core/errors.ts';
import { err, ok, type Result } from '../../core/result.ts';
import {
  type Rational,
  ratAdd,
  ratCmp,
  ratDiv,
  ratFromNumber,
  ratInt,
  ratMul,
  ratSub,
  ratToNumber,
} from './perp-exact.ts';

/**
 * Tiered (bracket) margin by notional, Binance USDⓈ-M style, with the cumulative deduction
 * ("maintenance amount", Binance API field `cum`):
 *
 *   MM = notional × MMR_k − cum_k,   cum_0 = 0,   cum_k = cum_{k−1} + floor_k × (MMR_k − MMR_{k−1})
 *
 * where k is the bracket holding the notional. The deduction makes MM equal to the sum of each
 * slice of notional times its own bracket's rate, so MM is continuous and non-decreasing in
 * notional. `cum` is always computed by the formula above, never typed in.
 *
 * Initial margin (what Binance does): IM = notional / leverage. With no leverage given, the
 * bracket's maximum leverage is used (IM = notional × IMR_k, IMR_k = 1 / maxLeverage_k, or the
 * bracket's `imrFrac` when the table gives IMR instead of leverage). Unlike MM, IM is NOT
 * cumulative: it jumps at a bracket boundary, as on Binance.
 *
 * Bracket membership follows Binance's published tables: `floor < notional ≤ cap`, and the first
 * bracket also holds notional 0.
 *
 * All arithmetic is exact (see perp-exact.ts); floats are returned as the nearest double.
 */

/** One bracket as configured (edge form). Give exactly one of `maxLeverage` or `imrFrac`. */
export interface BracketSpec {
  /** Lower edge of the bracket's notional range (exclusive; the first bracket must start at 0). */
  readonly notionalFloorQuote: number;
  /** Upper edge (inclusive). `Infinity` is allowed on the last bracket only. */
  readonly notionalCapQuote: number;
  /** Highest leverage allowed in this bracket (≥ 1); IMR = 1 / maxLeverage. */
  readonly maxLeverage?: number;
  /** Initial margin rate as a fraction (0 < IMR ≤ 1), instead of `maxLeverage`. */
  readonly imrFrac?: number;
  /** Maintenance margin rate as a fraction (0 ≤ MMR ≤ IMR). */
  readonly mmrFrac: number;
}

/** One validated bracket, with its computed cumulative deduction. */
export interface Bracket {
  readonly notionalFloorQuote: number;
  readonly notionalCapQuote: number;
  readonly maxLeverage: number;
  readonly imrFrac: number;
  readonly mmrFrac: number;
  /** cum_k by the formula (Binance "maintenance amount"), in quote. */
  readonly cumQuote: number;
}

declare const BRACKET_TABLE: unique symbol;

/** A validated bracket table; only `makeBracketTable` makes one. */
export interface BracketTable {
  readonly brackets: readonly Bracket[];
  readonly [BRACKET_TABLE]: true;
}

/** Why a table was refused; `bracketIndex` (0-based) names the offending bracket. */
export type BracketTableErrorCode =
  | 'EMPTY_TABLE'
  | 'NOT_FINITE'
  | 'FIRST_FLOOR_NOT_ZERO'
  | 'NOT_CONTIGUOUS'
  | 'CAP_NOT_ABOVE_FLOOR'
  | 'UNBOUNDED_CAP_NOT_LAST'
  | 'IM_SPEC'
  | 'LEVERAGE_OUT_OF_RANGE'
  | 'IMR_OUT_OF_RANGE'
  | 'MMR_OUT_OF_RANGE'
  | 'MMR_ABOVE_IMR'
  | 'MMR_DECREASING'
  | 'IMR_DECREASING';

export interface BracketTableError {
  readonly code: BracketTableErrorCode;
  /** 0-based index of the offending bracket; -1 for the table as a whole. */
  readonly bracketIndex: number;
  readonly message: string;
}

interface ExactBracket {
  readonly floor: Rational;
  /** null = unbounded. */
  readonly cap: Rational | null;
  readonly imr: Rational;
  readonly mmr: Rational;
  readonly cum: Rational;
}

const EXACT = new WeakMap<BracketTable, readonly ExactBracket[]>();

function refuse(code: BracketTableErrorCode, bracketIndex: number, what: string): BracketTableError {
  const where = bracketIndex >= 0 ? `bracket ${bracketIndex + 1} (index ${bracketIndex}): ` : '';
  return { code, bracketIndex, message: `${where}${what}` };
}

/**
 * Validates an ordered list of brackets and computes each cum_k by the formula. Refuses
 * (typed, naming the bracket): empty table, non-finite numbers, first floor ≠ 0, a floor that is
 * not the previous cap, cap ≤ floor, an unbounded cap before the last bracket, neither or both of
 * maxLeverage/imrFrac, leverage < 1, IMR outside (0, 1], MMR outside [0, 1], MMR > IMR, MMR or
 * IMR decreasing from one bracket to the next.
 */
export function makeBracketTable(specs: readonly BracketSpec[]): Result<BracketTable, BracketTableError> {
  if (specs.length === 0) return err(refuse('EMPTY_TABLE', -1, 'a bracket table needs at least one bracket'));
  const brackets: Bracket[] = [];
  const exact: ExactBracket[] = [];
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i] as BracketSpec;
    const last = i === specs.length - 1;
    const numbers: Array<[string, number | undefined]> = [
      ['notionalFloorQuote', s.notionalFloorQuote],
      ['mmrFrac', s.mmrFrac],
      ['maxLeverage', s.maxLeverage],
      ['imrFrac', s.imrFrac],
    ];
    for (const [field, v] of numbers) {
      if (v !== undefined && !Number.isFinite(v)) return err(refuse('NOT_FINITE', i, `${field} is ${v}`));
    }
    if (Number.isNaN(s.notionalCapQuote) || s.notionalCapQuote === -Infinity) {
      return err(refuse('NOT_FINITE', i, `notionalCapQuote is ${s.notionalCapQuote}`));
    }
    const unbounded = s.notionalCapQuote === Infinity;
    if (unbounded && !last) {
      return err(refuse('UNBOUNDED_CAP_NOT_LAST', i, 'only the last bracket may have an unbounded cap'));
    }
    const prev = exact[i - 1];
    const prevSpec = specs[i - 1];
    if (i === 0 && s.notionalFloorQuote !== 0) {
      return err(refuse('FIRST_FLOOR_NOT_ZERO', i, `first floor must be 0, got ${s.notionalFloorQuote}`));
    }
    if (prevSpec !== undefined && s.notionalFloorQuote !== prevSpec.notionalCapQuote) {
      return err(
        refuse(
          'NOT_CONTIGUOUS',
          i,
          `floor ${s.notionalFloorQuote} must equal the previous cap ${prevSpec.notionalCapQuote}`,
        ),
      );
    }
    if (!(s.notionalCapQuote > s.notionalFloorQuote)) {
      return err(
        refuse(
          'CAP_NOT_ABOVE_FLOOR',
          i,
          `cap ${s.notionalCapQuote} must be above floor ${s.notionalFloorQuote}`,
        ),
      );
    }
    if ((s.maxLeverage === undefined) === (s.imrFrac === undefined)) {
      return err(refuse('IM_SPEC', i, 'give exactly one of maxLeverage or imrFrac'));
    }
    let imr: Rational;
    if (s.maxLeverage !== undefined) {
      if (!(s.maxLeverage >= 1)) {
        return err(refuse('LEVERAGE_OUT_OF_RANGE', i, `maxLeverage must be >= 1, got ${s.maxLeverage}`));
      }
      imr = ratDiv(ratInt(1n), ratFromNumber(s.maxLeverage));
    } else {
      const f = s.imrFrac as number;
      if (!(f > 0 && f <= 1))
        return err(refuse('IMR_OUT_OF_RANGE', i, `imrFrac must be in (0, 1], got ${f}`));
      imr = ratFromNumber(f);
    }
    if (!(s.mmrFrac >= 0 && s.mmrFrac <= 1)) {
      return err(refuse('MMR_OUT_OF_RANGE', i, `mmrFrac must be in [0, 1], got ${s.mmrFrac}`));
    }
    const mmr = ratFromNumber(s.mmrFrac);
    if (ratCmp(mmr, imr) > 0) {
      return err(
        refuse('MMR_ABOVE_IMR', i, `mmrFrac ${s.mmrFrac} is above the initial rate ${ratToNumber(imr)}`),
      );
    }
    if (prev !== undefined && ratCmp(mmr, prev.mmr) < 0) {
      return err(
        refuse('MMR_DECREASING', i, `mmrFrac ${s.mmrFrac} is below the previous ${ratToNumber(prev.mmr)}`),
      );
    }
    if (prev !== undefined && ratCmp(imr, prev.imr) < 0) {
      return err(
        refuse(
          'IMR_DECREASING',
          i,
          `initial rate ${ratToNumber(imr)} is below the previous ${ratToNumber(prev.imr)} (leverage must not rise)`,
        ),
      );
    }
    const floor = ratFromNumber(s.notionalFloorQuote);
    const cum = prev === undefined ? ratInt(0n) : ratAdd(prev.cum, ratMul(floor, ratSub(mmr, prev.mmr)));
    exact.push({ floor, cap: unbounded ? null : ratFromNumber(s.notionalCapQuote), imr, mmr, cum });
    brackets.push(
      Object.freeze({
        notionalFloorQuote: s.notionalFloorQuote,
        notionalCapQuote: s.notionalCapQuote,
        maxLeverage: s.maxLeverage ?? ratToNumber(ratDiv(ratInt(1n), imr)),
        imrFrac: ratToNumber(imr),
        mmrFrac: s.mmrFrac,
        cumQuote: ratToNumber(cum),
      }),
    );
  }
  // frozen: the exact twin below is cached per table and must not drift from it
  const table = Object.freeze({ brackets: Object.freeze(brackets) }) as unknown as BracketTable;
  EXACT.set(table, exact);
  return ok(table);
}

/** `makeBracketTable` for presets and tests: throws `BackstopError('INVARIANT')` on a bad table. */
export function bracketTableOrThrow(specs: readonly BracketSpec[]): BracketTable {
  const r = makeBracketTable(specs);
  if (!r.ok)
    throw new BackstopError('INVARIANT', `invalid bracket table: ${r.error.message}`, { ...r.error });
  return r.value;
}

/** Options for `bracketMargin`. */
export interface BracketMarginOptions {
  /**
   * Leverage the position runs at (IM = notional / leverage). Above the bracket's maximum it is
   * capped to the maximum (the conservative, larger IM) and `leverageCapped` is set — Binance
   * would refuse such a position. Default: the bracket's maximum.
   */
  readonly leverage?: number;
}

/** Margin of one notional under a bracket table. */
export interface BracketMarginResult {
  /** 0-based index of the bracket holding the notional (Binance's bracket number − 1). */
  readonly bracketIndex: number;
  readonly imQuote: number;
  readonly mmQuote: number;
  readonly mmrFrac: number;
  readonly imrFrac: number;
  readonly cumQuote: number;
  readonly maxLeverage: number;
  /** Leverage IM was computed at. */
  readonly leverageUsed: number;
  /** True when the requested leverage exceeded the bracket's maximum and was capped. */
  readonly leverageCapped: boolean;
  /** True when the notional is above the last cap (the last bracket is applied). */
  readonly aboveLastCap: boolean;
}

/** Exact form of `BracketMarginResult` (for callers that round to money). */
export interface BracketMarginExact {
  readonly bracketIndex: number;
  readonly im: Rational;
  readonly mm: Rational;
  readonly imr: Rational;
  readonly leverageCapped: boolean;
  readonly aboveLastCap: boolean;
}

function exactOf(table: BracketTable): readonly ExactBracket[] {
  const e = EXACT.get(table);
  if (e === undefined) {
    throw new BackstopError('INVARIANT', 'bracket table was not made by makeBracketTable');
  }
  return e;
}

/** Index of the bracket with floor < notional ≤ cap (0 → first); the last one above all caps. */
function findBracket(exact: readonly ExactBracket[], notional: Rational): { index: number; above: boolean } {
  let lo = 0;
  let hi = exact.length - 1;
  // first bracket whose cap ≥ notional
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const cap = (exact[mid] as ExactBracket).cap;
    if (cap === null || ratCmp(notional, cap) <= 0) hi = mid;
    else lo = mid + 1;
  }
  const cap = (exact[lo] as ExactBracket).cap;
  return { index: lo, above: cap !== null && ratCmp(notional, cap) > 0 };
}

/** Exact bracket margin of an exact notional (≥ 0). */
export function bracketMarginExact(
  table: BracketTable,
  notionalQuote: Rational,
  opts: BracketMarginOptions = {},
): BracketMarginExact {
  if (notionalQuote.num < 0n) {
    throw new BackstopError('BAD_ARGUMENT', 'notional must be >= 0', {
      notionalQuote: ratToNumber(notionalQuote),
    });
  }
  const exact = exactOf(table);
  const { index, above } = findBracket(exact, notionalQuote);
  const b = exact[index] as ExactBracket;
  let imr = b.imr;
  let leverageCapped = false;
  if (opts.leverage !== undefined) {
    if (!Number.isFinite(opts.leverage) || opts.leverage < 1) {
      throw new BackstopError('BAD_ARGUMENT', `leverage must be a finite number >= 1, got ${opts.leverage}`, {
        leverage: opts.leverage,
      });
    }
    const requested = ratDiv(ratInt(1n), ratFromNumber(opts.leverage));
    // requested IMR below the bracket's IMR ⇔ leverage above the bracket's maximum
    leverageCapped = ratCmp(requested, b.imr) < 0;
    if (!leverageCapped) imr = requested;
  }
  const mm = ratSub(ratMul(notionalQuote, b.mmr), b.cum);
  if (mm.num < 0n) throw new BackstopError('INVARIANT', 'bracket maintenance margin went negative');
  return {
    bracketIndex: index,
    im: ratMul(notionalQuote, imr),
    mm,
    imr,
    leverageCapped,
    aboveLastCap: above,
  };
}

/**
 * Margin of `notionalQuote` (≥ 0, finite; an absolute position value) under `table`:
 * MM = notional × MMR_k − cum_k, IM = notional / leverage (bracket maximum by default).
 */
export function bracketMargin(
  table: BracketTable,
  notionalQuote: number,
  opts: BracketMarginOptions = {},
): BracketMarginResult {
  if (!Number.isFinite(notionalQuote) || notionalQuote < 0) {
    throw new BackstopError('BAD_ARGUMENT', `notional must be a finite number >= 0, got ${notionalQuote}`, {
      notionalQuote,
    });
  }
  const x = bracketMarginExact(table, ratFromNumber(notionalQuote), opts);
  const b = table.brackets[x.bracketIndex] as Bracket;
  return {
    bracketIndex: x.bracketIndex,
    imQuote: ratToNumber(x.im),
    mmQuote: ratToNumber(x.mm),
    mmrFrac: b.mmrFrac,
    imrFrac: ratToNumber(x.imr),
    cumQuote: b.cumQuote,
    maxLeverage: b.maxLeverage,
    leverageUsed: ratToNumber(ratDiv(ratInt(1n), x.imr)),
    leverageCapped: x.leverageCapped,
    aboveLastCap: x.aboveLastCap,
  };
}

/**
 * Binance USDⓈ-M BTCUSDT perpetual ("125x") leverage and margin brackets, as published by
 * Binance in the announcement "Updates to Leverage and Margin Tiers of Binance Futures
 * Contracts (2021-03-18)", effective 2021-03-18 09:00 UTC (position in USDT notional,
 * `floor < position ≤ cap`). cum is computed; it matches the maintenance amounts 0, 50, 1 300,
 * 16 300, 266 300, 1 266 300, 2 516 300, 5 016 300, 25 016 300, 100 016 300 USDT (see
 * docs/presets/perp-margin.md for sources and the later changes to this table). A dated
 * snapshot: production should load the live table (GET /fapi/v1/leverageBracket).
 */
export const BINANCE_BTCUSDT_BRACKET_SPECS: readonly BracketSpec[] = [
  { notionalFloorQuote: 0, notionalCapQuote: 50_000, maxLeverage: 125, mmrFrac: 0.004 },
  { notionalFloorQuote: 50_000, notionalCapQuote: 250_000, maxLeverage: 100, mmrFrac: 0.005 },
  { notionalFloorQuote: 250_000, notionalCapQuote: 1_000_000, maxLeverage: 50, mmrFrac: 0.01 },
  { notionalFloorQuote: 1_000_000, notionalCapQuote: 10_000_000, maxLeverage: 20, mmrFrac: 0.025 },
  { notionalFloorQuote: 10_000_000, notionalCapQuote: 20_000_000, maxLeverage: 10, mmrFrac: 0.05 },
  { notionalFloorQuote: 20_000_000, notionalCapQuote: 50_000_000, maxLeverage: 5, mmrFrac: 0.1 },
  { notionalFloorQuote: 50_000_000, notionalCapQuote: 100_000_000, maxLeverage: 4, mmrFrac: 0.125 },
  { notionalFloorQuote: 100_000_000, notionalCapQuote: 200_000_000, maxLeverage: 3, mmrFrac: 0.15 },
  { notionalFloorQuote: 200_000_000, notionalCapQuote: 300_000_000, maxLeverage: 2, mmrFrac: 0.25 },
  { notionalFloorQuote: 300_000_000, notionalCapQuote: 500_000_000, maxLeverage: 1, mmrFrac: 0.5 },
];

/** `BINANCE_BTCUSDT_BRACKET_SPECS` as a validated table (see there for the source). */
export const BINANCE_BTCUSDT_BRACKETS: BracketTable = bracketTableOrThrow(BINANCE_BTCUSDT_BRACKET_SPECS);
