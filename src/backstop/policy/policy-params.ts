import { validateLiquidatorConfig } from '../liquidator/config.ts';
import { type Policy, policyProblems } from './policy.ts';

/**
 * Governance parameter changes on a resolved policy: `path` is a dotted path with `[i]` indexes
 * into the policy (µs for durations, e.g. `actions.crisis.marginMultiplier`,
 * `liquidation.book.priceBandFrac`, `tiers.minDwellUs`, `circuitBreaker.bandFrac`). The path must
 * already exist and the new value must have the old one's type; the changed policy must pass the
 * same checks as a policy file. Returns the new policy or why not.
 */
export function withParam(
  policy: Policy,
  path: string,
  value: number | string | boolean,
): { ok: true; policy: Policy; old: number | string | boolean } | { ok: false; message: string } {
  const keys = path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((k) => k !== '');
  if (keys.length === 0) return { ok: false, message: 'empty parameter path' };
  const next = structuredClone(policy) as unknown as Record<string, unknown>;
  let at: Record<string, unknown> = next;
  for (const k of keys.slice(0, -1)) {
    const child = at[k];
    if (child === null || typeof child !== 'object')
      return { ok: false, message: `no parameter ${path} (at "${k}")` };
    at = child as Record<string, unknown>;
  }
  const last = keys[keys.length - 1] as string;
  const old = at[last];
  if (!(last in at) || old === null || typeof old === 'object') {
    return { ok: false, message: `no parameter ${path}` };
  }
  if (typeof old !== typeof value) {
    return { ok: false, message: `${path} is a ${typeof old}, not a ${typeof value}` };
  }
  at[last] = value;
  const p = next as unknown as Policy;
  const problems = policyProblems(p);
  if (problems.length > 0) return { ok: false, message: `${problems[0]?.path}: ${problems[0]?.message}` };
  if (p.liquidation) {
    try {
      validateLiquidatorConfig(p.liquidation);
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
  }
  return { ok: true, policy: p, old: old as number | string | boolean };
}
