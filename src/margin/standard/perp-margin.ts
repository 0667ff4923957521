import { BackstopError } from '../../core/errors.ts';
import { type Money, ROUND_REQUIREMENT } from '../../core/money.ts';
import { err, ok, type Result } from '../../core/result.ts';
import type { Settlement } from '../../domain/instrument.ts';
import {
  type Rational,
  ratDiv,
  ratFrac,
  ratFromNumber,
  ratInt,
  ratIsZero,
  ratMul,
  ratToMoney,
  ratToNumber,
  ratToUnits,
} from './perp-exact.ts';
import {
  DYDX_QUOTE_ATOMIC_RESOLUTION,
  type OiLiquidityTier,
  oiScaledMargin,
  validateOiLiquidityTier,
} from './perp-oi-scaled.ts';
import { type SizePremium, sizePremiumMarginExact } from './perp-size-premium.ts';
import { type Bracket, type BracketTable, bracketMarginExact } from './tiered-brackets.ts';

/**
 * One entry point for perpetual / future margin, so the engine can pick a model per instrument:
 * tiered brackets (Binance), open-interest-scaled IMF (dYdX v4), or a flat IMF/MMF with an
 * optional Drift-style size premium. Everything is computed exactly (perp-exact.ts); float
 * outputs are the nearest doubles, and `money` (when asked for) is rounded UP once
 * (`ROUND_REQUIREMENT`).
 */

/** The position to margin. Only its size matters (the sign is ignored). */
export interface PerpMarginPosition {
  /**
   * Signed size. Without `contractSize`: base units (coins). With `contractSize`: contracts, each
   * worth `contractSize` base units (linear) or `contractSize` quote units (inverse), as in
   * domain/instrument.ts.
   */
  readonly qtyBase: number;
  /** Mark price, quote per base (> 0). */
  readonly markPrice: number;
  readonly settlement: Settlement;
  readonly contractSize?: number;
}

/** Margin model of one instrument. */
export type PerpMarginModel =
  | {
      readonly kind: 'brackets';
      readonly table: BracketTable;
      /** Leverage of the position (IM = notional / leverage); default the bracket's maximum. */
      readonly leverage?: number;
    }
  | {
      readonly kind: 'oi-scaled';
      readonly tier: OiLiquidityTier;
      /** The market's open notional, quote quantums (dYdX: OI × oracle price). */
      readonly openInterestQuoteQuantums: bigint;
      /** Quote atomic resolution (one quantum = 10^res quote); default −6 (USDC). */
      readonly quoteAtomicResolution?: number;
    }
  | {
      readonly kind: 'flat';
      /** Initial margin fraction, 0 < imfFrac ≤ 1. */
      readonly imfFrac: number;
      /** Maintenance margin fraction, 0 ≤ mmfFrac ≤ imfFrac. */
      readonly mmfFrac: number;
      /** Drift-style premium on both fractions: max(f, 0.8 f + imfFactor √|sizeBase|). */
      readonly sizePremium?: SizePremium;
    };

export interface PerpMarginOptions {
  /**
   * Also return IM and MM as `Money` in the settlement currency — quote for linear, coin for
   * inverse — rounded up at `scale`.
   */
  readonly money?: { readonly currency: string; readonly scale: number };
}

export type PerpMarginExplain =
  | {
      readonly kind: 'brackets';
      /** 0-based bracket index (Binance bracket number − 1). */
      readonly bracketIndex: number;
      readonly bracket: Bracket;
      readonly leverageUsed: number;
      readonly leverageCapped: boolean;
      readonly aboveLastCap: boolean;
      readonly lines: readonly string[];
    }
  | {
      readonly kind: 'oi-scaled';
      /** Quantum counts as decimal strings (JSON-safe). */
      readonly notionalQuoteQuantums: string;
      readonly openInterestQuoteQuantums: string;
      readonly imfPpm: number;
      readonly baseImfPpm: number;
      readonly maintenanceFractionPpm: number;
      readonly imQuoteQuantums: string;
      readonly mmQuoteQuantums: string;
      readonly lines: readonly string[];
    }
  | {
      readonly kind: 'flat';
      readonly baseImfFrac: number;
      readonly baseMmfFrac: number;
      /** 0 when there is no size premium. */
      readonly imfFactor: number;
      readonly premiumApplied: boolean;
      readonly lines: readonly string[];
    };

