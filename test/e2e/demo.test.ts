import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli-harness.ts';

describe('backstop demo', () => {
  it('runs the monitor on the bundled crash, then compares four policies with a report', async () => {
    const out = mkdtempSync(join(tmpdir(), 'backstop-demo-'));
    const r = await cli(['demo', '--accounts', '200', '--out', out, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.monitor.firstCrisisMinutesBeforeLow).toBe(98);
    // 11:00–15:00 UTC of one-minute bars
    expect(doc.compare).toMatchObject({ accounts: 200, seed: 1, impact: true, bars: 240 });
    expect(doc.compare.runs.map((x: { policy: string }) => x.policy)).toEqual([
      'none',
      'hyperliquid',
      'dydx-v4',
      'backstop',
    ]);
    expect(
      doc.compare.runs.every(
        (x: { conservationOk: boolean; auditOk: boolean }) => x.conservationOk && x.auditOk,
      ),
    ).toBe(true);
    for (const f of [
      'monitor.jsonl',
      'compare/report.json',
      'compare/report.html',
      'compare/chart-stress.png',
      'compare/audit-backstop.jsonl',
    ]) {
      expect(existsSync(join(out, f))).toBe(true);
    }
    expect(readFileSync(join(out, 'compare/report.html'), 'utf8')).toContain('<svg');
  }, 120_000);
});
