import { BackstopError } from '../../core/errors.ts';
import {
  type Rational,
  ratAdd,
  ratCmp,
  ratDiv,
  ratFromNumber,
  ratInt,
  ratMax,
  ratMin,
  ratMul,
  ratSub,
} from '../../margin/standard/perp-exact.ts';

/**
 * Backstop liquidity providers — waterfall step c: a still-distressed position is transferred to
 * designated providers at the bankruptcy price ± a discount, within each provider's capacity per
 * window, pro rata or by priority; takers become reduce-only on that instrument.
 *
 * Pure: no clock (event time `nowUs` is an argument), no randomness, no I/O. Sizes are `bigint`
 * lots, split exactly (largest remainder, like `allocate` in src/core/money.ts); prices, notionals
 * and capacities are exact `Rational`s. A `number` input is read as its shortest decimal (0.1 → 1/10).
 *
 * Sources and decisions: docs/concepts/backstop-providers.md.
 */

export type { Rational } from '../../margin/standard/perp-exact.ts';

/** A quantity given as a float (read exactly as its shortest decimal) or an exact rational. */
export type Num = number | Rational;

export const MINUTE_US = 60_000_000;
export const HOUR_US = 3_600_000_000;

/** `fixed`: usage resets to 0 in one step when the window closes; `rolling`: usage is the trailing sum. */
export type WindowMode = 'fixed' | 'rolling';

/** Deribit-LSP style: limit = fraction × provider equity per window (default fixed window). */
export interface EquityFractionCapacity {
  readonly kind: 'equity-fraction';
  readonly fraction: Num;
  readonly windowUs: number;
  readonly window?: WindowMode;
}

/** FTX-BLP style: notional limits per minute and/or per hour (default rolling windows). */
export interface LimitsCapacity {
  readonly kind: 'limits';
  readonly perMinuteNotional?: Num;
  readonly perHourNotional?: Num;
  readonly window?: WindowMode;
}

export type Capacity = EquityFractionCapacity | LimitsCapacity;

export interface ProviderConfig {
  readonly id: string;
  /** Providers with the same group share one capacity budget (see `remainingGroupCapacity`). */
  readonly group?: string;
  /** Lower = served first in `priority` mode. */
  readonly priority: number;
  readonly capacity: Capacity;
}

export interface Takeover {
  readonly atUs: number;
  readonly instrument: string;
  readonly sizeLots: bigint;
  /** Capacity consumed: sizeLots × lotSize × bankruptcy price. */
  readonly notional: Rational;
}

export interface ProviderState {
  readonly id: string;
  readonly equity: Num;
  readonly takeovers: readonly Takeover[];
  /** Instruments on which the provider may only reduce. */
  readonly reduceOnly: ReadonlySet<string>;
}

export type Side = 'long' | 'short';

export interface DistressedPosition {
  readonly instrument: string;
  /** Side of the distressed position; the provider takes over the same side. */
  readonly side: Side;
  readonly sizeLots: bigint;
  readonly bankruptcyPrice: Num;
  /** Base units per lot. */
  readonly lotSize: Num;
}

export interface TakeoverFill {
  readonly provider: string;
  readonly instrument: string;
  readonly side: Side;
  readonly sizeLots: bigint;
  readonly price: Rational;
  /** Capacity consumed (at the bankruptcy price). */
  readonly notional: Rational;
}

export interface BucketEvidence {
  readonly key: string;
  readonly members: readonly string[];
  readonly remainingNotional: Rational;
  readonly capacityLots: bigint;
  readonly allocatedLots: bigint;
}

export interface TakeoverEvidence {
  readonly mode: 'pro-rata' | 'priority';
  readonly requestedLots: bigint;
  readonly allocatedLots: bigint;
  readonly lotNotional: Rational;
  readonly discountFrac: Rational;
  readonly price: Rational;
  readonly buckets: readonly BucketEvidence[];
}

export interface TakeoverResult {
  readonly fills: readonly TakeoverFill[];
  readonly unallocatedLots: bigint;
  readonly evidence: TakeoverEvidence;
  /** Input states with the fills recorded (takeovers appended, instrument reduce-only). */
  readonly states: ReadonlyMap<string, ProviderState>;
}

// ---------------------------------------------------------------------------------------------
// helpers

function bad(message: string, fields: Record<string, string | number | boolean | null> = {}): never {
  throw new BackstopError('BAD_ARGUMENT', message, fields);
}

