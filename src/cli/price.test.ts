import { PassThrough } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.ts';
import { priceCommand } from './price.ts';

/** Runs `price …` through a minimal program and returns what it wrote. */
async function run(args: string[]): Promise<{ out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (b: Buffer) => {
    chunks.out += b.toString();
  });
  err.on('data', (b: Buffer) => {
    chunks.err += b.toString();
  });
  const program = new Command().exitOverride();
  program.addCommand(priceCommand({ out, err }));
  await program.parseAsync(['price', ...args], { from: 'user' });
  return chunks;
}

const json = async (args: string[]) =>
  JSON.parse((await run([...args, '--json'])).out) as Record<string, unknown>;

describe('backstop price', () => {
  it("prints Haug's BSM call (1998 p. 2-8: S 60, K 65, T 0.25, r 8 %, σ 30 % → 2.1334) with --spot", async () => {
    const doc = await json([
      '--type',
      'call',
      '--spot',
      '60',
      '--strike',
      '65',
      '--expiry-years',
      '0.25',
      '--vol',
      '0.3',
      '--rate',
      '0.08',
    ]);
    expect(doc.model).toBe('bsm');
    expect(Math.abs((doc.price as number) - 2.1334)).toBeLessThanOrEqual(1e-4);
    for (const k of ['price', 'delta', 'gamma', 'vega', 'theta', 'rho']) expect(typeof doc[k]).toBe('number');
    expect(doc.theta as number).toBeLessThan(0);
  });

  it("prints Haug's greek values through the CLI (vega 18.9358, theta −31.1924, dividend yield)", async () => {
    const vega = await json(
      '--type put --spot 55 --strike 60 --expiry-years 0.75 --vol 0.3 --rate 0.1'.split(' '),
    );
    expect(Math.abs((vega.vega as number) - 18.9358)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs((vega.gamma as number) - 0.0278)).toBeLessThanOrEqual(1e-4);
    const theta = await json(
      `--type put --spot 430 --strike 405 --expiry-years ${1 / 12} --vol 0.2 --rate 0.07 --dividend-yield 0.05`.split(
        ' ',
      ),
    );
    expect(Math.abs((theta.theta as number) - -31.1924)).toBeLessThanOrEqual(1e-4);
  });

  it("prices Haug's Black-76 futures option (F = K = 19 → 1.7011) with --forward, rho = −T·V", async () => {
    const doc = await json(
      '--type put --forward 19 --strike 19 --expiry-years 0.75 --vol 0.28 --rate 0.1'.split(' '),
    );
    expect(doc.model).toBe('black76');
    expect(Math.abs((doc.price as number) - 1.7011)).toBeLessThanOrEqual(1e-4);
    expect(doc.rho as number).toBeCloseTo(-0.75 * (doc.price as number), 12);
  });

  it('prices an inverse option in coin with --inverse (coin price × F = USD price)', async () => {
    const args = '--type call --forward 60000 --strike 65000 --expiry-years 0.1 --vol 0.6'.split(' ');
    const usd = await json(args);
    const coin = await json([...args, '--inverse']);
    expect(coin.model).toBe('black76-inverse');
    expect((coin.price as number) * 60000).toBeCloseTo(usd.price as number, 9);
    expect(coin.deltaPremiumAdjusted as number).toBeCloseTo(
      (usd.delta as number) - (coin.price as number),
      12,
    );
  });

  it('prints one line per field with its unit', async () => {
    const { out } = await run(
      '--type call --spot 60 --strike 65 --expiry-years 0.25 --vol 0.3 --rate 0.08'.split(' '),
    );
    const lines = out.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual([
      'model',
      'price',
      'delta',
      'gamma',
      'vega',
      'theta',
      'rho',
    ]);
    expect(lines[1]).toMatch(/^price\s+2\.133\d+\s+quote currency$/);
    expect(lines[4]).toMatch(/per 1\.00 vol$/);
    expect(lines[5]).toMatch(/per year$/);
  });

  it('states the units in --help', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (b: Buffer) => {
      text += b.toString();
    });
    const program = new Command().exitOverride();
    program.addCommand(priceCommand({ out, err: new PassThrough() }));
    await expect(program.parseAsync(['price', '--help'], { from: 'user' })).rejects.toThrow(CommanderError);
    expect(text).toMatch(/vega\s+dV\/dvol per 1\.00 change in volatility/);
    expect(text).toMatch(/rho\s+dV\/dr per 1\.00 change in the rate/);
    expect(text).toMatch(
      /theta\s+per year: the change in value with the passage of time, -dV\/dT \(negative/,
    );
    expect(text).toMatch(/gamma .* per unit of the underlying/);
  });

  describe('bad usage', () => {
    const base = ['--type', 'call', '--strike', '100', '--expiry-years', '1', '--vol', '0.5'];
    it('throws a CommanderError for a missing required flag or an unknown type', async () => {
      await expect(
        run(['--type', 'call', '--forward', '100', '--expiry-years', '1', '--vol', '0.5']),
      ).rejects.toThrow(CommanderError);
      await expect(run(['--forward', '100', ...base.slice(2)])).rejects.toThrow(CommanderError);
      await expect(run([...base, '--forward', '100', '--type', 'straddle'])).rejects.toThrow(CommanderError);
    });

    it('throws a UsageError without exactly one of --forward / --spot', async () => {
      await expect(run(base)).rejects.toThrow(UsageError);
      await expect(run([...base, '--forward', '100', '--spot', '100'])).rejects.toThrow(/exactly one of/);
    });

    it('throws a UsageError for --inverse with --spot and --dividend-yield with --forward', async () => {
      await expect(run([...base, '--spot', '100', '--inverse'])).rejects.toThrow(UsageError);
      await expect(run([...base, '--forward', '100', '--dividend-yield', '0.02'])).rejects.toThrow(
        UsageError,
      );
    });

    it.each([
      ['--forward', 'abc'],
      ['--forward', '0'],
      ['--strike', '-5'],
      ['--expiry-years', '-1'],
      ['--vol', 'x'],
      ['--rate', 'NaN'],
    ])('throws a UsageError for %s %s', async (flag, value) => {
      const args = [...base, '--forward', '100'];
      const i = args.indexOf(flag);
      if (i >= 0) args[i + 1] = value;
      else args.push(flag, value);
      await expect(run(args)).rejects.toThrow(UsageError);
      await expect(run(args)).rejects.toThrow(flag);
    });
  });
});
