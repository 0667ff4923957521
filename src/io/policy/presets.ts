import type { PolicyFile } from './policy-schema.ts';

/**
 * Policy presets, in the policy file's own form (so `backstop policy show NAME` prints a file to
 * start from). `backstop` is ours; the others emulate the anchors' published liquidation and
 * backstop mechanics — parameters and their sources in docs/policies.md and
 * docs/research/anchor-policies.md. Where a venue publishes no number, the value is marked
 * "guess" there. Every preset opens the same 1 000 000 fund per stablecoin so that comparisons on
 * one population measure the mechanism, not the fund size.
 */

const FUNDS = {
  USDC: { opening: '1000000' },
  USDT: { opening: '1000000' },
  USD: { opening: '1000000' },
};

const ALL_STAGES = {
  cancelOrders: true,
  bookLiquidation: true,
  providerTakeover: true,
  insuranceFund: true,
  adl: true,
  socializedLoss: true,
};

const BACKSTOP: PolicyFile = {
  name: 'backstop',
  description:
    'Backstop: tiers on absolute price moves (1 h and 24 h falls, 1 h moves either way), the share of open interest in margin call, the stress index and fund drawdown; reserve quoting from stressed, purchases and higher margins in crisis; CME-style circuit breaker; full waterfall (calibration: docs/calibration.md)',
  metrics: {
    stress: { source: 'monitor', field: 'stressIndex', aggregate: 'max' },
    spreadBps: { source: 'monitor', field: 'spreadBps', aggregate: 'max' },
    depthBid10: { source: 'monitor', field: 'depthBid.10', aggregate: 'min' },
    drop1h: { source: 'price-move', direction: 'down', window: '1h' },
    drop24h: { source: 'price-move', direction: 'down', window: '24h' },
    move1h: { source: 'price-move', direction: 'either', window: '1h' },
    marginCallShare: { source: 'margin-call-share' },
    fundDrawdown: { source: 'fund-drawdown', currency: 'USDC', window: '1h' },
  },
  // The stress index is a z-score against the market's own recent past: a calm month reaches
  // 6–7 on a 1 % move after a quiet week, while a crash day can stay under 4. Alone it would
  // raise false alarms; tiers therefore rest on absolute moves and the venue's own margin
  // calls, with the stress index only in combination. The margin-call share sits near 10 % on
  // calm days (accounts opened at maximum leverage), so it counts from 20 % (docs/calibration.md).
  tiers: {
    minDwell: '6h',
    watch: {
      enter: {
        any: [
          { metric: 'drop1h', above: 0.03 },
          { metric: 'drop24h', above: 0.07 },
          { metric: 'move1h', above: 0.04 },
          {
            all: [
              { metric: 'stress', above: 3 },
              { metric: 'marginCallShare', above: 0.2 },
            ],
          },
        ],
      },
      exit: {
        all: [
          { metric: 'drop1h', below: 0.015 },
          { metric: 'drop24h', below: 0.03 },
          { metric: 'move1h', below: 0.02 },
          { metric: 'marginCallShare', below: 0.15 },
        ],
      },
    },
    stressed: {
      enter: {
        any: [
          { metric: 'drop1h', above: 0.05 },
          { metric: 'drop24h', above: 0.12 },
          {
            all: [
              { metric: 'marginCallShare', above: 0.2 },
              { metric: 'drop1h', above: 0.03 },
            ],
          },
        ],
      },
      exit: {
        all: [
          { metric: 'drop1h', below: 0.03 },
          { metric: 'drop24h', below: 0.08 },
          { metric: 'marginCallShare', below: 0.15 },
        ],
      },
    },
    crisis: {
      enter: {
        any: [
          { metric: 'drop1h', above: 0.08 },
          { metric: 'drop24h', above: 0.2 },
          { metric: 'fundDrawdown', above: 0.2 },
          {
            all: [
              { metric: 'marginCallShare', above: 0.25 },
              { metric: 'drop1h', above: 0.05 },
            ],
          },
        ],
      },
      exit: {
        all: [
          { metric: 'drop1h', below: 0.05 },
          { metric: 'drop24h', below: 0.15 },
          { metric: 'fundDrawdown', below: 0.15 },
          { metric: 'marginCallShare', below: 0.2 },
        ],
      },
    },
  },
  guards: { staleAfter: '15s', outlierFrac: 0.08, confirmTicks: 3, fallback: 'index' },
  actions: {
    normal: { marginMultiplier: 1 },
    watch: { marginMultiplier: 1.1 },
    stressed: {
      marginMultiplier: 1.25,
      reserveQuoting: {
        instrument: 'BTC-USDC-PERP',
        size: 2,
        spreadBps: 30,
        levels: 3,
        levelStepBps: 15,
        inventoryLimit: 20,
        lossLimit: '250000',
        budget: '5000000',
      },
    },
    crisis: {
      marginMultiplier: 1.5,
      reserveQuoting: {
        instrument: 'BTC-USDC-PERP',
        size: 4,
        spreadBps: 50,
        levels: 3,
        levelStepBps: 25,
        inventoryLimit: 40,
        lossLimit: '500000',
        budget: '10000000',
      },
      purchases: {
        instrument: 'BTC-USDC-PERP',
        mode: 'twap',
        sliceNotional: 100000,
        interval: '30s',
        priceBandFrac: 0.005,
        budget: '3000000',
        unwindOver: '2h',
      },
    },
  },
  circuitBreaker: { underlying: 'BTC', bandFrac: 0.1, window: '5m', halt: '2m', reference: 'window-start' },
  reserve: { currency: 'USDC', opening: '10000000' },
  liquidation: {
    stages: ALL_STAGES,
    book: {
      maxFractionPerStep: 0.25,
      minStepNotional: 10000,
      cooldown: '1s',
      priceBandFrac: 0.01,
      feeFrac: 0.01,
    },
    distressedFractionOfMm: 0.5,
    providers: [
      {
        id: 'lsp-1',
        group: 'A',
        priority: 0,
        capacity: { kind: 'equity-fraction', fraction: 0.1, window: '1h' },
      },
      {
        id: 'lsp-2',
        group: 'A',
        priority: 0,
        capacity: { kind: 'equity-fraction', fraction: 0.1, window: '1h' },
      },
      {
        id: 'blp-1',
        priority: 1,
        capacity: { kind: 'limits', perMinuteNotional: 500000, perHourNotional: 5000000 },
      },
    ],
    providerMode: 'priority',
    providerDiscountFrac: 0.01,
    counterpartyGuarantee: true,
    funds: FUNDS,
    adl: {
      rule: 'bitmex',
      mode: 'rank',
      priceBasis: 'bankruptcy',
      drawdown: { thresholdFrac: 0.5, window: '1h' },
    },
    socializeMode: 'open-interest',
  },
  governance: {
    currency: 'USDC',
    quorumFrac: 0.2,
    majorityFrac: 0.5,
    votingPeriod: '3d',
    timelock: '2d',
    gracePeriod: '7d',
    unstakeCooldown: '13d',
    minProposalShares: '1000',
  },
};

