import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SAMPLE_START_US, sampleDecisions } from '../../../test/audit-samples.ts';
import type { Decision } from '../../domain/decisions.ts';
import {
  type AuditFailure,
  formatRecord,
  GENESIS_HASH,
  hashRecord,
  sealRecord,
  splitLogText,
  verifyRecords,
} from './audit-chain.ts';
import { AuditLogWriter, type AuditSink, verifyAuditFile } from './audit-log.ts';

/** The sample log of n decisions as its lines. */
function sampleLog(n = 50): string[] {
  const w = AuditLogWriter.inMemory();
  sampleDecisions(n).forEach((d, i) => {
    w.append(d, SAMPLE_START_US + i * 37_000_000 + 250);
  });
  return w.sink.lines;
}

function expectFailure(
  lines: readonly string[],
  line: number,
  seq: number | null,
  reason: string,
): AuditFailure {
  const v = verifyRecords(lines);
  expect(v.ok).toBe(false);
  const f = v as AuditFailure;
  expect({ line: f.line, seq: f.seq, reason: f.reason }).toEqual({ line, seq, reason });
  expect(f.message.startsWith(`line ${line}${seq === null ? ':' : ` (seq ${seq}):`}`)).toBe(true);
  return f;
}

const tmp = () => mkdtempSync(join(tmpdir(), 'backstop-audit-'));

describe('hashRecord', () => {
  it('is SHA-256 of the hand-written canonical JSON of {seq, tsUs, prevHash, decision}', () => {
    const decision: Decision = {
      kind: 'tier-change',
      tsUs: 5,
      scope: 'venue',
      from: 'normal',
      to: 'watch',
      reason: 'stress',
      evidence: { stressIndex: 0.3, 'USD.im': 10000 },
    };
    const text = `{"decision":{"evidence":{"USD.im":10000,"stressIndex":0.3},"from":"normal","kind":"tier-change","reason":"stress","scope":"venue","to":"watch","tsUs":5},"prevHash":"${GENESIS_HASH}","seq":1,"tsUs":7}`;
    const expected = createHash('sha256').update(text, 'utf8').digest('hex');
    expect(hashRecord({ seq: 1, tsUs: 7, prevHash: GENESIS_HASH, decision })).toBe(expected);
    expect(formatRecord(sealRecord({ seq: 1, tsUs: 7, prevHash: GENESIS_HASH, decision }))).toBe(
      `{"seq":1,"tsUs":7,"prevHash":"${GENESIS_HASH}","hash":"${expected}","decision":{"evidence":{"USD.im":10000,"stressIndex":0.3},"from":"normal","kind":"tier-change","reason":"stress","scope":"venue","to":"watch","tsUs":5}}`,
    );
  });
});

