import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Decision } from '../../domain/decisions.ts';
import type { EngineEvent } from '../../domain/events.ts';
import { formatRecord, GENESIS_HASH, sealRecord } from '../audit/audit-chain.ts';
import type { ChainHead } from '../audit/audit-log.ts';
import type { QuarantineInput, SeriesName, Store, StoreBatch, StoredKey } from './store.ts';

/**
 * The behaviour every `Store` back end must show (docs/adr/0008-service-store.md), run by each
 * back end's test file.
 *
 * - `open()` opens the store at the current location (twice: two handles on the same data);
 * - `cleanup()` deletes everything there, so the next `open()` starts empty;
 * - `countRows(table)` (optional) counts a table's rows directly, for what the interface cannot
 *   show (snapshots pruned to two, nothing written by a refused commit).
 */
export function describeStoreContract(
  name: string,
  open: () => Promise<Store>,
  cleanup: () => Promise<void>,
  countRows?: (table: 'journal' | 'audit' | 'quarantine' | 'series' | 'snapshots') => Promise<number>,
): void {
  describe(name, () => {
    let store: Store;
    const handles = new Set<Store>();

    async function openInit(): Promise<Store> {
      const s = await open();
      handles.add(s);
      await s.init();
      return s;
    }
    async function reopen(): Promise<Store> {
      await store.close();
      handles.delete(store);
      store = await openInit();
      return store;
    }

    beforeEach(async () => {
      await cleanup();
      store = await openInit();
    });
    afterEach(async () => {
      for (const s of handles) await s.close();
      handles.clear();
    });
    afterAll(cleanup);

    it('starts empty', async () => {
      expect(store.kind).toMatch(/^(sqlite|postgres)$/);
      expect(await store.eventCount()).toBe(0);
      expect(await store.readEvents(0, 10)).toEqual([]);
      expect(await store.auditHead()).toEqual({ seq: 0, hash: GENESIS_HASH });
      expect(await store.readAudit(0, 10)).toEqual([]);
      expect(await store.readQuarantine(0, 10)).toEqual([]);
      expect(await store.readSeries('monitor', 'BTC-PERP', 0, 10)).toEqual([]);
      expect(await store.latestSnapshot()).toBeNull();
      expect(await store.listKeys()).toEqual([]);
      expect(await store.findKey('k_nope')).toBeNull();
    });

    it('journals events in order and reads them back whole, src included', async () => {
      const all = events(0, 7);
      await store.commit(batch(0, all.slice(0, 3)));
      await store.commit(batch(3, all.slice(3)));
      expect(await store.eventCount()).toBe(7);
      expect(await store.readEvents(0, 100)).toEqual(all);
      expect(await store.readEvents(2, 3)).toEqual(all.slice(2, 5));
      expect(await store.readEvents(6, 10)).toEqual(all.slice(6));
      expect(await store.readEvents(7, 10)).toEqual([]);
      expect(await store.readEvents(0, 0)).toEqual([]);
      // SQLite would read LIMIT -1 as "everything": both back ends refuse it
      await expect(store.readEvents(0, -1)).rejects.toThrow(RangeError);
      await expect(store.readSeries('fund', 'USDT', 0, -1)).rejects.toThrow(RangeError);
      const withSrc = (await store.readEvents(1, 1))[0]!;
      expect(withSrc.src).toEqual({ file: 'feed "a"\n.jsonl', line: 2, raw: '{"p":"1é\\u0000"}\n€' });
    });

    it('keeps the audit head and pages audit lines in seq order', async () => {
      const first = auditLines({ seq: 0, hash: GENESIS_HASH }, 3);
      await store.commit({ ...batch(0, events(0, 1)), audit: first.lines });
      expect(await store.auditHead()).toEqual(first.head);
      const second = auditLines(first.head, 4);
      await store.commit({ ...batch(1, []), audit: second.lines });
      expect(await store.auditHead()).toEqual(second.head);
      expect(second.head.seq).toBe(7);
      const lines = [...first.lines, ...second.lines].map((a) => a.line);
      expect(await store.readAudit(0, 100)).toEqual(lines);
      expect(await store.readAudit(2, 3)).toEqual(lines.slice(2, 5));
      expect(await store.readAudit(6, 3)).toEqual(lines.slice(6));
      expect(await store.readAudit(7, 3)).toEqual([]);
    });

    it('refuses a batch at the wrong event index and writes none of it', async () => {
      const a = auditLines({ seq: 0, hash: GENESIS_HASH }, 2);
      await store.commit(fullBatch(0, 3, a.lines, 100));
      const before = await everything(store);
      const next = auditLines(a.head, 2);
      for (const at of [2, 4, 0]) {
        await expect(store.commit(fullBatch(at, 2, next.lines, 200))).rejects.toThrow(/STORE_CONFLICT/);
      }
      expect(await everything(store)).toEqual(before);
      await expectRows({ journal: 3, audit: 2, quarantine: 1, series: 2, snapshots: 1 });
      // the right index still goes through afterwards
      await store.commit(fullBatch(3, 2, next.lines, 200));
      expect(await store.eventCount()).toBe(5);
    });

    it('keeps ledger balances: upserts, a zero deletes, Σ units per currency stays 0, by account or all', async () => {
      const row = (account: string, currency: string, units: string, scale = 6) => ({
        account,
        currency,
        units,
        scale,
      });
      await store.commit({
        ...batch(0, events(0, 1)),
        ledger: [
          row('external', 'USDT', '-2500000000'),
          row('trader:alice', 'USDT', '1500000000'),
          row('trader:bob', 'USDT', '1000000000'),
          row('external', 'BTC', '-123456789012345678901', 8),
          row('trader:alice', 'BTC', '123456789012345678901', 8),
        ],
      });
      await store.commit({
        ...batch(1, events(1, 1)),
        ledger: [row('trader:bob', 'USDT', '0'), row('trader:alice', 'USDT', '2500000000')],
      });
      const all = await store.readLedger(null);
      expect(all).toEqual([
        row('external', 'BTC', '-123456789012345678901', 8),
        row('external', 'USDT', '-2500000000'),
        row('trader:alice', 'BTC', '123456789012345678901', 8),
        row('trader:alice', 'USDT', '2500000000'),
      ]);
      for (const ccy of ['USDT', 'BTC'])
        expect(all.filter((r) => r.currency === ccy).reduce((a, r) => a + BigInt(r.units), 0n)).toBe(0n);
      expect(await store.readLedger('trader:alice')).toEqual(all.slice(2));
      expect(await store.readLedger('trader:bob')).toEqual([]);
      expect(await (await reopen()).readLedger(null)).toEqual(all);
    });

    it('refuses a second writer whose view of the journal is stale', async () => {
      const other = await openInit();
      await store.commit(batch(0, events(0, 2)));
      // `other` also thinks the journal is empty
      await expect(other.commit(batch(0, events(10, 1)))).rejects.toThrow(/STORE_CONFLICT/);
      expect(await other.eventCount()).toBe(2);
      await other.commit(batch(2, events(10, 1)));
      expect(await store.readEvents(0, 10)).toEqual([...events(0, 2), ...events(10, 1)]);
    });

    it('refuses audit records that do not continue the stored head, writing nothing', async () => {
      const a = auditLines({ seq: 0, hash: GENESIS_HASH }, 2);
      await store.commit(fullBatch(0, 1, a.lines, 100));
      const before = await everything(store);
      const next = auditLines(a.head, 3);
      // skips seq 3; repeats seq 1..2; a gap inside the batch; a line filed under another seq
      const bad = [
        next.lines.slice(1),
        a.lines,
        [next.lines[0]!, next.lines[2]!],
        [{ seq: 3, line: next.lines[1]!.line }],
      ];
      for (const audit of bad) {
        await expect(store.commit(fullBatch(1, 2, audit, 200))).rejects.toThrow(/STORE_(CONFLICT|BAD_BATCH)/);
      }
      expect(await everything(store)).toEqual(before);
      await expectRows({ journal: 1, audit: 2, quarantine: 1, series: 2, snapshots: 1 });
    });

    it('keeps the latest snapshot, and only two', async () => {
      const all = events(0, 6);
      for (let i = 0; i < 6; i += 2) {
        await store.commit({ ...batch(i, all.slice(i, i + 2)), snapshot: snapshot(i + 2) });
        expect((await store.latestSnapshot())?.events).toBe(i + 2);
      }
      expect(await store.latestSnapshot()).toEqual(snapshot(6));
      await expectRows({ snapshots: 2 });
      // a snapshot at the same point again (e.g. after a restart) replaces it
      await store.commit({ ...batch(6, []), snapshot: { ...snapshot(6), createdUs: T0 + 99 } });
      expect(await store.latestSnapshot()).toEqual({ ...snapshot(6), createdUs: T0 + 99 });
      await expectRows({ snapshots: 2 });
      // a snapshot ahead of the journal could never be restored
      await expect(store.commit({ ...batch(6, events(6, 1)), snapshot: snapshot(8) })).rejects.toThrow(
        /STORE_BAD_BATCH/,
      );
      expect(await store.eventCount()).toBe(6);
    });

    it('returns series oldest first: the newest `limit` rows since a time', async () => {
      const pts = [5, 1, 3, 3, 9, 7].map((k, i) => ({
        series: 'monitor' as SeriesName,
        key: 'BTC-PERP',
        tsUs: T0 + k * 1_000_000,
        value: JSON.stringify({ i }),
      }));
      const noise = [
        { series: 'fund' as SeriesName, key: 'BTC-PERP', tsUs: T0, value: '{"f":1}' },
        { series: 'monitor' as SeriesName, key: 'ETH-PERP', tsUs: T0 + 4_000_000, value: '{"e":1}' },
      ];
      await store.commit({ ...batch(0, []), series: [...pts.slice(0, 4), ...noise] });
      await store.commit({ ...batch(0, []), series: pts.slice(4) });
      const read = (since: number, limit: number) =>
        store.readSeries('monitor', 'BTC-PERP', T0 + since, limit);
      const ts = (k: number) => T0 + k * 1_000_000;
      // by time, ties in the order they were written ({i:2} before {i:3}, both in one batch)
      expect(await read(0, 100)).toEqual([
        { tsUs: ts(1), value: '{"i":1}' },
        { tsUs: ts(3), value: '{"i":2}' },
        { tsUs: ts(3), value: '{"i":3}' },
        { tsUs: ts(5), value: '{"i":0}' },
        { tsUs: ts(7), value: '{"i":5}' },
        { tsUs: ts(9), value: '{"i":4}' },
      ]);
      expect((await read(0, 2)).map((p) => p.value)).toEqual(['{"i":5}', '{"i":4}']);
      expect((await read(0, 5)).map((p) => p.value)).toEqual([
        '{"i":2}',
        '{"i":3}',
        '{"i":0}',
        '{"i":5}',
        '{"i":4}',
      ]);
      expect((await read(3_000_000, 100)).map((p) => p.tsUs)).toEqual([ts(3), ts(3), ts(5), ts(7), ts(9)]);
      expect((await read(3_000_001, 2)).map((p) => p.tsUs)).toEqual([ts(7), ts(9)]);
      expect(await read(9_000_001, 10)).toEqual([]);
      expect(await store.readSeries('fund', 'BTC-PERP', 0, 10)).toEqual([{ tsUs: T0, value: '{"f":1}' }]);
      expect(await store.readSeries('monitor', 'ETH-PERP', 0, 10)).toEqual([
        { tsUs: T0 + 4_000_000, value: '{"e":1}' },
      ]);
    });

    it('pages quarantined inputs by id, newest last, raw kept byte for byte', async () => {
      const q = Array.from({ length: 5 }, (_, i) => quarantined(i));
      await store.commit({ ...batch(0, []), quarantine: q.slice(0, 2) });
      await store.commit({ ...batch(0, []), quarantine: q.slice(2) });
      const rows = await store.readQuarantine(0, 100);
      expect(rows.map(({ id: _, ...rest }) => rest)).toEqual(q);
      const ids = rows.map((r) => r.id);
      expect(ids.every((id, i) => Number.isSafeInteger(id) && (i === 0 || id > ids[i - 1]!))).toBe(true);
      expect(await store.readQuarantine(ids[1]!, 2)).toEqual(rows.slice(2, 4));
      expect(await store.readQuarantine(ids[4]!, 2)).toEqual([]);
    });

    it('stores API keys: insert, find, list, revoke once', async () => {
      const a = key('k_a', T0 + 1, ['read']);
      const b = { ...key('k_b', T0 + 2, ['read', 'ingest', 'operator']), label: 'feed box' };
      await store.insertKey(b);
      await store.insertKey(a);
      await expect(store.insertKey(a)).rejects.toThrow();
      expect(await store.findKey('k_a')).toEqual(a);
      expect(await store.findKey('k_b')).toEqual(b);
      expect(await store.findKey('k_c')).toBeNull();
      expect(await store.listKeys()).toEqual([a, b]);
      expect(await store.revokeKey('k_a', T0 + 10)).toBe(true);
      expect(await store.revokeKey('k_a', T0 + 11)).toBe(false);
      expect(await store.revokeKey('k_c', T0 + 11)).toBe(false);
      expect(await store.findKey('k_a')).toEqual({ ...a, revokedUs: T0 + 10 });
      expect(await store.listKeys()).toEqual([{ ...a, revokedUs: T0 + 10 }, b]);
    });

    it('keeps everything across close and reopen', async () => {
      const a = auditLines({ seq: 0, hash: GENESIS_HASH }, 3);
      await store.commit(fullBatch(0, 4, a.lines, 100));
      await store.insertKey(key('k_a', T0, ['governance']));
      await store.revokeKey('k_a', T0 + 5);
      const before = await everything(store);
      expect(before.events).toHaveLength(4);
      await reopen();
      expect(await everything(store)).toEqual(before);
      // and the journal and chain continue where they were
      const next = auditLines(a.head, 1);
      await store.commit(fullBatch(4, 1, next.lines, 200));
      expect(await store.auditHead()).toEqual(next.head);
      expect(await store.eventCount()).toBe(5);
    });

    async function expectRows(want: Partial<Record<Parameters<NonNullable<typeof countRows>>[0], number>>) {
      if (!countRows) return;
      for (const [table, n] of Object.entries(want)) {
        expect({ table, rows: await countRows(table as keyof typeof want) }).toEqual({ table, rows: n });
      }
    }
  });
}

