import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    // one throwaway PostgreSQL cluster for the store tests (docs/adr/0008-service-store.md)
    globalSetup: ['test/postgres-setup.ts'],
  },
});
