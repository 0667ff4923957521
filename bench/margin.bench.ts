import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Instrument, OptionInstrument, PerpetualInstrument } from '../src/domain/instrument.ts';
import { MarginBook } from '../src/margin/margin-book.ts';
import {
  type GridModelConfig,
  gridMargin,
  type PositionInput,
  worstScenario,
} from '../src/margin/portfolio/grid-model.ts';
import { contractPricer } from '../src/margin/portfolio/instrument-pnl.ts';
import { referenceWorstPnl } from '../src/margin/portfolio/reference-grid.ts';
import type { Scenario, VolShockSpec, VolState } from '../src/margin/portfolio/scenarios.ts';

/**
 * Venue-wide re-margin after one index move (`MarginBook.onIndexPrice` + `flush`) against a naive
 * per-position, per-scenario repricing, and what-if latency. Details: docs/performance.md, "Margin".
 */

const GRID_FILE = 'test/fixtures/conformance/derive-pm2/test_61_general_general_test_1.json';
const UNDERLYING = 'BTC';
const PERP_ID = 'BTC-PERP';
const DAY_US = 86_400e6;
/** 2026-01-01T00:00:00Z in µs. Expiries at 08:00 UTC, `days` after. */
const T0_US = 1_767_225_600_000_000;
const SPOT0 = 60_000;
/** Index moves alternate between SPOT0 and SPOT0 × (1 + MOVE). */
const MOVE = 0.01;
const EXPIRY_DAYS = [1, 3, 7, 14, 21, 30, 60, 90, 120, 180] as const;
/** 20 strikes 37 500 … 85 000, step 2 500 (0.63–1.42 × spot). */
const STRIKES = Array.from({ length: 20 }, (_, k) => 37_500 + 2_500 * k);
const ACCOUNTS = 100_000;
const OPTIONS_PER_ACCOUNT = 7; // + the perp = 8 positions
/** The naive baseline runs on every NAIVE_STRIDE-th account (2 000 accounts). */
const NAIVE_STRIDE = 50;
/** Timed repetitions of (index move + flush, naive on the subset); one more runs first, uncounted. */
const REPS = 5;
const WHATIF_POSITIONS = 50;
const WHATIF_WARMUP = 1_000;
const WHATIF_SAMPLES = 5_000;
const SEED = 20_261_126;
const REL_TOL = 1e-9;

/** Tiny 32-bit LCG (Numerical Recipes constants): deterministic, no dependency. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 4_294_967_296;
  };
}

interface DerivePm2Row {
  readonly SpotShock: number;
  readonly VolShockDirection: string;
  readonly DampeningFactor: number;
}

/**
 * Derive PM2 `Parameters.Scenarios` as our scenarios: move = SpotShock − 1, vol Up/Down/None →
 * 'up'/'down'/'none', weight = DampeningFactor. The LINEAR / ABS rows are skew shocks, which the
 * grid model has no notion of: skipped. Family 'regular' for the leading rows with dampening 1,
 * 'tail' from the first dampened row on.
 */
export function derivePm2Scenarios(rows: readonly DerivePm2Row[]): Scenario[] {
  const vol: Readonly<Record<string, VolState>> = { Up: 'up', Down: 'down', None: 'none' };
  const out: Scenario[] = [];
  let tail = false;
  for (const r of rows) {
    const v = vol[r.VolShockDirection];
    if (v === undefined) continue;
    if (r.DampeningFactor !== 1) tail = true;
    out.push({ move: r.SpotShock - 1, vol: v, weight: r.DampeningFactor, family: tail ? 'tail' : 'regular' });
  }
  return out;
}

/**
 * The derive-pm2 grid with a Deribit-like relative vol shock (deribit-pm preset, BTC: up 50 %,
 * down 25 % at 30 days, powers 0.3 / 0.13, shocked-up vol ≥ 50 %), no contingencies and no floors,
 * so IM is exactly the worst weighted scenario loss; MM = 0.8 × IM.
 */
function benchGrid(): GridModelConfig {
  const file = JSON.parse(readFileSync(GRID_FILE, 'utf8')) as { Parameters: { Scenarios: DerivePm2Row[] } };
  const volShock: VolShockSpec = {
    mode: 'relative',
    upFrac: 0.5,
    downFrac: 0.25,
    pivotDays: 30,
    floorDays: 1,
    shortTermPower: 0.3,
    longTermPower: 0.13,
    minVolUp: 0.5,
  };
  return {
    name: 'bench:derive-pm2-grid',
    scenarios: derivePm2Scenarios(file.Parameters.Scenarios),
    volShock,
    mmFactor: 0.8,
    contingencies: {},
  };
}