describe('AuditLogWriter', () => {
  it('chains records: seq from 1, prevHash 64 zeros then the previous hash', () => {
    const w = AuditLogWriter.inMemory();
    const [a, b] = sampleDecisions(2);
    const r1 = w.append(a!, 100);
    const r2 = w.append(b!, 200);
    expect([r1.seq, r2.seq]).toEqual([1, 2]);
    expect(r1.prevHash).toBe(GENESIS_HASH);
    expect(r2.prevHash).toBe(r1.hash);
    expect(w.head).toEqual({ seq: 2, hash: r2.hash });
    expect(w.sink.lines).toEqual([formatRecord(r1), formatRecord(r2)]);
  });

  it('refuses NaN evidence and a fractional tsUs without writing or advancing the chain', () => {
    const w = AuditLogWriter.inMemory();
    const [d] = sampleDecisions(1);
    w.append(d!, 1);
    const bad = { ...d!, evidence: { marginRatio: Number.NaN } } as Decision;
    expect(() => w.append(bad, 2)).toThrow(expect.objectContaining({ code: 'NOT_FINITE' }));
    expect(() => w.append(d!, 2.5)).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(w.sink.lines).toHaveLength(1);
    w.append(d!, 3);
    expect(verifyRecords(w.sink.lines).ok).toBe(true);
  });

  it('refuses to append after a failed write', () => {
    let calls = 0;
    const sink: AuditSink = {
      write() {
        if (++calls === 2) throw new Error('disk full');
      },
    };
    const w = new AuditLogWriter(sink);
    const [d] = sampleDecisions(1);
    w.append(d!, 1);
    expect(() => w.append(d!, 2)).toThrow('disk full');
    expect(() => w.append(d!, 3)).toThrow(expect.objectContaining({ code: 'INVARIANT' }));
  });

  it('appends to a file and continues the chain of an existing log after reopening', async () => {
    const path = join(tmp(), 'audit.jsonl');
    const ds = sampleDecisions(5);
    const w1 = await AuditLogWriter.openFile(path);
    for (const d of ds.slice(0, 3)) w1.append(d, d.tsUs + 1);
    w1.close();
    const w2 = await AuditLogWriter.openFile(path, { fsync: true });
    expect(w2.head.seq).toBe(3);
    for (const d of ds.slice(3)) w2.append(d, d.tsUs + 1);
    w2.close();
    const v = verifyRecords(splitLogText(readFileSync(path, 'utf8')));
    expect(v.ok && v.records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(v.ok && v.records.map((r) => r.decision)).toEqual(ds);
  });

  it('continues a log whose last newline is missing, and refuses a broken one', async () => {
    const dir = tmp();
    const lines = sampleLog(4);
    const cut = join(dir, 'cut.jsonl');
    writeFileSync(cut, lines.join('\n'));
    const w = await AuditLogWriter.openFile(cut);
    w.append(sampleDecisions(5)[4]!, 9);
    w.close();
    expect(await verifyAuditFile(cut)).toMatchObject({ ok: true, count: 5 });

    const edited = join(dir, 'edited.jsonl');
    writeFileSync(
      edited,
      `${lines.map((l, i) => (i === 1 ? l.replace('"tsUs":1', '"tsUs":2') : l)).join('\n')}\n`,
    );
    await expect(AuditLogWriter.openFile(edited)).rejects.toMatchObject({
      code: 'UNREADABLE_FILE',
      fields: { line: 2, reason: 'hash-mismatch' },
    });
  });
});

describe('verifyRecords on a log of 50 decisions', () => {
  const lines = sampleLog(50);

  it('accepts the intact log and returns its records', () => {
    const v = verifyRecords(lines);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.records).toHaveLength(50);
    expect(v.records.map((r) => r.decision)).toEqual(sampleDecisions(50));
    expect(v.lastHash).toBe(v.records[49]!.hash);
    expect(new Set(v.records.map((r) => r.decision.kind))).toEqual(
      new Set(['margin-state-change', 'tier-change', 'input-rejected']),
    );
  });

  it('accepts an empty log (lastHash = 64 zeros)', () => {
    expect(verifyRecords([])).toEqual({ ok: true, records: [], lastHash: GENESIS_HASH });
    expect(splitLogText('')).toEqual([]);
  });

  it('catches a one-digit edit inside an evidence number: line 7, hash mismatch', () => {
    expect(lines.filter((l) => l.includes('"USD.im":10000,'))).toHaveLength(1);
    expect(lines[6]).toContain('"USD.im":10000,');
    const edited = lines.map((l) => l.replace('"USD.im":10000,', '"USD.im":10001,'));
    const f = expectFailure(edited, 7, 7, 'hash-mismatch');
    expect(f.message).toBe('line 7 (seq 7): hash mismatch — the record was edited');
  });

  it('catches an edit of the reason, of the hash itself and of the seq', () => {
    expectFailure(
      lines.map((l, i) => (i === 9 ? l.replace('threshold', 'thresh0ld') : l)),
      10,
      10,
      'hash-mismatch',
    );
    const h = (i: number) => lines.map((l, j) => (j === i ? l.replace(/"hash":"(.)/, '"hash":"$1$1') : l));
    expect(verifyRecords(h(20)).ok).toBe(false);
    expectFailure(h(20), 21, 21, 'bad-shape'); // 65 hex digits
    expectFailure(
      lines.map((l, i) => (i === 3 ? l.replace('"seq":4,', '"seq":5,') : l)),
      4,
      5,
      'hash-mismatch',
    );
  });

  it('catches a value-preserving rewrite (number spelling, whitespace, CR): not canonical', () => {
    for (const to of ['"USD.im":1e4,', '"USD.im":10000.0,', '"USD.im": 10000,'])
      expectFailure(
        lines.map((l) => l.replace('"USD.im":10000,', to)),
        7,
        7,
        'not-canonical',
      );
    expectFailure(splitLogText(lines.map((l) => `${l}\r\n`).join('')), 1, 1, 'not-canonical');
  });

  it('reports a number beyond double range as bad shape rather than throwing', () => {
    expectFailure(
      lines.map((l) => l.replace('"USD.im":10000,', '"USD.im":1e400,')),
      7,
      7,
      'bad-shape',
    );
  });

  it('catches an inserted copy of an earlier record: seq gap at the inserted line', () => {
    const inserted = [...lines.slice(0, 40), lines[29]!, ...lines.slice(40)];
    expectFailure(inserted, 41, 30, 'seq-gap');
  });

  it('catches an inserted forged record with a valid hash: seq gap at the line after it', () => {
    const [d] = sampleDecisions(1);
    const prev = verifyRecords(lines.slice(0, 40));
    if (!prev.ok) throw new Error('prefix should verify');
    const forged = formatRecord(sealRecord({ seq: 41, tsUs: 1, prevHash: prev.lastHash, decision: d! }));
    expectFailure([...lines.slice(0, 40), forged, ...lines.slice(40)], 42, 41, 'seq-gap');
  });

  it('catches an inserted empty line', () => {
    expectFailure([...lines.slice(0, 12), '', ...lines.slice(12)], 13, null, 'bad-json');
  });

  it('catches a deleted line: seq gap where it was', () => {
    expectFailure([...lines.slice(0, 19), ...lines.slice(20)], 20, 21, 'seq-gap');
  });

  it('catches two swapped lines: seq gap at the first', () => {
    const swapped = [...lines];
    [swapped[32], swapped[33]] = [swapped[33]!, swapped[32]!];
    expectFailure(swapped, 33, 34, 'seq-gap');
  });

  it('catches a truncated last line: bad JSON at line 50', () => {
    const cut = [...lines.slice(0, 49), lines[49]!.slice(0, lines[49]!.length - 7)];
    const f = expectFailure(cut, 50, null, 'bad-json');
    expect(f.message).toBe('line 50: not valid JSON — the line was cut short or corrupted');
  });

  it('catches an edit whose hash was recomputed: broken link at the next line', () => {
    const v = verifyRecords(lines);
    if (!v.ok) throw new Error('should verify');
    const r = v.records[11]!;
    const decision = { ...r.decision, evidence: { ...r.decision.evidence, 'USD.im': 1 } } as Decision;
    const rehashed = formatRecord(sealRecord({ seq: r.seq, tsUs: r.tsUs, prevHash: r.prevHash, decision }));
    expectFailure(
      lines.map((l, i) => (i === 11 ? rehashed : l)),
      13,
      13,
      'broken-link',
    );
  });

  it('catches records cut from the end only against a checkpoint', () => {
    const full = verifyRecords(lines);
    if (!full.ok) throw new Error('should verify');
    const short = lines.slice(0, 47);
    expect(verifyRecords(short).ok).toBe(true); // a chain alone cannot see a cut tail
    const f = verifyRecords(short, { checkpoint: full.lastHash }) as AuditFailure;
    expect({ ok: f.ok, line: f.line, seq: f.seq, reason: f.reason }).toEqual({
      ok: false,
      line: 48,
      seq: null,
      reason: 'checkpoint-missing',
    });
    expect(verifyRecords(lines, { checkpoint: full.records[20]!.hash }).ok).toBe(true);
  });

  it('names the line of any single-character change, wherever it is (property)', () => {
    const chars = [...'0123456789abcdefxyz"{}[],: .-\n\r\\é'];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: lines.length - 1 }),
        fc.nat(),
        fc.constantFrom(...chars),
        (k, p, c) => {
          const line = lines[k]!;
          const at = p % line.length;
          fc.pre(line[at] !== c);
          const edited = [...lines];
          edited[k] = line.slice(0, at) + c + line.slice(at + 1);
          const v = verifyRecords(splitLogText(edited.map((l) => `${l}\n`).join('')));
          return !v.ok && v.line === k + 1;
        },
      ),
      { numRuns: 500, seed: 42 },
    );
  });
});

