import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { cli } from '../../../test/cli-harness.ts';
import { parsePolicy, pointerToPath, policyFromData } from './load-policy.ts';
import { POLICY_PRESET_NAMES, POLICY_PRESETS } from './presets.ts';

const dir = mkdtempSync(join(tmpdir(), 'backstop-policy-'));
const backstopYaml = stringify(POLICY_PRESETS.backstop);

function problem(text: string): string {
  try {
    parsePolicy(text, 'p.yaml');
  } catch (e) {
    return (e as Error).message;
  }
  return 'valid';
}

describe('policy files', () => {
  it('every preset validates, as YAML and as JSON, and resolves durations to µs', () => {
    for (const name of POLICY_PRESET_NAMES) {
      const preset = POLICY_PRESETS[name];
      expect(parsePolicy(stringify(preset), `${name}.yaml`).name).toBe(name);
      expect(parsePolicy(JSON.stringify(preset), `${name}.json`).name).toBe(name);
    }
    const p = policyFromData(POLICY_PRESETS.backstop, 'x');
    expect(p.tiers?.minDwellUs).toBe(6 * 3_600_000_000);
    expect(p.circuitBreaker).toMatchObject({ windowUs: 300_000_000, haltUs: 120_000_000, bandFrac: 0.1 });
    expect(p.liquidation?.book.cooldownUs).toBe(1_000_000);
    expect(p.governance?.config.unstakeCooldownUs).toBe(13 * 86_400_000_000);
    expect(p.actions.crisis.purchases?.intervalUs).toBe(30_000_000);
    // omitted tiers default to multiplier 1
    expect(policyFromData(POLICY_PRESETS.none, 'x').actions.crisis.marginMultiplier).toBe(1);
  });

  it('names the field path of each kind of problem', () => {
    const cases: [string, string][] = [
      [
        backstopYaml.replace('minDwell: 6h', 'minDwell: 6h\n  maxDwell: 5m'),
        'policy tiers.maxDwell: unknown field maxDwell',
      ],
      [
        backstopYaml.replace('below: 0.015', 'below: 0.035'),
        'policy tiers.watch.exit.all[0].below: exit threshold 0.035 is above the enter threshold 0.03 of drop1h',
      ],
      [
        backstopYaml.replace('metric: stress\n', 'metric: stres\n'),
        'policy tiers.watch.enter.any[3].all[0].metric: unknown metric "stres"',
      ],
      [backstopYaml.replace('feeFrac: 0.01', 'feeFrac: 1.5'), 'policy liquidation.book.feeFrac:'],
      [
        backstopYaml.replace('staleAfter: 15s', 'staleAfter: 15 seconds'),
        'policy guards.staleAfter: must match pattern',
      ],
      [
        backstopYaml.replace('marginMultiplier: 1.5', 'marginMultiplier: 1.2'),
        'policy actions.crisis.marginMultiplier: 1.2 is below stressed',
      ],
      [
        backstopYaml.replace('above: 0.08', 'above: 0.02').replace('below: 0.05\n', 'below: 0.01\n'),
        "policy tiers.crisis.enter.any[0].above: crisis enters at 0.02, milder than a lower tier's 0.03 for drop1h",
      ],
      [
        backstopYaml.replace('rule: bitmex', 'rule: dydx-random'),
        "policy liquidation.adl.seed: is required by rule 'dydx-random'",
      ],
      ['name: x\nunknown: 1\n', 'policy unknown: unknown field unknown'],
      ['name: [\n', 'not valid YAML/JSON'],
    ];
    for (const [text, want] of cases) expect(problem(text)).toContain(want);
    expect(pointerToPath('/tiers/watch/exit/all/0/below')).toBe('tiers.watch.exit.all[0].below');
  });

  it('`backstop policy validate` exits 0 on a preset and 2 naming the field on a broken file', async () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, backstopYaml);
    const ok = await cli(['policy', 'validate', good, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      ok: true,
      policy: { name: 'backstop', marginMultipliers: { normal: 1, watch: 1.1, stressed: 1.25, crisis: 1.5 } },
    });
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, backstopYaml.replace('below: 0.015', 'below: 0.035'));
    const r = await cli(['policy', 'validate', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tiers.watch.exit.all[0].below');
  });

  it('`backstop policy show NAME` prints a preset that validates back; an unknown name is exit 2', async () => {
    for (const name of POLICY_PRESET_NAMES) {
      const r = await cli(['policy', 'show', name]);
      expect(r.code).toBe(0);
      const f = join(dir, `${name}.yaml`);
      writeFileSync(f, r.stdout);
      expect((await cli(['policy', 'validate', f])).code).toBe(0);
    }
    const j = await cli(['policy', 'show', 'drift', '--json']);
    expect(JSON.parse(j.stdout).liquidation.stages.adl).toBe(false);
    const u = await cli(['policy', 'show', 'ftx']);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('unknown policy preset "ftx"');
  });
});
