import type { Tier } from '../../domain/decisions.ts';
import type { VarMethod } from '../../risk/estimators/common.ts';
import type { GovernanceConfig } from '../governance/index.ts';
import type { LiquidatorConfig } from '../liquidator/config.ts';

/**
 * A backstop policy (docs/policies.md): where its metrics come from, the tiers they drive (with
 * hysteresis and minimum dwell), the data-quality guards, what each tier does, the circuit
 * breaker, the reserve, the liquidation waterfall and fund governance. This is the resolved,
 * typed form (µs, numbers, decimal strings for money); `src/io/policy` reads it from YAML / JSON.
 */

/** Monitor row fields a metric may read; `depthBid.<bps>` / `depthAsk.<bps>` pick one band. */
export type MonitorField =
  | 'spreadBps'
  | 'imbalance'
  | 'volume'
  | 'trades'
  | 'rvCloseToClose'
  | 'rvEwma'
  | 'rvParkinson'
  | 'rvGarmanKlass'
  | 'amihud'
  | 'slippageBps'
  | 'stale'
  | 'stressIndex'
  | `depthBid.${number}`
  | `depthAsk.${number}`;

export type MetricSpec =
  /** A monitor row field of one instrument, or the max / min over all instruments. */
  | {
      readonly source: 'monitor';
      readonly field: MonitorField;
      readonly instrument?: string;
      readonly aggregate?: 'max' | 'min';
    }
  /** VaR or ES (loss fraction per interval) of an instrument's interval mid returns. */
  | {
      readonly source: 'var';
      readonly instrument: string;
      readonly measure: 'var' | 'es';
      readonly method: Extract<VarMethod, 'historical' | 'normal' | 'ewma' | 'cornish-fisher'>;
      readonly confidence: number;
      /** Number of past interval returns. */
      readonly window: number;
    }
  /** Drawdown fraction of a currency's global insurance fund over a trailing window. */
  | { readonly source: 'fund-drawdown'; readonly currency: string; readonly windowUs: number }
  /** Share of open-interest notional held by accounts in margin call or worse. */
  | { readonly source: 'margin-call-share' }
  /**
   * How far the latest interval mid has moved from the window's extreme, as a fraction ≥ 0:
   * `down` = 1 − mid / (highest mid in the window), `up` = mid / (lowest) − 1, `either` = the
   * larger. Over all instruments (the largest) unless one is named.
   */
  | {
      readonly source: 'price-move';
      readonly direction: 'down' | 'up' | 'either';
      readonly windowUs: number;
      readonly instrument?: string;
    };

/** `above: x` holds when value ≥ x; `below: x` when value < x; a missing value never holds. */
export type Condition =
  | { readonly metric: string; readonly above: number }
  | { readonly metric: string; readonly below: number }
  | { readonly any: readonly Condition[] }
  | { readonly all: readonly Condition[] };

export interface TierSpec {
  /** Enter (or stay in) this tier or above when this holds. */
  readonly enter: Condition;
  /** Leave this tier when this holds (and the dwell has passed). */
  readonly exit: Condition;
}

export type ElevatedTier = Exclude<Tier, 'normal'>;
export const ELEVATED_TIERS: readonly ElevatedTier[] = ['watch', 'stressed', 'crisis'];

export interface TierPolicy {
  readonly minDwellUs: number;
  readonly watch: TierSpec;
  readonly stressed: TierSpec;
  readonly crisis: TierSpec;
}

/** Data-quality guards: bad prices never cause liquidations. */
export interface GuardPolicy {
  /** A mark older than this is not used: margin falls back to the index (or liquidation pauses). */
  readonly staleAfterUs: number;
  /** An index or mark moving more than this fraction from the last accepted price is held as an outlier… */
  readonly outlierFrac: number;
  /** …until this many consecutive prices confirm it (each within `outlierFrac` of the held one). */
  readonly confirmTicks: number;
  /** With a stale mark: margin on the index, or no liquidation of that underlying. */
  readonly fallback: 'index' | 'pause';
}

