import { BackstopError } from '../../core/errors.ts';
import { openPostgresStore } from './postgres-store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store } from './store.ts';

export interface StoreSpec {
  /** The service's data directory: the SQLite store lives in `<dataDir>/backstop.db`. */
  readonly dataDir: string;
  /** A `postgres://` / `postgresql://` URL; absent, empty or `sqlite` for the embedded store. */
  readonly store?: string;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//;

/**
 * Opens the configured back end (call `init()` on it before use). Anything else in `store` is
 * refused rather than silently falling back to SQLite: a mistyped URL must not start a service
 * on an empty local database.
 */
export async function openStore(spec: StoreSpec): Promise<Store> {
  const { store } = spec;
  if (store && POSTGRES_URL.test(store)) return openPostgresStore(store);
  if (store === undefined || store === '' || store === 'sqlite') return openSqliteStore(spec.dataDir);
  throw new BackstopError('BAD_CONFIG', `store must be a postgres:// or postgresql:// URL or "sqlite"`, {
    field: 'store',
  });
}
