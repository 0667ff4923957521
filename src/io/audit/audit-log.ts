import {
  appendFileSync,
  closeSync,
  createReadStream,
  fsyncSync,
  openSync,
  readSync,
  statSync,
  writeSync,
} from 'node:fs';
import { BackstopError } from '../../core/errors.ts';
import type { Decision } from '../../domain/decisions.ts';
import {
  AuditChainVerifier,
  type AuditFailure,
  type AuditRecord,
  formatRecord,
  GENESIS_HASH,
  sealRecord,
  type VerifyOptions,
} from './audit-chain.ts';

/** Where records go: one line per call, without its newline. */
export interface AuditSink {
  write(line: string): void;
  close?(): void;
}

/** Keeps the lines in memory (tests, or a caller that ships them elsewhere). */
export class MemoryAuditSink implements AuditSink {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  /** The lines as a JSONL file would hold them. */
  get text(): string {
    return this.lines.map((l) => `${l}\n`).join('');
  }
}

/**
 * Appends lines to a file with synchronous writes (a record is in the file, in order, when
 * `append` returns; with `fsync` it is also on disk). One writer per file: there is no lock.
 */
export class FileAuditSink implements AuditSink {
  private fd: number | null;

  constructor(
    readonly path: string,
    private readonly fsync = false,
  ) {
    try {
      this.fd = openSync(path, 'a');
    } catch (e) {
      throw new BackstopError(
        'UNREADABLE_FILE',
        `${path}: cannot open for append (${(e as Error).message})`,
        {
          file: path,
        },
      );
    }
  }

  write(line: string): void {
    if (this.fd === null) throw new BackstopError('INVARIANT', `${this.path}: audit log is closed`);
    const buf = Buffer.from(`${line}\n`, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    if (this.fsync) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}

/** Where a chain stands: the last seq and hash (0 and GENESIS_HASH for an empty log). */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Appends decisions to a hash-chained audit log (docs/concepts/audit-log.md). Each `append` seals
 * one record (seq + 1, prevHash = the last hash) and writes it as one canonical line.
 *
 * If a write throws, the sink may hold part of a line, so the writer refuses further appends
 * (INVARIANT) rather than write records after a corrupt one.
 */
export class AuditLogWriter<S extends AuditSink = AuditSink> {
  private last: ChainHead;
  private broken = false;

  constructor(
    readonly sink: S,
    head: ChainHead = { seq: 0, hash: GENESIS_HASH },
  ) {
    this.last = head;
  }

  /** A writer that keeps its lines in `sink.lines`. */
  static inMemory(): AuditLogWriter<MemoryAuditSink> {
    return new AuditLogWriter(new MemoryAuditSink());
  }

  /**
   * A writer appending to `path`. An existing log is verified first and the chain continues from
   * its last record; a log that fails verification is refused (UNREADABLE_FILE naming the bad line),
   * since records appended after it could never verify. A missing file is created.
   */
  static async openFile(
    path: string,
    options: { fsync?: boolean } = {},
  ): Promise<AuditLogWriter<FileAuditSink>> {
    let head: ChainHead = { seq: 0, hash: GENESIS_HASH };
    let needsNewline = false;
    if (fileSize(path) > 0) {
      const v = await verifyAuditFile(path);
      if (!v.ok)
        throw new BackstopError(
          'UNREADABLE_FILE',
          `${path}: cannot append to a broken audit log: ${v.message}`,
          {
            file: path,
            line: v.line,
            reason: v.reason,
          },
        );
      head = { seq: v.count, hash: v.lastHash };
      needsNewline = lastByte(path) !== 0x0a;
    }
    if (needsNewline) appendFileSync(path, '\n');
    return new AuditLogWriter(new FileAuditSink(path, options.fsync ?? false), head);
  }

  /** The last record's seq and hash. */
  get head(): ChainHead {
    return this.last;
  }

  /**
   * Seals and writes one record. `tsUs` is the append time in integer microseconds (UnixMicros).
   * @throws BackstopError BAD_ARGUMENT for a non-integer tsUs; NOT_FINITE / BAD_FIELD (from
   *   canonicalJson) for a decision with NaN, ±Infinity or a non-plain object — nothing is written.
   */
  append(decision: Decision, tsUs: number): AuditRecord {
    if (this.broken)
      throw new BackstopError('INVARIANT', 'audit log: an earlier write failed; refusing to append after it');
    if (!Number.isSafeInteger(tsUs))
      throw new BackstopError('BAD_ARGUMENT', `audit log: tsUs must be integer microseconds, got ${tsUs}`, {
        tsUs,
      });
    const record = sealRecord({ seq: this.last.seq + 1, tsUs, prevHash: this.last.hash, decision });
    const line = formatRecord(record);
    try {
      this.sink.write(line);
    } catch (e) {
      this.broken = true;
      throw e;
    }
    this.last = { seq: record.seq, hash: record.hash };
    return record;
  }

  close(): void {
    this.sink.close?.();
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new BackstopError('UNREADABLE_FILE', `${path}: cannot stat (${(e as Error).message})`, {
      file: path,
    });
  }
}

function lastByte(path: string): number | undefined {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1);
    readSync(fd, buf, 0, 1, statSync(path).size - 1);
    return buf[0];
  } finally {
    closeSync(fd);
  }
}

export type FileVerdict =
  | { readonly ok: true; readonly count: number; readonly lastHash: string }
  | AuditFailure;

/**
 * Verifies an audit log file in constant memory, streaming it line by line (split on `\n` only).
 * An empty file is an intact empty log (`count` 0, `lastHash` GENESIS_HASH).
 * @throws BackstopError UNREADABLE_FILE when the file is missing or cannot be read.
 */
export async function verifyAuditFile(path: string, options: VerifyOptions = {}): Promise<FileVerdict> {
  const verifier = new AuditChainVerifier(options);
  const stream = createReadStream(path, { encoding: 'utf8' });
  let rest = '';
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const text of parts) {
        const r = verifier.push(text);
        if (!r.ok) {
          stream.destroy();
          return r;
        }
      }
    }
  } catch (e) {
    throw new BackstopError('UNREADABLE_FILE', `${path}: cannot read (${(e as Error).message})`, {
      file: path,
    });
  }
  if (rest !== '') {
    const r = verifier.push(rest);
    if (!r.ok) return r;
  }
  return verifier.finish();
}
