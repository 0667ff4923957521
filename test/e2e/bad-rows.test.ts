import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultEngineConfig, Engine } from '../../src/engine/engine.ts';
import { fileSources } from '../../src/io/file-sources.ts';
import { QuarantineWriter } from '../../src/io/quarantine.ts';
import { runLoop } from '../../src/runtime/run-loop.ts';
import { cli } from '../cli-harness.ts';

const BAD = fileURLToPath(new URL('../fixtures/readers/bad-rows_incremental_book_L2.csv', import.meta.url));

// Each kind of bad row in one file; the fixture's comments are in the reader test.
const EXPECTED_QUARANTINE = [
  [6, 'BAD_ROW_COLUMNS'],
  [7, 'BAD_NUMBER'],
  [8, 'BAD_NUMBER'],
  [9, 'BAD_PRICE'],
  [10, 'BAD_SIZE'],
  [12, 'TIME_BACKWARDS'],
  [13, 'BOOK_CROSSED'],
  [15, 'BAD_FIELD'],
  [16, 'BAD_NUMBER'],
];

describe('bad rows never crash the run and never disappear', () => {
  it('good rows are all applied; every bad row is quarantined with its reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backstop-'));
    const quarantine = new QuarantineWriter(join(dir, 'q.jsonl'));
    const engine = new Engine(defaultEngineConfig());
    const { sources } = await fileSources([BAD]);
    const summary = await runLoop(engine, sources, { onRejection: (r) => quarantine.write(r) });
    await quarantine.close();

    const book = engine.books.get('BTC-PERPETUAL');
    // snapshot (lines 2–5), then 6418×25 (line 11), remove ask 6422 (line 14), add ask 6425×2 (line 17)
    expect(book?.levels('bid', 10)).toEqual([
      [6420, 5000],
      [6419.5, 700],
      [6418, 25],
    ]);
    expect(book?.levels('ask', 10)).toEqual([
      [6421.5, 18640],
      [6425, 2],
    ]);
    expect(summary.rejected).toBe(9);
    const lines = readFileSync(join(dir, 'q.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.line, l.code]).sort((a, b) => a[0] - b[0])).toEqual(EXPECTED_QUARANTINE);
    for (const l of lines) {
      expect(l.file).toBe(BAD);
      expect(l.reason.length).toBeGreaterThan(10);
      expect(readFileSync(BAD, 'utf8').split('\n')[l.line - 1]).toBe(l.raw);
    }
    const crossed = lines.find((l) => l.code === 'BOOK_CROSSED');
    expect(crossed.reason).toBe(
      'BTC-PERPETUAL: update would cross the book (best bid 6421.5 >= best ask 6421.5); not applied',
    );
  });

  it('through the CLI: exit 0, JSON document with the count and the quarantine path, metrics of the good book', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backstop-'));
    const q = join(dir, 'quarantine.jsonl');
    const { code, stdout, stderr } = await cli(['monitor', BAD, '--json', '--quarantine', q]);
    expect(code).toBe(0);
    expect(stderr).toBe(`9 rejected rows quarantined in ${q}\n`);
    const doc = JSON.parse(stdout);
    expect(doc.rejected).toBe(9);
    expect(doc.quarantine).toBe(q);
    expect(doc.rows).toHaveLength(1);
    const row = doc.rows[0];
    // Final book: best bid 6420, best ask 6421.5 → mid 6420.75, spread 1.5 / 6420.75 × 1e4 bps.
    expect(row.mid).toBe(6420.75);
    expect(row.spreadBps).toBeCloseTo((1.5 / 6420.75) * 1e4, 10);
    // Within 10 bps of mid (6414.33 .. 6427.17): all three bids and both asks, valued at price × size.
    const bid = 6420 * 5000 + 6419.5 * 700 + 6418 * 25; // 36 754 100
    const ask = 6421.5 * 18640 + 6425 * 2; // 119 709 610
    expect(row.depthBid['10']).toBeCloseTo(bid, 6);
    expect(row.depthAsk['10']).toBeCloseTo(ask, 6);
    expect(row.imbalance).toBeCloseTo((bid - ask) / (bid + ask), 12);
    expect(existsSync(q)).toBe(true);
  });

  it('a clean run writes no quarantine file and reports null', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backstop-'));
    const q = join(dir, 'q.jsonl');
    const trades = fileURLToPath(new URL('../fixtures/readers/tardis_trades.csv', import.meta.url));
    const { code, stdout } = await cli(['monitor', trades, '--json', '--quarantine', q]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ rejected: 0, quarantine: null });
    expect(existsSync(q)).toBe(false);
  });
});

describe('CLI usage errors exit 2 with a one-line message', () => {
  const fixture = (n: string) => fileURLToPath(new URL(`../fixtures/readers/${n}`, import.meta.url));

  it('unknown header', async () => {
    const r = await cli(['monitor', fixture('unknown_header.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^backstop: .*unknown_header\.csv: unknown format, header "foo,bar" \(use --format\)\n$/,
    );
  });

  it('unreadable file', async () => {
    const r = await cli(['monitor', fixture('missing.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('missing.csv: cannot open');
  });

  it('bad --interval and unknown --format', async () => {
    expect((await cli(['monitor', fixture('tardis_trades.csv'), '--interval', 'soon'])).code).toBe(2);
    const f = await cli(['monitor', fixture('tardis_trades.csv'), '--format', 'excel']);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain("argument 'excel' is invalid");
  });

  it('--help exits 0 and lists the flags', async () => {
    const r = await cli(['monitor', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--interval', '--notional', '--quarantine', '--json', '--jsonl', '--format']) {
      expect(r.stdout).toContain(flag);
    }
  });
});