function option(days: number, strike: number, right: 'call' | 'put'): OptionInstrument {
  return {
    kind: 'option',
    id: `BTC-${days}D-${strike}-${right === 'call' ? 'C' : 'P'}`,
    baseCurrency: UNDERLYING,
    quoteCurrency: 'USD',
    settlement: 'linear',
    settlementCurrency: 'USD',
    contractSize: 1,
    tickSize: 0.1,
    expiryUs: T0_US + days * DAY_US + 8 * 3600e6,
    strike,
    right,
    underlyingId: UNDERLYING,
  };
}

const perp: PerpetualInstrument = {
  kind: 'perpetual',
  id: PERP_ID,
  baseCurrency: UNDERLYING,
  quoteCurrency: 'USD',
  settlement: 'linear',
  settlementCurrency: 'USD',
  contractSize: 1,
  tickSize: 0.5,
  fundingIntervalUs: 8 * 3600e6,
};

/** 10 expiries × 20 strikes × call/put = 400 linear (USD-settled) options. */
function optionChain(): OptionInstrument[] {
  const out: OptionInstrument[] = [];
  for (const days of EXPIRY_DAYS)
    for (const k of STRIKES) out.push(option(days, k, 'call'), option(days, k, 'put'));
  return out;
}

/** A deterministic smile: 50 % ATM plus a quadratic wing in log-moneyness, a little term slope. */
function smileVol(o: OptionInstrument): number {
  const days = (o.expiryUs - T0_US) / DAY_US;
  const x = Math.log(o.strike / SPOT0);
  return 0.5 + 0.6 * x * x + 0.08 * Math.sqrt(30 / Math.max(days, 1)) * (x < 0 ? 1.5 : 1);
}

interface BenchAccount {
  readonly id: string;
  readonly collateralUsd: number;
  /** In insertion (fill) order, which is also the MarginBook's order. */
  readonly positions: PositionInput[];
  readonly perpEntry: number;
}

/**
 * Each account: 7 distinct options drawn uniformly from the chain, ±0.1–1.0 contracts (1 BTC
 * each), then the perp, ±0.1–2.0 BTC; USD collateral 5 000–105 000.
 */
function makeAccounts(chain: readonly OptionInstrument[], rand: () => number): BenchAccount[] {
  const out: BenchAccount[] = [];
  const picked = new Set<number>();
  for (let a = 0; a < ACCOUNTS; a++) {
    picked.clear();
    const positions: PositionInput[] = [];
    while (positions.length < OPTIONS_PER_ACCOUNT) {
      const k = Math.floor(rand() * chain.length);
      if (picked.has(k)) continue;
      picked.add(k);
      const qty = ((rand() < 0.5 ? -1 : 1) * (1 + Math.floor(rand() * 10))) / 10;
      positions.push({ instrumentId: (chain[k] as OptionInstrument).id, qty });
    }
    positions.push({
      instrumentId: PERP_ID,
      qty: ((rand() < 0.5 ? -1 : 1) * (1 + Math.floor(rand() * 20))) / 10,
    });
    out.push({
      id: `acct-${String(a).padStart(6, '0')}`,
      collateralUsd: 5_000 + Math.round(rand() * 100_000),
      positions,
      perpEntry: SPOT0 * (1 + (rand() - 0.5) * 0.02),
    });
  }
  return out;
}

/**
 * The what-if account: 49 distinct options (every 4th strike of every expiry, alternately a long
 * call and a short put), +2 perp.
 */
