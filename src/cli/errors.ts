import { BackstopError } from '../core/errors.ts';

/** Bad usage or bad input at the CLI: exit code 2 with a one-line message on stderr. */
export class UsageError extends Error {}

/** Codes that mean "the input cannot be used": exit 2 with the message. */
const BAD_INPUT_CODES = new Set([
  'UNREADABLE_FILE',
  'UNKNOWN_FORMAT',
  'BAD_HEADER',
  'BAD_ARGUMENT',
  'BAD_FIELD',
  'BAD_CONFIG',
]);

/** Maps what a command threw to an exit code: 2 for bad usage or input, null for a bug (rethrown). */
export function exitCodeFor(e: unknown): number | null {
  if (e instanceof UsageError) return 2;
  if (e instanceof BackstopError && BAD_INPUT_CODES.has(e.code)) return 2;
  return null;
}
