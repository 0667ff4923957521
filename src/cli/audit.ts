import { Command } from 'commander';
import type { AuditFailure } from '../io/audit/audit-chain.ts';
import { verifyAuditFile } from '../io/audit/audit-log.ts';
import { UsageError } from './errors.ts';
import type { Io } from './output.ts';

/** Outcome of `backstop audit verify` on a log that fails: main maps it to exit code 1. */
export class AuditVerifyFailed extends Error {
  constructor(
    readonly file: string,
    readonly failure: AuditFailure,
  ) {
    super(`${file}: ${failure.message}`);
    this.name = 'AuditVerifyFailed';
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

function parseHash(text: string): string {
  const h = text.toLowerCase();
  if (!HEX64.test(h)) throw new UsageError(`--checkpoint must be 64 hex digits, got "${text}"`);
  return h;
}

/**
 * `backstop audit verify FILE [--checkpoint HASH] [--json]`: exit 0 and `{ok: true, records,
 * lastHash}` for an intact log; for a broken one AuditVerifyFailed, whose message is the one line
 * naming the first bad record (main prints it on stderr, exit 1). A missing or unreadable file is UNREADABLE_FILE (exit 2).
 */
export function auditCommand(io: Io): Command {
  const audit = new Command('audit').description('Checks the hash-chained audit log of decisions');
  audit
    .command('verify')
    .description(
      'Verifies an audit log: exit 0 if intact, 1 naming the first edited, inserted or deleted record',
    )
    .argument('<file>', 'audit log (JSONL)')
    .option(
      '--checkpoint <hash>',
      'a lastHash noted earlier: fails if no record carries it (catches cut tails)',
      parseHash,
    )
    .option('--json', 'one JSON document {ok, records, lastHash} or {ok, line, seq, reason, message}')
    .action(async (file: string, opts: { json?: boolean; checkpoint?: string }) => {
      const verdict = await verifyAuditFile(
        file,
        opts.checkpoint === undefined ? {} : { checkpoint: opts.checkpoint },
      );
      if (verdict.ok) {
        if (opts.json)
          io.out.write(
            `${JSON.stringify({ ok: true, records: verdict.count, lastHash: verdict.lastHash })}\n`,
          );
        else io.out.write(`${file}: intact, ${verdict.count} records, last hash ${verdict.lastHash}\n`);
        return;
      }
      if (opts.json) {
        const { ok, line, seq, reason, message } = verdict;
        io.out.write(`${JSON.stringify({ ok, line, seq, reason, message })}\n`);
      }
      // The one human line is the error's message: main prints it on stderr and exits 1.
      throw new AuditVerifyFailed(file, verdict);
    });
  return audit;
}
