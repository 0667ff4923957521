import { defineConfig } from 'vite';

/**
 * The operator dashboard (docs/dashboard.md). Built with `npm run build:dashboard` from the repo
 * root into dist/dashboard, which `backstop serve` serves at `/`. Relative asset paths
 * (`base: './'`) so the build works wherever it is mounted.
 */
export default defineConfig({
  root: 'web',
  base: './',
  build: {
    outDir: '../dist/dashboard',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 400,
  },
});
