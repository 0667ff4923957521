#!/usr/bin/env node
// The `backstop` command: loads the TypeScript CLI through tsx (Node 20 cannot strip types itself).
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../src/cli/main.ts', import.meta.url);
process.exitCode = await main(process.argv.slice(2));
