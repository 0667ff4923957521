import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '../../bin/backstop.mjs');

/** `backstop serve …` as a real child process; resolves once it prints the URL it listens on. */
export async function startServe(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ proc: ChildProcess; url: string; stderr: () => string; exited: Promise<number | null> }> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    env: { ...process.env, BACKSTOP_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not start in 120 s: ${err}`)), 120_000);
    proc.stderr?.on('data', (d) => {
      err += String(d);
      const m = /serving on (http:\/\/[^\s)]+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        ok(m[1] as string);
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`serve exited with ${code}: ${err}`));
    });
  });
  proc.stdout?.resume();
  return { proc, url, stderr: () => err, exited };
}

/** `backstop keys create --json` against a data directory: the created key. */
export async function createKeyCli(dataDir: string, scopes: string): Promise<{ id: string; key: string }> {
  const proc = spawn(
    process.execPath,
    [BIN, 'keys', 'create', '--scope', scopes, '--data-dir', dataDir, '--json'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d) => (out += String(d)));
  proc.stderr?.on('data', (d) => (err += String(d)));
  const code = await new Promise<number | null>((r) => proc.on('exit', (c) => r(c)));
  if (code !== 0) throw new Error(`keys create exited ${code}: ${err}`);
  return JSON.parse(out);
}
