import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { parseDocument } from 'yaml';
import {
  defaultLiquidatorConfig,
  type LiquidatorConfig,
  validateLiquidatorConfig,
} from '../../backstop/liquidator/config.ts';
import {
  type Condition,
  ELEVATED_TIERS,
  type MetricSpec,
  type Policy,
  policyProblems,
  type TierActions,
} from '../../backstop/policy/policy.ts';
import type { Capacity } from '../../backstop/waterfall/providers.ts';
import { BackstopError } from '../../core/errors.ts';
import { parseDurationMicros } from '../../core/time.ts';
import type { Tier } from '../../domain/decisions.ts';
import { type PolicyFile, PolicyFileSchema } from './policy-schema.ts';

const check = Compile(PolicyFileSchema);

function fail(file: string, path: string, message: string): never {
  throw new BackstopError('BAD_FIELD', `${file}: policy ${path === '' ? '(root)' : path}: ${message}`, {
    file,
    field: path === '' ? '(root)' : path,
    value: null,
  });
}

/** `/tiers/watch/exit/all/0/below` → `tiers.watch.exit.all[0].below`. */
export function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc === '' ? s : `${acc}.${s}`), '');
}

/** Reads a policy file (YAML or JSON). Any problem is a BAD_FIELD error naming the field path (exit 2). */
export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new BackstopError('UNREADABLE_FILE', `${path}: cannot read policy file (${(e as Error).message})`, {
      file: path,
    });
  }
  return parsePolicy(text, path);
}

/** Parses and validates policy text (YAML 1.2, of which JSON is a subset). */
export function parsePolicy(text: string, file: string): Policy {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e?.linePos?.[0]?.line;
    fail(file, line === undefined ? '' : `line ${line}`, `not valid YAML/JSON: ${e?.message.split('\n')[0]}`);
  }
  return policyFromData(doc.toJS() as unknown, file);
}

/** Validates plain data in the file form and resolves it into a Policy. */
export function policyFromData(data: unknown, file: string): Policy {
  if (!check.Check(data)) {
    const errors = [...check.Errors(data)].filter((e) => e.keyword !== 'boolean');
    const first = errors.sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
    const extra = (first?.params as { additionalProperties?: string[] } | undefined)?.additionalProperties;
    const pointer = extra ? `${first?.instancePath ?? ''}/${extra[0]}` : (first?.instancePath ?? '');
    fail(
      file,
      pointerToPath(pointer),
      extra ? `unknown field ${extra.join(', ')}` : (first?.message ?? 'invalid'),
    );
  }
  const f = data as PolicyFile;
  const policy = resolve(f, file);
  const problems = policyProblems(policy);
  if (problems.length > 0) {
    const p = problems[0] as { path: string; message: string };
    fail(file, p.path, p.message + (problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''));
  }
  if (policy.liquidation) {
    try {
      validateLiquidatorConfig(policy.liquidation);
    } catch (e) {
      const be = e as BackstopError;
      fail(file, String(be.fields?.path ?? 'liquidation'), be.message.replace(/^liquidation\.[^:]*: /, ''));
    }
  }
  return policy;
}

function us(file: string, path: string, text: string): number {
  const v = parseDurationMicros(text);
  if (v === null) fail(file, path, `bad duration "${text}"`);
  return v;
}

