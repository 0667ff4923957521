import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/core/rng.ts';
import type { EngineEvent } from '../../src/domain/events.ts';
import { decodeJournal } from '../../src/io/journal/journal.ts';
import { stateHash } from '../../src/io/journal/journaled-engine.ts';
import { eventAt, newEngine } from './stream.ts';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const TOTAL = 40_000;

/** Runs the child; with `killAt`, SIGKILLs it as soon as it reports processing that event index. */
function runChild(journal: string, killAt: number | null): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, journal, String(TOTAL)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => {
      out += c;
      if (killAt === null) return;
      const m = /p (\d+)\n(?![\s\S]*p \d+\n)/.exec(out);
      if (m && Number(m[1]) >= killAt) child.kill('SIGKILL');
    });
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) resolve(out);
      else reject(new Error(`child exited ${code}: ${err}`));
    });
  });
}

const journaled = (path: string) =>
  decodeJournal<EngineEvent>(existsSync(path) ? readFileSync(path) : Buffer.alloc(0));

describe('crash recovery', () => {
  it('SIGKILL at 20+ random points, restart each time: same final state hash, no event lost or applied twice', async () => {
    const reference = newEngine();
    for (let i = 0; i < TOTAL; i++) reference.handle(eventAt(i));
    const expected = stateHash(reference);

    const path = join(mkdtempSync(join(tmpdir(), 'backstop-recovery-')), 'journal.bin');
    const rng = new SeededRng(20261126);
    let midStream = 0;
    for (let attempt = 0; midStream < 20 && attempt < 60; attempt++) {
      const before = journaled(path).records.length;
      if (before >= TOTAL) break;
      await runChild(path, before + rng.nextInt(300, 1_500));
      const after = journaled(path);
      if (after.records.length > before && after.records.length < TOTAL) midStream++;
    }
    expect(midStream).toBeGreaterThanOrEqual(20);

    const last = (await runChild(path, null)).split('\n').find((l) => l.startsWith('done '));
    const final = JSON.parse((last as string).slice(5));
    expect(final.hash).toBe(expected);
    // the last restart began from a snapshot and replayed only the journal's tail
    expect(final.fromSnapshot).toBeGreaterThan(0);
    expect(final.replayed).toBeLessThan(2_000);
    // every event exactly once, in order
    const { records, tornTail } = journaled(path);
    expect(tornTail).toBeNull();
    expect(records).toHaveLength(TOTAL);
    for (let i = 0; i < TOTAL; i += 997) expect(records[i]).toEqual(eventAt(i));
    expect(records.every((e, i) => e.tsUs === eventAt(i).tsUs)).toBe(true);
  }, 240_000);
});
