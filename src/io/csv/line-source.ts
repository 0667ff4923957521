import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { BackstopError } from '../../core/errors.ts';

export interface NumberedLine {
  readonly line: number;
  readonly text: string;
}

/** True when the file starts with the gzip magic bytes (so `.gz` names are not trusted blindly). */
async function isGzip(path: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const buf = Buffer.alloc(2);
    const { bytesRead } = await handle.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } catch (e) {
    throw new BackstopError('UNREADABLE_FILE', `${path}: cannot open (${(e as Error).message})`, {
      file: path,
    });
  } finally {
    await handle?.close();
  }
}

/**
 * Streams the lines of a `.csv` or gzip-compressed `.csv.gz` file with 1-based line numbers,
 * in constant memory. Empty lines are skipped. A read or decompression error is
 * UNREADABLE_FILE naming the file and the last good line.
 */
export async function* readLines(
  path: string,
  progress?: { bytesRead: number },
): AsyncGenerator<NumberedLine> {
  const gz = await isGzip(path);
  const raw = createReadStream(path);
  if (progress) raw.on('data', (chunk) => (progress.bytesRead += chunk.length));
  const input = gz ? raw.pipe(createGunzip()) : raw;
  let failure: Error | null = null;
  raw.on('error', (e) => {
    failure = e;
    input.destroy(e);
  });
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const text of rl) {
      line++;
      if (text.length === 0) continue;
      yield { line, text: text.endsWith('\r') ? text.slice(0, -1) : text };
    }
  } catch (e) {
    const cause = failure ?? (e as Error);
    throw new BackstopError('UNREADABLE_FILE', `${path}: read failed after line ${line} (${cause.message})`, {
      file: path,
      line,
    });
  }
}