export interface PerpMarginResult {
  /** |position| value in quote (inverse: contracts × contract size). */
  readonly notionalQuote: number;
  /** |position| in base units (inverse: notional / mark). */
  readonly sizeBase: number;
  readonly imQuote: number;
  readonly mmQuote: number;
  /** Effective rates imQuote / notional and mmQuote / notional (the model's rate at zero notional). */
  readonly imFrac: number;
  readonly mmFrac: number;
  /** Inverse contracts only: IM and MM in coin = quote / mark. */
  readonly imCoin?: number;
  readonly mmCoin?: number;
  /** With `opts.money`: IM and MM in the settlement currency, rounded up. */
  readonly imMoney?: Money;
  readonly mmMoney?: Money;
  readonly explain: PerpMarginExplain;
}

export type PerpMarginModelErrorCode =
  | 'FLAT_IMF_OUT_OF_RANGE'
  | 'FLAT_MMF_OUT_OF_RANGE'
  | 'SIZE_PREMIUM_OUT_OF_RANGE'
  | 'BRACKET_LEVERAGE_OUT_OF_RANGE'
  | 'OI_TIER_INVALID'
  | 'OI_NEGATIVE'
  | 'QUOTE_RESOLUTION_INVALID';

export interface PerpMarginModelError {
  readonly code: PerpMarginModelErrorCode;
  readonly message: string;
}

/** Checks a model's configuration (bracket tables are already checked by `makeBracketTable`). */
export function validatePerpMarginModel(
  model: PerpMarginModel,
): Result<PerpMarginModel, PerpMarginModelError> {
  const bad = (code: PerpMarginModelErrorCode, message: string) => err({ code, message });
  switch (model.kind) {
    case 'brackets':
      if (model.leverage !== undefined && !(Number.isFinite(model.leverage) && model.leverage >= 1)) {
        return bad(
          'BRACKET_LEVERAGE_OUT_OF_RANGE',
          `leverage must be a finite number >= 1, got ${model.leverage}`,
        );
      }
      return ok(model);
    case 'oi-scaled': {
      const t = validateOiLiquidityTier(model.tier);
      if (!t.ok) return bad('OI_TIER_INVALID', t.error.message);
      if (model.openInterestQuoteQuantums < 0n)
        return bad('OI_NEGATIVE', 'openInterestQuoteQuantums must be >= 0');
      const res = model.quoteAtomicResolution ?? DYDX_QUOTE_ATOMIC_RESOLUTION;
      if (!Number.isInteger(res) || res > 0 || res < -18) {
        return bad(
          'QUOTE_RESOLUTION_INVALID',
          `quoteAtomicResolution must be an integer in -18..0, got ${res}`,
        );
      }
      return ok(model);
    }
    case 'flat': {
      if (!(Number.isFinite(model.imfFrac) && model.imfFrac > 0 && model.imfFrac <= 1)) {
        return bad('FLAT_IMF_OUT_OF_RANGE', `imfFrac must be in (0, 1], got ${model.imfFrac}`);
      }
      if (!(Number.isFinite(model.mmfFrac) && model.mmfFrac >= 0 && model.mmfFrac <= model.imfFrac)) {
        return bad('FLAT_MMF_OUT_OF_RANGE', `mmfFrac must be in [0, imfFrac], got ${model.mmfFrac}`);
      }
      const f = model.sizePremium?.imfFactor;
      if (f !== undefined && !(Number.isFinite(f) && f >= 0)) {
        return bad(
          'SIZE_PREMIUM_OUT_OF_RANGE',
          `sizePremium.imfFactor must be a finite number >= 0, got ${f}`,
        );
      }
      return ok(model);
    }
  }
}

function positive(name: string, x: number): Rational {
  if (!Number.isFinite(x) || x <= 0) {
    throw new BackstopError('BAD_ARGUMENT', `${name} must be a finite number > 0, got ${x}`, { [name]: x });
  }
  return ratFromNumber(x);
}

interface Sized {
  readonly notional: Rational;
  readonly size: Rational;
}

