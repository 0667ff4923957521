import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL URL for store tests, or null when none could be had (never under CI). */
    pgUrl: string | null;
  }
}

interface PostgresScript {
  startPostgres(): Promise<{ url: string; dir: string; pid: number }>;
  stopPostgres(dir: string): void;
}

/**
 * Vitest globalSetup: one throwaway PostgreSQL cluster for the whole run (scripts/postgres.mjs),
 * or the server named by BACKSTOP_TEST_PG_URL. Under CI a missing server fails the run: the
 * Postgres store tests must run there, never be skipped.
 */
export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const given = process.env.BACKSTOP_TEST_PG_URL;
  if (given) {
    project.provide('pgUrl', given);
    return undefined;
  }
  // a plain .mjs script (runs without tsx); imported by URL since it has no type declarations
  const script = (await import(new URL('../scripts/postgres.mjs', import.meta.url).href)) as PostgresScript;
  try {
    const started = performance.now();
    const pg = await script.startPostgres();
    const ms = Math.round(performance.now() - started);
    if (process.env.BACKSTOP_TEST_PG_VERBOSE)
      console.log(`postgres for tests: ${pg.url} (started in ${ms} ms)`);
    project.provide('pgUrl', pg.url);
    return () => script.stopPostgres(pg.dir);
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    if (process.env.CI === 'true') throw new Error(`PostgreSQL for the store tests did not start: ${why}`);
    console.log(`postgres store tests will be skipped: PostgreSQL did not start (${why})`);
    project.provide('pgUrl', null);
    return undefined;
  }
}
