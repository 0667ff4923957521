#!/usr/bin/env node
// The `backstop` command: loads the TypeScript CLI through tsx (Node 20 cannot strip types itself).
import { tsImport } from 'tsx/esm/api';

// A closed pipe (e.g. `backstop monitor … | head`) is a normal end, not a crash.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const { main } = await tsImport('../src/cli/main.ts', import.meta.url);
process.exitCode = await main(process.argv.slice(2));
