import type { SourceRef } from './events.ts';
import type { Tier } from './tier.ts';

export { TIERS, type Tier } from './tier.ts';

/**
 * Engine outputs (SPEC §2). Every decision says why (`reason`, a short stable phrase) and
 * carries the numbers that caused it (`evidence`), so an operator or regulator can audit it.
 */
export type Evidence = Readonly<Record<string, number | string | boolean | null>>;

interface DecisionBase {
  readonly tsUs: number;
  readonly reason: string;
  readonly evidence: Evidence;
}

export type MarginState = 'healthy' | 'warning' | 'margin-call' | 'liquidatable' | 'bankrupt';

export interface MarginStateChange extends DecisionBase {
  readonly kind: 'margin-state-change';
  readonly account: string;
  readonly from: MarginState;
  readonly to: MarginState;
}
/** Waterfall stage a: the distressed account's open orders are cancelled. */
export interface OrderCancellation extends DecisionBase {
  readonly kind: 'order-cancel';
  readonly account: string;
  readonly orderIds: readonly string[];
}
export interface LiquidationOrder extends DecisionBase {
  readonly kind: 'liquidation-order';
  readonly account: string;
  readonly instrument: string;
  readonly qtyContracts: number;
  readonly limitPrice: number;
}
export interface BackstopTakeover extends DecisionBase {
  readonly kind: 'backstop-takeover';
  readonly account: string;
  readonly provider: string;
  readonly instrument: string;
  readonly qtyContracts: number;
  readonly price: number;
}
export interface InsuranceFundPayment extends DecisionBase {
  readonly kind: 'insurance-payment';
  readonly account: string;
  readonly currency: string;
  readonly amount: string;
}
export interface AdlExecution extends DecisionBase {
  readonly kind: 'adl-execution';
  readonly account: string;
  readonly counterparty: string;
  readonly instrument: string;
  readonly qtyContracts: number;
  readonly price: number;
}
export interface SocializedLoss extends DecisionBase {
  readonly kind: 'socialized-loss';
  readonly currency: string;
  readonly amount: string;
}
/** A change of stress tier; `scope` is an instrument id or `venue`. */
export interface TierChange extends DecisionBase {
  readonly kind: 'tier-change';
  readonly scope: string;
  readonly from: Tier;
  readonly to: Tier;
}
export interface QuoteDeployment extends DecisionBase {
  readonly kind: 'quote-deployment';
  readonly instrument: string;
  readonly action: 'deploy' | 'withdraw';
  readonly bidPrice: number | null;
  readonly askPrice: number | null;
  readonly sizeContracts: number;
}
export interface PurchaseOrder extends DecisionBase {
  readonly kind: 'purchase-order';
  readonly instrument: string;
  readonly qtyContracts: number;
  readonly limitPrice: number | null;
}
export interface MarginMultiplierChange extends DecisionBase {
  readonly kind: 'margin-multiplier-change';
  readonly scope: string;
  readonly from: number;
  readonly to: number;
}
export interface CircuitBreaker extends DecisionBase {
  readonly kind: 'circuit-breaker';
  readonly instrument: string;
  readonly action: 'halt' | 'resume';
}
/** A data-quality guard acted: a stale mark replaced by the index, liquidation paused, or restored. */
export interface DataGuard extends DecisionBase {
  readonly kind: 'data-guard';
  readonly instrument: string;
  readonly action: 'fallback-to-index' | 'pause-liquidation' | 'restored';
}
/** Fund governance: a stake, unstake, proposal, vote, execution or slash. */
export interface GovernanceAction extends DecisionBase {
  readonly kind: 'governance-action';
  readonly action: string;
  readonly proposalId: string | null;
}
/** An input the engine refused: never applied, always counted and quarantined. */
export interface InputRejected extends DecisionBase {
  readonly kind: 'input-rejected';
  readonly code: string;
  readonly src: SourceRef | null;
}

export type Decision =
  | MarginStateChange
  | OrderCancellation
  | LiquidationOrder
  | BackstopTakeover
  | InsuranceFundPayment
  | AdlExecution
  | SocializedLoss
  | TierChange
  | QuoteDeployment
  | PurchaseOrder
  | MarginMultiplierChange
  | DataGuard
  | GovernanceAction
  | CircuitBreaker
  | InputRejected;

export type DecisionKind = Decision['kind'];
