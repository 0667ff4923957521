/**
 * A scenario of a portfolio grid: a relative move of the underlying, a vol state and a weight
 * (1 for regular rows; < 1 for dampened tails or SPAN's extreme moves at 35 %).
 */
export type VolState = 'up' | 'down' | 'none';

export interface Scenario {
  /** Relative move of spot and forwards, e.g. −0.18. */
  readonly move: number;
  readonly vol: VolState;
  readonly weight: number;
  /** Family, for explain: regular rows, tails / extremes. */
  readonly family: 'regular' | 'tail';
  /**
   * Revaluation point of coin-settled (inverse) P&L (Deribit's extended table). When set, the coin
   * P&L of every inverse position in this scenario is taken in quote terms at the shocked price
   * spot × (1 + move) and converted back to coin at spot × (1 + valuationMove), i.e. multiplied by
   * (1 + move) / (1 + valuationMove) (see `valuationFactor`). Linear positions are unaffected.
   * With valuationMove = ±range and weight = range / |move|, a linear or inverse delta-one
   * position's tail P&L equals its P&L at the ±range row. Omitted: no conversion.
   */
  readonly valuationMove?: number;
  /**
   * Dampener (Deribit's extended table): the portfolio's weighted P&L in this scenario is moved
   * toward 0 by this amount, given in the quote currency (USD); for a coin-settled book it is
   * converted at spot × (1 + (valuationMove ?? move)). Omitted: 0.
   */
  readonly dampenerQuote?: number;
  /** Skew scenario: option vols are tilted by log-moneyness instead of shifted (see `SkewShock`). */
  readonly skew?: SkewShock;
}

/**
 * A skew scenario (Derive PM2's LINEAR / ABS rows as additive grid rows): with k = ln(K/F), q =
 * √T, cap = capBase·q + capScale and k* = max(minKStar, minWidthScale·q·(volParamStatic +
 * volParamScale·q)), the vol multiplier is 1 + sign·clamp(x·cap/k*, −cap, cap) where x = k
 * (`linear`: puts' wing down, calls' up for sign +1) or |k| (`abs`: both wings up); σ' = σ ×
 * max(0, multiplier). Use both signs as two rows to catch either tilt.
 */
export interface SkewShock {
  readonly shape: 'linear' | 'abs';
  readonly sign: 1 | -1;
  readonly capBase: number;
  readonly capScale: number;
  readonly minKStar: number;
  readonly minWidthScale: number;
  readonly volParamStatic: number;
  readonly volParamScale: number;
}

/** Vol multiplier of a skew scenario for an option at log-moneyness k with T years left. */
export function skewMultiplier(skew: SkewShock, logMoneyness: number, timeYears: number): number {
  const q = Math.sqrt(Math.max(timeYears, 0));
  const cap = skew.capBase * q + skew.capScale;
  const kStar = Math.max(
    skew.minKStar,
    skew.minWidthScale * q * (skew.volParamStatic + skew.volParamScale * q),
  );
  const x = skew.shape === 'abs' ? Math.abs(logMoneyness) : logMoneyness;
  const tilt = Math.max(-cap, Math.min(cap, (x * cap) / kStar));
  return Math.max(0, 1 + skew.sign * tilt);
}

/** Multiplier applied to an inverse position's coin P&L in scenario `s` (1 without `valuationMove`). */
export function valuationFactor(s: Scenario): number {
  return s.valuationMove === undefined ? 1 : (1 + s.move) / (1 + s.valuationMove);
}

/**
 * How vol is shocked per option, scaled by time to expiry as Deribit and Derive do:
 * with τ = pivotDays / max(days to expiry, floorDays) and p = shortTermPower when days ≤
 * pivotDays else longTermPower, up = 1 + upFrac·τ^p and down = max(0, 1 − downFrac·τ^p)
 * (relative mode: σ' = σ × factor, with σ' ≥ minVolUp on up rows); absolute mode (SPAN):
 * σ' = σ ± upFrac / downFrac vol points, not scaled by time.
 */
export interface VolShockSpec {
  readonly mode: 'relative' | 'absolute';
  readonly upFrac: number;
  readonly downFrac: number;
  readonly pivotDays: number;
  readonly floorDays: number;
  readonly shortTermPower: number;
  readonly longTermPower: number;
  readonly minVolUp: number;
}

/** No vol shock: every scenario keeps the vols (perpetual-only grids, ES-from-history grids). */
export const NO_VOL_SHOCK: VolShockSpec = {
  mode: 'relative',
  upFrac: 0,
  downFrac: 0,
  pivotDays: 30,
  floorDays: 1,
  shortTermPower: 0,
  longTermPower: 0,
  minVolUp: 0,
};

export function shockedVol(spec: VolShockSpec, vol: number, state: VolState, daysToExpiry: number): number {
  if (state === 'none') return vol;
  if (spec.mode === 'absolute') return Math.max(0, state === 'up' ? vol + spec.upFrac : vol - spec.downFrac);
  const tau = spec.pivotDays / Math.max(daysToExpiry, spec.floorDays);
  const p = daysToExpiry <= spec.pivotDays ? spec.shortTermPower : spec.longTermPower;
  const scale = tau ** p;
  return state === 'up'
    ? Math.max(spec.minVolUp, vol * (1 + spec.upFrac * scale))
    : vol * Math.max(0, 1 - spec.downFrac * scale);
}

/** `buckets` evenly spaced moves per side out to ±range (e.g. 0.18 and 4 → ±4.5 %, ±9 % …, 0). */
export function evenMoves(range: number, buckets: number): number[] {
  const out: number[] = [];
  for (let k = -buckets; k <= buckets; k++) out.push((range * k) / buckets);
  return out;
}

/** Regular rows: every move × every vol state, weight 1. */
export function regularGrid(moves: readonly number[], volStates: readonly VolState[]): Scenario[] {
  const out: Scenario[] = [];
  for (const move of moves)
    for (const vol of volStates) out.push({ move, vol, weight: 1, family: 'regular' });
  return out;
}