/** 2026-01-01T00:00:00Z in µs: beyond 2^32, so integer columns must be 64-bit. */
const T0 = 1_767_225_600_000_000;

/** `n` distinct events starting at number `from`; the second of each run carries a `src`. */
function events(from: number, n: number): EngineEvent[] {
  return Array.from({ length: n }, (_, j): EngineEvent => {
    const i = from + j;
    if (i % 2 === 1) {
      return {
        kind: 'trade',
        tsUs: T0 + i,
        instrument: 'BTC-PERP',
        price: 64_000.5 + i,
        qty: 0.125,
        side: 'buy',
        id: `t${i}`,
        src: { file: 'feed "a"\n.jsonl', line: i + 1, raw: '{"p":"1é\\u0000"}\n€' },
      };
    }
    return {
      kind: 'transfer',
      tsUs: T0 + i,
      eventId: `x${i}`,
      account: 'acc-1',
      currency: 'USDT',
      amount: `-${i}.5`,
    };
  });
}

function batch(firstEventIndex: number, evs: readonly EngineEvent[]): StoreBatch {
  return { firstEventIndex, events: evs, audit: [], quarantine: [], series: [] };
}

/** A batch touching every table: `n` events, the audit lines, a quarantined input, two series points, a snapshot. */
function fullBatch(first: number, n: number, audit: StoreBatch['audit'], tag: number): StoreBatch {
  return {
    firstEventIndex: first,
    events: events(first, n),
    audit,
    quarantine: [quarantined(tag)],
    ledger: [
      { account: 'external', currency: 'USDT', units: `-${tag}000000`, scale: 6 },
      { account: 'trader:acc-1', currency: 'USDT', units: `${tag}000000`, scale: 6 },
    ],
    series: [
      { series: 'fund', key: 'USDT', tsUs: T0 + tag, value: `{"balance":"${tag}.25","drawdownFrac":0}` },
      {
        series: 'tier',
        key: 'backstop',
        tsUs: T0 + tag,
        value: '{"from":"normal","to":"watch","reason":"z"}',
      },
    ],
    snapshot: snapshot(first + n),
  };
}