const DYDX: PolicyFile = {
  name: 'dydx-v4',
  description:
    'dYdX v4: liquidation orders at the fillable price (max spread SMMR 1.5 × MMF), 1.5 % max fee to the insurance fund, no backstop providers, deleveraging from a random offset at the bankruptcy price, no socialized loss',
  liquidation: {
    stages: { ...ALL_STAGES, providerTakeover: false, socializedLoss: false },
    book: { maxFractionPerStep: 1, minStepNotional: 0, cooldown: '1s', priceBandFrac: 0.018, feeFrac: 0.015 },
    funds: FUNDS,
    counterpartyGuarantee: true,
    adl: { rule: 'dydx-random', mode: 'rank', seed: 1, priceBasis: 'bankruptcy' },
  },
};

const HYPERLIQUID: PolicyFile = {
  name: 'hyperliquid',
  description:
    'Hyperliquid: 20 % market-order steps for positions over 100k with a 30 s cooldown, no fee; the liquidator vault takes over below 2/3 of maintenance; ADL ranked by (mark/entry) × (notional/account value) at mark; no insurance fund, no socialized loss',
  liquidation: {
    stages: { ...ALL_STAGES, insuranceFund: false, socializedLoss: false },
    book: {
      maxFractionPerStep: 0.2,
      minStepNotional: 100000,
      cooldown: '30s',
      priceBandFrac: 0.01,
      feeFrac: 0,
    },
    distressedFractionOfMm: 0.6667,
    providers: [
      { id: 'hlp-liquidator', priority: 0, capacity: { kind: 'equity-fraction', fraction: 1, window: '1h' } },
    ],
    providerMode: 'priority',
    providerDiscountFrac: 0.0083,
    counterpartyGuarantee: false,
    adl: { rule: 'hyperliquid', mode: 'rank', priceBasis: 'mark' },
  },
};

