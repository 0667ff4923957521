import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/domain/decisions.ts';
import { Engine } from '../../src/engine/engine.ts';
import { splitLogText, verifyRecords } from '../../src/io/audit/audit-chain.ts';
import { AuditLogWriter } from '../../src/io/audit/audit-log.ts';
import { EPISODE_CONFIG, EPISODE_EVENTS } from './liquidation-episode.ts';

/**
 * Golden test: the scripted crash of liquidation-episode.ts through the engine must produce exactly
 * the decisions of liquidation-episode.decisions.jsonl, a file reviewed by hand (README.md in this
 * folder walks through every liquidation number). Regenerate only after reviewing a change:
 * UPDATE_GOLDEN=1 npx vitest run test/golden
 */
const GOLDEN = fileURLToPath(new URL('./liquidation-episode.decisions.jsonl', import.meta.url));

function replay(): { decisions: Decision[]; engine: Engine } {
  const engine = new Engine(EPISODE_CONFIG);
  const decisions: Decision[] = [];
  for (const e of EPISODE_EVENTS) decisions.push(...engine.handle(e));
  decisions.push(...engine.finish());
  return { decisions, engine };
}

describe('golden: a scripted crash through the liquidation waterfall', () => {
  const { decisions, engine } = replay();
  const text = `${decisions.map((d) => JSON.stringify(d)).join('\n')}\n`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text);

  it('produces exactly the reviewed decisions', () => {
    const want = readFileSync(GOLDEN, 'utf8').trimEnd().split('\n');
    expect(decisions.map((d) => JSON.stringify(d))).toEqual(want);
  });

  it('contains every stage: partial liquidation, provider takeover, fund payout, ADL, socialized loss', () => {
    const kinds = new Set(decisions.map((d) => d.kind));
    for (const k of [
      'liquidation-order',
      'backstop-takeover',
      'insurance-payment',
      'adl-execution',
      'socialized-loss',
    ]) {
      expect(kinds).toContain(k);
    }
  });

  it('ends with every ledger currency summing to zero, the fund drained, and nobody in bad debt', () => {
    for (const { currency } of engine.ledger.currencies()) expect(engine.ledger.total(currency)).toBe(0n);
    expect(engine.ledger.balance({ kind: 'insurance-fund', market: null }, 'USD')).toBe(0n);
    for (const b of engine.ledger.balances()) {
      if (b.account.kind === 'trader') expect(b.amount).toBeGreaterThanOrEqual(0n);
    }
    expect(engine.ledger.balance({ kind: 'socialized-loss' }, 'USD')).toBe(0n);
  });

  it('its decisions form an audit log that verifies, and a one-digit edit is caught', () => {
    const w = AuditLogWriter.inMemory();
    for (const d of decisions) w.append(d, d.tsUs);
    const lines = splitLogText(w.sink.text);
    expect(verifyRecords(lines).ok).toBe(true);
    const i = lines.findIndex((l) => l.includes('"socialized-loss"'));
    const edited = [...lines];
    edited[i] = (edited[i] as string).replace('646.562501', '646.562502');
    const v = verifyRecords(edited);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.line).toBe(i + 1);
  });
});
