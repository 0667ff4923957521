import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { BackstopError } from '../../core/errors.ts';

/**
 * Append-only journal: every accepted input is written here before the engine applies it, so
 * a crash loses nothing that was acknowledged. Record = [u32 LE payload length][u32 LE CRC-32 of
 * the payload][payload: UTF-8 JSON]. Opening scans the file: a final record that is incomplete
 * or fails its checksum (a write torn by a crash) is truncated away and reported; a bad record
 * followed by good ones is corruption, not a torn write, and stops the open (docs/concepts/journal.md).
 */
export interface TornTail {
  /** Byte offset where the bad tail started (the file is truncated to it). */
  readonly offset: number;
  readonly bytes: number;
  readonly reason: 'short-header' | 'short-payload' | 'checksum' | 'bad-json';
}

export interface JournalOpen<T> {
  readonly records: T[];
  readonly tornTail: TornTail | null;
}

const HEADER = 8;
const MAX_RECORD = 64 * 1024 * 1024;

/** Encodes one record (header + payload). */
export function encodeRecord(value: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(value), 'utf8');
  const out = Buffer.allocUnsafe(HEADER + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload) >>> 0, 4);
  payload.copy(out, HEADER);
  return out;
}

/**
 * Decodes a whole journal image. Stops at the first bad record: if nothing valid follows it, it is
 * a torn tail; if a valid record follows, the journal is corrupt (throws).
 */
export function decodeJournal<T>(
  buf: Buffer,
  file = '(buffer)',
): { records: T[]; validBytes: number; tornTail: TornTail | null } {
  const records: T[] = [];
  let at = 0;
  while (at < buf.length) {
    const bad = (reason: TornTail['reason']): TornTail => ({ offset: at, bytes: buf.length - at, reason });
    if (buf.length - at < HEADER) return { records, validBytes: at, tornTail: bad('short-header') };
    const len = buf.readUInt32LE(at);
    const sum = buf.readUInt32LE(at + 4);
    if (len > MAX_RECORD || at + HEADER + len > buf.length) {
      return { records, validBytes: at, tornTail: bad('short-payload') };
    }
    const payload = buf.subarray(at + HEADER, at + HEADER + len);
    let failure: TornTail['reason'] | null = crc32(payload) >>> 0 === sum ? null : 'checksum';
    let value: T | undefined;
    if (!failure) {
      try {
        value = JSON.parse(payload.toString('utf8')) as T;
      } catch {
        failure = 'bad-json';
      }
    }
    if (failure) {
      const next = at + HEADER + len;
      if (next < buf.length && decodeJournal(buf.subarray(next), file).records.length > 0) {
        throw new BackstopError(
          'UNREADABLE_FILE',
          `${file}: corrupt record at byte ${at} (${failure}) followed by valid records`,
          {
            file,
            value: at,
          },
        );
      }
      return { records, validBytes: at, tornTail: bad(failure) };
    }
    records.push(value as T);
    at += HEADER + len;
  }
  return { records, validBytes: at, tornTail: null };
}

/** A journal file opened for appending; `open` recovers the records and repairs a torn tail. */
export class Journal<T> {
  private constructor(
    readonly path: string,
    private fd: number,
    private readonly sync: boolean,
  ) {}

  /**
   * Opens (creating if absent) and recovers: returns the valid records and truncates a torn tail.
   * `sync` forces an fsync after every append (durable against power loss, slower).
   */
  static open<T>(path: string, options: { sync?: boolean } = {}): { journal: Journal<T> } & JournalOpen<T> {
    let fd: number;
    try {
      fd = openSync(path, 'a+');
    } catch (e) {
      throw new BackstopError('UNREADABLE_FILE', `${path}: cannot open journal (${(e as Error).message})`, {
        file: path,
      });
    }
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(size);
    let read = 0;
    while (read < size) read += readSync(fd, buf, read, size - read, read);
    const { records, validBytes, tornTail } = decodeJournal<T>(buf, path);
    if (tornTail) ftruncateSync(fd, validBytes);
    return { journal: new Journal<T>(path, fd, options.sync ?? false), records, tornTail };
  }

  /** Appends one record; returns only once it is written (and fsynced when `sync`). */
  append(value: T): void {
    const rec = encodeRecord(value);
    let written = 0;
    while (written < rec.length) written += writeSync(this.fd, rec, written, rec.length - written);
    if (this.sync) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}