function num(x: Num): Rational {
  return typeof x === 'number' ? ratFromNumber(x) : x;
}

const ZERO = ratInt(0n);
const ONE = ratInt(1n);

function floorRat(r: Rational): bigint {
  const q = r.num / r.den;
  return r.num < 0n && q * r.den !== r.num ? q - 1n : q;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** Nonnegative rationals → proportional bigint weights (common denominator). */
function ratWeights(rs: readonly Rational[]): bigint[] {
  const l = rs.reduce((acc, r) => (acc * r.den) / gcd(acc, r.den), 1n);
  return rs.map((r) => (r.num < 0n ? 0n : (r.num * l) / r.den));
}

/** Largest-remainder split of `total` lots by `weights` (ties to the lower index). Σ = total. */
export function splitLots(total: bigint, weights: readonly bigint[]): bigint[] {
  if (total < 0n) bad('splitLots total must be >= 0');
  if (weights.some((w) => w < 0n)) bad('splitLots weights must be >= 0');
  const sum = weights.reduce((s, w) => s + w, 0n);
  if (sum === 0n) {
    if (total === 0n) return weights.map(() => 0n);
    bad('splitLots weights sum to zero');
  }
  const shares = weights.map((w) => (total * w) / sum);
  const rems = weights.map((w, i) => ({ i, r: (total * w) % sum }));
  let left = total - shares.reduce((s, x) => s + x, 0n);
  rems.sort((x, y) => (x.r === y.r ? x.i - y.i : x.r > y.r ? -1 : 1));
  for (let k = 0; left > 0n; k++, left--) {
    const idx = (rems[k % rems.length] as { i: number }).i;
    shares[idx] = (shares[idx] as bigint) + 1n;
  }
  return shares;
}

function checkWindow(us: number, name: string): void {
  if (!Number.isSafeInteger(us) || us <= 0) bad(`${name} must be a positive integer µs`, { [name]: us });
}

/** Usage in the window ending at `nowUs`. */
function windowUsage(
  takeovers: readonly Takeover[],
  nowUs: number,
  windowUs: number,
  mode: WindowMode,
): Rational {
  const sorted = [...takeovers].sort((a, b) => a.atUs - b.atUs);
  for (const t of sorted) {
    if (t.atUs > nowUs) {
      throw new BackstopError('TIME_BACKWARDS', `takeover at ${t.atUs} is after now ${nowUs}`, {
        atUs: t.atUs,
        nowUs,
      });
    }
  }
  if (mode === 'rolling') {
    // window (now − W, now]: a takeover stops counting exactly W after it happened
    return sorted.filter((t) => t.atUs > nowUs - windowUs).reduce((s, t) => ratAdd(s, t.notional), ZERO);
  }
  // fixed: a window opens at the first takeover after the previous one closed and lasts W
  let start: number | undefined;
  let used = ZERO;
  for (const t of sorted) {
    if (start === undefined || t.atUs >= start + windowUs) {
      start = t.atUs;
      used = ZERO;
    }
    used = ratAdd(used, t.notional);
  }
  return start !== undefined && nowUs < start + windowUs ? used : ZERO;
}

function sameCapacity(a: Capacity, b: Capacity): boolean {
  const eq = (x: Num | undefined, y: Num | undefined): boolean =>
    x === undefined || y === undefined ? x === y : ratCmp(num(x), num(y)) === 0;
  if (a.kind === 'equity-fraction' && b.kind === 'equity-fraction') {
    return (
      eq(a.fraction, b.fraction) &&
      a.windowUs === b.windowUs &&
      (a.window ?? 'fixed') === (b.window ?? 'fixed')
    );
  }
  if (a.kind === 'limits' && b.kind === 'limits') {
    return (
      eq(a.perMinuteNotional, b.perMinuteNotional) &&
      eq(a.perHourNotional, b.perHourNotional) &&
      (a.window ?? 'rolling') === (b.window ?? 'rolling')
    );
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// capacity

/**
 * Notional a set of providers sharing one budget can still take at `nowUs`: the capacity of their
 * (identical) config evaluated on their pooled equity and pooled takeovers. Never negative.
 */
export function remainingGroupCapacity(
  members: readonly ProviderConfig[],
  states: readonly ProviderState[],
  nowUs: number,
): Rational {
  const first = members[0];
  if (first === undefined) bad('remainingGroupCapacity needs at least one provider');
  if (members.length !== states.length) bad('remainingGroupCapacity needs one state per provider');
  if (!Number.isSafeInteger(nowUs)) bad('nowUs must be an integer µs', { nowUs });
  members.forEach((m, i) => {
    if (!sameCapacity(m.capacity, first.capacity)) {
      bad(`providers ${first.id} and ${m.id} share group ${first.group ?? '-'} but differ in capacity`);
    }
    if (states[i]?.id !== m.id) bad(`state for ${m.id} missing or misordered`, { provider: m.id });
  });
  const takeovers = states.flatMap((s) => s.takeovers);
  const cap = first.capacity;
  if (cap.kind === 'equity-fraction') {
    const fraction = num(cap.fraction);
    if (ratCmp(fraction, ZERO) < 0) bad('fraction must be >= 0', { provider: first.id });
    checkWindow(cap.windowUs, 'windowUs');
    const equity = states.reduce((s, st) => ratAdd(s, num(st.equity)), ZERO);
    const limit = ratMul(fraction, ratMax(equity, ZERO));
    const used = windowUsage(takeovers, nowUs, cap.windowUs, cap.window ?? 'fixed');
    return ratMax(ratSub(limit, used), ZERO);
  }
  const mode = cap.window ?? 'rolling';
  const limits: [Num | undefined, number][] = [
    [cap.perMinuteNotional, MINUTE_US],
    [cap.perHourNotional, HOUR_US],
  ];
  let remaining: Rational | undefined;
  for (const [limit, windowUs] of limits) {
    if (limit === undefined) continue;
    const l = num(limit);
    if (ratCmp(l, ZERO) < 0) bad('notional limits must be >= 0', { provider: first.id });
    const left = ratSub(l, windowUsage(takeovers, nowUs, windowUs, mode));
    remaining = remaining === undefined ? left : ratMin(remaining, left);
  }
  if (remaining === undefined) bad(`provider ${first.id} has no per-minute or per-hour limit`);
  return ratMax(remaining, ZERO);
}

/** Notional one provider can still take at `nowUs` in its current window(s), on its own. */
export function remainingCapacity(provider: ProviderConfig, state: ProviderState, nowUs: number): Rational {
  return remainingGroupCapacity([provider], [state], nowUs);
}

/** Takeover price: the provider gets the better price — below bankruptcy for a long, above for a short. */
export function takeoverPrice(side: Side, bankruptcyPrice: Num, discountFrac: Num): Rational {
  const d = num(discountFrac);
  const bp = num(bankruptcyPrice);
  return ratMul(bp, side === 'long' ? ratSub(ONE, d) : ratAdd(ONE, d));
}

// ---------------------------------------------------------------------------------------------
// state transitions

/** Appends `fills` addressed to this provider and flags their instruments reduce-only. */
export function recordTakeover(
  state: ProviderState,
  fills: readonly TakeoverFill[],
  nowUs: number,
): ProviderState {
  const mine = fills.filter((f) => f.provider === state.id && f.sizeLots > 0n);
  if (mine.length === 0) return state;
  const reduceOnly = new Set(state.reduceOnly);
  for (const f of mine) reduceOnly.add(f.instrument);
  return {
    ...state,
    takeovers: [
      ...state.takeovers,
      ...mine.map((f) => ({
        atUs: nowUs,
        instrument: f.instrument,
        sizeLots: f.sizeLots,
        notional: f.notional,
      })),
    ],
    reduceOnly,
  };
}

// ---------------------------------------------------------------------------------------------
// allocation

export interface AllocateTakeoverArgs {
  readonly position: DistressedPosition;
  readonly providers: readonly ProviderConfig[];
  readonly states: ReadonlyMap<string, ProviderState>;
  readonly nowUs: number;
  readonly mode: 'pro-rata' | 'priority';
  readonly discountFrac: Num;
}

interface Bucket {
  key: string;
  members: ProviderConfig[];
  priority: number;
  remaining: Rational;
  capLots: bigint;
}

export function allocateTakeover(args: AllocateTakeoverArgs): TakeoverResult {
  const { position, providers, states, nowUs, mode } = args;
  if (position.sizeLots < 0n) bad('sizeLots must be >= 0');
  if (!Number.isSafeInteger(nowUs)) bad('nowUs must be an integer µs', { nowUs });
  const discount = num(args.discountFrac);
  if (ratCmp(discount, ZERO) < 0 || ratCmp(discount, ONE) >= 0) bad('discountFrac must be in [0, 1)');
  const bp = num(position.bankruptcyPrice);
  const lotSize = num(position.lotSize);
  if (ratCmp(bp, ZERO) <= 0) bad('bankruptcyPrice must be > 0');
  if (ratCmp(lotSize, ZERO) <= 0) bad('lotSize must be > 0');
  const lotNotional = ratMul(bp, lotSize);
  const price = takeoverPrice(position.side, bp, discount);

  const seen = new Set<string>();
  const byKey = new Map<string, ProviderConfig[]>();
  for (const p of providers) {
    if (seen.has(p.id)) bad(`duplicate provider ${p.id}`, { provider: p.id });
    seen.add(p.id);
    if (!Number.isFinite(p.priority)) bad(`priority of ${p.id} must be finite`, { provider: p.id });
    const key = p.group === undefined ? `provider:${p.id}` : `group:${p.group}`;
    byKey.set(key, [...(byKey.get(key) ?? []), p]);
  }
  const stateOf = (p: ProviderConfig): ProviderState => {
    const s = states.get(p.id);
    if (s === undefined || s.id !== p.id) bad(`no state for provider ${p.id}`, { provider: p.id });
    return s;
  };
  const byPriority = (a: ProviderConfig, b: ProviderConfig): number =>
    a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

  const buckets: Bucket[] = [...byKey.entries()].map(([key, ms]) => {
    const members = [...ms].sort(byPriority);
    const remaining = remainingGroupCapacity(members, members.map(stateOf), nowUs);
    return {
      key,
      members,
      priority: (members[0] as ProviderConfig).priority,
      remaining,
      capLots: floorRat(ratDiv(remaining, lotNotional)),
    };
  });
  buckets.sort((a, b) => a.priority - b.priority || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const totalCap = buckets.reduce((s, b) => s + b.capLots, 0n);
  let bucketLots: bigint[];
  if (totalCap <= position.sizeLots) {
    bucketLots = buckets.map((b) => b.capLots);
  } else if (mode === 'pro-rata') {
    // size < Σcap ⇒ every share ≤ its cap (floor(size·w/Σ) < w, plus at most one lot)
    bucketLots = splitLots(
      position.sizeLots,
      buckets.map((b) => b.capLots),
    );
  } else {
    let left = position.sizeLots;
    bucketLots = buckets.map((b) => {
      let take = left; // bigint: Math.min does not apply
      if (b.capLots < take) take = b.capLots;
      left -= take;
      return take;
    });
  }

  const fills: TakeoverFill[] = [];
  buckets.forEach((b, i) => {
    const lots = bucketLots[i] ?? 0n;
    if (lots === 0n) return;
    let memberLots: bigint[];
    if (mode === 'priority' || b.members.length === 1) {
      memberLots = b.members.map((_, j) => (j === 0 ? lots : 0n));
    } else {
      const eq = ratWeights(b.members.map((m) => num(stateOf(m).equity)));
      const weights =
        b.members[0]?.capacity.kind === 'equity-fraction' && eq.some((w) => w > 0n) ? eq : eq.map(() => 1n);
      memberLots = splitLots(lots, weights);
    }
    b.members.forEach((m, j) => {
      const n = memberLots[j] ?? 0n;
      if (n === 0n) return;
      fills.push({
        provider: m.id,
        instrument: position.instrument,
        side: position.side,
        sizeLots: n,
        price,
        notional: ratMul(ratInt(n), lotNotional),
      });
    });
  });

  const allocated = fills.reduce((s, f) => s + f.sizeLots, 0n);
  if (allocated > position.sizeLots) {
    throw new BackstopError('INVARIANT', 'allocated more lots than the position holds');
  }
  const next = new Map(states);
  for (const p of providers) {
    const s = stateOf(p);
    next.set(p.id, recordTakeover(s, fills, nowUs));
  }
  return {
    fills,
    unallocatedLots: position.sizeLots - allocated,
    evidence: {
      mode,
      requestedLots: position.sizeLots,
      allocatedLots: allocated,
      lotNotional,
      discountFrac: discount,
      price,
      buckets: buckets.map((b, i) => ({
        key: b.key,
        members: b.members.map((m) => m.id),
        remainingNotional: b.remaining,
        capacityLots: b.capLots,
        allocatedLots: bucketLots[i] ?? 0n,
      })),
    },
    states: next,
  };
}
