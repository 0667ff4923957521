import { Command } from 'commander';
import { BackstopError } from '../core/errors.ts';
import { openStore } from '../io/store/open-store.ts';
import { createKey, parseScopes } from '../server/auth/api-keys.ts';
import type { Io } from './output.ts';

interface StoreOpts {
  dataDir?: string;
  store?: string;
  json?: boolean;
}

const withStore = <T>(o: StoreOpts, fn: (s: Awaited<ReturnType<typeof openStore>>) => Promise<T>) =>
  (async () => {
    const store = await openStore({
      dataDir: o.dataDir ?? process.env.BACKSTOP_DATA_DIR ?? './.backstop',
      ...((o.store ?? process.env.BACKSTOP_STORE)
        ? { store: (o.store ?? process.env.BACKSTOP_STORE) as string }
        : {}),
    });
    try {
      await store.init();
      return await fn(store);
    } finally {
      await store.close();
    }
  })();

const storeOptions = (c: Command) =>
  c
    .option('--data-dir <dir>', 'state directory (default $BACKSTOP_DATA_DIR or ./.backstop)')
    .option('--store <url>', 'postgres://… when the service keeps its state in PostgreSQL')
    .option('--json', 'one JSON document on stdout');

/**
 * `backstop keys create|list|revoke` (docs/operations.md, "Keys"): API keys with scopes, stored
 * hashed in the service's store. The key itself is printed once, by `create`.
 */
export function keysCommand(io: Io): Command {
  const keys = new Command('keys').description('Manages the API keys of backstop serve');
  keys.addCommand(
    storeOptions(
      new Command('create')
        .description('Creates a key; prints {id, key, scopes} — the key is shown only this once')
        .requiredOption(
          '--scope <scopes...>',
          'read, ingest, operator, governance (repeat or comma-separate)',
        )
        .option('--label <text>', 'a note on whose key it is'),
    ).action((o: StoreOpts & { scope: string[]; label?: string }) =>
      withStore(o, async (store) => {
        const created = await createKey(store, parseScopes(o.scope), o.label ?? null, Date.now() * 1000);
        if (o.json) io.out.write(`${JSON.stringify(created)}\n`);
        else
          io.out.write(
            `id     ${created.id}\nscopes ${created.scopes.join(',')}\nkey    ${created.key}\n(the key is shown only now: keep it safe)\n`,
          );
      }),
    ),
  );
  keys.addCommand(
    storeOptions(
      new Command('list').description('Lists keys (ids, scopes, created, revoked; never secrets)'),
    ).action((o: StoreOpts) =>
      withStore(o, async (store) => {
        const rows = (await store.listKeys()).map((k) => ({
          id: k.id,
          scopes: k.scopes,
          label: k.label,
          createdUs: k.createdUs,
          revokedUs: k.revokedUs,
        }));
        if (o.json) io.out.write(`${JSON.stringify({ keys: rows })}\n`);
        else
          for (const k of rows)
            io.out.write(
              `${k.id}  ${k.scopes.join(',').padEnd(30)} ${new Date(k.createdUs / 1000).toISOString()}  ${k.revokedUs === null ? 'active' : `revoked ${new Date(k.revokedUs / 1000).toISOString()}`}  ${k.label ?? ''}\n`,
            );
      }),
    ),
  );
  keys.addCommand(
    storeOptions(
      new Command('revoke')
        .description('Revokes a key at once (also for a running service)')
        .argument('<id>'),
    ).action((id: string, o: StoreOpts) =>
      withStore(o, async (store) => {
        const ok = await store.revokeKey(id, Date.now() * 1000);
        if (!ok) throw new BackstopError('BAD_ARGUMENT', `no active key ${id}`, { value: id });
        if (o.json) io.out.write(`${JSON.stringify({ id, revoked: true })}\n`);
        else io.out.write(`revoked ${id}\n`);
      }),
    ),
  );
  return keys;
}
