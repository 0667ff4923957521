/**
 * Parameters of Derive v2's portfolio margin model "PMRM_2" (see derive-pm2.ts and
 * docs/presets/derive-pm2.md). Fractions are 0–1; each field names the key of the PMRM_2
 * portfolio-case files (`Parameters.*`) it corresponds to.
 */

/**
 * Vol treatment of a scenario row: `up` / `down` / `none` shock the vol by the expiry's
 * multiplier (or not); `linear` / `abs` are the skew rows (the spot shock is ignored for options).
 */
export type DerivePm2VolShock = 'up' | 'down' | 'none' | 'linear' | 'abs';

/**
 * Which family a row belongs to. It only labels the row (the binding family of an `--explain`);
 * the arithmetic depends on `volShock` alone. `skew` must go with `linear` / `abs` and only with them.
 */
export type DerivePm2RowFamily = 'regular' | 'tail' | 'skew';

export interface DerivePm2Scenario {
  /** Spot multiplier m (`SpotShock`), e.g. 1.18 for +18 %. */
  readonly spotShock: number;
  /** `VolShockDirection`: Up / Down / None / LINEAR / ABS. */
  readonly volShock: DerivePm2VolShock;
  /** Dampening d (`DampeningFactor`): the row's P&L is scaled by it; 0 switches the row off. */
  readonly dampening: number;
  readonly family: DerivePm2RowFamily;
}

export interface DerivePm2VolShockParams {
  /** `VOLRANGEUP`: up multiplier = 1 + volRangeUp·τ^p. */
  readonly volRangeUp: number;
  /** `VOLRANGEDOWN`: down multiplier = max(0, 1 − volRangeDown·τ^p). */
  readonly volRangeDown: number;
  /** `SHORTTERMPOWER`: p for expiries within 30 days. */
  readonly shortTermPower: number;
  /** `LONGTERMPOWER`: p beyond 30 days. */
  readonly longTermPower: number;
  /** `DTE_FLOOR`, in days: τ = 30 days / max(time to expiry, dteFloorDays). */
  readonly dteFloorDays: number;
  /** `MIN_VOL_EVAL_SHOCKED`: floor of the shocked vol, on Up rows only (tails included). */
  readonly minVolEvalShocked: number;
}

export interface DerivePm2SkewShockParams {
  /** `LINEAR_SCALE_CAP`: cap = linearCBase·√T + linearScaleCap. */
  readonly linearScaleCap: number;
  /** `LINEAR_CBASE`. */
  readonly linearCBase: number;
  /** `ABS_SCALE_CAP`. */
  readonly absScaleCap: number;
  /** `ABS_CBASE`. */
  readonly absCBase: number;
  /** `MIN_K_STAR`: floor of k*. */
  readonly minKStar: number;
  /** `MIN_WIDTH_SCALE`: k* = max(minKStar, minWidthScale·√T·(volParamStatic + volParamScale·√T)). */
  readonly minWidthScale: number;
  /** `VOL_PARAM_STATIC`. */
  readonly volParamStatic: number;
  /** `VOL_PARAM_SCALE`. */
  readonly volParamScale: number;
}

export interface DerivePm2MarginParams {
  /** `MM_LOSS_FACTOR`: multiplies the worst loss in MM. */
  readonly mmLossFactor: number;
  /** `IM_LOSS_FACTOR`: multiplies the worst loss in IM (plus the depeg add-on). */
  readonly imLossFactor: number;
  /** `SHORT_RATE_MULTSCALE`: short static discount S = min(1/D, neg·e^{T(r·mult + add)}). */
  readonly shortRateMultScale: number;
  /** `LONG_RATE_MULTSCALE`: long static discount L = base·e^{−T(r·mult + add)}. */
  readonly longRateMultScale: number;
  /** `SHORT_RATE_ADDSCALE`. */
  readonly shortRateAddScale: number;
  /** `LONG_RATE_ADDSCALE`. */
  readonly longRateAddScale: number;
  /** `BASE_STATIC_DISCOUNT`: base of L (applied to an expiry whose shocked value is ≥ 0). */
  readonly baseStaticDiscount: number;
  /** `BASE_STATIC_DISCOUNT_NEG`: base of S (applied to an expiry whose shocked value is < 0). */
  readonly baseStaticDiscountNeg: number;
}

export interface DerivePm2BasisParams {
  /** `SCENARIO_SPOT_UP`: spot multiplier of the basis contingency's up leg. */
  readonly scenarioSpotUp: number;
  /** `SCENARIO_SPOT_DOWN`. */
  readonly scenarioSpotDown: number;
  /** `BASIS_CONT_ADD_FACTOR`: factor = add + mult·T. */
  readonly addFactor: number;
  /** `BASIS_CONT_MULT_FACTOR`. */
  readonly multFactor: number;
}

