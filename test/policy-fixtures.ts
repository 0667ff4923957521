import type { Policy } from '../src/backstop/policy/policy.ts';
import { defaultEngineConfig, Engine } from '../src/engine/engine.ts';
import { policyFromData } from '../src/io/policy/load-policy.ts';
import type { PolicyFile } from '../src/io/policy/policy-schema.ts';
import { PERP, TEN_PERCENT } from './liquidation-fixtures.ts';

/**
 * A compact policy for the engine-level policy tests and the golden crash: tiers on the BTC-PERP
 * spread (watch ≥ 10 bps, stressed ≥ 25, crisis ≥ 50; exits below 7, 18, 35; 30 s dwell), price
 * guards, a 10 % / 60 s circuit breaker, a USD reserve quoting from stressed and buying in crisis.
 */
/** `overrides` replace sections; an `undefined` value drops the section. */
export function testPolicyFile(
  overrides: { [K in keyof PolicyFile]?: PolicyFile[K] | undefined } = {},
): PolicyFile {
  const base: PolicyFile = {
    name: 'test',
    metrics: { spread: { source: 'monitor', field: 'spreadBps', instrument: PERP.id } },
    tiers: {
      minDwell: '30s',
      watch: { enter: { metric: 'spread', above: 10 }, exit: { metric: 'spread', below: 7 } },
      stressed: { enter: { metric: 'spread', above: 25 }, exit: { metric: 'spread', below: 18 } },
      crisis: { enter: { metric: 'spread', above: 50 }, exit: { metric: 'spread', below: 35 } },
    },
    guards: { staleAfter: '5s', outlierFrac: 0.08, confirmTicks: 3, fallback: 'index' },
    actions: {
      normal: { marginMultiplier: 1 },
      watch: { marginMultiplier: 1.1 },
      stressed: {
        marginMultiplier: 1.25,
        reserveQuoting: {
          instrument: PERP.id,
          size: 0.5,
          spreadBps: 40,
          levels: 1,
          inventoryLimit: 2,
          lossLimit: '20000',
          budget: '1000000',
        },
      },
      crisis: {
        marginMultiplier: 1.5,
        reserveQuoting: {
          instrument: PERP.id,
          size: 1,
          spreadBps: 80,
          levels: 1,
          inventoryLimit: 3,
          lossLimit: '40000',
          budget: '1000000',
        },
        purchases: {
          instrument: PERP.id,
          mode: 'twap',
          sliceNotional: 50000,
          interval: '10s',
          priceBandFrac: 0.01,
          budget: '150000',
          unwindOver: '30s',
        },
      },
    },
    circuitBreaker: {
      underlying: 'BTC',
      bandFrac: 0.1,
      window: '60s',
      halt: '30s',
      reference: 'window-start',
    },
    reserve: { currency: 'USD', opening: '100000' },
    liquidation: {
      book: {
        maxFractionPerStep: 0.5,
        minStepNotional: 10000,
        cooldown: '1s',
        priceBandFrac: 0.02,
        feeFrac: 0,
      },
      funds: { USD: { opening: '50000' } },
    },
  };
  const out: Record<string, unknown> = { ...base, ...overrides };
  for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete out[k];
  return out as PolicyFile;
}

export function testPolicy(overrides: Parameters<typeof testPolicyFile>[0] = {}): Policy {
  return policyFromData(testPolicyFile(overrides), 'test policy');
}

export function policyEngine(policy: Policy = testPolicy()): Engine {
  return new Engine(
    defaultEngineConfig({
      instruments: [PERP],
      margin: { modelFor: () => TEN_PERCENT, defaultVol: 0.5 },
      policy,
    }),
  );
}
