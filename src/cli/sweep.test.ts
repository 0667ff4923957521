import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { cli } from '../../test/cli-harness.ts';
import { POLICY_PRESETS } from '../io/policy/presets.ts';
import { main } from './main.ts';

const T0_MS = Date.UTC(2026, 0, 1);

/** 60 one-minute OHLCV rows: flat at 100 000 for 15, a 30 % fall over 15, then a slow partial recovery. */
function crashCsv(): string {
  const rows = ['timestamp_ms,open,high,low,close,volume'];
  let prev = 100_000;
  for (let k = 0; k < 60; k++) {
    const target =
      k < 15 ? 100_000 : k < 30 ? 100_000 - (30_000 * (k - 14)) / 15 : 70_000 + (30_000 * (k - 29)) / 90;
    const close = target * (1 + 0.0005 * Math.sin(k));
    const hi = Math.max(prev, close) * 1.001;
    const lo = Math.min(prev, close) * 0.999;
    rows.push([T0_MS + k * 60_000, prev, hi, lo, close, 100].map((x) => String(x)).join(','));
    prev = close;
  }
  return `${rows.join('\n')}\n`;
}

let dir = '';
let bars = '';
let policy = '';
const GRID = 'liquidation.stages.bookLiquidation=true,false';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'backstop-sweep-cli-'));
  bars = join(dir, 'crash.csv');
  writeFileSync(bars, crashCsv());
  policy = join(dir, 'none.yaml');
  writeFileSync(policy, stringify(POLICY_PRESETS.none));
  // the second point by hand, for `backtest` to run directly
  const none = POLICY_PRESETS.none as { liquidation: { stages: Record<string, boolean> } };
  writeFileSync(
    join(dir, 'none-no-book.yaml'),
    stringify({
      ...none,
      liquidation: { ...none.liquidation, stages: { ...none.liquidation.stages, bookLiquidation: false } },
    }),
  );
});

// depth × 1 given, so the test does not depend on the default (volume-based `auto`)
const common = () => ['--data', bars, '--accounts', '50', '--depth-scale', '1', '--policy', policy];

describe('backstop sweep', () => {
  it('--json: the contract, points that differ where the switch matters, and equal to backtest runs', async () => {
    const out = join(dir, 'out');
    const r = await cli(['sweep', ...common(), '--grid', GRID, '--json', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(''); // no progress bar off a terminal
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual([
      'data',
      'accounts',
      'seed',
      'impact',
      'depthScale',
      'bars',
      'grid',
      'points',
      'front',
    ]);
    expect(doc).toMatchObject({ data: [bars], accounts: 50, seed: 1, impact: true, depthScale: 1, bars: 60 });
    expect(doc.grid).toEqual([{ path: 'liquidation.stages.bookLiquidation', values: [true, false] }]);
    expect(doc.points).toHaveLength(2);
    expect(Object.keys(doc.points[0])).toEqual([
      'params',
      'badDebt',
      'openDeficit',
      'adlNotional',
      'falseActivations',
      'liquidations',
      'activations',
      'conservationOk',
      'auditOk',
      'pareto',
    ]);
    const [withBook, noBook] = doc.points;
    expect(withBook.params).toEqual({ 'liquidation.stages.bookLiquidation': true });
    expect(noBook.params).toEqual({ 'liquidation.stages.bookLiquidation': false });
    // `none` has no provider stage: without book steps no account can be liquidated (the count is
    // of accounts with a filled step or a takeover); the 30 % fall on 8× median leverage does
    expect(noBook.liquidations).toBe(0);
    expect(withBook.liquidations).toBeGreaterThan(0);
    // nothing is closed, so no loss is realized, but the accounts left under water owe more than
    // the book point loses: only the book point is on the front
    expect([noBook.badDebt, noBook.adlNotional, noBook.falseActivations]).toEqual([0, 0, 0]);
    expect(withBook.openDeficit).toBe(0);
    expect(noBook.openDeficit).toBeGreaterThan(withBook.badDebt);
    expect([withBook.pareto, noBook.pareto]).toEqual([true, false]);
    expect(doc.front).toEqual(
      doc.points.flatMap((p: { pareto: boolean }, i: number) => (p.pareto ? [i] : [])),
    );
    // --out writes the same document
    expect(JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'))).toEqual(doc);

    // second method: each point is the plain backtest of that file on the same data, population, seed
    for (const [file, point] of [
      [policy, withBook],
      [join(dir, 'none-no-book.yaml'), noBook],
    ]) {
      const b = await cli([
        'backtest',
        '--data',
        bars,
        '--accounts',
        '50',
        '--depth-scale',
        '1',
        '--policy',
        file,
        '--json',
      ]);
      expect(b.code).toBe(0);
      const run = JSON.parse(b.stdout).runs[0];
      // openDeficit is not in the compare contract; src/sim/sweep.test.ts checks it against runBacktest
      const { params: _p, pareto: _f, openDeficit: _d, ...outcome } = point;
      for (const [k, v] of Object.entries(outcome)) expect(run[k], k).toEqual(v);
    }
  }, 60_000);

  it('text: a count line, every point with * on the front, then the front', async () => {
    const r = await cli(['sweep', ...common(), '--grid', GRID]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      '2 points: 60 bars, 50 accounts, seed 1, impact on, depth × 1.00; money in USDC; * = on the Pareto front',
    );
    expect(lines[1]).toMatch(
      /^# {3}liquidation\.stages\.bookLiquidation +bad debt +open deficit +ADL notional +false +liqs ledger audit$/,
    );
    expect(lines[3]).toMatch(/^1 {3}false +0\.00 +[1-9][\d.]* +0\.00 +0 +0 ok +ok$/);
    const j = JSON.parse((await cli(['sweep', ...common(), '--grid', GRID, '--json'])).stdout);
    const front = lines.findIndex((l) => l.startsWith('Pareto front'));
    expect(lines[front]).toBe(
      `Pareto front (bad debt + open deficit, ADL notional, false activations): ${j.front.length} of 2 points`,
    );
    expect(lines.slice(front + 2).map((l) => Number(l.split(' ')[0]))).toEqual(j.front);
  }, 60_000);

  it('draws the progress bar on stderr when stderr is a terminal; stdout keeps the JSON', async () => {
    const out = new PassThrough();
    const err = Object.assign(new PassThrough(), { isTTY: true });
    let stdout = '';
    let stderr = '';
    out.on('data', (c) => (stdout += c));
    err.on('data', (c) => (stderr += c));
    const code = await main(['sweep', ...common(), '--grid', GRID, '--json'], { out, err });
    expect(code).toBe(0);
    expect(stderr).toContain('2/2 points');
    expect(JSON.parse(stdout).points).toHaveLength(2);
  }, 60_000);

  it('bad usage exits 2 naming the path or the value', async () => {
    const missing = await cli(['sweep', ...common(), '--grid', 'liquidation.book.nope=1,2']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      'grid: liquidation.book.nope does not exist in the policy file (liquidation.book has no "nope"',
    );
    expect(missing.stdout).toBe('');
    const empty = await cli(['sweep', ...common(), '--grid', 'liquidation.book.feeFrac=']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('liquidation.book.feeFrac has an empty value list');
    const invalid = await cli(['sweep', ...common(), '--grid', 'liquidation.book.feeFrac=0,2']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain(
      `${policy} [liquidation.book.feeFrac=2]: policy liquidation.book.feeFrac: must be <= 1`,
    );
    expect((await cli(['sweep', ...common()])).code).toBe(2); // --grid is required
  });
});
