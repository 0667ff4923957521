export { openStore, type StoreSpec } from './open-store.ts';
export { openPostgresStore } from './postgres-store.ts';
export { openSqliteStore } from './sqlite-store.ts';
export * from './store.ts';
