import { Command } from 'commander';
import { stringify } from 'yaml';
import { ELEVATED_TIERS, type Policy } from '../backstop/policy/policy.ts';
import { loadPolicyFile, policyFromData } from '../io/policy/load-policy.ts';
import { POLICY_PRESET_NAMES, POLICY_PRESETS } from '../io/policy/presets.ts';
import { UsageError } from './errors.ts';
import type { Io } from './output.ts';

/** One-line summary of a valid policy: tiers, actions, waterfall stages. */
function summary(p: Policy) {
  const stages = p.liquidation
    ? Object.entries(p.liquidation.stages)
        .filter(([, on]) => on)
        .map(([k]) => k)
    : [];
  return {
    name: p.name,
    metrics: Object.keys(p.metrics).length,
    tiers: p.tiers ? ['normal', ...ELEVATED_TIERS] : ['normal'],
    marginMultipliers: Object.fromEntries(
      (['normal', ...ELEVATED_TIERS] as const).map((t) => [t, p.actions[t].marginMultiplier]),
    ),
    reserve: p.reserve !== null,
    circuitBreaker: p.circuitBreaker !== null,
    guards: p.guards !== null,
    waterfall: stages,
    governance: p.governance !== null,
  };
}

/**
 * `backstop policy validate FILE [--json]` (exit 0 with a summary, 2 naming the bad field) and
 * `backstop policy show NAME [--json]` (a preset as YAML — or JSON — to start a policy from).
 */
export function policyCommand(io: Io): Command {
  const policy = new Command('policy').description('Backstop policy files: validate one, print a preset');
  policy
    .command('validate')
    .description(
      'Checks a policy file (YAML or JSON): exit 0 if valid, 2 with the field path of the first problem',
    )
    .argument('<file>', 'policy file (.yaml, .yml or .json)')
    .option('--json', 'one JSON document {ok, file, policy: summary}')
    .action((file: string, opts: { json?: boolean }) => {
      const p = loadPolicyFile(file);
      const s = summary(p);
      if (opts.json) io.out.write(`${JSON.stringify({ ok: true, file, policy: s })}\n`);
      else {
        io.out.write(
          `${file}: valid policy "${s.name}": tiers ${s.tiers.join(' → ')}; margin × ${Object.values(s.marginMultipliers).join(' / ')}; ` +
            `waterfall ${s.waterfall.join(' → ') || 'none'}${s.reserve ? '; reserve' : ''}${s.circuitBreaker ? '; circuit breaker' : ''}${s.guards ? '; price guards' : ''}${s.governance ? '; governance' : ''}\n`,
        );
      }
    });
  policy
    .command('show')
    .description(`Prints a preset policy as YAML to start from (${POLICY_PRESET_NAMES.join(', ')})`)
    .argument('<name>', 'preset name')
    .option('--json', 'print it as JSON instead')
    .action((name: string, opts: { json?: boolean }) => {
      const preset = POLICY_PRESETS[name];
      if (!preset)
        throw new UsageError(`unknown policy preset "${name}"; one of ${POLICY_PRESET_NAMES.join(', ')}`);
      policyFromData(preset, `preset ${name}`); // a preset that does not validate is a bug: throw
      io.out.write(
        opts.json ? `${JSON.stringify(preset, null, 2)}\n` : stringify(preset, { lineWidth: 100 }),
      );
    });
  return policy;
}
