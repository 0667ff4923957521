/**
 * The shapes of the service API the dashboard reads (docs/api.md). Mirrored here rather than
 * imported from src/ so the browser build stays independent of the server's modules; every field
 * the dashboard does not need is optional, and every reader tolerates missing data.
 */

export type Tier = 'normal' | 'watch' | 'stressed' | 'crisis';
export const TIERS: readonly Tier[] = ['normal', 'watch', 'stressed', 'crisis'];

export const isTier = (x: unknown): x is Tier =>
  typeof x === 'string' && (TIERS as readonly string[]).includes(x);

/** `MonitorRow` (src/liquidity/monitor.ts): one per instrument per monitor interval. */
export interface MonitorRow {
  readonly tsUs: number;
  readonly instrument: string;
  readonly mid: number | null;
  readonly spreadBps: number | null;
  /** Band in bps from mid → Σ price × size of the bids within it (quote currency). */
  readonly depthBid: Readonly<Record<string, number>> | null;
  readonly depthAsk: Readonly<Record<string, number>> | null;
  readonly imbalance?: number | null;
  readonly volume?: number | null;
  readonly rvEwma?: number | null;
  readonly slippageBps?: number | null;
  readonly stressIndex: number | null;
  readonly tier: Tier;
}

export interface PricePoint {
  readonly tsUs: number;
  readonly instrument: string;
  readonly mark: number | null;
  readonly index: number | null;
  readonly mid: number | null;
}

export interface FundPoint {
  readonly tsUs: number;
  readonly currency?: string;
  /** Decimal string in the currency's exact units. */
  readonly balance: string;
  readonly drawdownFrac: number;
}

export interface TierEvent {
  readonly tsUs: number;
  readonly scope: string;
  readonly from: Tier;
  readonly to: Tier;
  readonly reason: string;
}

export interface BackstopView {
  readonly tier: Tier;
  /** Not in docs/api.md: the tier the metrics call for while an override holds. */
  readonly computedTier?: Tier;
  readonly tierSinceUs?: number | null;
  readonly override?: { readonly tier: Tier; readonly reason: string; readonly keyId: string } | null;
  readonly halted: boolean;
  readonly marginMultiplier: number;
  readonly metrics?: Readonly<Record<string, number | null>>;
  readonly thresholds?: unknown;
  readonly reserve?: {
    readonly currency: string;
    readonly balance: string;
    readonly deployed?: string;
    readonly budgetLeft?: string;
  } | null;
  readonly activeActions?: readonly string[];
  readonly timeUs: number | null;
}

export interface FundRow {
  readonly currency: string;
  readonly balance: string;
  readonly peak?: string;
  readonly drawdownFrac: number;
}

export interface FundView {
  readonly funds: readonly FundRow[];
  readonly timeUs: number | null;
}

export interface AccountRow {
  readonly account: string;
  readonly state: string;
  readonly currency: string | null;
  readonly equity: number | null;
  readonly im: number | null;
  readonly mm: number | null;
  /** Maintenance margin / equity (≥ 1: liquidatable); null when equity ≤ 0 with no margin. */
  readonly utilisation: number | null;
}

export interface PoolFigures {
  readonly equity: number;
  readonly im: number;
  readonly mm: number;
  readonly state?: string;
}

/**
 * `MarginFigures`. docs/api.md gives `pools` as an object keyed by currency; the margin document
 * (`backstop margin --json`) writes an array of pools each naming its currency. Both are read.
 */
export interface MarginFigures {
  readonly state: string;
  readonly pools:
    | Readonly<Record<string, PoolFigures>>
    | readonly (PoolFigures & { readonly currency: string })[];
}

export interface WhatIfReply {
  readonly account: string;
  readonly before: MarginFigures;
  readonly after: MarginFigures;
}

export type Evidence = Readonly<Record<string, number | string | boolean | null>>;

/** A `Decision` (src/domain/decisions.ts): `kind` selects the other fields. */
export interface Decision {
  readonly kind: string;
  readonly tsUs: number;
  readonly reason: string;
  readonly evidence?: Evidence;
  readonly [field: string]: unknown;
}

export type Topic = 'decisions' | 'tiers' | 'monitor' | 'fund' | 'prices';
export const TOPICS: readonly Topic[] = ['decisions', 'tiers', 'monitor', 'fund', 'prices'];

export interface ApiErrorBody {
  readonly error: string;
  readonly message: string;
  readonly path?: string;
}
