import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/domain/decisions.ts';
import { Engine } from '../../src/engine/engine.ts';
import { ofKind } from '../liquidation-fixtures.ts';
import { POLICY_CRASH_CONFIG, policyCrashEvents, T0 } from './policy-crash.ts';

/**
 * Golden test of the backstop policy: the scripted crash of policy-crash.ts must give exactly the
 * reviewed decisions of policy-crash.decisions.jsonl (README.md in this folder reviews them).
 * Regenerate only after reviewing a change: UPDATE_GOLDEN=1 npx vitest run test/golden
 */
const GOLDEN = fileURLToPath(new URL('./policy-crash.decisions.jsonl', import.meta.url));
const sec = (d: Decision) => (d.tsUs - T0) / 1e6;

describe('golden: a scripted crash through the backstop policy', () => {
  const engine = new Engine(POLICY_CRASH_CONFIG);
  const decisions: Decision[] = [];
  for (const e of policyCrashEvents()) decisions.push(...engine.handle(e));
  decisions.push(...engine.finish());
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(GOLDEN, `${decisions.map((d) => JSON.stringify(d)).join('\n')}\n`);
  }

  it('produces exactly the reviewed decisions', () => {
    const want = readFileSync(GOLDEN, 'utf8').trimEnd().split('\n');
    expect(decisions.map((d) => JSON.stringify(d))).toEqual(want);
  });

  it('escalates normal → watch → stressed → crisis and steps back down after each dwell', () => {
    const tiers = ofKind(decisions, 'tier-change').filter((d) => d.scope === 'backstop');
    expect(tiers.map((d) => [sec(d), d.from, d.to])).toEqual([
      [61, 'normal', 'watch'],
      [121, 'watch', 'stressed'],
      [181, 'stressed', 'crisis'],
      [291, 'crisis', 'stressed'],
      [330, 'stressed', 'watch'],
      [360, 'watch', 'normal'],
    ]);
    // each step down waited ≥ the 30 s dwell since the previous change
    for (let k = 3; k < tiers.length; k++) {
      expect(sec(tiers[k] as Decision) - sec(tiers[k - 1] as Decision)).toBeGreaterThanOrEqual(30);
    }
    expect(ofKind(decisions, 'margin-multiplier-change').map((d) => d.to)).toEqual([
      1.1, 1.25, 1.5, 1.25, 1.1, 1,
    ]);
  });

  it('every policy action carries the metric value and the thresholds that caused it', () => {
    const [crisis] = ofKind(decisions, 'tier-change').filter(
      (d) => d.scope === 'backstop' && d.to === 'crisis',
    );
    expect(crisis?.evidence).toMatchObject({
      'metric.spread': expect.any(Number),
      'threshold.spread.above': 50,
    });
    expect(crisis?.evidence['metric.spread'] as number).toBeGreaterThanOrEqual(50);
    for (const d of [...ofKind(decisions, 'quote-deployment'), ...ofKind(decisions, 'purchase-order')]) {
      expect(d.evidence).toHaveProperty('metric.spread');
      expect(d.evidence).toHaveProperty('tier');
    }
  });

  it('quotes from stressed, purchases in crisis, a halt and a resume, the unwind in normal', () => {
    const q = ofKind(decisions, 'quote-deployment');
    expect(sec(q[0] as Decision)).toBe(121);
    expect(q.at(-1)).toMatchObject({ action: 'withdraw' });
    const buys = ofKind(decisions, 'purchase-order').filter((d) => d.qtyContracts > 0);
    const sells = ofKind(decisions, 'purchase-order').filter((d) => d.qtyContracts < 0);
    expect(buys.map(sec)).toEqual([181, 191, 223]);
    expect(sells.map(sec)).toEqual([360, 370, 380]);
    expect(ofKind(decisions, 'circuit-breaker').map((d) => [sec(d), d.action])).toEqual([
      [193, 'halt'],
      [223, 'resume'],
    ]);
    // nothing is bought or liquidated during the halt
    const during = decisions.filter((d) => sec(d) > 193 && sec(d) < 223);
    expect(during.filter((d) => d.kind === 'purchase-order' || d.kind === 'liquidation-order')).toEqual([]);
    expect(engine.margin.positionsOf('backstop-reserve')).toEqual([]);
  });

  it('conserves every currency', () => {
    for (const { currency } of engine.ledger.currencies()) expect(engine.ledger.total(currency)).toBe(0n);
  });
});