describe('verifyAuditFile', () => {
  it('streams a long file across chunk boundaries (multi-byte text) and names the edited line', async () => {
    const dir = tmp();
    const w = AuditLogWriter.inMemory();
    const ds = sampleDecisions(2400);
    ds.forEach((d, i) => {
      w.append(d, SAMPLE_START_US + i);
    });
    expect(w.sink.text.length).toBeGreaterThan(3 * 65_536);
    const good = join(dir, 'good.jsonl');
    writeFileSync(good, w.sink.text);
    expect(await verifyAuditFile(good)).toEqual({ ok: true, count: 2400, lastHash: w.head.hash });

    const target = w.sink.lines.findIndex((l, i) => i > 1500 && l.includes('price ≤ 0'));
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      w.sink.lines.map((l, i) => `${i === target ? l.replace('price ≤ 0', 'price < 0') : l}\n`).join(''),
    );
    expect(await verifyAuditFile(bad)).toMatchObject({
      ok: false,
      line: target + 1,
      seq: target + 1,
      reason: 'hash-mismatch',
    });
  });

  it('an empty file is an intact empty log; a missing file is UNREADABLE_FILE', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'empty.jsonl'), '');
    expect(await verifyAuditFile(join(dir, 'empty.jsonl'))).toEqual({
      ok: true,
      count: 0,
      lastHash: GENESIS_HASH,
    });
    await expect(verifyAuditFile(join(dir, 'nope.jsonl'))).rejects.toMatchObject({ code: 'UNREADABLE_FILE' });
  });
});
