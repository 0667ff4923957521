export * from './accounts.ts';
export * from './ledger.ts';
