import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventAt, newEngine } from '../../../test/recovery/stream.ts';
import { JournaledEngine, stateHash } from './journaled-engine.ts';

const N = 1_050;

function reference(n: number): string {
  const e = newEngine();
  for (let i = 0; i < n; i++) e.handle(eventAt(i));
  return stateHash(e);
}

function journalWith(n: number, snapshotEvery: number): string {
  const path = join(mkdtempSync(join(tmpdir(), 'backstop-snap-')), 'journal.bin');
  const j = JournaledEngine.open(path, newEngine, { snapshotEvery });
  for (let i = 0; i < n; i++) j.handle(eventAt(i));
  j.close();
  return path;
}

describe('journal snapshots', () => {
  const expected = reference(N);

  it('a restart restores the latest snapshot and replays only the tail: same state hash', () => {
    const path = journalWith(N, 200);
    expect(existsSync(`${path}.snapshot`)).toBe(true);
    const j = JournaledEngine.open(path, newEngine, { snapshotEvery: 200 });
    expect(j.restart).toEqual({
      fromSnapshot: { file: `${path}.snapshot`, events: 1_000 },
      rejectedSnapshots: [],
    });
    expect(j.replayed).toBe(50);
    expect(j.eventCount).toBe(N);
    expect(stateHash(j.engine)).toBe(expected);
    // and it continues: the next event gives the same hash as an uninterrupted run
    j.handle(eventAt(N));
    expect(stateHash(j.engine)).toBe(reference(N + 1));
    j.close();
  });

  it('a damaged latest snapshot is rejected with its reason; the previous one is used', () => {
    const path = journalWith(N, 200);
    const file = `${path}.snapshot`;
    const text = readFileSync(file, 'utf8');
    // change one digit inside the state
    const at = text.indexOf('"nowUs":') + 9;
    const digit = text[at] === '1' ? '2' : '1';
    writeFileSync(file, text.slice(0, at) + digit + text.slice(at + 1));
    const j = JournaledEngine.open(path, newEngine);
    expect(j.restart.rejectedSnapshots).toEqual([{ file, reason: 'state checksum mismatch' }]);
    expect(j.restart.fromSnapshot).toEqual({ file: `${file}.prev`, events: 800 });
    expect(j.replayed).toBe(250);
    expect(stateHash(j.engine)).toBe(expected);
    j.close();
  });

  it('no usable snapshot (damaged, hash mismatch, ahead of the journal): full replay', () => {
    const path = journalWith(N, 200);
    writeFileSync(`${path}.snapshot`, '{"format":"x"');
    const prev = readFileSync(`${path}.snapshot.prev`, 'utf8');
    writeFileSync(`${path}.snapshot.prev`, prev.replace(/"stateHash":"[0-9a-f]/, '"stateHash":"x'));
    const j = JournaledEngine.open(path, newEngine);
    expect(j.restart.fromSnapshot).toBeNull();
    expect(j.restart.rejectedSnapshots.map((r) => r.reason)).toEqual([
      expect.stringMatching(/^not JSON/),
      'state hash after restore differs',
    ]);
    expect(j.replayed).toBe(N);
    expect(stateHash(j.engine)).toBe(expected);
    j.close();
    const short = journalWith(300, 200);
    const snap = readFileSync(`${short}.snapshot`, 'utf8');
    writeFileSync(`${short}.snapshot`, snap.replace('"events":200', '"events":5000'));
    const k = JournaledEngine.open(short, newEngine);
    expect(k.restart.rejectedSnapshots[0]?.reason).toBe(
      'snapshot after 5000 events, but the journal holds 300',
    );
    expect(k.replayed).toBe(300);
    k.close();
  });
});
