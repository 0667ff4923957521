import { type UnderlyingMarket, yearsTo } from '../market.ts';
import type { RiskArrays } from './risk-arrays.ts';
import type { Scenario, VolShockSpec } from './scenarios.ts';

/**
 * A scenario-grid portfolio margin model (Deribit PM / SPAN / Paradex style): revalue the
 * portfolio of one underlying on a grid, take the worst weighted loss, add contingencies,
 * apply floors; MM = mmFactor × IM. Amounts are in the settlement currency of the positions.
 */
export interface GridModelConfig {
  readonly name: string;
  readonly scenarios: readonly Scenario[];
  readonly volShock: VolShockSpec;
  /** MM = mmFactor × IM. */
  readonly mmFactor: number;
  readonly contingencies: ContingencySpec;
}

export interface ContingencySpec {
  /** Charge × spot per naked short option contract, netted per strike (calls and puts together). */
  readonly nakedShortPerStrikeFrac?: number;
  /** Charge × spot × |net perpetual + future contracts| (linear); inverse: × |contracts| in coin. */
  readonly perpFrac?: number;
  /** SPAN short option minimum: requirement ≥ frac × spot × Σ short option contracts. */
  readonly shortOptionMinimumFrac?: number;
  /** Paradex-style minimum delta charge: requirement ≥ frac × spot × |net delta|. */
  readonly minDeltaChargeFrac?: number;
  /**
   * Deribit-style roll shock on perpetuals and futures: |net contracts (base units)| ×
   * max(minAnnualisedMove, annualisedMoveRisk × √T) in the settlement currency's terms.
   */
  readonly rollShock?: { readonly minAnnualisedMove: number; readonly annualisedMoveRisk: number };
  /** SPAN net option value: long option value is credited, short option value is charged. */
  readonly netOptionValue?: boolean;
}

export interface PositionInput {
  readonly instrumentId: string;
  /** Signed contracts. */
  readonly qty: number;
}

export interface GridMarginResult {
  readonly model: string;
  readonly im: number;
  readonly mm: number;
  /** Worst weighted scenario loss as a positive amount (0 when no scenario loses). */
  readonly scanLoss: number;
  readonly bindingScenario: number | null;
  /** Weighted P&L per scenario, in the model's scenario order. */
  readonly scenarioPnl: readonly number[];
  /** Each contingency's charge (positive amounts) and which floor bound, if any. */
  readonly contingencies: Readonly<Record<string, number>>;
  readonly floor: { readonly name: string; readonly amount: number } | null;
  /** P&L of each position in the binding scenario (weighted), for explain. */
  readonly contributions: readonly {
    readonly instrumentId: string;
    readonly qty: number;
    readonly pnlAtBinding: number;
  }[];
  /** Net delta in base units (Σ qty × size × option delta by finite difference, perps 1). */
  readonly netDeltaBase: number;
}

/** Weighted scenario vector Σ qty × risk array (positions must be registered in `arrays`). */
export function scenarioVector(
  arrays: RiskArrays,
  positions: readonly PositionInput[],
  out?: Float64Array,
): Float64Array {
  const v = out ?? new Float64Array(arrays.nScenarios);
  v.fill(0);
  for (const p of positions) {
    const row = arrays.row(p.instrumentId);
    if (row === undefined) throw new RangeError(`instrument ${p.instrumentId} has no risk array`);
    arrays.accumulate(row, p.qty, v);
  }
  return v;
}

/** Index of the worst weighted scenario and its weighted P&L. */
export function worstScenario(
  v: Float64Array,
  scenarios: readonly Scenario[],
): { index: number; pnl: number } {
  let index = 0;
  let pnl = Number.POSITIVE_INFINITY;
  for (let s = 0; s < v.length; s++) {
    const w = (v[s] as number) * (scenarios[s] as Scenario).weight;
    if (w < pnl) {
      pnl = w;
      index = s;
    }
  }
  return { index, pnl };
}

/**
 * Margin of one account's positions on one underlying under a grid model. Pure: the risk arrays
 * must be current for `market`. Contingencies and floors follow `config.contingencies`.
 */