/** `n` real audit records chained after `head`, as formatRecord writes them. */
function auditLines(head: ChainHead, n: number): { lines: { seq: number; line: string }[]; head: ChainHead } {
  const lines: { seq: number; line: string }[] = [];
  let prev = head;
  for (let i = 0; i < n; i++) {
    const seq = prev.seq + 1;
    const decision: Decision = {
      kind: 'margin-state-change',
      tsUs: T0 + seq,
      reason: 'equity below maintenance',
      evidence: { equity: '12.5', maintenance: 20, seq },
      account: `acc-${seq}`,
      from: 'healthy',
      to: 'margin-call',
    };
    const r = sealRecord({ seq, tsUs: T0 + seq, prevHash: prev.hash, decision });
    lines.push({ seq, line: formatRecord(r) });
    prev = { seq, hash: r.hash };
  }
  return { lines, head: prev };
}

function quarantined(i: number): QuarantineInput {
  return {
    code: i % 2 ? 'BAD_JSON' : 'BAD_FIELD',
    reason: `/price: "x${i}" is not a number`,
    // raw input is kept exactly, even bytes a text column would choke on
    raw: `{"price":"x${i}", "ü":"\u0000\t"}\r\n`,
    source: `replay:feed.jsonl:${i + 1}`,
    receivedUs: T0 + i,
  };
}

function snapshot(events: number) {
  return {
    events,
    stateHash: events.toString(16).padStart(64, '0'),
    stateJson: JSON.stringify({ events, big: 'x'.repeat(events) }),
    createdUs: T0 + events,
  };
}

function key(id: string, createdUs: number, scopes: StoredKey['scopes']): StoredKey {
  return {
    id,
    saltHex: `${id}-salt`,
    hashHex: `${id}-hash`,
    scopes,
    label: null,
    createdUs,
    revokedUs: null,
  };
}

/** All a store shows through its interface (for "nothing changed" checks). */
async function everything(s: Store) {
  const seriesKeys: [SeriesName, string][] = [
    ['fund', 'USDT'],
    ['tier', 'backstop'],
    ['monitor', 'BTC-PERP'],
  ];
  return {
    count: await s.eventCount(),
    events: await s.readEvents(0, 1_000),
    head: await s.auditHead(),
    audit: await s.readAudit(0, 1_000),
    quarantine: await s.readQuarantine(0, 1_000),
    series: await Promise.all(seriesKeys.map(([n, k]) => s.readSeries(n, k, 0, 1_000))),
    snapshot: await s.latestSnapshot(),
    keys: await s.listKeys(),
    ledger: await s.readLedger(null),
  };
}
