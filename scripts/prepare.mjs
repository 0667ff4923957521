#!/usr/bin/env node
// npm's `prepare` step (runs after `npm ci` / `npm install` in this repository): builds the
// dashboard into dist/dashboard. Without dev dependencies (`npm ci --omit=dev`) vite is absent:
// then it says so and leaves the build to `npm run build:dashboard`, instead of failing the install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const vite = 'node_modules/vite/bin/vite.js';
if (!existsSync(vite)) {
  console.log('backstop: vite not installed (dev dependencies omitted): dashboard not built');
  process.exit(0);
}
const r = spawnSync(
  process.execPath,
  [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
  {
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
