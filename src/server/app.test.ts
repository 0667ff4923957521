import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyRecords } from '../io/audit/audit-chain.ts';
import { MINUTE_US, openingEvents, T0_US, testService } from './test-helpers.ts';

type Svc = Awaited<ReturnType<typeof testService>>;

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

describe('service API (docs/api.md)', () => {
  let s: Svc;
  beforeAll(async () => {
    s = await testService();
    const r = await s.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth(s.keys.ingest),
      payload: { events: openingEvents() },
    });
    expect(r.statusCode).toBe(200);
  });
  afterAll(() => s.close());

  describe('open endpoints', () => {
    it('GET /health and /ready need no key; /ready reports the store, events and state hash', async () => {
      expect((await s.app.inject('/health')).json()).toEqual({ ok: true });
      const ready = (await s.app.inject('/ready')).json();
      expect(ready.store).toBe('sqlite');
      expect(ready.events).toBe(s.service.events);
      expect(ready.stateHash).toBe(s.service.stateHash());
    });

    it('GET /metrics is Prometheus text with the event, decision and fund series', async () => {
      const r = await s.app.inject('/metrics');
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toContain('text/plain');
      const text = r.body;
      expect(text).toMatch(/^backstop_events_processed_total \d+/m);
      expect(text).toMatch(/^backstop_journal_events 5$/m);
      expect(text).toContain('backstop_remargin_seconds_bucket');
      expect(text).toMatch(/^backstop_tier 0$/m);
      expect(text).toMatch(/^backstop_fund_balance\{currency="USDC"\} /m);
    });

    it('GET /openapi.json lists every /v1 route with its method', async () => {
      const doc = (await s.app.inject('/openapi.json')).json();
      expect(doc.openapi).toBe('3.1.0');
      // valid against the official OpenAPI 3.1 JSON schema
      const v = await new Validator().validate(doc);
      expect(v.errors ?? []).toEqual([]);
      expect(v.valid).toBe(true);
      const routes = Object.entries(doc.paths as Record<string, object>).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
      );
      expect(routes.sort()).toEqual(
        [
          'POST /v1/events',
          'GET /v1/accounts',
          'GET /v1/accounts/{id}',
          'GET /v1/accounts/{id}/margin',
          'POST /v1/margin/what-if',
          'GET /v1/liquidity',
          'GET /v1/liquidity/history',
          'GET /v1/backstop',
          'GET /v1/backstop/history',
          'GET /v1/prices/history',
          'GET /v1/instruments',
          'GET /v1/fund',
          'GET /v1/fund/history',
          'GET /v1/audit',
          'GET /v1/ledger',
          'GET /v1/decisions',
          'GET /v1/governance/proposals',
          'POST /v1/governance/proposals',
          'POST /v1/governance/proposals/{id}/votes',
          'POST /v1/governance/proposals/{id}/execute',
          'POST /v1/governance/actions',
          'POST /v1/operator/halt',
          'POST /v1/operator/resume',
          'POST /v1/operator/tier',
        ].sort(),
      );
      // request bodies come from the validating schemas
      const what = doc.paths['/v1/margin/what-if'].post;
      expect(what.requestBody.content['application/json'].schema.required).toEqual(['account', 'orders']);
      expect(what.security).toEqual([{ bearer: [] }]);
    });
  });

  describe('auth: 401 without a valid key, 403 without the scope', () => {
    const routes: [string, string, string, unknown?][] = [
      ['POST', '/v1/events', 'ingest', { events: [] }],
      ['GET', '/v1/accounts', 'read'],
      ['GET', '/v1/accounts/alice', 'read'],
      ['GET', '/v1/accounts/alice/margin', 'read'],
      [
        'POST',
        '/v1/margin/what-if',
        'read',
        { account: 'alice', orders: [{ instrument: 'BTC-USDC-PERP', qty: 1 }] },
      ],
      ['GET', '/v1/liquidity', 'read'],
      ['GET', '/v1/liquidity/history?instrument=BTC-USDC-PERP', 'read'],
      ['GET', '/v1/backstop', 'read'],
      ['GET', '/v1/backstop/history', 'read'],
      ['GET', '/v1/prices/history?instrument=BTC-USDC-PERP', 'read'],
      ['GET', '/v1/instruments', 'read'],
      ['GET', '/v1/fund', 'read'],
      ['GET', '/v1/fund/history?currency=USDC', 'read'],
      ['GET', '/v1/audit', 'read'],
      ['GET', '/v1/ledger', 'read'],
      ['GET', '/v1/decisions', 'read'],
      ['GET', '/v1/governance/proposals', 'read'],
      [
        'POST',
        '/v1/governance/proposals',
        'governance',
        { proposalId: 'p', proposer: 'x', kind: 'param-change', reason: 'r' },
      ],
      [
        'POST',
        '/v1/governance/proposals/p/votes',
        'governance',
        { staker: 'x', support: 'for', reason: 'r' },
      ],
      ['POST', '/v1/governance/proposals/p/execute', 'governance', { reason: 'r' }],
      ['POST', '/v1/governance/actions', 'governance', { action: 'stake', params: {}, reason: 'r' }],
      ['POST', '/v1/operator/halt', 'operator', { reason: 'r' }],
      ['POST', '/v1/operator/resume', 'operator', { reason: 'r' }],
      ['POST', '/v1/operator/tier', 'operator', { tier: null, reason: 'r' }],
    ];
    it.each(routes)('%s %s', async (method, url, scope, payload) => {
      const req = {
        method: method as 'GET' | 'POST',
        url,
        ...(payload === undefined ? {} : { payload: payload as object }),
      };
      const none = await s.app.inject(req);
      expect(none.statusCode).toBe(401);
      expect(none.json().error).toBe('UNAUTHORIZED');
      const forged = await s.app.inject({ ...req, headers: auth(`${s.keys.read.slice(0, -2)}xx`) });
      expect(forged.statusCode).toBe(401);
      const other = scope === 'read' ? s.keys.ingest : s.keys.read;
      const wrong = await s.app.inject({ ...req, headers: auth(other) });
      expect(wrong.statusCode).toBe(403);
      expect(wrong.json().message).toContain(`"${scope}"`);
      const right = await s.app.inject({ ...req, headers: auth(s.keys[scope as 'read']) });
      expect([401, 403]).not.toContain(right.statusCode);
    });

    it('a revoked key is refused at once', async () => {
      const { createKey } = await import('./auth/api-keys.ts');
      const k = await createKey(s.store, ['read'], null, 1);
      expect((await s.app.inject({ url: '/v1/fund', headers: auth(k.key) })).statusCode).toBe(200);
      expect(await s.store.revokeKey(k.id, 2)).toBe(true);
      expect((await s.app.inject({ url: '/v1/fund', headers: auth(k.key) })).statusCode).toBe(401);
    });
  });

  describe('POST /v1/events', () => {
    it('400 with the field path for a malformed body', async () => {
      const r = await s.app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: auth(s.keys.ingest),
        payload: { events: 'not a list' },
      });
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ error: 'BAD_REQUEST', path: '/events' });
    });

    it('accepts the valid items, returns the others with their path and reason, and quarantines them', async () => {
      const before = await s.store.readQuarantine(0, 1_000);
      const t = T0_US + MINUTE_US;
      const r = await s.app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: auth(s.keys.ingest),
        payload: {
          events: [
            { kind: 'index-price', instrument: 'BTC', tsUs: t, price: 50_100 },
            { kind: 'index-price', instrument: 'BTC', tsUs: t, price: 'high' },
            {
              kind: 'transfer',
              eventId: 'dep-alice',
              account: 'alice',
              currency: 'USDC',
              amount: '5',
              tsUs: t,
            },
            { kind: 'nonsense', tsUs: t },
          ],
        },
      });
      expect(r.statusCode).toBe(200);
      const body = r.json();
      expect(body.accepted).toBe(1);
      expect(
        body.rejected.map((x: { index: number; path: string; code: string }) => [x.index, x.path, x.code]),
      ).toEqual([
        [1, '/events/1/price', 'BAD_FIELD'],
        [2, '/events/2', 'DUPLICATE_EVENT'],
        [3, '/events/3/kind', 'BAD_FIELD'],
      ]);
      const after = await s.store.readQuarantine(before.at(-1)?.id ?? 0, 1_000);
      expect(after.map((q) => q.code).sort()).toEqual(['BAD_FIELD', 'BAD_FIELD', 'DUPLICATE_EVENT']);
      expect(after.every((q) => q.source.startsWith('http:k_'))).toBe(true);
      expect(after.find((q) => q.raw.includes('"high"'))?.reason).toContain('/events/1/price');
    });
  });

  describe('read endpoints', () => {
    it('GET /v1/accounts/:id: the position and the margin of the 20× venue (IM 5 %, MM 2.5 % of notional)', async () => {
      const r = await s.app.inject({ url: '/v1/accounts/alice', headers: auth(s.keys.read) });
      expect(r.statusCode).toBe(200);
      const a = r.json();
      expect(a.positions).toEqual([
        { instrument: 'BTC-USDC-PERP', qtyContracts: 1, avgEntryPrice: 50_000, mark: 50_100 },
      ]);
      expect(a.collateral).toEqual([{ currency: 'USDC', amount: 10_000 }]);
      // index 50 100: equity 10 000 + 100 of profit; IM 5 % and MM 2.5 % of 50 100
      expect(a.pools.USDC.equity).toBeCloseTo(10_100, 6);
      expect(a.pools.USDC.im).toBeCloseTo(2_505, 6);
      expect(a.pools.USDC.mm).toBeCloseTo(1_252.5, 6);
      expect(
        (await s.app.inject({ url: '/v1/accounts/nobody', headers: auth(s.keys.read) })).statusCode,
      ).toBe(404);
    });

    it('GET /v1/accounts/:id/margin?explain=1 explains the binding scenario', async () => {
      const r = await s.app.inject({
        url: '/v1/accounts/alice/margin?explain=1',
        headers: auth(s.keys.read),
      });
      const doc = r.json();
      expect(doc.pools[0].currency).toBe('USDC');
      expect(doc.pools[0].imMoney).toBe('2505.000000');
      expect(doc.pools[0].underlyings[0].explain).toBeTruthy();
      const plain = (
        await s.app.inject({ url: '/v1/accounts/alice/margin', headers: auth(s.keys.read) })
      ).json();
      expect(plain.pools[0].underlyings[0].explain).toBeUndefined();
    });

    it('GET /v1/accounts ranks by utilisation = MM / equity', async () => {
      const r = (
        await s.app.inject({ url: '/v1/accounts?sort=utilisation&limit=5', headers: auth(s.keys.read) })
      ).json();
      const alice = r.accounts.find((x: { account: string }) => x.account === 'alice');
      expect(alice.utilisation).toBeCloseTo(1_252.5 / 10_100, 9);
      // alice (12.4 %) is far closer to liquidation than the market maker (1 000 000 of cash)
      expect(r.accounts[0].account).toBe('alice');
    });

    it('POST /v1/margin/what-if: another +1 BTC doubles the requirement; 400 names the field', async () => {
      const r = await s.app.inject({
        method: 'POST',
        url: '/v1/margin/what-if',
        headers: auth(s.keys.read),
        payload: { account: 'alice', orders: [{ instrument: 'BTC-USDC-PERP', qty: 1, price: 50_100 }] },
      });
      expect(r.statusCode).toBe(200);
      const w = r.json();
      expect(w.before.pools[0].im).toBeCloseTo(2_505, 6);
      expect(w.after.pools[0].im).toBeCloseTo(5_010, 6);
      const bad = await s.app.inject({
        method: 'POST',
        url: '/v1/margin/what-if',
        headers: auth(s.keys.read),
        payload: { account: 'alice', orders: [{ instrument: 'BTC-USDC-PERP' }] },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().path).toBe('/orders/0/qty');
      const unknown = await s.app.inject({
        method: 'POST',
        url: '/v1/margin/what-if',
        headers: auth(s.keys.read),
        payload: { account: 'alice', orders: [{ instrument: 'ETH-PERP', qty: 1 }] },
      });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().path).toBe('/orders/0/instrument');
    });

    it('GET /v1/instruments and /v1/prices/history: the venue and its mark / index path', async () => {
      const i = (await s.app.inject({ url: '/v1/instruments', headers: auth(s.keys.read) })).json();
      expect(i.instruments).toEqual([
        {
          id: 'BTC-USDC-PERP',
          kind: 'perpetual',
          baseCurrency: 'BTC',
          quoteCurrency: 'USD',
          settlementCurrency: 'USDC',
        },
      ]);
      const p = (
        await s.app.inject({ url: '/v1/prices/history?instrument=BTC-USDC-PERP', headers: auth(s.keys.read) })
      ).json();
      // the opening second (index 50 000) and the print a minute later (50 100)
      expect(p.points.map((x: { index: number; tsUs: number }) => [x.tsUs, x.index])).toEqual([
        [T0_US, 50_000],
        [T0_US + MINUTE_US, 50_100],
      ]);
    });

    it('GET /v1/fund, /v1/backstop: the policy fund and tier', async () => {
      const f = (await s.app.inject({ url: '/v1/fund', headers: auth(s.keys.read) })).json();
      const usdc = f.funds.find((x: { currency: string }) => x.currency === 'USDC');
      expect(usdc.drawdownFrac).toBe(0);
      expect(Number(usdc.balance)).toBe(
        Number(s.service.engine.policy?.policy.liquidation?.funds.USDC?.opening),
      );
      const b = (await s.app.inject({ url: '/v1/backstop', headers: auth(s.keys.read) })).json();
      expect(b.tier).toBe('normal');
      expect(b.policy).toBe('backstop');
      expect(b.timeUs).toBe(T0_US + MINUTE_US);
    });

    it('GET /v1/ledger: the exact balances the store keeps, conserved per currency', async () => {
      const all = (await s.app.inject({ url: '/v1/ledger', headers: auth(s.keys.read) })).json().balances as {
        account: string;
        currency: string;
        units: string;
        balance: string;
      }[];
      for (const ccy of new Set(all.map((r) => r.currency)))
        expect(all.filter((r) => r.currency === ccy).reduce((a, r) => a + BigInt(r.units), 0n)).toBe(0n);
      // the store's read model equals the engine's ledger, balance for balance
      expect(all.map((r) => [r.account, r.currency, r.units])).toEqual(
        s.service.engine.ledger.balances().map((b) => [b.key, b.currency, b.amount.toString()]),
      );
      const alice = (
        await s.app.inject({ url: '/v1/ledger?account=trader:alice', headers: auth(s.keys.read) })
      ).json();
      // 10 000 USDC deposited, no fees, no realized PnL yet (USDC has 6 decimals)
      expect(alice.balances).toEqual([
        {
          account: 'trader:alice',
          currency: 'USDC',
          units: '10000000000',
          scale: 6,
          balance: '10000.000000',
        },
      ]);
    });

    it('GET /v1/audit pages a hash chain that verifies', async () => {
      const head = s.service.auditHead;
      expect(head.seq).toBeGreaterThan(0);
      const all: unknown[] = [];
      let after = 0;
      for (;;) {
        const page = (
          await s.app.inject({ url: `/v1/audit?after=${after}&limit=2`, headers: auth(s.keys.read) })
        ).json();
        if (page.records.length === 0) break;
        all.push(...page.records);
        after = page.records.at(-1).seq;
      }
      expect(all.length).toBe(head.seq);
      const v = verifyRecords((await s.store.readAudit(0, 1_000)).map((l) => l));
      expect(v.ok).toBe(true);
      const bad = await s.app.inject({ url: '/v1/audit?after=-1', headers: auth(s.keys.read) });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().path).toBe('/after');
    });
  });

  describe('operator actions: journaled, audited with the key id and the reason', () => {
    it('halt, a second halt refused (409), resume; 400 without a reason', async () => {
      const noReason = await s.app.inject({
        method: 'POST',
        url: '/v1/operator/halt',
        headers: auth(s.keys.operator),
        payload: {},
      });
      expect(noReason.statusCode).toBe(400);
      expect(noReason.json().path).toBe('/reason');
      const eventsBefore = s.service.events;
      const h = await s.app.inject({
        method: 'POST',
        url: '/v1/operator/halt',
        headers: auth(s.keys.operator),
        payload: { reason: 'drill: index feed suspect' },
      });
      expect(h.statusCode).toBe(200);
      const d = h.json().decisions.find((x: { kind: string }) => x.kind === 'circuit-breaker');
      expect(d.action).toBe('halt');
      const keyId = `k_${s.keys.operator.slice(4, 20)}`;
      expect(d.evidence.keyId).toBe(keyId);
      expect(d.reason).toContain('drill: index feed suspect');
      expect(s.service.events).toBe(eventsBefore + 1);
      const again = await s.app.inject({
        method: 'POST',
        url: '/v1/operator/halt',
        headers: auth(s.keys.operator),
        payload: { reason: 'twice' },
      });
      expect(again.statusCode).toBe(409);
      const back = await s.app.inject({
        method: 'POST',
        url: '/v1/operator/resume',
        headers: auth(s.keys.operator),
        payload: { reason: 'drill over' },
      });
      expect(back.statusCode).toBe(200);
      const lines = await s.store.readAudit(0, 10_000);
      const ops = lines
        .map((l) => JSON.parse(l).decision)
        .filter((x) => x.evidence?.keyId === keyId && x.reason.includes('drill'));
      expect(ops.map((x) => [x.action, x.evidence.reason])).toEqual([
        ['halt', 'drill: index feed suspect'],
        ['resume', 'drill over'],
      ]);
    });

    it('tier override forces the tier and its multiplier; null ends it', async () => {
      const r = await s.app.inject({
        method: 'POST',
        url: '/v1/operator/tier',
        headers: auth(s.keys.operator),
        payload: { tier: 'stressed', reason: 'exchange outage upstream' },
      });
      expect(r.statusCode).toBe(200);
      const b = (await s.app.inject({ url: '/v1/backstop', headers: auth(s.keys.read) })).json();
      expect(b.tier).toBe('stressed');
      const stressedMultiplier = s.service.engine.policy?.policy.actions.stressed.marginMultiplier;
      expect(b.marginMultiplier).toBe(stressedMultiplier);
      const end = await s.app.inject({
        method: 'POST',
        url: '/v1/operator/tier',
        headers: auth(s.keys.operator),
        payload: { tier: null, reason: 'outage over' },
      });
      expect(end.statusCode).toBe(200);
      expect((await s.app.inject({ url: '/v1/backstop', headers: auth(s.keys.read) })).json().tier).toBe(
        'normal',
      );
      const bad = await s.app.inject({
        method: 'POST',
        url: '/v1/operator/tier',
        headers: auth(s.keys.operator),
        payload: { tier: 'panic', reason: 'x' },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().path).toBe('/tier');
    });
  });

  describe('governance', () => {
    it('stake, propose, vote: each decision names the key and the reason; the proposal is listed', async () => {
      const t = s.service.engine.timeUs;
      const dep = await s.app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: auth(s.keys.ingest),
        payload: {
          events: [
            {
              kind: 'transfer',
              eventId: 'dep-carol',
              account: 'carol',
              currency: 'USDC',
              amount: '50000',
              tsUs: t,
            },
          ],
        },
      });
      expect(dep.json().accepted).toBe(1);
      const post = (url: string, payload: object) =>
        s.app.inject({ method: 'POST', url, headers: auth(s.keys.governance), payload });
      const stake = await post('/v1/governance/actions', {
        action: 'stake',
        params: { staker: 'carol', amount: '50000' },
        reason: 'backing the fund',
      });
      expect(stake.statusCode).toBe(200);
      const keyId = `k_${s.keys.governance.slice(4, 20)}`;
      expect(stake.json().decisions[0].evidence).toMatchObject({ keyId, reason: 'backing the fund' });
      const propose = await post('/v1/governance/proposals', {
        proposalId: 'raise-watch',
        proposer: 'carol',
        kind: 'param-change',
        path: 'actions.watch.marginMultiplier',
        value: 1.2,
        reason: 'watch tier too lax',
      });
      expect(propose.statusCode).toBe(200);
      expect(propose.json().decisions[0]).toMatchObject({
        kind: 'governance-action',
        proposalId: 'raise-watch',
      });
      const vote = await post('/v1/governance/proposals/raise-watch/votes', {
        staker: 'carol',
        support: 'for',
        reason: 'agreed',
      });
      expect(vote.statusCode).toBe(200);
      expect(vote.json().decisions[0].evidence).toMatchObject({ keyId, reason: 'agreed' });
      const list = (
        await s.app.inject({ url: '/v1/governance/proposals', headers: auth(s.keys.read) })
      ).json();
      expect(list.proposals.map((p: { id: string; status: string }) => [p.id, p.status])).toEqual([
        ['raise-watch', 'voting'],
      ]);
      const staked = (await s.app.inject({ url: '/v1/fund', headers: auth(s.keys.read) })).json();
      expect(staked.stakers.map((x: { staker: string }) => x.staker)).toEqual(['carol', 'venue']);
    });

    it('a proposal from a proposer without stake is refused by the engine (409)', async () => {
      const r = await s.app.inject({
        method: 'POST',
        url: '/v1/governance/proposals',
        headers: auth(s.keys.governance),
        payload: {
          proposalId: 'nobody-proposes',
          proposer: 'nobody',
          kind: 'param-change',
          path: 'actions.watch.marginMultiplier',
          value: 1.3,
          reason: 'test',
        },
      });
      expect(r.statusCode).toBe(409);
      const list = (
        await s.app.inject({ url: '/v1/governance/proposals', headers: auth(s.keys.read) })
      ).json();
      expect(list.proposals.map((p: { id: string }) => p.id)).not.toContain('nobody-proposes');
      const bad = await s.app.inject({
        method: 'POST',
        url: '/v1/governance/proposals/raise-watch/votes',
        headers: auth(s.keys.governance),
        payload: { staker: 'a', support: 'maybe', reason: 'x' },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().path).toBe('/support');
    });
  });
});