export interface DerivePm2OtherParams {
  /** `PEG_LOSS_THRESHOLD`: below this stable price the IM loss factor grows. */
  readonly pegLossThreshold: number;
  /** `PEG_LOSS_FACTOR`: f_IM = imLossFactor + (threshold − stablePrice)·pegLossFactor. */
  readonly pegLossFactor: number;
  /** `CONF_THRESHOLD`: an oracle source with confidence strictly below it is charged. */
  readonly confThreshold: number;
  /** `CONF_MARGIN`: charge = (1 − confidence)·confMargin·notional. */
  readonly confMargin: number;
  /** `MM_PERP_PERCENT`: of |perps|·spot, in MM (and so in IM). */
  readonly mmPerpPercent: number;
  /** `IM_PERP_PERCENT`: of |perps|·spot, IM only, on top of the MM charge. */
  readonly imPerpPercent: number;
  /** `MM_OPTION_PERCENT`: of naked shorts·spot, in MM. */
  readonly mmOptionPercent: number;
  /** `IM_OPTION_PERCENT`: of naked shorts·spot, IM only. */
  readonly imOptionPercent: number;
}

export interface DerivePm2Params {
  /** The scenario rows in order (`Parameters.Scenarios`); `scenarioPnl` follows this order. */
  readonly scenarios: readonly DerivePm2Scenario[];
  readonly volShock: DerivePm2VolShockParams;
  readonly skewShock: DerivePm2SkewShockParams;
  readonly margin: DerivePm2MarginParams;
  readonly basis: DerivePm2BasisParams;
  readonly other: DerivePm2OtherParams;
}

/**
 * The regular grid of the PMRM_2 portfolio cases: ±4.5 % steps to ±13.5 % with vol Down / None /
 * Up at each, and ±18 % with vol Up only (23 rows, from +18 % down to −18 %).
 */
function regularGrid(): DerivePm2Scenario[] {
  const rows: DerivePm2Scenario[] = [{ spotShock: 1.18, volShock: 'up', dampening: 1, family: 'regular' }];
  for (const m of [1.135, 1.09, 1.045, 1, 0.955, 0.91, 0.865]) {
    for (const volShock of ['down', 'none', 'up'] as const) {
      rows.push({ spotShock: m, volShock, dampening: 1, family: 'regular' });
    }
  }
  rows.push({ spotShock: 0.82, volShock: 'up', dampening: 1, family: 'regular' });
  return rows;
}

/**
 * The default parameter set of the public PMRM_2 portfolio cases (derivexyz/v2-core @ 7736900d,
 * test/risk-managers/unit-tests/PMRM_2/portfolio_cases; most files use exactly these values). They
 * are test data, not Derive's live settings; a case that varies a parameter overrides it.
 */
export const DERIVE_PM2_TEST_PARAMS: DerivePm2Params = {
  scenarios: [
    ...regularGrid(),
    { spotShock: 0.34, volShock: 'up', dampening: 0.054545454545454536, family: 'tail' },
    { spotShock: 0.67, volShock: 'up', dampening: 0.10909090909090907, family: 'tail' },
    { spotShock: 1.5, volShock: 'up', dampening: 0.072, family: 'tail' },
    { spotShock: 2, volShock: 'up', dampening: 0.036, family: 'tail' },
    { spotShock: 3, volShock: 'up', dampening: 0.018, family: 'tail' },
    { spotShock: 4, volShock: 'up', dampening: 0.012, family: 'tail' },
    { spotShock: 1, volShock: 'linear', dampening: 1, family: 'skew' },
    { spotShock: 1, volShock: 'abs', dampening: 1, family: 'skew' },
  ],
  volShock: {
    volRangeUp: 0.5,
    volRangeDown: 0.275,
    shortTermPower: 0.3,
    longTermPower: 0.13,
    dteFloorDays: 1,
    minVolEvalShocked: 0.45,
  },
  skewShock: {
    linearScaleCap: 0.15,
    linearCBase: -0.05,
    absScaleCap: 0.15,
    absCBase: -0.05,
    minKStar: 0.01,
    minWidthScale: 4,
    volParamStatic: 0.6,
    volParamScale: -0.1,
  },
  margin: {
    mmLossFactor: 0.8,
    imLossFactor: 1,
    shortRateMultScale: 0.5,
    longRateMultScale: 1,
    shortRateAddScale: 0.08,
    longRateAddScale: 0.08,
    baseStaticDiscount: 0.95,
    baseStaticDiscountNeg: 1.04,
  },
  basis: { scenarioSpotUp: 1.045, scenarioSpotDown: 0.955, addFactor: 0.5, multFactor: 2 },
  other: {
    pegLossThreshold: 0.98,
    pegLossFactor: 2,
    confThreshold: 0.55,
    confMargin: 1,
    mmPerpPercent: 0.015,
    imPerpPercent: 0.005,
    mmOptionPercent: 0.003,
    imOptionPercent: 0.002,
  },
};