/** Two-sided quotes around mark funded by the backstop reserve. */
export interface ReserveQuoting {
  readonly instrument: string;
  /** Contracts per side per level. */
  readonly size: number;
  /** Full spread between the reserve's bid and ask, bps of mark. */
  readonly spreadBps: number;
  readonly levels: number;
  /** Extra spread per further level, bps. */
  readonly levelStepBps: number;
  /** |inventory| in contracts beyond which the side that grows it is withdrawn. */
  readonly inventoryLimit: number;
  /** Loss (settlement currency, decimal) at which all quotes are withdrawn. */
  readonly lossLimit: string;
  /** Maximum notional deployed (|inventory| × mark + quoted notional), settlement currency. */
  readonly budget: string;
}

/** Direct purchases of the falling asset by the reserve. */
export interface PurchasePolicy {
  readonly instrument: string;
  readonly mode: 'twap' | 'limit';
  /** Quote notional bought per slice (TWAP) or per order (limit). */
  readonly sliceNotional: number;
  readonly intervalUs: number;
  /** Never pays more than mark·(1 + band) (TWAP); the limit order rests at mark·(1 − band) (limit). */
  readonly priceBandFrac: number;
  /** Total quote notional the purchases may spend. */
  readonly budget: string;
  /** When the tier is back to `normal`, the inventory is sold over this period (TWAP into the bids). */
  readonly unwindOverUs: number;
}

export interface TierActions {
  readonly marginMultiplier: number;
  readonly reserveQuoting?: ReserveQuoting;
  readonly purchases?: PurchasePolicy;
}

/** A price move beyond a band against a reference over a window halts trading, then resumes. */
export interface CircuitBreakerPolicy {
  /** Underlying whose index price is watched (e.g. BTC). */
  readonly underlying: string;
  readonly bandFrac: number;
  readonly windowUs: number;
  readonly haltUs: number;
  /** CME-style: the price at the window start; LULD-style: the mean over the window. */
  readonly reference: 'window-start' | 'window-mean';
}

export interface Policy {
  readonly name: string;
  readonly description: string;
  readonly metrics: Readonly<Record<string, MetricSpec>>;
  /** Absent: the policy never leaves `normal`. */
  readonly tiers: TierPolicy | null;
  readonly guards: GuardPolicy | null;
  readonly actions: Readonly<Record<Tier, TierActions>>;
  readonly circuitBreaker: CircuitBreakerPolicy | null;
  readonly reserve: { readonly currency: string; readonly opening: string } | null;
  /** Absent: nobody is liquidated by the engine (margin states only). */
  readonly liquidation: LiquidatorConfig | null;
  /** Fund governance of the global insurance fund of `currency`. */
  readonly governance: { readonly currency: string; readonly config: GovernanceConfig } | null;
}

export interface PolicyProblem {
  /** Dotted field path in the policy file, e.g. `tiers.watch.exit.all[0].below`. */
  readonly path: string;
  readonly message: string;
}

interface Threshold {
  readonly metric: string;
  readonly kind: 'above' | 'below';
  readonly value: number;
  readonly path: string;
}

/** Every leaf of a condition with its path. */
export function thresholds(c: Condition, path: string): Threshold[] {
  if ('any' in c) return c.any.flatMap((x, i) => thresholds(x, `${path}.any[${i}]`));
  if ('all' in c) return c.all.flatMap((x, i) => thresholds(x, `${path}.all[${i}]`));
  if ('above' in c) return [{ metric: c.metric, kind: 'above', value: c.above, path: `${path}.above` }];
  return [{ metric: c.metric, kind: 'below', value: c.below, path: `${path}.below` }];
}

