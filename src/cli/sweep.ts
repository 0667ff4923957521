import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { Command } from 'commander';
import { readPolicyData, type SweepPoint, type SweepReport, sweep } from '../sim/sweep.ts';
import { addCommon, checkOptionFlags, type Opts, optionSimOptions } from './backtest.ts';
import { fmt, type Io } from './output.ts';

/** The `--json` / sweep.json document (docs/backtesting.md, "Sweeps"). */
export function sweepDocument(r: SweepReport) {
  return {
    data: r.data,
    accounts: r.accounts,
    seed: r.seed,
    impact: r.impact,
    depthScale: r.depthScale,
    bars: r.bars,
    ...(r.options ? { options: r.options } : {}),
    grid: r.grid.map((a) => ({ path: a.path, values: a.values })),
    points: r.points.map((p) => ({
      params: p.params,
      badDebt: p.badDebt,
      openDeficit: p.openDeficit,
      adlNotional: p.adlNotional,
      falseActivations: p.falseActivations,
      liquidations: p.liquidations,
      activations: p.activations,
      conservationOk: p.conservationOk,
      auditOk: p.auditOk,
      pareto: p.pareto,
    })),
    front: r.front,
  };
}

/** Header and one row per point: index, Pareto mark, assignment columns, outcomes. */
function table(r: SweepReport, indices: readonly number[]): string {
  const widths = r.grid.map((a) => Math.max(a.path.length, ...a.values.map((v) => String(v).length)));
  const idx = String(Math.max(0, r.points.length - 1)).length;
  const head = `${'#'.padStart(idx)}   ${r.grid.map((a, k) => a.path.padEnd(widths[k] as number)).join(' ')} ${'bad debt'.padStart(14)} ${'open deficit'.padStart(14)} ${'ADL notional'.padStart(14)} ${'false'.padStart(6)} ${'liqs'.padStart(6)} ledger audit`;
  const row = (i: number, p: SweepPoint) =>
    `${String(i).padStart(idx)} ${p.pareto ? '*' : ' '} ${r.grid.map((a, k) => String(p.params[a.path]).padEnd(widths[k] as number)).join(' ')} ${fmt(p.badDebt, 2, 14)} ${fmt(p.openDeficit, 2, 14)} ${fmt(p.adlNotional, 2, 14)} ${String(p.falseActivations).padStart(6)} ${String(p.liquidations).padStart(6)} ${p.conservationOk ? 'ok' : 'FAIL'}     ${p.auditOk ? 'ok' : 'FAIL'}`;
  return [head, ...indices.map((i) => row(i, r.points[i] as SweepPoint))].join('\n');
}

/** `backstop sweep`: a policy parameter grid on identical data, population and seed. */
export function sweepCommand(io: Io): Command {
  const c = addCommon(
    new Command('sweep')
      .description(
        'Runs a grid of policy parameters on identical data, population and seed; prints the Pareto front of bad debt, ADL notional and false activations',
      )
      .requiredOption('--policy <file>', 'policy file (.yaml / .json) or preset name whose fields are swept')
      .requiredOption(
        '--grid <spec>',
        "dotted paths into the policy and their values: 'path=v1,v2;path=v1,v2' (e.g. tiers.watch.enter.any.0.above=1.5,2,2.5)",
      ),
  );
  const out = c.options.find((x) => x.long === '--out');
  if (out) out.description = 'write sweep.json (the --json document) here';
  return c.action(async (o: Opts & { policy: string; grid: string }) => {
    checkOptionFlags(o);
    const { data, file } = readPolicyData(o.policy);
    // the bar goes to stderr, and only on a terminal: stdout stays a clean table or JSON document
    const bar = io.err.isTTY
      ? new cliProgress.SingleBar(
          { stream: io.err, format: 'sweep |{bar}| {value}/{total} points | {label}', hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : null;
    try {
      const r = await sweep({
        files: o.data,
        policyData: data,
        policyFile: file,
        grid: o.grid,
        accounts: o.accounts,
        seed: o.seed,
        impact: o.impact,
        ...optionSimOptions(o),
        ...(o.depthScale === undefined ? {} : { depthScale: o.depthScale }),
        ...(o.from === undefined ? {} : { fromUs: o.from }),
        ...(o.to === undefined ? {} : { toUs: o.to }),
        onProgress: (done, total, label) =>
          done === 0 ? bar?.start(total, 0, { label: 'starting' }) : bar?.update(done, { label }),
      });
      bar?.stop();
      const doc = sweepDocument(r);
      if (o.out) {
        mkdirSync(o.out, { recursive: true });
        writeFileSync(join(o.out, 'sweep.json'), `${JSON.stringify(doc, null, 2)}\n`);
      }
      if (o.json) {
        io.out.write(`${JSON.stringify(doc)}\n`);
        return;
      }
      const all = r.points.map((_, i) => i);
      io.out.write(
        `${r.points.length} points: ${r.bars} bars, ${r.accounts} accounts, seed ${r.seed}, impact ${r.impact ? 'on' : 'off'}, depth × ${r.depthScale.toPrecision(3)}; money in USDC; * = on the Pareto front\n`,
      );
      io.out.write(`${table(r, all)}\n\n`);
      io.out.write(
        `Pareto front (bad debt + open deficit, ADL notional, false activations): ${r.front.length} of ${r.points.length} points\n`,
      );
      io.out.write(`${table(r, r.front)}\n`);
      if (o.out) io.out.write(`sweep: ${join(o.out, 'sweep.json')}\n`);
    } finally {
      bar?.stop(); // a no-op once stopped or never started
    }
  });
}
