/** Bad usage or bad input at the CLI: exit code 2 with a one-line message on stderr. */
export class UsageError extends Error {}
