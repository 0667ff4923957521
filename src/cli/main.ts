import { Command, CommanderError } from 'commander';
import { CONFORMANCE_SUITES } from '../io/conformance/index.ts';
import { AuditVerifyFailed, auditCommand } from './audit.ts';
import { backtestCommands } from './backtest.ts';
import { ConformanceFailed, conformanceCommand } from './conformance.ts';
import { demoCommand } from './demo.ts';
import { exitCodeFor } from './errors.ts';
import { keysCommand } from './keys.ts';
import { marginCommand } from './margin.ts';
import { monitorCommand } from './monitor.ts';
import { type Io, processIo } from './output.ts';
import { policyCommand } from './policy.ts';
import { priceCommand } from './price.ts';
import { riskCommand } from './risk.ts';
import { serveCommand } from './serve.ts';
import { sweepCommand } from './sweep.ts';

/** Entry point of the `backstop` CLI. Returns the exit code: 0 ok, 1 check failed, 2 bad usage/input. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const program = new Command('backstop')
    .description('Real-time margin and liquidity-backstop engine for crypto derivatives venues')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
    });
  const commands = [
    monitorCommand(io),
    demoCommand(io),
    conformanceCommand(io, CONFORMANCE_SUITES),
    priceCommand(io),
    marginCommand(io),
    riskCommand(io),
    auditCommand(io),
    policyCommand(io),
    ...backtestCommands(io),
    sweepCommand(io),
    serveCommand(io),
    keysCommand(io),
  ];
  const configure = (c: Command): void => {
    c.exitOverride().configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) });
    for (const sub of c.commands) configure(sub);
  };
  for (const c of commands) {
    configure(c);
    program.addCommand(c);
  }
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0
        ? 0
        : 2;
    }
    if (e instanceof ConformanceFailed || e instanceof AuditVerifyFailed) {
      io.err.write(`backstop: ${e.message}\n`);
      return 1;
    }
    const code = exitCodeFor(e);
    if (code === null) throw e;
    io.err.write(`backstop: ${(e as Error).message}\n`);
    return code;
  }
}

// Run directly: `tsx src/cli/main.ts …` (npm run demo).
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  process.exitCode = await main(process.argv.slice(2));
}