export function gridMargin(
  config: GridModelConfig,
  arrays: RiskArrays,
  market: UnderlyingMarket,
  positions: readonly PositionInput[],
): GridMarginResult {
  const v = scenarioVector(arrays, positions);
  const { index, pnl } = worstScenario(v, config.scenarios);
  const scanLoss = Math.max(0, -pnl);
  const c = config.contingencies;
  const charges: Record<string, number> = {};
  const spot = market.spot;

  let netDeltaBase = 0;
  let shortOptionContracts = 0;
  let netPerpBase = 0;
  let maxYears = 0;
  let longOptionValue = 0;
  let shortOptionValue = 0;
  const perStrike = new Map<string, { short: number; long: number }>();
  for (const p of positions) {
    const row = arrays.row(p.instrumentId) as number;
    const i = arrays.instrumentAt(row);
    netDeltaBase += p.qty * arrays.delta(row);
    if (i.kind === 'option') {
      const key = `${i.expiryUs}:${i.strike}`;
      const e = perStrike.get(key) ?? { short: 0, long: 0 };
      if (p.qty < 0) e.short += -p.qty * i.contractSize;
      else e.long += p.qty * i.contractSize;
      perStrike.set(key, e);
      if (p.qty < 0) shortOptionContracts += -p.qty * i.contractSize;
      const value = p.qty * arrays.value(row);
      if (value >= 0) longOptionValue += value;
      else shortOptionValue += -value;
    } else if (i.kind === 'perpetual' || i.kind === 'future') {
      netPerpBase += p.qty * arrays.delta(row);
      if (i.kind === 'future') maxYears = Math.max(maxYears, yearsTo(i.expiryUs, market.nowUs));
    }
  }
  if (c.nakedShortPerStrikeFrac) {
    let naked = 0;
    for (const e of perStrike.values()) naked += Math.max(0, e.short - e.long);
    charges.nakedShort = naked * spot * c.nakedShortPerStrikeFrac;
  }
  if (c.perpFrac) charges.perp = Math.abs(netPerpBase) * spot * c.perpFrac;
  if (c.rollShock && netPerpBase !== 0) {
    const move = Math.max(
      c.rollShock.minAnnualisedMove,
      c.rollShock.annualisedMoveRisk * Math.sqrt(maxYears),
    );
    charges.rollShock = Math.abs(netPerpBase) * move;
  }
  let im = scanLoss;
  for (const k of Object.keys(charges)) im += charges[k] as number;

  let floor: GridMarginResult['floor'] = null;
  const floors: [string, number][] = [];
  if (c.shortOptionMinimumFrac)
    floors.push(['shortOptionMinimum', shortOptionContracts * spot * c.shortOptionMinimumFrac]);
  if (c.minDeltaChargeFrac)
    floors.push(['minDeltaCharge', Math.abs(netDeltaBase) * spot * c.minDeltaChargeFrac]);
  for (const [name, amount] of floors) {
    if (amount > im) {
      im = amount;
      floor = { name, amount };
    }
  }
  // SPAN: the net option value is applied after the risk and its floors.
  if (c.netOptionValue) {
    charges.netOptionValue = shortOptionValue - longOptionValue;
    im += charges.netOptionValue;
  }
  im = Math.max(im, 0);
  const weight = (config.scenarios[index] as Scenario).weight;
  const contributions = positions.map((p) => ({
    instrumentId: p.instrumentId,
    qty: p.qty,
    pnlAtBinding: p.qty * arrays.pnl(arrays.row(p.instrumentId) as number, index) * weight,
  }));
  const scenarioPnl = Array.from(v, (x, s) => x * (config.scenarios[s] as Scenario).weight);
  return {
    model: config.name,
    im,
    mm: config.mmFactor * im,
    scanLoss,
    bindingScenario: positions.length === 0 ? null : index,
    scenarioPnl,
    contingencies: charges,
    floor,
    contributions,
    netDeltaBase,
  };
}
