import { existsSync } from 'node:fs';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import { money, moneyToDecimal } from '../core/money.ts';
import type { Decision } from '../domain/decisions.ts';
import type { EngineEvent } from '../domain/events.ts';
import { decodeEvent } from '../io/schemas/event.ts';
import { schemaError } from '../io/schemas/validate.ts';
import type { Scope, SeriesName, Store, StoredKey } from '../io/store/store.ts';
import { marginDocument } from '../margin/margin-document.ts';
import type { KeyVerifier } from './auth/api-keys.ts';
import type { ServiceMetrics } from './metrics.ts';
import * as S from './schemas.ts';
import type { EngineService, IngestItem } from './service.ts';
import { attachStream } from './stream-socket.ts';
import { accountView, backstopView, fundView, topAccounts } from './views.ts';

export interface AppOptions {
  readonly service: EngineService;
  readonly store: Store;
  readonly keys: KeyVerifier;
  readonly metrics: ServiceMetrics;
  /** The venue clock in µs: wall time live, the replay clock in a replay (stamps operator actions). */
  readonly venueClockUs: () => number;
  /** The built dashboard (dist/dashboard), or null to serve none. */
  readonly dashboardDir: string | null;
  readonly logger: FastifyBaseLogger | boolean;
  /** Ingest rate limit per key. */
  readonly ingestRateLimit: { readonly max: number; readonly timeWindowMs: number };
  /** Shown by /ready: what the service is replaying, if anything. */
  readonly replay: () => unknown;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a route needs; absent: open. */
    scope?: Scope;
  }
  interface FastifyRequest {
    apiKey: StoredKey | null;
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

const bearer = (req: FastifyRequest): string | null => {
  const h = req.headers.authorization;
  if (typeof h !== 'string' || !h.startsWith('Bearer ')) return null;
  return h.slice('Bearer '.length).trim();
};

/**
 * The HTTP + WebSocket API (docs/api.md) over one `EngineService`. Every `/v1` route names the
 * scope it needs; a request without a valid key gets 401, one whose key lacks the scope 403.
 * Operator and governance actions become engine inputs carrying the key's id, so they are
 * journaled, replayed after a restart, and recorded in the audit log with who did it and why.
 */
export async function buildApp(o: AppOptions) {
  const app = Fastify({
    ...(typeof o.logger === 'boolean' ? { logger: o.logger } : { loggerInstance: o.logger }),
    bodyLimit: 32 * 1024 * 1024,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.decorateRequest('apiKey', null);

  app.setErrorHandler((err: Error & { validation?: unknown; statusCode?: number }, _req, reply) => {
    if (err instanceof HttpError) {
      return reply
        .status(err.status)
        .send({ error: err.code, message: err.message, ...(err.path ? { path: err.path } : {}) });
    }
    if (err.validation) {
      const { field, message } = schemaError(err.validation as Parameters<typeof schemaError>[0]);
      const where = (err as { validationContext?: string }).validationContext ?? 'body';
      return reply
        .status(400)
        .send({ error: 'BAD_REQUEST', message: `${where} ${field}: ${message}`, path: field });
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) app.log.error({ err }, 'request failed');
    return reply.status(status).send({
      error: status === 429 ? 'RATE_LIMITED' : status >= 500 ? 'INTERNAL' : 'BAD_REQUEST',
      message: err.message,
    });
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Backstop service', version: '0.1.0', description: 'docs/api.md' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyWebsocket, { options: { maxPayload: 1024 * 1024 } });

  // routes that need a scope are documented as needing the bearer key
  app.addHook('onRoute', (route) => {
    if (!route.config?.scope) return;
    route.schema = { ...(route.schema ?? {}), security: [{ bearer: [] }] };
  });
  app.addHook('onRequest', async (req) => {
    const scope = req.routeOptions.config.scope;
    if (!scope) return;
    const token = bearer(req);
    const key = token ? await o.keys.verify(token) : null;
    if (!key)
      throw new HttpError(401, 'UNAUTHORIZED', 'a valid API key is required (Authorization: Bearer KEY)');
    if (!key.scopes.includes(scope))
      throw new HttpError(403, 'FORBIDDEN', `key ${key.id} lacks the "${scope}" scope`);
    req.apiKey = key;
  });

  const secured = (scope: Scope) => ({ config: { scope } });
  const svc = o.service;
  const keyIdOf = (req: FastifyRequest) => (req.apiKey as StoredKey).id;

  /** Runs one engine input and answers with its decisions; a refusal is 409 with the engine's code. */
  const act = async (event: EngineEvent, source: string) => {
    const r = await svc.ingest([{ ok: true, event }], source);
    const refused = r.decisions.find((d) => d.kind === 'input-rejected');
    if (refused && refused.kind === 'input-rejected') throw new HttpError(409, refused.code, refused.reason);
    return { decisions: r.decisions };
  };
  const nowUs = () => Math.max(o.venueClockUs(), Number.isFinite(svc.engine.timeUs) ? svc.engine.timeUs : 0);

  // --- open ---------------------------------------------------------------------------------
  app.get('/health', { schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/ready', { schema: { hide: true } }, async () => ({
    ready: true,
    store: o.store.kind,
    events: svc.events,
    stateHash: svc.stateHash(),
    auditHead: svc.auditHead,
    replay: o.replay(),
  }));
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', o.metrics.registry.contentType);
    return o.metrics.registry.metrics();
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // --- ingest -------------------------------------------------------------------------------
  app.post(
    '/v1/events',
    {
      schema: {
        summary: 'Ingest a batch of engine events',
        body: S.IngestBody,
        response: { 200: S.IngestReply, 400: S.ErrorBody },
      },
      config: {
        scope: 'ingest',
        rateLimit: {
          max: o.ingestRateLimit.max,
          timeWindow: o.ingestRateLimit.timeWindowMs,
          keyGenerator: (req: FastifyRequest) => bearer(req)?.slice(0, 21) ?? req.ip,
        },
      },
    },
    async (req) => {
      const source = `http:${keyIdOf(req)}`;
      const receivedUs = Date.now() * 1000;
      const rejected: { index: number; code: string; message: string; path: string }[] = [];
      const items: IngestItem[] = req.body.events.map((raw, index) => {
        const d = decodeEvent(raw);
        if (d.ok) return { ok: true, event: { ...d.event, src: { file: source, line: index } } };
        const path = d.field === '(root)' ? `/events/${index}` : `/events/${index}${d.field}`;
        rejected.push({ index, code: 'BAD_FIELD', message: `${path}: ${d.reason}`, path });
        return {
          ok: false,
          quarantine: {
            code: 'BAD_FIELD',
            reason: `${path}: ${d.reason}`,
            raw: JSON.stringify(raw) ?? 'undefined',
            source,
            receivedUs,
          },
        };
      });
      const r = await svc.ingest(items, source);
      for (const d of r.decisions) {
        if (d.kind !== 'input-rejected' || d.src?.file !== source) continue;
        rejected.push({ index: d.src.line, code: d.code, message: d.reason, path: `/events/${d.src.line}` });
      }
      rejected.sort((a, b) => a.index - b.index);
      return { accepted: items.length - rejected.length, rejected, decisions: r.decisions.length };
    },
  );

  // --- read ---------------------------------------------------------------------------------
  app.get(
    '/v1/accounts',
    {
      schema: { summary: 'Accounts closest to liquidation', querystring: S.AccountsQuery },
      ...secured('read'),
    },
    async (req) => svc.exclusive(() => ({ accounts: topAccounts(svc.engine, req.query.limit ?? 20) })),
  );
  app.get(
    '/v1/accounts/:id',
    {
      schema: { summary: 'One account: positions, collateral, margin', params: S.AccountParams },
      ...secured('read'),
    },
    async (req) => {
      const v = await svc.exclusive(() => accountView(svc.engine, req.params.id));
      if (!v) throw new HttpError(404, 'NOT_FOUND', `no account ${req.params.id}`);
      return v;
    },
  );
  app.get(
    '/v1/accounts/:id/margin',
    {
      schema: {
        summary: 'Margin of one account (explain=1: what binds)',
        params: S.AccountParams,
        querystring: S.ExplainQuery,
      },
      ...secured('read'),
    },
    async (req) => {
      const id = req.params.id;
      const explain = req.query.explain === '1' || req.query.explain === 'true';
      const doc = await svc.exclusive(() =>
        svc.engine.margin.hasAccount(id) ? marginDocument(svc.engine.margin.whatIf(id, []), explain) : null,
      );
      if (!doc) throw new HttpError(404, 'NOT_FOUND', `no account ${id}`);
      return doc;
    },
  );
  app.post(
    '/v1/margin/what-if',
    {
      schema: { summary: 'Margin before and after hypothetical fills', body: S.WhatIfBody },
      ...secured('read'),
    },
    async (req) => {
      const { account, orders } = req.body;
      for (const [i, ord] of orders.entries()) {
        if (!svc.engine.margin.instrument(ord.instrument))
          throw new HttpError(
            400,
            'BAD_REQUEST',
            `unknown instrument ${ord.instrument}`,
            `/orders/${i}/instrument`,
          );
      }
      return svc.exclusive(() => {
        const m = svc.engine.margin;
        const before = marginDocument(m.whatIf(account, []), false);
        const after = marginDocument(
          m.whatIf(
            account,
            orders.map((x) => ({
              instrumentId: x.instrument,
              qty: x.qty,
              ...(x.price === undefined ? {} : { limitPrice: x.price }),
            })),
          ),
          false,
        );
        return { account, before, after };
      });
    },
  );
  app.get(
    '/v1/liquidity',
    { schema: { summary: 'Latest liquidity monitor row per instrument' }, ...secured('read') },
    async () => {
      const ids = svc.engine.config.instruments.map((i) => i.id);
      const rows = [];
      for (const id of ids) {
        const pts = await o.store.readSeries('monitor', id, 0, 1);
        if (pts[0]) rows.push(JSON.parse(pts[0].value));
      }
      return { rows };
    },
  );
  /** A read-model series: `GET path?KEY=…&since=US&limit=N` → `{KEY, FIELD: [points…]}`, oldest first. */
  const seriesRoute = (
    path: string,
    summary: string,
    series: SeriesName,
    keyParam: 'instrument' | 'currency',
    field: string,
  ) =>
    app.get(path, { schema: { summary, querystring: S.HistoryQuery }, ...secured('read') }, async (req) => {
      const key = req.query[keyParam];
      if (!key) throw new HttpError(400, 'BAD_REQUEST', `querystring /${keyParam}: required`, `/${keyParam}`);
      const pts = await o.store.readSeries(series, key, req.query.since ?? 0, req.query.limit ?? 2_000);
      return { [keyParam]: key, [field]: pts.map((p) => JSON.parse(p.value)) };
    });
  seriesRoute(
    '/v1/liquidity/history',
    'Monitor rows of one instrument, oldest first',
    'monitor',
    'instrument',
    'rows',
  );
  seriesRoute(
    '/v1/prices/history',
    'Mark, index and mid of one instrument (≤ 1 a second), oldest first',
    'prices',
    'instrument',
    'points',
  );
  seriesRoute('/v1/fund/history', 'Balance path of one fund, oldest first', 'fund', 'currency', 'points');
  app.get(
    '/v1/backstop',
    { schema: { summary: 'Backstop tier, evidence and actions' }, ...secured('read') },
    async () => {
      const last = await o.store.readSeries('tier', 'backstop', 0, 1);
      const lastChange = last[0] ? JSON.parse(last[0].value) : null;
      return svc.exclusive(() => ({
        ...backstopView(svc.engine),
        tierSinceUs: lastChange?.tsUs ?? null,
        lastChange,
      }));
    },
  );
  app.get(
    '/v1/backstop/history',
    {
      schema: {
        summary: 'Tier changes of the backstop or one instrument, oldest first',
        querystring: S.TierHistoryQuery,
      },
      ...secured('read'),
    },
    async (req) => {
      const scope = req.query.scope ?? 'backstop';
      const pts = await o.store.readSeries('tier', scope, req.query.since ?? 0, req.query.limit ?? 1_000);
      return { scope, changes: pts.map((p) => JSON.parse(p.value)) };
    },
  );
  app.get(
    '/v1/instruments',
    { schema: { summary: 'The venue’s instruments' }, ...secured('read') },
    async () => ({
      instruments: svc.engine.config.instruments.map((i) => ({
        id: i.id,
        kind: i.kind,
        baseCurrency: i.baseCurrency,
        quoteCurrency: i.quoteCurrency,
        ...('settlementCurrency' in i ? { settlementCurrency: i.settlementCurrency } : {}),
      })),
    }),
  );
  app.get('/v1/fund', { schema: { summary: 'Insurance funds and stakers' }, ...secured('read') }, async () =>
    svc.exclusive(() => fundView(svc.engine)),
  );
  app.get(
    '/v1/ledger',
    {
      schema: { summary: 'Exact ledger balances (the read model), by account', querystring: S.LedgerQuery },
      ...secured('read'),
    },
    async (req) => {
      const rows = await o.store.readLedger(req.query.account ?? null);
      return {
        balances: rows.map((r) => ({
          ...r,
          balance: moneyToDecimal(money(BigInt(r.units), r.scale, r.currency)),
        })),
      };
    },
  );
  app.get(
    '/v1/audit',
    { schema: { summary: 'Audit records after a seq', querystring: S.AuditQuery }, ...secured('read') },
    async (req) => {
      const lines = await o.store.readAudit(req.query.after ?? 0, req.query.limit ?? 100);
      return { head: svc.auditHead, records: lines.map((l) => JSON.parse(l)) };
    },
  );
  app.get(
    '/v1/decisions',
    {
      schema: { summary: 'The latest decisions, newest last', querystring: S.LimitQuery },
      ...secured('read'),
    },
    async (req) => {
      const limit = req.query.limit ?? 100;
      const after = Math.max(0, svc.auditHead.seq - limit);
      const lines = await o.store.readAudit(after, limit);
      return { decisions: lines.map((l) => (JSON.parse(l) as { decision: Decision }).decision) };
    },
  );

  // --- governance ---------------------------------------------------------------------------
  app.get(
    '/v1/governance/proposals',
    { schema: { summary: 'Fund governance proposals' }, ...secured('read') },
    async () =>
      svc.exclusive(() => {
        const gov = svc.engine.policy?.governance ?? null;
        const t = Number.isFinite(svc.engine.timeUs) ? svc.engine.timeUs : 0;
        return { proposals: gov ? gov.proposalIds().map((id) => jsonSafe(gov.proposal(id, t))) : [] };
      }),
  );
  const governance = (
    req: FastifyRequest,
    action: string,
    proposalId: string,
    params: Record<string, string | number | boolean>,
    reason: string,
  ) =>
    act(
      {
        kind: 'governance',
        action,
        proposalId,
        params: { ...params, reason },
        keyId: keyIdOf(req),
        tsUs: nowUs(),
      },
      `http:${keyIdOf(req)}`,
    );
  app.post(
    '/v1/governance/proposals',
    {
      schema: { summary: 'Propose a parameter change or a fund deployment', body: S.ProposeBody },
      ...secured('governance'),
    },
    async (req) => {
      const { proposalId, reason, ...rest } = req.body;
      const params: Record<string, string | number | boolean> = {};
      for (const [k, v] of Object.entries(rest)) if (v !== undefined) params[k] = v;
      return governance(req, 'propose', proposalId, params, reason);
    },
  );
  app.post(
    '/v1/governance/proposals/:id/votes',
    {
      schema: { summary: 'Vote on a proposal', params: S.ProposalParams, body: S.VoteBody },
      ...secured('governance'),
    },
    async (req) =>
      governance(
        req,
        'vote',
        req.params.id,
        { staker: req.body.staker, support: req.body.support },
        req.body.reason,
      ),
  );
  app.post(
    '/v1/governance/proposals/:id/execute',
    {
      schema: { summary: 'Execute a passed proposal', params: S.ProposalParams, body: S.ExecuteBody },
      ...secured('governance'),
    },
    async (req) => governance(req, 'execute', req.params.id, {}, req.body.reason),
  );
  app.post(
    '/v1/governance/actions',
    {
      schema: { summary: 'Stake, unstake or cancel', body: S.GovernanceActionBody },
      ...secured('governance'),
    },
    async (req) =>
      governance(req, req.body.action, req.body.proposalId ?? '', req.body.params, req.body.reason),
  );

  // --- operator -----------------------------------------------------------------------------
  const operator = (
    req: FastifyRequest,
    body: { reason: string; instrument?: string; tier?: string | null },
    action: 'halt' | 'resume' | 'tier',
  ) =>
    act(
      {
        kind: 'operator',
        action,
        reason: body.reason,
        keyId: keyIdOf(req),
        ...(body.instrument === undefined ? {} : { instrument: body.instrument }),
        ...(action === 'tier' ? { tier: (body.tier ?? null) as never } : {}),
        tsUs: nowUs(),
      },
      `http:${keyIdOf(req)}`,
    );
  app.post(
    '/v1/operator/halt',
    {
      schema: { summary: 'Halt trading-side actions (venue or one instrument)', body: S.HaltBody },
      ...secured('operator'),
    },
    async (req) => operator(req, req.body, 'halt'),
  );
  app.post(
    '/v1/operator/resume',
    { schema: { summary: 'End an operator halt', body: S.HaltBody }, ...secured('operator') },
    async (req) => operator(req, req.body, 'resume'),
  );
  app.post(
    '/v1/operator/tier',
    {
      schema: { summary: 'Force the backstop tier (null ends the override)', body: S.TierBody },
      ...secured('operator'),
    },
    async (req) => operator(req, req.body, 'tier'),
  );

  // --- stream and dashboard -----------------------------------------------------------------
  attachStream(app, svc, o.keys);
  if (o.dashboardDir && existsSync(o.dashboardDir)) {
    await app.register(fastifyStatic, { root: o.dashboardDir, prefix: '/' });
  }
  return app;
}

/** Proposal views hold bigints and maps: as JSON-safe data (bigints as decimal strings). */
function jsonSafe(v: unknown): unknown {
  return JSON.parse(
    JSON.stringify(v, (_k, x) =>
      typeof x === 'bigint' ? x.toString() : x instanceof Map ? Object.fromEntries(x) : x,
    ),
  );
}

export type App = Awaited<ReturnType<typeof buildApp>>;
export type { FastifyReply };
