#!/usr/bin/env node
// A throwaway PostgreSQL cluster for tests (docs/adr/0008-service-store.md).
//   node scripts/postgres.mjs start     → prints {"url","dir","pid"} on one line
//   node scripts/postgres.mjs stop DIR  → stops it and deletes DIR
// Also imported by test/postgres-setup.ts (startPostgres / stopPostgres).
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT_DIR = '/usr/lib/postgresql';
const USER = 'backstop';
const DATABASE = 'backstop_test';
const isRoot = () => process.getuid?.() === 0;

/** The bin dir of the highest installed major version, or null. */
function findBinDir() {
  if (!existsSync(ROOT_DIR)) return null;
  const versions = readdirSync(ROOT_DIR)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(ROOT_DIR, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(ROOT_DIR, versions[0], 'bin') : null;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-5).join(' | ');
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${out}`);
  }
  return r.stdout;
}

function binDirOrInstall() {
  const found = findBinDir();
  if (found) return found;
  if (!isRoot()) throw new Error(`no PostgreSQL server under ${ROOT_DIR} (install the postgresql package)`);
  // Debian images: install the server once (root only; slow, but only when it is missing)
  run('sh', ['-c', 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql'], {
    stdio: 'inherit',
  });
  const again = findBinDir();
  if (!again) throw new Error(`apt-get installed postgresql but no server found under ${ROOT_DIR}`);
  return again;
}

/** PostgreSQL refuses to run as root: then the server runs as the `postgres` system user. */
function serverUser() {
  if (!isRoot()) return null;
  if (spawnSync('id', ['-u', 'postgres']).status !== 0) {
    run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
  }
  return 'postgres';
}

function runAs(user, cmd, args) {
  return user ? run('runuser', ['-u', user, '--', cmd, ...args]) : run(cmd, args);
}

/** A port that was free a moment ago (bind port 0, read it, release it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a fresh cluster in a new temp dir, listening on 127.0.0.1 only, trust auth, fsync off
 * (test data is thrown away). Resolves when it accepts connections and `backstop_test` exists.
 */
export async function startPostgres() {
  const bin = binDirOrInstall();
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'backstop-pg-'));
  try {
    if (user) {
      const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }));
      const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }));
      chownSync(dir, uid, gid);
    }
    const data = join(dir, 'data');
    runAs(user, join(bin, 'initdb'), ['-D', data, '--auth=trust', '-U', USER, '-E', 'UTF8', '--no-sync']);
    // the port can be taken between freePort() and the bind: try a few
    let port = 0;
    let lastError = null;
    for (let attempt = 0; attempt < 3 && port === 0; attempt++) {
      const candidate = await freePort();
      const opts = [
        `-p ${candidate}`,
        '-c listen_addresses=127.0.0.1',
        `-c unix_socket_directories=${dir}`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
      ].join(' ');
      try {
        runAs(user, join(bin, 'pg_ctl'), [
          '-D',
          data,
          '-l',
          join(dir, 'server.log'),
          '-o',
          opts,
          '-w',
          'start',
        ]);
        port = candidate;
      } catch (e) {
        lastError = e;
      }
    }
    if (port === 0) throw lastError;
    run(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', USER, DATABASE]);
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return { url: `postgresql://${USER}@127.0.0.1:${port}/${DATABASE}`, dir, pid };
  } catch (e) {
    stopPostgres(dir);
    throw e;
  }
}

/** Stops the cluster in `dir` (immediate: nothing in it is kept) and deletes the dir. */
export function stopPostgres(dir) {
  const data = join(dir, 'data');
  const bin = findBinDir();
  try {
    if (bin && existsSync(join(data, 'postmaster.pid'))) {
      runAs(serverUser(), join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [cmd, arg] = process.argv.slice(2);
  if (cmd === 'start') {
    console.log(JSON.stringify(await startPostgres()));
  } else if (cmd === 'stop' && arg) {
    stopPostgres(arg);
  } else {
    console.error('usage: node scripts/postgres.mjs start | stop DIR');
    process.exit(2);
  }
}
