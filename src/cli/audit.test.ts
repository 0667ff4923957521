import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { SAMPLE_START_US, sampleDecisions } from '../../test/audit-samples.ts';
import { AuditLogWriter } from '../io/audit/audit-log.ts';
import { AuditVerifyFailed, auditCommand } from './audit.ts';
import { exitCodeFor, UsageError } from './errors.ts';

/** Runs `audit …` through a minimal program; returns what it wrote and what it threw. */
async function run(args: string[]): Promise<{ out: string; err: string; thrown: unknown }> {
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
  const audit = auditCommand({ out, err });
  for (const c of [audit, ...audit.commands]) c.exitOverride().configureOutput({ writeErr: () => {} });
  program.addCommand(audit);
  let thrown: unknown = null;
  try {
    await program.parseAsync(['audit', ...args], { from: 'user' });
  } catch (e) {
    thrown = e;
  }
  return { ...chunks, thrown };
}

function writeLog(transform: (lines: string[]) => string[] = (l) => l): { path: string; lastHash: string } {
  const w = AuditLogWriter.inMemory();
  sampleDecisions(50).forEach((d, i) => {
    w.append(d, SAMPLE_START_US + i * 1_000_000);
  });
  const path = join(mkdtempSync(join(tmpdir(), 'backstop-audit-cli-')), 'audit.jsonl');
  writeFileSync(
    path,
    transform(w.sink.lines)
      .map((l) => `${l}\n`)
      .join(''),
  );
  return { path, lastHash: w.head.hash };
}

describe('backstop audit verify', () => {
  it('an intact log: no throw (exit 0), one line with the count and last hash', async () => {
    const { path, lastHash } = writeLog();
    const r = await run(['verify', path]);
    expect(r.thrown).toBeNull();
    expect(r.out).toBe(`${path}: intact, 50 records, last hash ${lastHash}\n`);
    const j = await run(['verify', path, '--json']);
    expect(JSON.parse(j.out)).toEqual({ ok: true, records: 50, lastHash });
  });

  it('a one-digit edit: AuditVerifyFailed (exit 1) whose message names the line', async () => {
    const { path } = writeLog((ls) => ls.map((l) => l.replace('"USD.im":10000,', '"USD.im":10001,')));
    const r = await run(['verify', path]);
    expect(r.thrown).toBeInstanceOf(AuditVerifyFailed);
    const e = r.thrown as AuditVerifyFailed;
    expect(e.message).toBe(`${path}: line 7 (seq 7): hash mismatch — the record was edited`);
    expect(e.failure).toMatchObject({ line: 7, seq: 7, reason: 'hash-mismatch' });
    expect(exitCodeFor(e)).toBeNull(); // main must map it to 1 itself, like ConformanceFailed
    expect(r.out).toBe('');
  });

  it('--json on a broken log prints {ok: false, line, seq, reason} and still fails', async () => {
    const { path } = writeLog((ls) => [...ls.slice(0, 19), ...ls.slice(20)]);
    const r = await run(['verify', path, '--json']);
    expect(r.thrown).toBeInstanceOf(AuditVerifyFailed);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, line: 20, seq: 21, reason: 'seq-gap' });
  });

  it('--checkpoint catches records cut from the end', async () => {
    const full = writeLog();
    const { path } = writeLog((ls) => ls.slice(0, 48));
    expect((await run(['verify', path])).thrown).toBeNull();
    const r = await run(['verify', path, '--checkpoint', full.lastHash]);
    expect(r.thrown).toBeInstanceOf(AuditVerifyFailed);
    expect((r.thrown as Error).message).toContain('line 49: no record has the checkpoint hash');
    expect((await run(['verify', path, '--checkpoint', 'abc'])).thrown).toBeInstanceOf(UsageError);
  });

  it('an empty file is an intact empty log; a missing file is UNREADABLE_FILE (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backstop-audit-cli-'));
    writeFileSync(join(dir, 'empty.jsonl'), '');
    const ok = await run(['verify', join(dir, 'empty.jsonl'), '--json']);
    expect(ok.thrown).toBeNull();
    expect(JSON.parse(ok.out)).toEqual({ ok: true, records: 0, lastHash: '0'.repeat(64) });
    const missing = await run(['verify', join(dir, 'nope.jsonl')]);
    expect(missing.thrown).toMatchObject({ code: 'UNREADABLE_FILE' });
    expect(exitCodeFor(missing.thrown)).toBe(2);
  });
});