function sizeOf(p: PerpMarginPosition): Sized {
  if (!Number.isFinite(p.qtyBase)) {
    throw new BackstopError('BAD_ARGUMENT', `qtyBase must be finite, got ${p.qtyBase}`, {
      qtyBase: p.qtyBase,
    });
  }
  const qty = ratFromNumber(Math.abs(p.qtyBase));
  const mark = positive('markPrice', p.markPrice);
  const cs = p.contractSize === undefined ? null : positive('contractSize', p.contractSize);
  if (p.settlement === 'linear') {
    const size = cs === null ? qty : ratMul(qty, cs);
    return { size, notional: ratMul(size, mark) };
  }
  if (cs === null) return { size: qty, notional: ratMul(qty, mark) };
  const notional = ratMul(qty, cs);
  return { notional, size: ratDiv(notional, mark) };
}

interface Computed {
  readonly im: Rational;
  readonly mm: Rational;
  readonly zeroImFrac: number;
  readonly zeroMmFrac: number;
  readonly explain: PerpMarginExplain;
}

const fmt = (x: number): string => String(x);

function computeBrackets(
  model: Extract<PerpMarginModel, { kind: 'brackets' }>,
  s: Sized,
  n: number,
): Computed {
  const x = bracketMarginExact(
    model.table,
    s.notional,
    model.leverage === undefined ? {} : { leverage: model.leverage },
  );
  const b = model.table.brackets[x.bracketIndex] as Bracket;
  const leverageUsed = ratToNumber(ratDiv(ratInt(1n), x.imr));
  const im = ratToNumber(x.im);
  const mm = ratToNumber(x.mm);
  const first = model.table.brackets[0] as Bracket;
  return {
    im: x.im,
    mm: x.mm,
    zeroImFrac: first.imrFrac,
    zeroMmFrac: first.mmrFrac,
    explain: {
      kind: 'brackets',
      bracketIndex: x.bracketIndex,
      bracket: b,
      leverageUsed,
      leverageCapped: x.leverageCapped,
      aboveLastCap: x.aboveLastCap,
      lines: [
        `notional ${fmt(n)} in bracket ${x.bracketIndex + 1} (${fmt(b.notionalFloorQuote)} < N ≤ ${fmt(b.notionalCapQuote)})` +
          (x.aboveLastCap ? ' — above the last cap, last bracket applied' : ''),
        `MM = N × MMR − cum = ${fmt(n)} × ${fmt(b.mmrFrac)} − ${fmt(b.cumQuote)} = ${fmt(mm)}`,
        `IM = N / leverage = ${fmt(n)} / ${fmt(leverageUsed)} = ${fmt(im)}` +
          (x.leverageCapped
            ? ` (requested leverage above the bracket maximum ${fmt(b.maxLeverage)}, capped)`
            : ''),
      ],
    },
  };
}

function computeOiScaled(model: Extract<PerpMarginModel, { kind: 'oi-scaled' }>, s: Sized): Computed {
  const res = model.quoteAtomicResolution ?? DYDX_QUOTE_ATOMIC_RESOLUTION;
  const quantum = ratFrac(1n, 10n ** BigInt(-res));
  // dYdX prices notional down to whole quote quantums (BaseToQuoteQuantums truncates).
  const notionalQ = ratToUnits(s.notional, -res, 'floor');
  const m = oiScaledMargin(model.tier, notionalQ, model.openInterestQuoteQuantums);
  const { initialMarginPpm, maintenanceFractionPpm } = model.tier;
  const baseMmFrac = (initialMarginPpm * maintenanceFractionPpm) / 1e12;
  return {
    im: ratMul(ratInt(m.imQuoteQuantums), quantum),
    mm: ratMul(ratInt(m.mmQuoteQuantums), quantum),
    zeroImFrac: Number(m.imfPpm) / 1e6,
    zeroMmFrac: baseMmFrac,
    explain: {
      kind: 'oi-scaled',
      notionalQuoteQuantums: notionalQ.toString(),
      openInterestQuoteQuantums: model.openInterestQuoteQuantums.toString(),
      imfPpm: Number(m.imfPpm),
      baseImfPpm: initialMarginPpm,
      maintenanceFractionPpm,
      imQuoteQuantums: m.imQuoteQuantums.toString(),
      mmQuoteQuantums: m.mmQuoteQuantums.toString(),
      lines: [
        `notional ${notionalQ} quote quantums (10^${res}); open notional ${model.openInterestQuoteQuantums}`,
        `effective IMF ${m.imfPpm} ppm (base ${initialMarginPpm} ppm, caps ${model.tier.openInterestLowerCapQuoteQuantums}–${model.tier.openInterestUpperCapQuoteQuantums})`,
        `IM = ⌈${notionalQ} × ${m.imfPpm} / 10^6⌉ = ${m.imQuoteQuantums} quantums`,
        `MM = ⌈⌈${notionalQ} × ${initialMarginPpm} / 10^6⌉ × ${maintenanceFractionPpm} / 10^6⌉ = ${m.mmQuoteQuantums} quantums`,
      ],
    },
  };
}

