import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium } from '../../scripts/ensure-chromium.ts';
import { createKeyCli, startServe } from './serve-process.ts';

/**
 * Issue 8's end-to-end test: `serve --replay` on the bundled 2021-05-19 crash, the dashboard in
 * Debian's Chromium (installed by scripts/ensure-chromium.mjs when missing), log in with a key,
 * the charts fill from live WebSocket data and the backstop's tier leaves `normal` as the crash
 * unfolds, with no console errors. The screenshot is kept as an artifact:
 * .test-results/dashboard.png.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const SAMPLE = join(ROOT, 'data/samples/btc_usdt_binance_spot_1m_2021-05-19.csv');
const ARTIFACT = join(ROOT, '.test-results/dashboard.png');

describe('dashboard end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'backstop-dash-'));
  let browser: Browser | null = null;
  let server: Awaited<ReturnType<typeof startServe>> | null = null;

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist/dashboard/index.html')))
      execFileSync(
        process.execPath,
        [
          join(ROOT, 'node_modules/vite/bin/vite.js'),
          'build',
          '--config',
          'web/vite.config.ts',
          '--logLevel',
          'warn',
        ],
        {
          cwd: ROOT,
          stdio: 'inherit',
        },
      );
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    server?.proc.kill('SIGTERM');
    if (server) await server.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in, fills the charts from the stream and shows the tier change of the crash', async () => {
    const executablePath = ensureChromium();
    const { key } = await createKeyCli(dir, 'read');
    // 12:00–15:00 UTC: the backstop leaves normal at 12:33 of replayed time, 6.6 s in at 300×
    server = await startServe([
      '--data-dir',
      dir,
      '--replay',
      SAMPLE,
      '--from',
      '2021-05-19T12:00Z',
      '--to',
      '2021-05-19T15:00Z',
      '--speed',
      '300',
      '--accounts',
      '500',
    ]);
    browser = await chromium.launch({
      executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page: ${e.message}`));

    await page.goto(server.url);
    await page.getByTestId('login-key').fill(key);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('ws-status').filter({ hasText: 'live' }).waitFor({ timeout: 30_000 });
    const tierAtLogin = await page.getByTestId('tier-badge').textContent();

    // the crash: the tier moves off normal, and the charts hold minutes of live data
    // (page functions as strings: the test's own TypeScript has no DOM types)
    await page.waitForFunction(
      `(document.querySelector('[data-testid="tier-badge"]')?.textContent ?? '').trim().toLowerCase() !== 'normal'`,
      undefined,
      { timeout: 60_000 },
    );
    const points = async (id: string) => Number(await page.getByTestId(id).getAttribute('data-points'));
    await page.waitForFunction(
      `['chart-price', 'chart-spread', 'chart-stress'].every(
        (id) => Number(document.querySelector('[data-testid="' + id + '"]')?.getAttribute('data-points')) >= 20)`,
      undefined,
      { timeout: 60_000 },
    );
    const tier = ((await page.getByTestId('tier-badge').textContent()) ?? '').trim().toLowerCase();
    expect(['watch', 'stressed', 'crisis']).toContain(tier);
    expect((tierAtLogin ?? '').trim().toLowerCase()).not.toBe(tier);
    expect(await points('chart-price')).toBeGreaterThanOrEqual(20);
    expect(await page.getByTestId('decision-row').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('fund-balance').textContent()).toMatch(/\d/);

    mkdirSync(join(ROOT, '.test-results'), { recursive: true });
    await page.screenshot({ path: ARTIFACT, fullPage: true });
    expect(problems).toEqual([]);
  }, 240_000);
});
