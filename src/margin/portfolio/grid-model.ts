import type { Instrument } from '../../domain/instrument.ts';
import { empiricalVarEs } from '../../risk/estimators/common.ts';
import { type UnderlyingMarket, yearsTo } from '../market.ts';
import type { RiskArrays } from './risk-arrays.ts';
import { type Scenario, type VolShockSpec, valuationFactor } from './scenarios.ts';

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
  /**
   * How scenario P&Ls become the scan loss: the worst scenario (default, Deribit / SPAN style), or
   * Expected Shortfall per scenario family — empirical ES (type-7 VaR, mean of the losses at or
   * beyond it) of the `regular` rows and of the `tail` rows separately, the larger binding
   * (STANS / Prisma style: filtered-historical scenarios floored by a stressed period).
   */
  readonly aggregation?: { readonly kind: 'worst' } | { readonly kind: 'es'; readonly confidence: number };
}

export interface ContingencySpec {
  /** Charge × spot per naked short option contract, netted per strike (calls and puts together); coin-settled books: × 1 (in coin). */
  readonly nakedShortPerStrikeFrac?: number;
  /** Charge × spot × |net perpetual + future delta in base units|; coin-settled books: × 1 (in coin). */
  readonly perpFrac?: number;
  /** SPAN short option minimum: requirement ≥ frac × spot × short option contracts (see method). */
  readonly shortOptionMinimumFrac?: number;
  /**
   * How the short option minimum counts short options: 'total' (default) = short calls + short
   * puts; 'maxCallsPuts' = max(short calls, short puts) — CME's method since July 1999 (CME
   * Clearing advisory 99-65).
   */
  readonly shortOptionMinimumMethod?: 'total' | 'maxCallsPuts';
  /** Paradex-style minimum delta charge: requirement ≥ frac × spot × |net delta|. */
  readonly minDeltaChargeFrac?: number;
  /**
   * Paradex's minimum delta requirement (a floor): (netFrac × |net Δ| + hedgedFrac × hedged Δ)
   * × spot, hedged Δ = (gross Δ − |net Δ|) / 2, gross Δ = Σ |position delta|. In the book's
   * settlement currency (coin-settled books: × 1 instead of × spot).
   */
  readonly minDeltaRequirement?: { readonly netFrac: number; readonly hedgedFrac: number };
  /**
   * Deribit-style roll shock on perpetuals and futures: per expiry bucket (all perpetuals form one
   * bucket, T = 0), |net delta (base units)| × max(minAnnualisedMove, annualisedMoveRisk × T),
   * T in years, summed over buckets — buckets do not offset each other. In the settlement
   * currency (inverse: coin, × 1; linear: × spot). `includeOptionDelta` adds each option's delta
   * to its expiry's bucket (default false: futures and perpetuals only).
   */
  readonly rollShock?: {
    readonly minAnnualisedMove: number;
    readonly annualisedMoveRisk: number;
    readonly includeOptionDelta?: boolean;
  };
  /**
   * Deribit-style delta (liquidity) shock: with D = |net delta| in base units and excess =
   * max(0, D − thresholdQuote / spot), charge D × min(maxShock, mInc × excess) in the settlement
   * currency (coin-settled books: coin; linear: × spot).
   */
  readonly deltaLiquidityShock?: {
    readonly thresholdQuote: number;
    readonly mInc: number;
    readonly maxShock: number;
  };
  /** SPAN net option value: long option value is credited, short option value is charged. */
  readonly netOptionValue?: boolean;
  /**
   * IM = multiplier × requirement (after floors and net option value), e.g. SPAN's initial-to-
   * maintenance ratio 1.1 when the scan ranges are maintenance levels. Default 1.
   */
  readonly requirementMultiplier?: number;
}

export interface PositionInput {
  readonly instrumentId: string;
  /** Signed contracts. */
  readonly qty: number;
  /** The instrument's risk-array row, when the caller has resolved it (saves a lookup). */
  readonly row?: number;
}

function rowOf(arrays: RiskArrays, p: PositionInput): number {
  const row = p.row ?? arrays.row(p.instrumentId);
  if (row === undefined) throw new RangeError(`instrument ${p.instrumentId} has no risk array`);
  return row;
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
  /**
   * P&L of each position in the binding scenario (weighted, inverse revaluation applied), for
   * explain. Before any portfolio-level dampener, so they need not sum to the binding P&L then.
   */
  readonly contributions: readonly {
    readonly instrumentId: string;
    readonly qty: number;
    readonly pnlAtBinding: number;
  }[];
  /** Net delta in base units (Σ qty × size × option delta by finite difference, perps 1). */
  readonly netDeltaBase: number;
}

/** Options of `gridMargin` for hot loops (venue-wide re-margining). */
export interface GridMarginOptions {
  /** false: skip `contributions` and `scenarioPnl` (both returned empty). Default true. */
  readonly detail?: boolean;
  /** Reused buffer of length nScenarios for the scenario vector (overwritten). */
  readonly scratch?: Float64Array;
}