const BINANCE: PolicyFile = {
  name: 'binance',
  description:
    'Binance USDⓈ-M: one IOC into the book near the bankruptcy price with a clearance fee to the insurance fund; the fund takes bankrupt positions over (up to its own size); ADL ranked by PnL × leverage at the bankruptcy price when it cannot',
  liquidation: {
    stages: { ...ALL_STAGES, socializedLoss: false },
    book: { maxFractionPerStep: 1, minStepNotional: 0, cooldown: '1s', priceBandFrac: 0.004, feeFrac: 0.005 },
    distressedFractionOfMm: 0,
    providers: [
      {
        id: 'binance-insurance-fund',
        priority: 0,
        capacity: { kind: 'equity-fraction', fraction: 1, window: '1d' },
      },
    ],
    providerMode: 'priority',
    providerDiscountFrac: 0,
    funds: FUNDS,
    adl: { rule: 'bitmex', mode: 'rank', priceBasis: 'bankruptcy' },
  },
};

const DRIFT: PolicyFile = {
  name: 'drift',
  description:
    'Drift v2: no book step; liquidators take positions over at the oracle price less a fee from the maintenance breach; the insurance fund pays bankruptcies; the rest is socialized pro rata across open interest; no ADL',
  guards: { staleAfter: '60s', outlierFrac: 0.5, confirmTicks: 3, fallback: 'pause' },
  liquidation: {
    stages: { ...ALL_STAGES, bookLiquidation: false, adl: false },
    distressedFractionOfMm: 1,
    providers: [
      { id: 'drift-liquidator-1', priority: 0, capacity: { kind: 'limits', perMinuteNotional: 1000000 } },
      { id: 'drift-liquidator-2', priority: 0, capacity: { kind: 'limits', perMinuteNotional: 1000000 } },
    ],
    providerMode: 'pro-rata',
    providerDiscountFrac: 0.01,
    counterpartyGuarantee: false,
    funds: FUNDS,
    socializeMode: 'open-interest',
  },
  governance: {
    currency: 'USDC',
    quorumFrac: 0.1,
    majorityFrac: 0.5,
    votingPeriod: '3d',
    timelock: '1d',
    gracePeriod: '7d',
    unstakeCooldown: '13d',
    minProposalShares: '1',
  },
};

const DERIBIT: PolicyFile = {
  name: 'deribit',
  description:
    'Deribit: incremental liquidation once a second with a fee to the insurance fund; liquidity-supplying providers in groups capped by a share of their equity per window, reduce-only afterwards; losses beyond the fund socialized among the day’s winners',
  liquidation: {
    stages: ALL_STAGES,
    book: {
      maxFractionPerStep: 0.05,
      minStepNotional: 0,
      cooldown: '1s',
      priceBandFrac: 0.01,
      feeFrac: 0.005,
    },
    distressedFractionOfMm: 0.5,
    providers: [
      {
        id: 'lsp-group-1',
        group: 'G1',
        priority: 0,
        capacity: { kind: 'equity-fraction', fraction: 0.1, window: '1h' },
      },
      {
        id: 'lsp-group-2',
        group: 'G2',
        priority: 1,
        capacity: { kind: 'equity-fraction', fraction: 0.1, window: '1h' },
      },
    ],
    providerMode: 'priority',
    providerDiscountFrac: 0.0025,
    funds: FUNDS,
    adl: { rule: 'bitmex', mode: 'rank', priceBasis: 'bankruptcy' },
    socializeMode: 'daily-winners',
  },
};

const NONE: PolicyFile = {
  name: 'none',
  description:
    'No backstop: liquidate into the book in steps, then socialize any bad debt across open interest',
  liquidation: {
    stages: {
      cancelOrders: true,
      bookLiquidation: true,
      providerTakeover: false,
      insuranceFund: false,
      adl: false,
      socializedLoss: true,
    },
    book: {
      maxFractionPerStep: 0.25,
      minStepNotional: 10000,
      cooldown: '1s',
      priceBandFrac: 0.01,
      feeFrac: 0,
    },
    socializeMode: 'open-interest',
  },
};

export const POLICY_PRESETS: Readonly<Record<string, PolicyFile>> = {
  backstop: BACKSTOP,
  'dydx-v4': DYDX,
  hyperliquid: HYPERLIQUID,
  binance: BINANCE,
  drift: DRIFT,
  deribit: DERIBIT,
  none: NONE,
};

export const POLICY_PRESET_NAMES = Object.keys(POLICY_PRESETS);
