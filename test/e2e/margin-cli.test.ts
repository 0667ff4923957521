import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { schemaFiles } from '../../scripts/gen-schemas.ts';
import { main } from '../../src/cli/main.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const at = (p: string) => join(root, p);

async function cli(args: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c) => (stdout += c));
  err.on('data', (c) => (stderr += c));
  const code = await main(args, { out, err });
  return { code, stdout, stderr };
}

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
