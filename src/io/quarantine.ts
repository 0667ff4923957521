import { createWriteStream, type WriteStream } from 'node:fs';
import type { Rejection } from '../domain/rejection.ts';

/**
 * Appends rejected inputs as JSON lines `{file, line, code, field, value, reason, raw}` so that
 * nothing accepted from a source is ever silently lost. Counts by code for the run summary.
 */
export class QuarantineWriter {
  private out: WriteStream | null = null;
  readonly countsByCode = new Map<string, number>();
  count = 0;

  /** The file is created on the first rejection, so a clean run leaves nothing behind. */
  constructor(readonly path: string) {}

  /** The path if anything was written, else null. */
  get writtenPath(): string | null {
    return this.count > 0 ? this.path : null;
  }

  write(r: Rejection): void {
    this.count++;
    this.countsByCode.set(r.code, (this.countsByCode.get(r.code) ?? 0) + 1);
    this.out ??= createWriteStream(this.path, { flags: 'a' });
    this.out.write(`${JSON.stringify(r)}\n`);
  }

  async close(): Promise<void> {
    const out = this.out;
    if (!out) return;
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
}
