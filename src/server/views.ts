import { BACKSTOP_RESERVE } from '../backstop/ledger/accounts.ts';
import { money, moneyToDecimal } from '../core/money.ts';
import type { EngineEvent } from '../domain/events.ts';
import type { Engine } from '../engine/engine.ts';
import { underlyingOf } from '../margin/market.ts';

/**
 * Read views of the live engine (docs/api.md). Pure functions of the engine's state: the API and
 * the stream serve what these return. Money is a decimal string of exact units; risk figures are
 * float64 in the settlement currency.
 */

export interface FundRow {
  readonly currency: string;
  readonly balance: string;
  readonly peak: string;
  /** (peak − balance) / peak since the fund opened; 0 at or above the peak. */
  readonly drawdownFrac: number;
}

const dec = (engine: Engine, units: bigint, currency: string): string =>
  moneyToDecimal(money(units, engine.ledger.scale(currency), currency));

/** Each currency's global fund balance in units: a cheap check of whether `fundRows` changed. */
export function fundBalances(engine: Engine): Map<string, bigint> {
  const liq = engine.liquidator;
  const out = new Map<string, bigint>();
  if (!liq) return out;
  for (const ccy of Object.keys(liq.config.funds)) {
    const f = liq.fund(ccy);
    if (f) out.set(ccy, f.balance);
  }
  return out;
}

/** The global insurance fund of each currency, with its drawdown from the highest balance it held. */
export function fundRows(engine: Engine): FundRow[] {
  const liq = engine.liquidator;
  if (!liq) return [];
  return Object.keys(liq.config.funds)
    .sort()
    .flatMap((currency) => {
      const f = liq.fund(currency);
      if (!f) return [];
      let peak = f.balance;
      for (const p of f.path) if (p.balance > peak) peak = p.balance;
      const drawdownFrac = peak > 0n && f.balance < peak ? Number(peak - f.balance) / Number(peak) : 0;
      return [
        {
          currency,
          balance: dec(engine, f.balance, currency),
          peak: dec(engine, peak, currency),
          drawdownFrac,
        },
      ];
    });
}

export interface FundView {
  readonly funds: readonly FundRow[];
  readonly stakers: readonly { readonly staker: string; readonly shares: string }[];
  readonly timeUs: number | null;
}

export function fundView(engine: Engine): FundView {
  const gov = engine.policy?.governance ?? null;
  return {
    funds: fundRows(engine),
    stakers: gov
      ? gov.stakers().map((staker) => ({ staker, shares: gov.stakerShares(staker).shares.toString() }))
      : [],
    timeUs: timeOf(engine),
  };
}

const timeOf = (engine: Engine): number | null => (Number.isFinite(engine.timeUs) ? engine.timeUs : null);

export interface PriceRow {
  readonly tsUs: number;
  readonly instrument: string;
  readonly mark: number | null;
  readonly index: number | null;
  readonly mid: number | null;
}

/**
 * The prices of the instruments an event touched — its own, or every perpetual and future on the
 * underlying an index print moved — at most once per second of engine time per instrument
 * (`lastSecond` remembers; the stream is for eyes, not for the record).
 */
export function priceRows(engine: Engine, e: EngineEvent, lastSecond: Map<string, number>): PriceRow[] {
  if (!('instrument' in e)) return [];
  const own = engine.margin.instrument(e.instrument);
  const ids =
    own && own.kind !== 'index'
      ? [own]
      : engine.config.instruments.filter((i) => i.kind !== 'index' && underlyingOf(i) === e.instrument);
  const second = Math.floor(engine.timeUs / 1_000_000);
  const out: PriceRow[] = [];
  for (const i of ids) {
    if (i.kind === 'option' || lastSecond.get(i.id) === second) continue;
    lastSecond.set(i.id, second);
    const spot = engine.margin.market(underlyingOf(i)).spot;
    out.push({
      tsUs: engine.timeUs,
      instrument: i.id,
      mark: engine.margin.markOf(i.id),
      index: Number.isFinite(spot) ? spot : null,
      mid: engine.viewOf(i.id)?.mid() ?? null,
    });
  }
  return out;
}

export interface AccountRow {
  readonly account: string;
  readonly state: string;
  readonly currency: string | null;
  readonly equity: number | null;
  readonly im: number | null;
  readonly mm: number | null;
  /** Maintenance margin / equity of the account's largest margin pool (≥ 1: liquidatable). */
  readonly utilisation: number | null;
}

/** One account's headline figures: the pool with the largest maintenance margin. */
export function accountRow(engine: Engine, account: string): AccountRow | null {
  const s = engine.margin.snapshot(account);
  if (!s) return null;
  let best: [string, { equity: number; im: number; mm: number }] | null = null;
  for (const [ccy, p] of Object.entries(s.pools)) if (!best || p.mm > best[1].mm) best = [ccy, p];
  if (!best)
    return { account, state: s.state, currency: null, equity: null, im: null, mm: null, utilisation: null };
  const [currency, p] = best;
  const utilisation = p.equity > 0 ? p.mm / p.equity : p.mm > 0 ? Number.POSITIVE_INFINITY : null;
  return {
    account,
    state: s.state,
    currency,
    equity: p.equity,
    im: p.im,
    mm: p.mm,
    utilisation: utilisation === Number.POSITIVE_INFINITY ? null : utilisation,
  };
}

/**
 * The `limit` accounts closest to liquidation: highest utilisation first (an account with margin
 * and no equity left counts as the highest), ties by account id.
 */
export function topAccounts(engine: Engine, limit: number): AccountRow[] {
  const rank = (r: AccountRow): number =>
    r.utilisation ?? (r.mm !== null && r.mm > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY);
  const rows = engine.margin
    .accountIds()
    .map((id) => accountRow(engine, id))
    .filter((r): r is AccountRow => r !== null && r.mm !== null && r.mm > 0);
  rows.sort((a, b) => rank(b) - rank(a) || (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
  return rows.slice(0, limit);
}

export function accountView(engine: Engine, account: string) {
  const s = engine.margin.snapshot(account);
  const input = engine.margin.accountInput(account);
  if (!s || !input) return null;
  return {
    account,
    state: s.state,
    positions: input.positions.map((p) => ({
      instrument: p.instrumentId,
      qtyContracts: p.qty,
      avgEntryPrice: p.avgEntryPrice,
      mark: engine.margin.markOf(p.instrumentId),
    })),
    collateral: input.collateral,
    pools: s.pools,
    openOrders: input.openOrders ?? [],
  };
}

export function backstopView(engine: Engine) {
  const p = engine.policy;
  const reserve = p?.policy.reserve ?? null;
  const op = p?.operatorState ?? null;
  return {
    tier: p?.tier ?? 'normal',
    /** The tier the metrics give; differs from `tier` while an operator override is active. */
    computedTier: op?.computedTier ?? 'normal',
    override: op?.override ?? null,
    operatorHalts: op?.halted ?? { venue: null, instruments: {} },
    halted: p?.halted ?? false,
    marginMultiplier: engine.margin.marginMultiplier,
    metrics: p ? { ...p.values } : {},
    reserve: reserve
      ? {
          currency: reserve.currency,
          balance: dec(engine, engine.ledger.balance(BACKSTOP_RESERVE, reserve.currency), reserve.currency),
          opening: reserve.opening,
        }
      : null,
    policy: p ? p.policy.name : null,
    timeUs: timeOf(engine),
  };
}
