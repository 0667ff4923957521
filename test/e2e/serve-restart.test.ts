import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/domain/events.ts';
import { formatRecord, verifyRecords } from '../../src/io/audit/audit-chain.ts';
import { createKeyCli, startServe } from './serve-process.ts';

/**
 * Issue 8, "a restart test": serve, ingest, SIGKILL, serve again → the same state hash and a
 * valid audit chain. The process is killed without any chance to clean up, right after the
 * last acknowledged batch; the second process must find everything that was acknowledged.
 */

// Events from one minute past today's UTC midnight, and a one-day heartbeat: the next boundary
// is tomorrow's midnight, so neither process raises a timer of its own while the test runs and
// /ready can be compared as it is.
const DAY_US = 86_400_000_000;
const T0 = Math.floor((Date.now() * 1000) / DAY_US) * DAY_US + 60_000_000;
const MIN = 60_000_000;

function events(): EngineEvent[] {
  const out: EngineEvent[] = [
    { kind: 'index-price', instrument: 'BTC', tsUs: T0, price: 50_000 },
    { kind: 'transfer', eventId: 'd-mm', account: 'mm', currency: 'USDC', amount: '1000000', tsUs: T0 },
  ];
  for (let a = 0; a < 20; a++) {
    const qty = a % 2 === 0 ? 1 : -1;
    out.push(
      {
        kind: 'transfer',
        eventId: `d-${a}`,
        account: `acct-${a}`,
        currency: 'USDC',
        amount: '4000',
        tsUs: T0,
      },
      {
        kind: 'fill',
        eventId: `f-${a}`,
        account: `acct-${a}`,
        instrument: 'BTC-USDC-PERP',
        qtyContracts: qty,
        price: 50_000,
        fee: '0',
        tsUs: T0,
      },
      {
        kind: 'fill',
        eventId: `m-${a}`,
        account: 'mm',
        instrument: 'BTC-USDC-PERP',
        qtyContracts: -qty,
        price: 50_000,
        fee: '0',
        tsUs: T0,
      },
    );
  }
  // the index falls 1 % a minute for 12 minutes: the longs at 12.5× go to margin call and beyond
  for (let k = 1; k <= 12; k++)
    out.push({ kind: 'index-price', instrument: 'BTC', tsUs: T0 + k * MIN, price: 50_000 * (1 - 0.01 * k) });
  return out;
}

const json = async (url: string, key?: string) => {
  const r = await fetch(url, key ? { headers: { authorization: `Bearer ${key}` } } : {});
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

describe('backstop serve: SIGKILL and restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'backstop-restart-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resumes at the same state hash with a valid audit chain', async () => {
    const { key } = await createKeyCli(dir, 'read,ingest');
    // small snapshots so the restart uses a snapshot and a journal tail
    const env = { BACKSTOP_SNAPSHOT_EVERY: '25', BACKSTOP_HEARTBEAT_MS: String(DAY_US / 1000) };
    const first = await startServe(['--data-dir', dir], env);
    const all = events();
    for (let i = 0; i < all.length; i += 10) {
      const r = await fetch(`${first.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: all.slice(i, i + 10) }),
      });
      expect(r.status).toBe(200);
      expect(((await r.json()) as { rejected: unknown[] }).rejected).toEqual([]);
    }
    const before = (await json(`${first.url}/ready`)).body;
    expect(before.events).toBeGreaterThanOrEqual(all.length);
    const decisions = (await json(`${first.url}/v1/decisions?limit=1000`, key)).body.decisions as {
      kind: string;
    }[];
    expect(decisions.some((d) => d.kind === 'margin-state-change')).toBe(true);
    first.proc.kill('SIGKILL');
    await first.exited;

    const second = await startServe(['--data-dir', dir], env);
    try {
      const after = (await json(`${second.url}/ready`)).body;
      expect(after.stateHash).toBe(before.stateHash);
      expect(after.events).toBe(before.events);
      expect(after.auditHead).toEqual(before.auditHead);
      const lines: string[] = [];
      for (let seq = 0; ; ) {
        const page = (await json(`${second.url}/v1/audit?after=${seq}&limit=1000`, key)).body.records as {
          seq: number;
        }[];
        if (page.length === 0) break;
        lines.push(...page.map((r) => JSON.stringify(r)));
        seq = (page.at(-1) as { seq: number }).seq;
      }
      expect(lines.length).toBe((before.auditHead as { seq: number }).seq);
      // the API returns records as JSON objects: back to their canonical line, then the chain check
      const ok = verifyRecords(lines.map((l) => formatRecord(JSON.parse(l))));
      expect(ok.ok).toBe(true);
    } finally {
      second.proc.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  }, 240_000);
});