function whatIfAccount(chain: readonly OptionInstrument[]): BenchAccount {
  const positions: PositionInput[] = [];
  for (let k = 0; positions.length < WHATIF_POSITIONS - 1; k += 8) {
    positions.push({
      instrumentId: (chain[(k + ((k / 8) % 2)) % chain.length] as OptionInstrument).id,
      qty: k % 16 === 0 ? 1 : -1,
    });
  }
  positions.push({ instrumentId: PERP_ID, qty: 2 });
  return { id: 'whatif-50', collateralUsd: 1_000_000, positions, perpEntry: SPOT0 };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export interface MarginBenchRow {
  readonly name: string;
  /** A rate (ops/s), a speed-up factor (`kind: 'ratio'`), or microseconds (`kind: 'latency-us'`). */
  readonly opsPerSec: number;
  readonly kind?: 'rate' | 'ratio' | 'latency-us';
}

/**
 * `npm run bench`, margin part. One MarginBook with the derive-pm2 grid (28 scenarios), 400
 * linear BTC options + a linear perp, 100 000 accounts × 8 positions and one 50-position account.
 * Each of REPS + 1 repetitions moves the index ±1 % and times `onIndexPrice` + `flush` (risk arrays
 * of the underlying recomputed once, every holder re-margined) and, on the same market, the naive
 * `referenceWorstPnl` (reprice every position in every scenario) on 2 000 of the accounts; the two
 * alternate which runs first, and the first repetition is not counted. Every repetition checks
 * that both give the same worst scenario loss on the subset. Then, untimed by the ratio: the pure
 * aggregation (`gridMargin`, no detail, scratch) and the bare kernel over all accounts, and
 * `whatIf` latency for the 50-position account.
 */
export async function benchMargin(log: (line: string) => void = () => {}): Promise<MarginBenchRow[]> {
  const started = performance.now();
  const grid = benchGrid();
  const nScen = grid.scenarios.length;
  const chain = optionChain();
  const instruments: Instrument[] = [perp, ...chain];
  const byId = new Map(instruments.map((i) => [i.id, i]));
  const rand = lcg(SEED);

  // --- build the book through its public API ---------------------------------------------------
  const tBuild = performance.now();
  const book = new MarginBook({ modelFor: () => grid, defaultVol: 0.6 }, instruments);
  let ts = T0_US;
  book.onIndexPrice(UNDERLYING, SPOT0, ts);
  for (const o of chain) book.onOptionVol(o.id, smileVol(o));
  const market = book.market(UNDERLYING);
  const premium = new Map(chain.map((o) => [o.id, contractPricer.value(o, market)]));
  const accounts = makeAccounts(chain, rand);
  const whatIf = whatIfAccount(chain);
  for (const a of [...accounts, whatIf]) {
    book.onTransfer(a.id, 'USD', a.collateralUsd);
    for (const p of a.positions) {
      const price = p.instrumentId === PERP_ID ? a.perpEntry : (premium.get(p.instrumentId) as number);
      book.onFill(a.id, p.instrumentId, p.qty, price);
    }
  }
  const tFills = performance.now();
  book.flush(ts);
  const buildSeconds = (performance.now() - tBuild) / 1e3;
  const positionsTotal = accounts.length * (OPTIONS_PER_ACCOUNT + 1) + whatIf.positions.length;
  const evalsPerFlush = positionsTotal * nScen;
  const regular = grid.scenarios.filter((s) => s.family === 'regular').length;
  log(
    `margin bench: derive-pm2 grid ${nScen} scenarios (${regular} regular + ${nScen - regular} dampened tail; ` +
      `2 skew rows skipped), ${chain.length} options + 1 perp, ${accounts.length} accounts × ` +
      `${OPTIONS_PER_ACCOUNT + 1} positions + 1 × ${whatIf.positions.length}; built through onTransfer/onFill ` +
      `in ${((tFills - tBuild) / 1e3).toFixed(1)} s, first flush ${((performance.now() - tFills) / 1e3).toFixed(1)} s`,
  );

  // --- re-margin after one index move vs the naive baseline -------------------------------------
  const naiveSubset = accounts.filter((_, k) => k % NAIVE_STRIDE === 0);
  const naiveEvals = naiveSubset.length * (OPTIONS_PER_ACCOUNT + 1) * nScen;
  const naiveWorst = new Float64Array(naiveSubset.length);
  const runNaive = (): number => {
    const t0 = performance.now();
    for (let k = 0; k < naiveSubset.length; k++) {
      naiveWorst[k] = referenceWorstPnl(grid, byId, market, (naiveSubset[k] as BenchAccount).positions).pnl;
    }
    return (performance.now() - t0) / 1e3;
  };
  let changes = 0;
  const runFast = (spot: number): number => {
    const t0 = performance.now();
    book.onIndexPrice(UNDERLYING, spot, ts);
    changes += book.flush(ts).length;
    return (performance.now() - t0) / 1e3;
  };
  // No contingencies, no floors, no liquidity add-on, multiplier 1: the book's IM is the scan loss.
  if (book.marginMultiplier !== 1 || Object.keys(grid.contingencies).length > 0) {
    throw new Error('margin bench expects IM = scan loss');
  }
  const check = (rep: number): void => {
    for (let k = 0; k < naiveSubset.length; k++) {
      const a = naiveSubset[k] as BenchAccount;
      const im = book.snapshot(a.id)?.pools.USD?.im;
      const naive = Math.max(0, -(naiveWorst[k] as number));
      if (im === undefined || !(Math.abs(im - naive) <= REL_TOL * Math.max(naive, 1e-6))) {
        throw new Error(`rep ${rep}, ${a.id}: MarginBook worst loss ${im}, naive ${naive}`);
      }
    }
  };
  const fastRates: number[] = [];
  const naiveRates: number[] = [];
  const ratios: number[] = [];
  const flushMs: number[] = [];
  for (let rep = 0; rep <= REPS; rep++) {
    ts += 1e6;
    const spot = rep % 2 === 0 ? SPOT0 * (1 + MOVE) : SPOT0;
    let fastS: number;
    let naiveS: number;
    if (rep % 2 === 0) {
      fastS = runFast(spot);
      naiveS = runNaive();
    } else {
      book.onIndexPrice(UNDERLYING, spot, ts); // the naive reads the moved market; flush re-sets it
      naiveS = runNaive();
      fastS = runFast(spot);
    }
    check(rep);
    const fr = evalsPerFlush / fastS;
    const nr = naiveEvals / naiveS;
    const line =
      `flush ${(fastS * 1e3).toFixed(0)} ms = ${(fr / 1e6).toFixed(1)} M evals/s, ` +
      `naive ${(nr / 1e6).toFixed(2)} M evals/s (${(naiveS * 1e3).toFixed(0)} ms for ${naiveSubset.length} accounts), ` +
      `ratio ${(fr / nr).toFixed(1)}`;
    if (rep === 0) {
      log(`  warm-up rep (not counted): ${line}`);
      continue;
    }
    fastRates.push(fr);
    naiveRates.push(nr);
    ratios.push(fr / nr);
    flushMs.push(fastS * 1e3);
    log(`  rep ${rep}/${REPS}: ${line}`);
  }
  log(
    `  worst loss identical (rel ${REL_TOL}) on ${naiveSubset.length} accounts in every rep; ` +
      `${changes} margin-state changes emitted over ${REPS + 1} flushes`,
  );

  // --- where the flush time goes: arrays, aggregation, bare kernel ------------------------------
  const b = book.book(UNDERLYING);
  const tArr = performance.now();
  const ARRAY_UPDATES = 20;
  for (let k = 0; k < ARRAY_UPDATES; k++) b.arrays.update(market);
  const arraysMs = (performance.now() - tArr) / ARRAY_UPDATES;
  const aggRates: number[] = [];
  const kernelRates: number[] = [];
  const rowIdx = accounts.map((a) =>
    Int32Array.from(a.positions, (p) => b.arrays.row(p.instrumentId) as number),
  );
  const qtys = accounts.map((a) => Float64Array.from(a.positions, (p) => p.qty));
  const aggLoss = new Float64Array(accounts.length);
  const kerLoss = new Float64Array(accounts.length);
  for (let rep = 0; rep < 4; rep++) {
    let t0 = performance.now();
    for (let k = 0; k < accounts.length; k++) {
      const a = accounts[k] as BenchAccount;
      aggLoss[k] = gridMargin(grid, b.arrays, market, a.positions, {
        detail: false,
        scratch: b.scratch,
      }).scanLoss;
    }
    const aggS = (performance.now() - t0) / 1e3;
    t0 = performance.now();
    for (let k = 0; k < accounts.length; k++) {
      const rows = rowIdx[k] as Int32Array;
      const q = qtys[k] as Float64Array;
      b.scratch.fill(0);
      for (let j = 0; j < rows.length; j++) b.arrays.accumulate(rows[j] as number, q[j] as number, b.scratch);
      kerLoss[k] = Math.max(0, -worstScenario(b.scratch, grid.scenarios).pnl);
    }
    const kerS = (performance.now() - t0) / 1e3;
    if (rep === 0) {
      // Same market as the last naive run: all three must agree with it on the subset.
      for (let k = 0; k < naiveSubset.length; k++) {
        const naive = Math.max(0, -(naiveWorst[k] as number));
        for (const x of [aggLoss[k * NAIVE_STRIDE] as number, kerLoss[k * NAIVE_STRIDE] as number]) {
          if (!(Math.abs(x - naive) <= REL_TOL * Math.max(naive, 1e-6))) {
            throw new Error(`${naiveSubset[k]!.id}: gridMargin / kernel worst loss ${x}, naive ${naive}`);
          }
        }
      }
      continue; // warm-up
    }
    aggRates.push((accounts.length * (OPTIONS_PER_ACCOUNT + 1) * nScen) / aggS);
    kernelRates.push((accounts.length * (OPTIONS_PER_ACCOUNT + 1) * nScen) / kerS);
  }
  const aggMs = ((accounts.length * (OPTIONS_PER_ACCOUNT + 1) * nScen) / median(aggRates)) * 1e3;
  const kerMs = ((accounts.length * (OPTIONS_PER_ACCOUNT + 1) * nScen) / median(kernelRates)) * 1e3;
  log(
    `  flush ${median(flushMs).toFixed(0)} ms (median) ≈ risk arrays ${arraysMs.toFixed(1)} ms ` +
      `(${chain.length + 1} rows × ${nScen}) + gridMargin over all accounts ${aggMs.toFixed(0)} ms ` +
      `(of which bare Σ qty×row + worst ${kerMs.toFixed(0)} ms) + MarginBook bookkeeping (rest)`,
  );

  // --- what-if latency ----------------------------------------------------------------------------
  const orders = [
    { instrumentId: PERP_ID, qty: -1 },
    { instrumentId: whatIf.positions[3]!.instrumentId, qty: 0.5 },
    { instrumentId: (chain[5] as OptionInstrument).id, qty: -1 }, // not held by the account
    { instrumentId: (chain[201] as OptionInstrument).id, qty: 2 },
  ];
  let im = 0;
  for (let k = 0; k < WHATIF_WARMUP; k++) {
    im += book.whatIf(whatIf.id, [orders[k % orders.length]!]).pools[0]?.im ?? 0;
  }
  const samples = new Float64Array(WHATIF_SAMPLES);
  for (let k = 0; k < WHATIF_SAMPLES; k++) {
    const order = orders[k % orders.length]!;
    const t0 = process.hrtime.bigint();
    const r = book.whatIf(whatIf.id, [order]);
    samples[k] = Number(process.hrtime.bigint() - t0) / 1e3;
    im += r.pools[0]?.im ?? 0;
  }
  if (!(im > 0)) throw new Error('what-if produced no margin');
  const sorted = Array.from(samples).sort((x, y) => x - y);
  const p50 = percentile(sorted, 0.5);
  const p99 = percentile(sorted, 0.99);
  log(
    `  what-if (${whatIf.positions.length} positions, 1 order, ${WHATIF_SAMPLES} samples): ` +
      `p50 ${p50.toFixed(1)} µs, p99 ${p99.toFixed(1)} µs, max ${sorted[sorted.length - 1]!.toFixed(0)} µs; ` +
      `margin bench ${((performance.now() - started) / 1e3).toFixed(1)} s (build ${buildSeconds.toFixed(1)} s)`,
  );

  const accountsPerSec = (accounts.length + 1) / (median(flushMs) / 1e3);
  return [
    { name: `re-margin flush: pos×scenario evals/s (${nScen} scen.)`, opsPerSec: median(fastRates) },
    { name: 're-margin flush: accounts/s', opsPerSec: accountsPerSec },
    { name: 'naive reprice per pos per scenario: evals/s', opsPerSec: median(naiveRates) },
    { name: 'ratio flush/naive (evals/s)', opsPerSec: median(ratios), kind: 'ratio' },
    { name: 'gridMargin only (no detail): evals/s', opsPerSec: median(aggRates) },
    { name: 'bare Σ qty×row + worst: evals/s', opsPerSec: median(kernelRates) },
    {
      name: 'ratio gridMargin-only/naive (context)',
      opsPerSec: median(aggRates) / median(naiveRates),
      kind: 'ratio',
    },
    {
      name: 'ratio bare kernel/naive (context)',
      opsPerSec: median(kernelRates) / median(naiveRates),
      kind: 'ratio',
    },
    { name: `what-if p50 µs (${whatIf.positions.length} pos.)`, opsPerSec: p50, kind: 'latency-us' },
    { name: `what-if p99 µs (${whatIf.positions.length} pos.)`, opsPerSec: p99, kind: 'latency-us' },
  ];
}