/** Weighted scenario vector Σ qty × risk array (positions must be registered in `arrays`). */
export function scenarioVector(
  arrays: RiskArrays,
  positions: readonly PositionInput[],
  out?: Float64Array,
): Float64Array {
  const v = out ?? new Float64Array(arrays.nScenarios);
  v.fill(0);
  for (let j = 0; j < positions.length; j++) {
    const p = positions[j] as PositionInput;
    arrays.accumulate(rowOf(arrays, p), p.qty, v);
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
 * The amount a base-unit quantity is worth in an instrument's settlement currency per unit of
 * spot move: coin-settled (inverse) instruments settle base amounts in coin (× 1), linear ones in
 * the quote currency (× spot).
 */
function settlementPerBase(i: Instrument, spot: number): number {
  return i.kind !== 'index' && i.kind !== 'spot' && i.settlement === 'inverse' ? 1 : spot;
}

/** Paradex's minimum delta requirement in base units (× spot for quote terms); see ContingencySpec. */
export function minDeltaRequirementBase(
  netDelta: number,
  grossDelta: number,
  spec: { readonly netFrac: number; readonly hedgedFrac: number },
): number {
  const net = Math.abs(netDelta);
  const hedged = Math.max(0, grossDelta - net) / 2;
  return spec.netFrac * net + spec.hedgedFrac * hedged;
}

/**
 * Margin of one account's positions on one underlying under a grid model. Pure: the risk arrays
 * must be current for `market`. Contingencies and floors follow `config.contingencies`.
 *
 * Scenario P&L = Σ qty × risk array × weight; in scenarios with `valuationMove` inverse positions
 * are re-expressed at that price, and with `dampenerQuote` the portfolio P&L is moved toward 0 by
 * the dampener (Deribit's extended table). IM = worst loss + charges (naked shorts, perps, roll
 * shock, delta shock), raised to any floor (short option minimum, minimum delta), plus SPAN's net
 * option value, ≥ 0, × `requirementMultiplier`; MM = mmFactor × IM. A book whose positions are all
 * inverse is coin-settled: book-level amounts (dampener, delta charges) are then in coin.
 */
function isInverse(i: Instrument): boolean {
  return i.kind !== 'index' && i.kind !== 'spot' && i.settlement === 'inverse';
}

export function gridMargin(
  config: GridModelConfig,
  arrays: RiskArrays,
  market: UnderlyingMarket,
  positions: readonly PositionInput[],
  opts: GridMarginOptions = {},
): GridMarginResult {
  const scenarios = config.scenarios;
  const spot = market.spot;
  const detail = opts.detail ?? true;
  const v = scenarioVector(arrays, positions, opts.scratch);
  let coinBook = positions.length > 0;
  for (let j = 0; j < positions.length && coinBook; j++) {
    coinBook = isInverse(arrays.instrumentAt(rowOf(arrays, positions[j] as PositionInput)));
  }
  const bookPerBase = coinBook ? 1 : spot;

  // Weighted scenario P&L with the extended-table revaluation and dampener (in place).
  const weighted = v;
  for (let k = 0; k < v.length; k++) {
    const sc = scenarios[k] as Scenario;
    let x = v[k] as number;
    if (sc.valuationMove !== undefined) {
      const f = valuationFactor(sc);
      x = 0;
      for (let j = 0; j < positions.length; j++) {
        const p = positions[j] as PositionInput;
        const row = rowOf(arrays, p);
        x += p.qty * arrays.pnl(row, k) * (isInverse(arrays.instrumentAt(row)) ? f : 1);
      }
    }
    x *= sc.weight;
    if (sc.dampenerQuote) {
      const d = coinBook ? sc.dampenerQuote / (spot * (1 + (sc.valuationMove ?? sc.move))) : sc.dampenerQuote;
      const left = Math.abs(x) - d;
      x = left > 0 ? Math.sign(x) * left : 0;
    }
    weighted[k] = x;
  }
  let index = 0;
  let pnl = Number.POSITIVE_INFINITY;
  for (let k = 0; k < weighted.length; k++) {
    if ((weighted[k] as number) < pnl) {
      pnl = weighted[k] as number;
      index = k;
    }
  }
  if (weighted.length === 0) pnl = 0;
  let scanLoss = Math.max(0, -pnl);
  if (config.aggregation?.kind === 'es' && weighted.length > 0) {
    scanLoss = 0;
    for (const family of ['regular', 'tail'] as const) {
      const rows: number[] = [];
      for (let k = 0; k < weighted.length; k++)
        if ((scenarios[k] as Scenario).family === family) rows.push(weighted[k] as number);
      if (rows.length > 0)
        scanLoss = Math.max(scanLoss, empiricalVarEs(rows, config.aggregation.confidence).es);
    }
  }
  const c = config.contingencies;
  const charges: Record<string, number> = {};

  let netDeltaBase = 0;
  let grossDeltaBase = 0;
  let shortCalls = 0;
  let shortPuts = 0;
  let netPerpBase = 0;
  let longOptionValue = 0;
  let shortOptionValue = 0;
  // Per-strike netting and option values only when a contingency needs them (hot path).
  const perStrike = c.nakedShortPerStrikeFrac ? new Map<string, { short: number; long: number }>() : null;
  /** Roll-shock buckets: expiry (0 for perpetuals) and settlement → net base delta. */
  const rollBuckets = new Map<string, { years: number; perBase: number; base: number }>();
  for (let j = 0; j < positions.length; j++) {
    const p = positions[j] as PositionInput;
    const row = rowOf(arrays, p);
    const i = arrays.instrumentAt(row);
    const delta = p.qty * arrays.delta(row);
    netDeltaBase += delta;
    grossDeltaBase += Math.abs(delta);
    let rollExpiry: number | null = null;
    if (i.kind === 'option') {
      if (perStrike) {
        const key = `${i.expiryUs}:${i.strike}`;
        const e = perStrike.get(key) ?? { short: 0, long: 0 };
        if (p.qty < 0) e.short += -p.qty * i.contractSize;
        else e.long += p.qty * i.contractSize;
        perStrike.set(key, e);
      }
      if (p.qty < 0) {
        if (i.right === 'call') shortCalls += -p.qty * i.contractSize;
        else shortPuts += -p.qty * i.contractSize;
      }
      if (c.netOptionValue) {
        const value = p.qty * arrays.value(row);
        if (value >= 0) longOptionValue += value;
        else shortOptionValue += -value;
      }
      if (c.rollShock?.includeOptionDelta) rollExpiry = i.expiryUs;
    } else if (i.kind === 'perpetual' || i.kind === 'future') {
      netPerpBase += delta;
      rollExpiry = i.kind === 'future' ? i.expiryUs : 0;
    }
    if (c.rollShock && rollExpiry !== null) {
      const key = `${rollExpiry}:${isInverse(i) ? 'inverse' : 'linear'}`;
      const b = rollBuckets.get(key) ?? {
        years: rollExpiry === 0 ? 0 : yearsTo(rollExpiry, market.nowUs),
        perBase: settlementPerBase(i, spot),
        base: 0,
      };
      b.base += delta;
      rollBuckets.set(key, b);
    }
  }
  if (c.nakedShortPerStrikeFrac && perStrike) {
    let naked = 0;
    for (const e of perStrike.values()) naked += Math.max(0, e.short - e.long);
    charges.nakedShort = naked * bookPerBase * c.nakedShortPerStrikeFrac;
  }
  if (c.perpFrac) charges.perp = Math.abs(netPerpBase) * bookPerBase * c.perpFrac;
  if (c.rollShock && rollBuckets.size > 0) {
    const { minAnnualisedMove, annualisedMoveRisk } = c.rollShock;
    let roll = 0;
    for (const b of rollBuckets.values()) {
      roll += Math.abs(b.base) * Math.max(minAnnualisedMove, annualisedMoveRisk * b.years) * b.perBase;
    }
    charges.rollShock = roll;
  }
  if (c.deltaLiquidityShock && positions.length > 0) {
    const { thresholdQuote, mInc, maxShock } = c.deltaLiquidityShock;
    const d = Math.abs(netDeltaBase);
    const excess = Math.max(0, d - thresholdQuote / spot);
    charges.deltaShock = d * Math.min(maxShock, mInc * excess) * bookPerBase;
  }
  let im = scanLoss;
  for (const k of Object.keys(charges)) im += charges[k] as number;

  let floor: GridMarginResult['floor'] = null;
  const floors: [string, number][] = [];
  if (c.shortOptionMinimumFrac) {
    const count =
      c.shortOptionMinimumMethod === 'maxCallsPuts'
        ? Math.max(shortCalls, shortPuts)
        : shortCalls + shortPuts;
    floors.push(['shortOptionMinimum', count * bookPerBase * c.shortOptionMinimumFrac]);
  }
  if (c.minDeltaChargeFrac)
    floors.push(['minDeltaCharge', Math.abs(netDeltaBase) * bookPerBase * c.minDeltaChargeFrac]);
  if (c.minDeltaRequirement)
    floors.push([
      'minDeltaRequirement',
      minDeltaRequirementBase(netDeltaBase, grossDeltaBase, c.minDeltaRequirement) * bookPerBase,
    ]);
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
  im = Math.max(im, 0) * (c.requirementMultiplier ?? 1);
  const binding = scenarios[index] as Scenario | undefined;
  const weight = binding?.weight ?? 0;
  const f = binding ? valuationFactor(binding) : 1;
  const contributions = (detail ? positions : []).map((p) => {
    const row = rowOf(arrays, p);
    return {
      instrumentId: p.instrumentId,
      qty: p.qty,
      pnlAtBinding: p.qty * arrays.pnl(row, index) * (isInverse(arrays.instrumentAt(row)) ? f : 1) * weight,
    };
  });
  return {
    model: config.name,
    im,
    mm: config.mmFactor * im,
    scanLoss,
    bindingScenario: positions.length === 0 ? null : index,
    scenarioPnl: detail ? Array.from(weighted) : [],
    contingencies: charges,
    floor,
    contributions,
    netDeltaBase,
  };
}
