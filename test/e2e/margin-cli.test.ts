import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { schemaFiles } from '../../scripts/gen-schemas.ts';
import { cli } from '../cli-harness.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const at = (p: string) => join(root, p);

describe('backstop margin', () => {
  it('reproduces Deribit’s recorded portfolio-margin response for a short ETH perpetual', async () => {
    const r = await cli([
      'margin',
      '--portfolio',
      at('test/fixtures/margin/deribit-eth-perp-portfolio.json'),
      '--market',
      at('test/fixtures/margin/deribit-eth-perp-market.json'),
      '--model',
      'deribit-pm',
      '--explain',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const pool = doc.pools[0];
    // ../shared/conformance/deribit-pm/recorded-response.md: IM 0.157461562265, MM 0.125969249812
    expect(pool.currency).toBe('ETH');
    expect(Math.abs(pool.im - 0.157461562265)).toBeLessThan(1e-9);
    expect(Math.abs(pool.mm - 0.125969249812)).toBeLessThan(1e-9);
    // requirements round up to 8 decimals as exact money
    expect(pool.imMoney).toBe('0.15746157');
    const ex = pool.underlyings[0].explain;
    expect(ex.scanLoss).toBeCloseTo(0.15246412672881357, 12); // worst_case
    expect(ex.contingencies.rollShock).toBeCloseTo(0.004997435265, 12); // roll_shock
    expect(ex.binding.move).toBe(0.18);
  });

  it('what-if: closing the perp at 89 950 against a 90 010 mark costs 200 000 × (1/89 950 − 1/90 010) BTC of equity', async () => {
    const args = [
      'margin',
      '--portfolio',
      at('docs/examples/margin/portfolio.json'),
      '--market',
      at('docs/examples/margin/market.json'),
      '--json',
    ];
    const plain = JSON.parse((await cli(args)).stdout);
    const r = await cli([...args, '--what-if', at('docs/examples/margin/what-if.json')]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.whatIf.before).toEqual(plain);
    const slippage = 200_000 * (1 / 89_950 - 1 / 90_010);
    expect(doc.pools[0].equity).toBeCloseTo(plain.pools[0].equity - slippage, 10);
    // Buying back the 80 000 puts at their model value leaves equity unchanged and lowers the requirement.
    expect(doc.pools[0].im).toBeLessThan(plain.pools[0].im);
    // The open sell order is margined as filled: it is the binding side.
    expect(plain.pools[0].underlyings[0].openOrdersAssumed).toBe('sells');
  });

  it('every model answers on the example book except derive-pm2, which refuses coin-settled books (exit 2)', async () => {
    const args = [
      'margin',
      '--portfolio',
      at('docs/examples/margin/portfolio.json'),
      '--market',
      at('docs/examples/margin/market.json'),
      '--json',
    ];
    for (const model of ['deribit-pm', 'span-16', 'paradex-pm', 'standard']) {
      const r = await cli([...args, '--model', model]);
      expect(r.code, model).toBe(0);
      const pool = JSON.parse(r.stdout).pools[0];
      expect(pool.im).toBeGreaterThan(0);
      expect(pool.mm).toBeLessThanOrEqual(pool.im);
    }
    const d = await cli([...args, '--model', 'derive-pm2']);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('derive-pm2 margins USD-settled (linear) books');
  });

  it('--liquidity-addon charges a big perpetual for walking the market file’s thin book beyond the free size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backstop-margin-'));
    const p = join(dir, 'big.json');
    // 150 000 contracts × 10 USD = 1.5 M USD: 0.5 M beyond the default 1 M free size
    writeFileSync(
      p,
      JSON.stringify({
        account: 'big',
        collateral: [{ currency: 'BTC', amount: '10' }],
        positions: [{ instrument: 'BTC-PERPETUAL', qty: 150_000 }],
      }),
    );
    const args = [
      'margin',
      '--portfolio',
      p,
      '--market',
      at('docs/examples/margin/market.json'),
      '--json',
      '--explain',
    ];
    const plain = JSON.parse((await cli(args)).stdout).pools[0];
    const withAddOn = JSON.parse((await cli([...args, '--liquidity-addon'])).stdout).pools[0];
    const addOn = withAddOn.underlyings[0].explain.liquidityAddOn;
    expect(addOn.positions[0]).toMatchObject({
      instrumentId: 'BTC-PERPETUAL',
      closeSide: 'sell',
      reason: 'walked',
      complete: true,
    });
    expect(addOn.im).toBeGreaterThan(0);
    expect(withAddOn.im).toBeCloseTo(plain.im + addOn.im, 12);
    expect(withAddOn.mm).toBeCloseTo(plain.mm + addOn.mm, 12);
  });

  it('es-fhs: IM of a linear perpetual is the larger 99 % ES of its filtered and stressed 2-day P&Ls (independent computation)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backstop-esfhs-'));
    // 400 daily closes: a deterministic path, volatile in its first 150 days, calm afterwards
    const r = Array.from({ length: 399 }, (_, i) => (i < 150 ? 0.04 : 0.01) * Math.sin(i * 1.7 + 0.3));
    const closes = [100];
    for (const x of r) closes.push((closes[closes.length - 1] as number) * Math.exp(x));
    const history = join(dir, 'h.csv');
    writeFileSync(
      history,
      `timestamp_ms,close\n${closes.map((c, i) => `${i * 86_400_000},${c}`).join('\n')}\n`,
    );
    const market = join(dir, 'm.json');
    writeFileSync(
      market,
      JSON.stringify({
        now: '2026-01-01T00:00:00Z',
        instruments: [
          {
            kind: 'perpetual',
            id: 'X-PERP',
            baseCurrency: 'X',
            quoteCurrency: 'USD',
            settlement: 'linear',
            settlementCurrency: 'USD',
            contractSize: 1,
            tickSize: 0.01,
          },
        ],
        underlyings: [{ underlying: 'X', spot: 50 }],
      }),
    );
    const portfolio = join(dir, 'p.json');
    writeFileSync(
      portfolio,
      JSON.stringify({
        account: 'e',
        collateral: [{ currency: 'USD', amount: '1000' }],
        positions: [{ instrument: 'X-PERP', qty: 10 }],
      }),
    );
    const out = await cli([
      'margin',
      '--portfolio',
      portfolio,
      '--market',
      market,
      '--model',
      'es-fhs',
      '--history',
      `X=${history}`,
      '--json',
    ]);
    expect(out.code).toBe(0);
    const im = JSON.parse(out.stdout).pools[0].im;
    // Independent: log returns of the file, EWMA(0.94) variances seeded with the mean square,
    // filtered to today's vol, 2-day sums; stress = the 250 returns with the largest Σ r²; 99 % ES
    // (type-7 VaR, mean of losses at or beyond) of P&L = 10 × 50 × (e^x − 1).
    const logr = closes.slice(1).map((c, i) => Math.log(c / (closes[i] as number)));
    const v = [logr.reduce((a, x) => a + x * x, 0) / logr.length];
    for (const x of logr) v.push(0.94 * (v[v.length - 1] as number) + 0.06 * x * x);
    const today = Math.sqrt(v[logr.length] as number);
    const filtered = logr.map((x, t) => (today * x) / Math.sqrt(v[t] as number));
    const twoDay = (xs: number[]) => xs.slice(0, -1).map((x, i) => x + (xs[i + 1] as number));
    let best = -1;
    let start = 0;
    for (let i = 0; i + 250 <= logr.length; i++) {
      const ss = logr.slice(i, i + 250).reduce((a, x) => a + x * x, 0);
      if (ss > best + 1e-15) {
        best = ss;
        start = i;
      }
    }
    const es = (xs: number[]) => {
      const losses = xs.map((x) => -500 * Math.expm1(x)).sort((a, b) => a - b);
      const h = (losses.length - 1) * 0.99;
      const lo = Math.floor(h);
      const q =
        (losses[lo] as number) +
        (h - lo) * ((losses[lo + 1] ?? (losses[lo] as number)) - (losses[lo] as number));
      const tail = losses.filter((l) => l >= q);
      return tail.reduce((a, l) => a + l, 0) / tail.length;
    };
    const expected = Math.max(es(twoDay(filtered)), es(twoDay(logr.slice(start, start + 250))));
    expect(im).toBeCloseTo(expected, 8);
  });

  it('a bad file is exit 2 with a message naming the file and the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backstop-margin-'));
    const bad = join(dir, 'p.json');
    writeFileSync(
      bad,
      JSON.stringify({
        account: 'x',
        collateral: [],
        positions: [{ instrument: 'BTC-PERPETUAL', qty: 'ten' }],
      }),
    );
    const market = at('docs/examples/margin/market.json');
    const r = await cli(['margin', '--portfolio', bad, '--market', market]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`backstop: ${bad}: portfolio /positions/0/qty: must be number\n`);
    writeFileSync(
      bad,
      JSON.stringify({ account: 'x', collateral: [], positions: [{ instrument: 'NOPE', qty: 1 }], extra: 1 }),
    );
    expect((await cli(['margin', '--portfolio', bad, '--market', market])).stderr).toContain(
      'unknown field extra',
    );
    writeFileSync(
      bad,
      JSON.stringify({ account: 'x', collateral: [], positions: [{ instrument: 'NOPE', qty: 1 }] }),
    );
    expect((await cli(['margin', '--portfolio', bad, '--market', market])).stderr).toContain(
      'portfolio /positions/0/instrument: unknown instrument "NOPE"',
    );
  });

  it('the committed JSON Schema files are the ones generated from the validators', () => {
    for (const [path, text] of Object.entries(schemaFiles()))
      expect(readFileSync(at(path), 'utf8'), path).toBe(text);
  });
});
