import { mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeJournal, encodeRecord, Journal } from './journal.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'backstop-journal-'));
const ev = (i: number) => ({
  kind: 'transfer',
  eventId: `t${i}`,
  account: 'a',
  currency: 'USD',
  amount: `${i}.5`,
  tsUs: i,
});

describe('journal', () => {
  it('encodes [length][crc32][json] (checked by hand)', () => {
    const rec = encodeRecord({ a: 1 });
    const payload = Buffer.from('{"a":1}');
    expect(rec.readUInt32LE(0)).toBe(7);
    expect(rec.readUInt32LE(4)).toBe(crc32(payload) >>> 0);
    expect(rec.subarray(8).toString()).toBe('{"a":1}');
  });

  it('round-trips every record across a reopen', () => {
    const p = join(dir(), 'j.bin');
    const { journal } = Journal.open<ReturnType<typeof ev>>(p);
    for (let i = 0; i < 100; i++) journal.append(ev(i));
    journal.close();
    const again = Journal.open<ReturnType<typeof ev>>(p);
    expect(again.records).toEqual(Array.from({ length: 100 }, (_, i) => ev(i)));
    expect(again.tornTail).toBeNull();
    again.journal.close();
  });

  it('detects, reports and truncates a torn final record at every cut point, keeping the complete ones', () => {
    const p = join(dir(), 'j.bin');
    const { journal } = Journal.open(p);
    for (let i = 0; i < 3; i++) journal.append(ev(i));
    journal.close();
    const full = readFileSync(p);
    const last = encodeRecord(ev(3));
    for (let cut = 1; cut < last.length; cut++) {
      writeFileSync(p, Buffer.concat([full, last.subarray(0, cut)]));
      const o = Journal.open(p);
      expect(o.records).toHaveLength(3);
      expect(o.tornTail).toMatchObject({ offset: full.length, bytes: cut });
      expect(statSync(p).size).toBe(full.length);
      // appending after the repair continues cleanly
      o.journal.append(ev(4));
      o.journal.close();
      expect(Journal.open(p).records).toEqual([ev(0), ev(1), ev(2), ev(4)]);
      truncateSync(p, full.length);
    }
  });

  it('a flipped byte in the last record is a checksum failure (torn); in the middle it is corruption', () => {
    const p = join(dir(), 'j.bin');
    const { journal } = Journal.open(p);
    for (let i = 0; i < 3; i++) journal.append(ev(i));
    journal.close();
    const buf = readFileSync(p);
    const lastStart = buf.length - encodeRecord(ev(2)).length;
    const tail = Buffer.from(buf);
    tail[buf.length - 3] = (tail[buf.length - 3] as number) ^ 1;
    expect(decodeJournal(tail).tornTail).toMatchObject({ offset: lastStart, reason: 'checksum' });
    const middle = Buffer.from(buf);
    middle[12] = (middle[12] as number) ^ 1;
    expect(() => decodeJournal(middle, 'j.bin')).toThrow(
      /corrupt record at byte 0 \(checksum\) followed by valid records/,
    );
  });

  it('a missing directory is UNREADABLE_FILE', () => {
    expect(() => Journal.open(join(dir(), 'no', 'such', 'j.bin'))).toThrow(/cannot open journal/);
  });
});
