import { PassThrough } from 'node:stream';
import { main } from '../src/cli/main.ts';

/** Runs the `backstop` CLI in-process and captures its exit code, stdout and stderr. */
export async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c) => (stdout += c));
  err.on('data', (c) => (stderr += c));
  const code = await main(args, { out, err });
  return { code, stdout, stderr };
}