/**
 * Checks what a schema cannot: metric references, inverted thresholds (a tier whose exit
 * threshold is past its enter threshold would flap), tiers out of order, budgets and references
 * between sections. Returns every problem, each naming its field path.
 */
export function policyProblems(p: Policy): PolicyProblem[] {
  const out: PolicyProblem[] = [];
  const known = new Set(Object.keys(p.metrics));
  if (p.tiers) {
    const enters = new Map<string, number>();
    const tierEnters = new Map<string, number>();
    for (const t of ELEVATED_TIERS) {
      const spec = p.tiers[t];
      const en = thresholds(spec.enter, `tiers.${t}.enter`);
      const ex = thresholds(spec.exit, `tiers.${t}.exit`);
      for (const th of [...en, ...ex]) {
        if (!known.has(th.metric)) {
          out.push({
            path: th.path.replace(/\.(above|below)$/, '.metric'),
            message: `unknown metric "${th.metric}"`,
          });
        }
      }
      for (const e of en) {
        for (const x of ex) {
          if (e.metric !== x.metric) continue;
          // enter on `above a`, exit on `below b`: b ≤ a, or both could hold at once
          if (e.kind === 'above' && x.kind === 'below' && x.value > e.value) {
            out.push({
              path: x.path,
              message: `exit threshold ${x.value} is above the enter threshold ${e.value} of ${e.metric} (inverted: the tier would flap)`,
            });
          }
          if (e.kind === 'below' && x.kind === 'above' && x.value < e.value) {
            out.push({
              path: x.path,
              message: `exit threshold ${x.value} is below the enter threshold ${e.value} of ${e.metric} (inverted: the tier would flap)`,
            });
          }
        }
        // a higher tier must not enter on a milder value than every threshold of the lower
        // tiers (within one tier, a milder value inside an `all` is a conjunction, not milder)
        const key = `${e.metric} ${e.kind}`;
        const prev = enters.get(key);
        if (prev !== undefined && (e.kind === 'above' ? e.value < prev : e.value > prev)) {
          out.push({
            path: e.path,
            message: `${t} enters at ${e.value}, milder than a lower tier's ${prev} for ${e.metric}`,
          });
        }
      }
      for (const e of en) {
        const key = `${e.metric} ${e.kind}`;
        const prev = tierEnters.get(key);
        tierEnters.set(
          key,
          prev === undefined
            ? e.value
            : e.kind === 'above'
              ? Math.min(prev, e.value)
              : Math.max(prev, e.value),
        );
      }
      for (const [key, v] of tierEnters) enters.set(key, v);
      tierEnters.clear();
    }
    if (!(p.tiers.minDwellUs >= 0)) out.push({ path: 'tiers.minDwell', message: 'must be ≥ 0' });
  }
  for (const t of ['normal', ...ELEVATED_TIERS] as const) {
    const a = p.actions[t];
    if (!(a.marginMultiplier >= 1)) {
      out.push({ path: `actions.${t}.marginMultiplier`, message: `must be ≥ 1, got ${a.marginMultiplier}` });
    }
    if ((a.reserveQuoting || a.purchases) && !p.reserve) {
      out.push({ path: `actions.${t}`, message: 'reserve actions need a `reserve` section' });
    }
    const q = a.reserveQuoting;
    if (q && !(q.spreadBps > 0))
      out.push({ path: `actions.${t}.reserveQuoting.spreadBps`, message: 'must be > 0' });
  }
  const order: readonly Tier[] = ['normal', ...ELEVATED_TIERS];
  for (let k = 1; k < order.length; k++) {
    const lo = p.actions[order[k - 1] as Tier].marginMultiplier;
    const hi = p.actions[order[k] as Tier].marginMultiplier;
    if (hi < lo) {
      out.push({
        path: `actions.${order[k]}.marginMultiplier`,
        message: `${hi} is below ${order[k - 1]}'s ${lo}: a more stressed tier must not lower margin`,
      });
    }
  }
  return out;
}