function computeFlat(
  model: Extract<PerpMarginModel, { kind: 'flat' }>,
  s: Sized,
  sizeBase: number,
): Computed {
  const factor = model.sizePremium?.imfFactor ?? 0;
  const factorQ = ratFromNumber(factor);
  const imfQ = sizePremiumMarginExact(ratFromNumber(model.imfFrac), s.size, factorQ);
  const mmfQ = sizePremiumMarginExact(ratFromNumber(model.mmfFrac), s.size, factorQ);
  const imfFrac = ratToNumber(imfQ);
  const mmfFrac = ratToNumber(mmfQ);
  const premiumApplied = imfFrac !== model.imfFrac || mmfFrac !== model.mmfFrac;
  const im = ratMul(s.notional, imfQ);
  const mm = ratMul(s.notional, mmfQ);
  const lines = [
    factor === 0
      ? `IMF ${fmt(model.imfFrac)}, MMF ${fmt(model.mmfFrac)} (no size premium)`
      : `size premium: f = max(base, 0.8 × base + ${fmt(factor)} × √${fmt(sizeBase)}) → IMF ${fmt(imfFrac)}, MMF ${fmt(mmfFrac)}`,
    `IM = ${fmt(ratToNumber(s.notional))} × ${fmt(imfFrac)} = ${fmt(ratToNumber(im))}`,
    `MM = ${fmt(ratToNumber(s.notional))} × ${fmt(mmfFrac)} = ${fmt(ratToNumber(mm))}`,
  ];
  return {
    im,
    mm,
    zeroImFrac: model.imfFrac,
    zeroMmFrac: model.mmfFrac,
    explain: {
      kind: 'flat',
      baseImfFrac: model.imfFrac,
      baseMmfFrac: model.mmfFrac,
      imfFactor: factor,
      premiumApplied,
      lines,
    },
  };
}

/**
 * Initial and maintenance margin of one perpetual / future position under `model`.
 * Throws `BackstopError('BAD_ARGUMENT')` on an invalid position or model (check configuration at
 * load time with `validatePerpMarginModel` / `makeBracketTable`).
 */
export function perpMargin(
  position: PerpMarginPosition,
  model: PerpMarginModel,
  opts: PerpMarginOptions = {},
): PerpMarginResult {
  const valid = validatePerpMarginModel(model);
  if (!valid.ok) throw new BackstopError('BAD_ARGUMENT', valid.error.message, { code: valid.error.code });
  const s = sizeOf(position);
  const notionalQuote = ratToNumber(s.notional);
  const sizeBase = ratToNumber(s.size);
  const c =
    model.kind === 'brackets'
      ? computeBrackets(model, s, notionalQuote)
      : model.kind === 'oi-scaled'
        ? computeOiScaled(model, s)
        : computeFlat(model, s, sizeBase);
  const zero = ratIsZero(s.notional);
  const inverse = position.settlement === 'inverse';
  const mark = ratFromNumber(position.markPrice);
  const imCoin = inverse ? ratDiv(c.im, mark) : null;
  const mmCoin = inverse ? ratDiv(c.mm, mark) : null;
  const m = opts.money;
  const imSettle = imCoin ?? c.im;
  const mmSettle = mmCoin ?? c.mm;
  return {
    notionalQuote,
    sizeBase,
    imQuote: ratToNumber(c.im),
    mmQuote: ratToNumber(c.mm),
    imFrac: zero ? c.zeroImFrac : ratToNumber(ratDiv(c.im, s.notional)),
    mmFrac: zero ? c.zeroMmFrac : ratToNumber(ratDiv(c.mm, s.notional)),
    ...(imCoin !== null && mmCoin !== null
      ? { imCoin: ratToNumber(imCoin), mmCoin: ratToNumber(mmCoin) }
      : {}),
    ...(m === undefined
      ? {}
      : {
          imMoney: ratToMoney(imSettle, m.scale, m.currency, ROUND_REQUIREMENT),
          mmMoney: ratToMoney(mmSettle, m.scale, m.currency, ROUND_REQUIREMENT),
        }),
    explain: c.explain,
  };
}
