import { Command } from 'commander';
import type { CaseResult, ConformanceSuite } from '../io/conformance/suite.ts';
import { UsageError } from './errors.ts';
import { fmt, type Io } from './output.ts';

/** Outcome of a conformance command: the exit code (1 when any case failed) for main. */
export class ConformanceFailed extends Error {}

export interface ConformanceReport {
  readonly suite: string;
  readonly cases: number;
  readonly passed: number;
  readonly failed: number;
  readonly results: readonly CaseResult[];
}

export async function runConformance(
  suite: ConformanceSuite,
  paths: readonly string[],
): Promise<ConformanceReport> {
  const results = await suite.run(paths);
  const passed = results.filter((r) => r.pass).length;
  return { suite: suite.name, cases: results.length, passed, failed: results.length - passed, results };
}

export function conformanceCommand(io: Io, suites: readonly ConformanceSuite[]): Command {
  return new Command('conformance')
    .description('Runs published test vectors of other systems in their native format and compares')
    .argument('<suite>', `one of: ${suites.map((s) => s.name).join(', ')}`)
    .argument('<paths...>', 'vector files or folders')
    .option('--json', 'one JSON document {suite, cases, passed, failed, results}')
    .action(async (name: string, paths: string[], opts: { json?: boolean }) => {
      const suite = suites.find((s) => s.name === name);
      if (!suite)
        throw new UsageError(`unknown suite "${name}" (known: ${suites.map((s) => s.name).join(', ')})`);
      const report = await runConformance(suite, paths);
      if (opts.json) io.out.write(`${JSON.stringify(report)}\n`);
      else {
        io.out.write(`${suite.name}: ${suite.description}\n`);
        io.out.write(
          `${'case'.padEnd(48)} ${'expected IM'.padStart(16)} ${'actual IM'.padStart(16)} ${'expected MM'.padStart(16)} ${'actual MM'.padStart(16)}  result\n`,
        );
        for (const r of report.results) {
          io.out.write(
            `${r.case.padEnd(48)} ${fmt(r.expected.im, 6, 16)} ${fmt(r.actual.im, 6, 16)} ${fmt(r.expected.mm, 6, 16)} ${fmt(r.actual.mm, 6, 16)}  ${r.pass ? 'pass' : 'FAIL'}\n`,
          );
        }
        io.out.write(`${report.passed} of ${report.cases} cases passed\n`);
      }
      if (report.failed > 0) throw new ConformanceFailed(`${report.failed} of ${report.cases} cases failed`);
    });
}