function resolve(f: PolicyFile, file: string): Policy {
  const metrics: Record<string, MetricSpec> = {};
  for (const [name, m] of Object.entries(f.metrics ?? {})) {
    if (m.source === 'fund-drawdown') {
      metrics[name] = {
        source: m.source,
        currency: m.currency,
        windowUs: us(file, `metrics.${name}.window`, m.window),
      };
    } else if (m.source === 'price-move') {
      metrics[name] = {
        source: m.source,
        direction: m.direction,
        windowUs: us(file, `metrics.${name}.window`, m.window),
        ...(m.instrument === undefined ? {} : { instrument: m.instrument }),
      };
    } else metrics[name] = m as MetricSpec;
  }
  const actions = {} as Record<Tier, TierActions>;
  for (const t of ['normal', ...ELEVATED_TIERS] as const) {
    const a = f.actions?.[t];
    actions[t] = {
      marginMultiplier: a?.marginMultiplier ?? 1,
      ...(a?.reserveQuoting
        ? {
            reserveQuoting: {
              ...a.reserveQuoting,
              levels: a.reserveQuoting.levels ?? 1,
              levelStepBps: a.reserveQuoting.levelStepBps ?? 0,
            },
          }
        : {}),
      ...(a?.purchases
        ? {
            purchases: {
              instrument: a.purchases.instrument,
              mode: a.purchases.mode,
              sliceNotional: a.purchases.sliceNotional,
              intervalUs: us(file, `actions.${t}.purchases.interval`, a.purchases.interval),
              priceBandFrac: a.purchases.priceBandFrac,
              budget: a.purchases.budget,
              unwindOverUs: us(file, `actions.${t}.purchases.unwindOver`, a.purchases.unwindOver),
            },
          }
        : {}),
    };
  }
  const t = f.tiers;
  const g = f.guards;
  const cb = f.circuitBreaker;
  const gov = f.governance;
  return {
    name: f.name,
    description: f.description ?? '',
    metrics,
    tiers: t
      ? {
          minDwellUs: us(file, 'tiers.minDwell', t.minDwell),
          watch: t.watch as { enter: Condition; exit: Condition },
          stressed: t.stressed as { enter: Condition; exit: Condition },
          crisis: t.crisis as { enter: Condition; exit: Condition },
        }
      : null,
    guards: g
      ? {
          staleAfterUs: us(file, 'guards.staleAfter', g.staleAfter),
          outlierFrac: g.outlierFrac,
          confirmTicks: g.confirmTicks,
          fallback: g.fallback,
        }
      : null,
    actions,
    circuitBreaker: cb
      ? {
          underlying: cb.underlying,
          bandFrac: cb.bandFrac,
          windowUs: us(file, 'circuitBreaker.window', cb.window),
          haltUs: us(file, 'circuitBreaker.halt', cb.halt),
          reference: cb.reference,
        }
      : null,
    reserve: f.reserve ?? null,
    liquidation: f.liquidation ? liquidation(f.liquidation, file) : null,
    governance: gov
      ? {
          currency: gov.currency,
          config: {
            quorumFrac: gov.quorumFrac,
            majorityFrac: gov.majorityFrac,
            votingPeriodUs: us(file, 'governance.votingPeriod', gov.votingPeriod),
            timelockUs: us(file, 'governance.timelock', gov.timelock),
            gracePeriodUs: us(file, 'governance.gracePeriod', gov.gracePeriod),
            unstakeCooldownUs: us(file, 'governance.unstakeCooldown', gov.unstakeCooldown),
            minProposalShares: BigInt(gov.minProposalShares.split('.')[0] as string),
          },
        }
      : null,
  };
}

function liquidation(l: NonNullable<PolicyFile['liquidation']>, file: string): LiquidatorConfig {
  const d = defaultLiquidatorConfig();
  const capacity = (c: NonNullable<typeof l.providers>[number]['capacity'], path: string): Capacity =>
    c.kind === 'equity-fraction'
      ? {
          kind: 'equity-fraction',
          fraction: c.fraction,
          windowUs: us(file, `${path}.window`, c.window),
          ...(c.windowMode ? { window: c.windowMode } : {}),
        }
      : {
          kind: 'limits',
          ...(c.perMinuteNotional === undefined ? {} : { perMinuteNotional: c.perMinuteNotional }),
          ...(c.perHourNotional === undefined ? {} : { perHourNotional: c.perHourNotional }),
          ...(c.windowMode ? { window: c.windowMode } : {}),
        };
  return {
    stages: l.stages ?? d.stages,
    book: l.book
      ? {
          maxFractionPerStep: l.book.maxFractionPerStep,
          minStepNotional: l.book.minStepNotional,
          cooldownUs: us(file, 'liquidation.book.cooldown', l.book.cooldown),
          priceBandFrac: l.book.priceBandFrac,
          feeFrac: l.book.feeFrac,
        }
      : d.book,
    distressedFractionOfMm: l.distressedFractionOfMm ?? d.distressedFractionOfMm,
    providers: (l.providers ?? []).map((p, i) => ({
      id: p.id,
      ...(p.group === undefined ? {} : { group: p.group }),
      priority: p.priority,
      capacity: capacity(p.capacity, `liquidation.providers[${i}].capacity`),
    })),
    providerMode: l.providerMode ?? d.providerMode,
    providerDiscountFrac: l.providerDiscountFrac ?? d.providerDiscountFrac,
    lotContracts: l.lotContracts ?? d.lotContracts,
    fundCoversOpenGap: l.counterpartyGuarantee ?? d.fundCoversOpenGap,
    funds: Object.fromEntries(
      Object.entries(l.funds ?? {}).map(([ccy, f]) => [
        ccy,
        {
          opening: f.opening,
          ...(f.isolatedOpening ? { isolatedOpening: f.isolatedOpening } : {}),
          ...(f.perAccountCap ? { perAccountCap: f.perAccountCap } : {}),
          ...(f.perIntervalCap ? { perIntervalCap: f.perIntervalCap } : {}),
          ...(f.interval ? { intervalUs: us(file, `liquidation.funds.${ccy}.interval`, f.interval) } : {}),
        },
      ]),
    ),
    ...(l.isolatedMarkets ? { isolatedMarkets: l.isolatedMarkets } : {}),
    adl: l.adl
      ? {
          rule: l.adl.rule,
          mode: l.adl.mode,
          ...(l.adl.seed === undefined ? {} : { seed: l.adl.seed }),
          priceBasis: l.adl.priceBasis,
          ...(l.adl.drawdown
            ? {
                drawdown: {
                  thresholdFrac: l.adl.drawdown.thresholdFrac,
                  windowUs: us(file, 'liquidation.adl.drawdown.window', l.adl.drawdown.window),
                },
              }
            : {}),
        }
      : d.adl,
    socializeMode: l.socializeMode ?? d.socializeMode,
  };
}
