import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli-harness.ts';
import { HAVE_SHARED, SHARED_DIR, SHARED_MISSING } from '../shared-data.ts';

const fixture = (n: string) => fileURLToPath(new URL(`../fixtures/risk/${n}`, import.meta.url));

describe('backstop risk var', () => {
  it('historical VaR / ES of a tiny series, by hand (numpy type-7 quantile)', async () => {
    const r = await cli([
      'risk',
      'var',
      '--returns',
      fixture('returns7.csv'),
      '--window',
      '5',
      '--confidence',
      '0.8',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      method: 'historical',
      confidence: 0.8,
      window: 5,
      horizonDays: 1,
      observations: 2,
    });
    // Day 6 (index 5) from returns 0.01 −0.02 0.03 −0.04 0.05: sorted −0.04 −0.02 0.01 0.03 0.05,
    // 20 % quantile at h = 4 × 0.2 = 0.8 → −0.04 + 0.8 × 0.02 = −0.024 → VaR 0.024; losses at or
    // beyond it: 0.04 → ES 0.04. Realized −0.06 → exception.
    const [d6, d7] = doc.series;
    expect(d6.ts).toBe('2024-01-06T00:00:00.000000Z');
    expect(d6.var).toBeCloseTo(0.024, 12);
    expect(d6.es).toBeCloseTo(0.04, 12);
    expect(d6).toMatchObject({ realized: -0.06, exception: true });
    // Day 7 from −0.02 0.03 −0.04 0.05 −0.06: 20 % quantile −0.06 + 0.8 × 0.02 = −0.044; ES 0.06.
    expect(d7.var).toBeCloseTo(0.044, 12);
    expect(d7.es).toBeCloseTo(0.06, 12);
    expect(d7).toMatchObject({ realized: 0.02, exception: false });
    expect(doc.backtest).toBeUndefined();
  });

  it('bad input is exit 2 with a message naming the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backstop-risk-'));
    const prices = join(dir, 'p.csv');
    writeFileSync(prices, 'timestamp_ms,close\n1,100\n2,0\n');
    const nonPositive = await cli(['risk', 'var', '--prices', prices]);
    expect(nonPositive.code).toBe(2);
    expect(nonPositive.stderr).toContain(`${prices}:3: close: price must be > 0, got 0`);
    writeFileSync(prices, 'timestamp_ms,close\n2,100\n1,101\n');
    expect((await cli(['risk', 'var', '--prices', prices])).stderr).toContain(
      'timestamps are not strictly increasing',
    );
    const short = await cli(['risk', 'var', '--returns', fixture('returns7.csv'), '--window', '250']);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('need more than 250 returns for a window of 250, got 7');
    const conf = await cli(['risk', 'var', '--returns', fixture('returns7.csv'), '--confidence', '1.5']);
    expect(conf.code).toBe(2);
    expect(conf.stderr).toContain('--confidence must be in (0, 1)');
  });
});

describe('backstop risk backtest', () => {
  it('backtests a user-provided VaR series (exceptions are −realized > var)', async () => {
    const r = await cli([
      'risk',
      'backtest',
      '--series',
      fixture('var-series.csv'),
      '--confidence',
      '0.95',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.series.map((s: { exception: boolean }) => s.exception)).toEqual([
      true,
      false,
      true,
      false,
      false,
    ]);
    const b = doc.backtest;
    expect(b).toMatchObject({ observations: 5, exceptions: 2 });
    expect(b.expectedExceptions).toBeCloseTo(0.25, 12); // 5 × (1 − 0.95)
    // Kupiec POF with N = 5, x = 2, p = 0.05:
    // LR = −2[3 ln 0.95 + 2 ln 0.05] + 2[3 ln 0.6 + 2 ln 0.4]
    const lr = -2 * (3 * Math.log(0.95) + 2 * Math.log(0.05)) + 2 * (3 * Math.log(0.6) + 2 * Math.log(0.4));
    expect(b.kupiecPof.lr).toBeCloseTo(lr, 10);
    expect(b.kupiecTuff.firstFailure).toBe(1);
    for (const k of ['lrInd', 'pInd', 'lrCc', 'pCc']) expect(typeof b.christoffersen[k]).toBe('number');
    expect(['green', 'yellow', 'red']).toContain(b.trafficLight.zone);
  });
});

describe.skipIf(!HAVE_SHARED)(
  `every method on BTC daily closes (${HAVE_SHARED ? SHARED_DIR : SHARED_MISSING})`,
  () => {
    it('runs with --backtest --json for each method', async () => {
      const file = join(
        SHARED_DIR,
        'data/prices/daily/btc_usdt_binance_spot_daily_2017-08-17_2023-12-31.csv',
      );
      for (const method of [
        'historical',
        'normal',
        'student-t',
        'cornish-fisher',
        'ewma',
        'fhs',
        'monte-carlo',
      ]) {
        const r = await cli([
          'risk',
          'var',
          '--prices',
          file,
          '--method',
          method,
          '--confidence',
          '0.99',
          '--window',
          '250',
          '--backtest',
          '--json',
        ]);
        expect(r.code, method).toBe(0);
        const doc = JSON.parse(r.stdout);
        // 2 328 closes → 2 327 returns → 2 077 days after the 250-day window
        expect(doc.observations, method).toBe(2077);
        expect(doc.backtest.exceptions, method).toBe(
          doc.series.filter((s: { exception: boolean }) => s.exception).length,
        );
      }
    }, 120_000);
  },
);
