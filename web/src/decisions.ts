import { money, num, price } from './format.ts';
import { type Decision, isTier, TIERS } from './types.ts';

/** How loudly a decision is shown in the feed. */
export type Severity = 'critical' | 'warning' | 'info';

const str = (d: Decision, k: string): string => {
  const v = d[k];
  return typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
};
const n = (d: Decision, k: string): number | null => {
  const v = d[k];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};
const tierRank = (t: unknown): number => (isTier(t) ? TIERS.indexOf(t) : -1);

const side = (qty: number | null): string => (qty === null ? '?' : qty >= 0 ? 'buy' : 'sell');
const qtyAbs = (qty: number | null): string => (qty === null ? '?' : num(Math.abs(qty), 4));

export function severity(d: Decision): Severity {
  switch (d.kind) {
    case 'socialized-loss':
    case 'adl-execution':
    case 'insurance-payment':
    case 'backstop-takeover':
      return 'critical';
    case 'margin-state-change': {
      const to = str(d, 'to');
      if (to === 'liquidatable' || to === 'bankrupt') return 'critical';
      if (to === 'margin-call' || to === 'warning') return 'warning';
      return 'info';
    }
    case 'tier-change': {
      const up = tierRank(d.to) > tierRank(d.from);
      if (d.to === 'crisis') return 'critical';
      return up ? 'warning' : 'info';
    }
    case 'circuit-breaker':
      return d.action === 'halt' ? 'critical' : 'info';
    case 'liquidation-order':
    case 'order-cancel':
    case 'input-rejected':
      return 'warning';
    case 'data-guard':
      return d.action === 'restored' ? 'info' : 'warning';
    case 'margin-multiplier-change':
      return (n(d, 'to') ?? 0) > (n(d, 'from') ?? 0) ? 'warning' : 'info';
    default:
      return 'info';
  }
}

/** One line saying what the decision did (the `reason` says why). */
export function summary(d: Decision): string {
  switch (d.kind) {
    case 'margin-state-change':
      return `${str(d, 'account')}: ${str(d, 'from')} → ${str(d, 'to')}`;
    case 'order-cancel': {
      const ids = Array.isArray(d.orderIds) ? d.orderIds.length : 0;
      return `${str(d, 'account')}: ${ids} open order${ids === 1 ? '' : 's'} cancelled`;
    }
    case 'liquidation-order': {
      const q = n(d, 'qtyContracts');
      return `${str(d, 'account')}: ${side(q)} ${qtyAbs(q)} ${str(d, 'instrument')} limit ${price(n(d, 'limitPrice'))}`;
    }
    case 'backstop-takeover': {
      const q = n(d, 'qtyContracts');
      return `${str(d, 'provider')} takes ${qtyAbs(q)} ${str(d, 'instrument')} from ${str(d, 'account')} @ ${price(n(d, 'price'))}`;
    }
    case 'insurance-payment':
      return `fund pays ${money(str(d, 'amount'))} ${str(d, 'currency')} for ${str(d, 'account')}`;
    case 'adl-execution': {
      const q = n(d, 'qtyContracts');
      return `ADL ${str(d, 'account')} vs ${str(d, 'counterparty')}: ${qtyAbs(q)} ${str(d, 'instrument')} @ ${price(n(d, 'price'))}`;
    }
    case 'socialized-loss':
      return `loss socialized: ${money(str(d, 'amount'))} ${str(d, 'currency')}`;
    case 'tier-change':
      return `${str(d, 'scope')}: ${str(d, 'from')} → ${str(d, 'to')}`;
    case 'quote-deployment':
      return `reserve ${str(d, 'action')} ${str(d, 'instrument')}: bid ${price(n(d, 'bidPrice'))} / ask ${price(n(d, 'askPrice'))} × ${num(n(d, 'sizeContracts'), 4)}`;
    case 'purchase-order': {
      const q = n(d, 'qtyContracts');
      const lim = n(d, 'limitPrice');
      return `reserve ${side(q)} ${qtyAbs(q)} ${str(d, 'instrument')} ${lim === null ? 'at market' : `limit ${price(lim)}`}`;
    }
    case 'margin-multiplier-change':
      return `${str(d, 'scope')} margin multiplier ×${num(n(d, 'from'), 3)} → ×${num(n(d, 'to'), 3)}`;
    case 'circuit-breaker':
      return `${str(d, 'instrument')}: ${str(d, 'action')}`;
    case 'data-guard':
      return `${str(d, 'instrument')}: ${str(d, 'action')}`;
    case 'governance-action': {
      const p = str(d, 'proposalId');
      return `governance ${str(d, 'action')}${p ? ` (${p})` : ''}`;
    }
    case 'input-rejected': {
      const src = d.src as { file?: unknown; line?: unknown } | null | undefined;
      const at = src && typeof src.file === 'string' ? ` at ${src.file}:${String(src.line ?? '?')}` : '';
      return `input rejected ${str(d, 'code')}${at}`;
    }
    default:
      return d.kind;
  }
}

/** A stable identity for de-duplicating decisions seen both from history and the stream. */
export const decisionKey = (d: Decision): string => JSON.stringify(d);

/**
 * The "why" of a backstop tier change from its evidence: each threshold crossed with the metric's
 * value, e.g. `drop1h 0.124 ≥ 0.1`.
 */
export function thresholdsCrossed(evidence: Decision['evidence']): string[] {
  if (!evidence) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(evidence)) {
    const m = /^threshold\.(.+)\.(above|below)$/.exec(k);
    if (!m || typeof v !== 'number') continue;
    const metric = m[1] ?? '';
    const value = evidence[`metric.${metric}`];
    const shown = typeof value === 'number' ? num(value, 4) : '?';
    out.push(`${metric} ${shown} ${m[2] === 'above' ? '≥' : '<'} ${num(v, 4)}`);
  }
  return out;
}
