import { describe, expect, it } from 'vitest';
import {
  ACCOUNT_KINDS,
  accountKey,
  accountProblem,
  BACKSTOP_RESERVE,
  EXTERNAL,
  FEE_INCOME,
  insuranceFundAccount,
  type LedgerAccount,
  parseAccountKey,
  providerAccount,
  SETTLEMENT,
  SOCIALIZED_LOSS,
  traderAccount,
} from './accounts.ts';

const all: LedgerAccount[] = [
  traderAccount('alice'),
  traderAccount('a:b:c'),
  insuranceFundAccount(),
  insuranceFundAccount('BTC-PERP'),
  BACKSTOP_RESERVE,
  providerAccount('lp1'),
  FEE_INCOME,
  SOCIALIZED_LOSS,
  SETTLEMENT,
  EXTERNAL,
];

describe('ledger accounts', () => {
  it('has stable string keys', () => {
    expect(all.map(accountKey)).toEqual([
      'trader:alice',
      'trader:a:b:c',
      'insurance-fund',
      'insurance-fund:BTC-PERP',
      'backstop-reserve',
      'liquidity-provider:lp1',
      'fee-income',
      'socialized-loss',
      'settlement',
      'external',
    ]);
  });

  it('round-trips keys, and keys are unique', () => {
    for (const a of all) expect(parseAccountKey(accountKey(a))).toEqual(a);
    expect(new Set(all.map(accountKey)).size).toBe(all.length);
    expect(parseAccountKey('trader')).toBeNull();
    expect(parseAccountKey('trader:')).toBeNull();
    expect(parseAccountKey('insurance-fund:')).toBeNull();
    expect(parseAccountKey('external:x')).toBeNull();
    expect(parseAccountKey('bank:x')).toBeNull();
  });

  it('checks shapes at runtime', () => {
    for (const a of all) expect(accountProblem(a)).toBeNull();
    expect(ACCOUNT_KINDS).toHaveLength(8);
    expect(accountProblem(null)).toMatch(/object/);
    expect(accountProblem({ kind: 'trader', id: '' })).toMatch(/non-empty id/);
    expect(accountProblem({ kind: 'liquidity-provider' })).toMatch(/non-empty id/);
    expect(accountProblem({ kind: 'insurance-fund', market: '' })).toMatch(/market/);
    expect(accountProblem({ kind: 'insurance-fund' })).toMatch(/market/);
    expect(accountProblem({ kind: 'bank' })).toMatch(/unknown account kind/);
  });
});
