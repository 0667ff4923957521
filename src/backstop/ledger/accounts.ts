/**
 * Ledger accounts (docs/concepts/ledger.md). Every unit of every currency sits in exactly one
 * of these. `external` is the outside world: a deposit is a posting external → trader, a
 * withdrawal trader → external, so money enters and leaves the venue while the sum over all
 * accounts (external included) stays exactly zero. external's balance is therefore minus the
 * net amount the venue holds.
 */
export type LedgerAccount =
  | { readonly kind: 'trader'; readonly id: string }
  /** Insurance fund: `market: null` is the global fund, a string an isolated market's fund. */
  | { readonly kind: 'insurance-fund'; readonly market: string | null }
  | { readonly kind: 'backstop-reserve' }
  | { readonly kind: 'liquidity-provider'; readonly id: string }
  | { readonly kind: 'fee-income' }
  /** Clearing account for bad debt not covered by a fund: negative while a loss awaits socialization. */
  | { readonly kind: 'socialized-loss' }
  /**
   * The venue's clearing counterparty of every fill's realized P&L, fee-free part: its balance is
   * minus the traders' net realized P&L, i.e. what the open positions' other sides still carry.
   */
  | { readonly kind: 'settlement' }
  | { readonly kind: 'external' };

export type LedgerAccountKind = LedgerAccount['kind'];

export const ACCOUNT_KINDS: readonly LedgerAccountKind[] = [
  'trader',
  'insurance-fund',
  'backstop-reserve',
  'liquidity-provider',
  'fee-income',
  'socialized-loss',
  'settlement',
  'external',
];

export const traderAccount = (id: string): LedgerAccount => ({ kind: 'trader', id });
export const insuranceFundAccount = (market: string | null = null): LedgerAccount => ({
  kind: 'insurance-fund',
  market,
});
export const BACKSTOP_RESERVE: LedgerAccount = { kind: 'backstop-reserve' };
export const providerAccount = (id: string): LedgerAccount => ({ kind: 'liquidity-provider', id });
export const FEE_INCOME: LedgerAccount = { kind: 'fee-income' };
export const SOCIALIZED_LOSS: LedgerAccount = { kind: 'socialized-loss' };
export const SETTLEMENT: LedgerAccount = { kind: 'settlement' };
export const EXTERNAL: LedgerAccount = { kind: 'external' };

/**
 * Stable, unambiguous string key: `trader:<id>`, `insurance-fund` (global),
 * `insurance-fund:<market>`, `backstop-reserve`, `liquidity-provider:<id>`, `fee-income`,
 * `socialized-loss`, `settlement`, `external`. The kind never contains ':' so everything after the first ':'
 * is the id, whatever characters it holds.
 */
export function accountKey(a: LedgerAccount): string {
  switch (a.kind) {
    case 'trader':
    case 'liquidity-provider':
      return `${a.kind}:${a.id}`;
    case 'insurance-fund':
      return a.market === null ? 'insurance-fund' : `insurance-fund:${a.market}`;
    case 'backstop-reserve':
    case 'fee-income':
    case 'socialized-loss':
    case 'settlement':
    case 'external':
      return a.kind;
  }
}

/** Inverse of `accountKey`; null for a string that is not a key. */
export function parseAccountKey(key: string): LedgerAccount | null {
  const colon = key.indexOf(':');
  const kind = colon < 0 ? key : key.slice(0, colon);
  const rest = colon < 0 ? null : key.slice(colon + 1);
  switch (kind) {
    case 'trader':
    case 'liquidity-provider':
      return rest === null || rest === '' ? null : { kind, id: rest };
    case 'insurance-fund':
      return rest === '' ? null : { kind, market: rest };
    case 'backstop-reserve':
    case 'fee-income':
    case 'socialized-loss':
    case 'settlement':
    case 'external':
      return rest === null ? { kind } : null;
    default:
      return null;
  }
}

/**
 * Runtime shape check (accounts may arrive from JSON): a known kind, and a non-empty string id
 * (or market) where the kind has one. Returns a reason, or null when the account is well formed.
 */
export function accountProblem(a: unknown): string | null {
  if (typeof a !== 'object' || a === null) return 'account must be an object';
  const o = a as Record<string, unknown>;
  switch (o.kind) {
    case 'trader':
    case 'liquidity-provider':
      return typeof o.id === 'string' && o.id !== '' ? null : `${o.kind} account needs a non-empty id`;
    case 'insurance-fund':
      return o.market === null || (typeof o.market === 'string' && o.market !== '')
        ? null
        : 'insurance-fund market must be null (global) or a non-empty string';
    case 'backstop-reserve':
    case 'fee-income':
    case 'socialized-loss':
    case 'settlement':
    case 'external':
      return null;
    default:
      return `unknown account kind ${JSON.stringify(o.kind)}`;
  }
}
