import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Path of the project's shared data (../shared beside the repository, or $BACKSTOP_SHARED).
 * Under CI=true it must exist (tests that need it are required there); on a user's clone
 * without it those tests are skipped with `SHARED_MISSING` as the reason.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED_DIR = process.env.BACKSTOP_SHARED ?? join(root, '..', 'shared');
export const HAVE_SHARED = existsSync(join(SHARED_DIR, 'data'));
export const SHARED_MISSING = `skipped: ${SHARED_DIR}/data not found (set BACKSTOP_SHARED to run these tests)`;

if (!HAVE_SHARED && process.env.CI === 'true') {
  throw new Error(`CI=true but the shared data is missing at ${SHARED_DIR}: these tests are required in CI`);
}
