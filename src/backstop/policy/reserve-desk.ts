import { BackstopError } from '../../core/errors.ts';
import { moneyFromDecimal } from '../../core/money.ts';
import type { Decision, Evidence } from '../../domain/decisions.ts';
import type { Level } from '../../domain/events.ts';
import type { BookSide, OrderBook } from '../../liquidity/order-book.ts';
import type { ReserveLiquidity } from '../liquidator/liquidator.ts';
import { RESERVE_ACCOUNT, type VenueAccounts } from '../venue-accounts.ts';
import type { PurchasePolicy, ReserveQuoting } from './policy.ts';

interface Quotes {
  bids: [number, number][];
  asks: [number, number][];
  /** Mark the quotes were centred on. */
  center: number;
  /** The spec they follow (a tier change with other parameters redeploys them). */
  spec: string;
}

interface Unwind {
  readonly startUs: number;
  readonly slices: number;
  done: number;
}

/**
 * The backstop reserve's trading desk (docs/policies.md, "Actions"): two-sided quotes around mark
 * while a tier enables them (withdrawn when a budget, inventory or loss limit is hit), TWAP or
 * limit purchases of the falling asset within a budget, and their unwind once the tier is back to
 * normal. Its positions belong to the venue account `backstop-reserve`; its money is the ledger's
 * backstop-reserve account. Quotes and resting purchase bids are liquidity the liquidator hits
 * (`ReserveLiquidity`); TWAP purchases and unwinds walk the engine's copy of the book. Every
 * change is a decision carrying the policy evidence passed in.
 */
export class ReserveDesk implements ReserveLiquidity {
  readonly account = RESERVE_ACCOUNT;
  private readonly quotes = new Map<string, Quotes>();
  private readonly restingBids = new Map<string, [number, number][]>();
  private stoppedByLoss = false;
  private spentUnits = 0n;
  private extraBudgetUnits = 0n;
  private lastPurchaseUs = new Map<string, number>();
  private unwinds = new Map<string, Unwind>();
  private seq = 0;

  constructor(
    private readonly accounts: VenueAccounts,
    readonly currency: string,
    private readonly openingUnits: bigint,
  ) {}

  /** Extra budget authorized by governance (units of the reserve currency). */
  authorize(units: bigint): void {
    this.extraBudgetUnits += units;
  }

  levels(instrument: string, side: BookSide): readonly Level[] {
    if (side === 'bid') {
      const q = this.quotes.get(instrument)?.bids ?? [];
      const r = this.restingBids.get(instrument) ?? [];
      return [...q, ...r].filter(([, s]) => s > 0).sort((a, b) => b[0] - a[0]);
    }
    return (this.quotes.get(instrument)?.asks ?? []).filter(([, s]) => s > 0);
  }

  take(instrument: string, side: BookSide, price: number, contracts: number): void {
    let left = contracts;
    const lists =
      side === 'bid'
        ? [this.quotes.get(instrument)?.bids ?? [], this.restingBids.get(instrument) ?? []]
        : [this.quotes.get(instrument)?.asks ?? []];
    for (const list of lists) {
      for (const l of list) {
        if (left <= 0) return;
        if (l[0] !== price) continue;
        const t = Math.min(l[1], left);
        l[1] -= t;
        left -= t;
      }
    }
    if (left > 1e-12 * contracts) {
      throw new BackstopError(
        'INVARIANT',
        `reserve: took ${contracts} at ${price} but held ${contracts - left}`,
      );
    }
  }

  /** Loss of the reserve since the opening (units, > 0 = loss): opening − equity. */
  lossUnits(): bigint {
    const eq = this.accounts.margin.snapshot(RESERVE_ACCOUNT)?.pools[this.currency]?.equity;
    const equity =
      eq === undefined
        ? this.accounts.cash(RESERVE_ACCOUNT, this.currency)
        : this.accounts.unitsFloor(eq, this.currency);
    return this.openingUnits - equity;
  }

  private inventory(instrument: string): number {
    return (
      this.accounts.margin.positionsOf(RESERVE_ACCOUNT).find((p) => p.instrumentId === instrument)
        ?.qtyContracts ?? 0
    );
  }

  private units(decimal: string): bigint {
    return moneyFromDecimal(decimal, this.accounts.scale(this.currency), this.currency).units;
  }

  /**
   * Keeps the quotes of `spec` (or none) on `instrument` around `mark`: deploys, re-centres when
   * mark has moved by a quarter of the spread, withdraws a side past the inventory limit and
   * everything past the loss or budget limit. Returns the decisions of what changed.
   */
  refreshQuotes(
    instrument: string,
    spec: ReserveQuoting | null,
    mark: number | null,
    tsUs: number,
    evidence: Evidence,
  ): Decision[] {
    const current = this.quotes.get(instrument);
    const withdraw = (reason: string, extra: Evidence = {}): Decision[] => {
      if (!current) return [];
      this.quotes.delete(instrument);
      return [
        {
          kind: 'quote-deployment',
          tsUs,
          reason,
          instrument,
          action: 'withdraw',
          bidPrice: null,
          askPrice: null,
          sizeContracts: 0,
          evidence: { ...evidence, ...extra, inventory: this.inventory(instrument) },
        },
      ];
    };
    if (!spec || mark === null || !(mark > 0)) {
      this.stoppedByLoss = false;
      return withdraw(
        spec ? 'no mark price: reserve quotes withdrawn' : 'tier no longer quotes: reserve quotes withdrawn',
      );
    }
    if (this.stoppedByLoss) return [];
    const loss = this.lossUnits();
    const lossLimit = this.units(spec.lossLimit);
    if (loss >= lossLimit) {
      this.stoppedByLoss = true;
      return withdraw('loss limit hit: reserve quotes withdrawn', {
        lossUnits: loss.toString(),
        lossLimitUnits: lossLimit.toString(),
      });
    }
    const inv = this.inventory(instrument);
    const budget = this.units(spec.budget) + this.extraBudgetUnits;
    const deployed = this.accounts.unitsFloor(Math.abs(inv) * mark, this.currency);
    const quoted = this.accounts.unitsFloor(2 * spec.levels * spec.size * mark, this.currency);
    if (deployed + quoted > budget) {
      return withdraw('budget exhausted: reserve quotes withdrawn', {
        deployedUnits: deployed.toString(),
        budgetUnits: budget.toString(),
      });
    }
    const bidsOn = inv < spec.inventoryLimit;
    const asksOn = inv > -spec.inventoryLimit;
    const moved = current ? Math.abs(mark / current.center - 1) * 1e4 : Number.POSITIVE_INFINITY;
    const sidesChanged = current
      ? current.bids.length > 0 !== bidsOn || current.asks.length > 0 !== asksOn
      : true;
    const specKey = JSON.stringify(spec);
    if (current && moved < spec.spreadBps / 4 && !sidesChanged && current.spec === specKey) return [];
    const half = spec.spreadBps / 2;
    const bids: [number, number][] = [];
    const asks: [number, number][] = [];
    for (let k = 0; k < spec.levels; k++) {
      const off = (half + k * spec.levelStepBps) / 1e4;
      if (bidsOn) bids.push([mark * (1 - off), spec.size]);
      if (asksOn) asks.push([mark * (1 + off), spec.size]);
    }
    this.quotes.set(instrument, { bids, asks, center: mark, spec: specKey });
    return [
      {
        kind: 'quote-deployment',
        tsUs,
        reason: !bidsOn
          ? 'inventory limit: reserve quotes the ask side only'
          : !asksOn
            ? 'inventory limit: reserve quotes the bid side only'
            : current && current.spec !== specKey
              ? 'tier changed: reserve quotes redeployed with its parameters'
              : current
                ? 'mark moved: reserve quotes re-centred'
                : 'tier enables reserve quoting: two-sided quotes around mark',
        instrument,
        action: 'deploy',
        bidPrice: bids[0]?.[0] ?? null,
        askPrice: asks[0]?.[0] ?? null,
        sizeContracts: spec.size,
        evidence: {
          ...evidence,
          markPrice: mark,
          spreadBps: spec.spreadBps,
          levels: spec.levels,
          inventory: inv,
          inventoryLimit: spec.inventoryLimit,
          lossUnits: loss.toString(),
          deployedUnits: deployed.toString(),
          budgetUnits: budget.toString(),
        },
      },
    ];
  }

  /**
   * Purchases while a tier enables them (one slice per interval), or the unwind once the tier is
   * back to normal. `book` is the engine's copy of the venue book, which TWAP slices walk.
   */
  purchase(
    spec: PurchasePolicy | null,
    lastSpec: PurchasePolicy | null,
    mark: number | null,
    book: OrderBook | null,
    tsUs: number,
    evidence: Evidence,
  ): Decision[] {
    if (spec) {
      this.unwinds.delete(spec.instrument);
      return this.buySlice(spec, mark, book, tsUs, evidence);
    }
    if (lastSpec) return this.unwindSlice(lastSpec, mark, book, tsUs, evidence);
    return [];
  }

  private due(instrument: string, intervalUs: number, tsUs: number): boolean {
    const last = this.lastPurchaseUs.get(instrument);
    return last === undefined || tsUs - last >= intervalUs;
  }

  private buySlice(
    spec: PurchasePolicy,
    mark: number | null,
    book: OrderBook | null,
    tsUs: number,
    evidence: Evidence,
  ): Decision[] {
    const i = spec.instrument;
    if (mark === null || !(mark > 0) || !this.due(i, spec.intervalUs, tsUs)) return [];
    const budget = this.units(spec.budget) + this.extraBudgetUnits;
    const leftUnits = budget - this.spentUnits;
    const left = this.accounts.toFloat(leftUnits, this.currency);
    if (left <= 0) return [];
    this.lastPurchaseUs.set(i, tsUs);
    const notional = Math.min(spec.sliceNotional, left);
    if (spec.mode === 'limit') {
      const price = mark * (1 - spec.priceBandFrac);
      this.restingBids.set(i, [[price, notional / price]]);
      this.spentUnits += this.accounts.unitsFloor(notional, this.currency);
      return [
        {
          kind: 'purchase-order',
          tsUs,
          reason: 'tier enables purchases: resting limit bid below mark',
          instrument: i,
          qtyContracts: notional / price,
          limitPrice: price,
          evidence: {
            ...evidence,
            mode: 'limit',
            notional,
            budgetUnits: budget.toString(),
            spentUnits: this.spentUnits.toString(),
          },
        },
      ];
    }
    const limit = mark * (1 + spec.priceBandFrac);
    const fills = this.walk(book, 'ask', limit, notional, i, tsUs);
    this.spentUnits += this.accounts.unitsFloor(fills.notional, this.currency);
    return [
      {
        kind: 'purchase-order',
        tsUs,
        reason:
          fills.qty > 0
            ? 'tier enables purchases: TWAP slice bought from the asks'
            : 'tier enables purchases: no ask inside the price band',
        instrument: i,
        qtyContracts: fills.qty,
        limitPrice: limit,
        evidence: {
          ...evidence,
          mode: 'twap',
          markPrice: mark,
          sliceNotional: notional,
          filledNotional: fills.notional,
          avgPrice: fills.qty > 0 ? fills.notional / fills.qty : null,
          budgetUnits: budget.toString(),
          spentUnits: this.spentUnits.toString(),
        },
      },
    ];
  }

  private unwindSlice(
    spec: PurchasePolicy,
    mark: number | null,
    book: OrderBook | null,
    tsUs: number,
    evidence: Evidence,
  ): Decision[] {
    const i = spec.instrument;
    this.restingBids.delete(i);
    const inv = this.inventory(i);
    if (inv <= 0 || mark === null || !(mark > 0)) {
      this.unwinds.delete(i);
      return [];
    }
    let u = this.unwinds.get(i);
    if (!u) {
      u = { startUs: tsUs, slices: Math.max(1, Math.round(spec.unwindOverUs / spec.intervalUs)), done: 0 };
      this.unwinds.set(i, u);
      this.lastPurchaseUs.delete(i);
    }
    if (!this.due(i, spec.intervalUs, tsUs)) return [];
    this.lastPurchaseUs.set(i, tsUs);
    const target = u.done >= u.slices - 1 ? inv : inv / (u.slices - u.done);
    u.done += 1;
    const limit = mark * (1 - spec.priceBandFrac);
    const fills = this.walk(book, 'bid', limit, target * mark, i, tsUs, target);
    return [
      {
        kind: 'purchase-order',
        tsUs,
        reason: 'tier back to normal: purchased inventory unwound into the bids',
        instrument: i,
        qtyContracts: -fills.qty,
        limitPrice: limit,
        evidence: {
          ...evidence,
          mode: 'unwind',
          markPrice: mark,
          slice: u.done,
          slices: u.slices,
          targetContracts: target,
          inventoryBefore: inv,
          filledNotional: fills.notional,
        },
      },
    ];
  }

  /** Walks one side of the venue book for the reserve; returns contracts and quote notional filled. */
  private walk(
    book: OrderBook | null,
    side: BookSide,
    limit: number,
    notional: number,
    instrument: string,
    tsUs: number,
    maxContracts = Number.POSITIVE_INFINITY,
  ): { qty: number; notional: number } {
    if (!book) return { qty: 0, notional: 0 };
    let qty = 0;
    let spent = 0;
    for (const [price, size] of book.levels(side === 'ask' ? 'ask' : 'bid', Number.MAX_SAFE_INTEGER)) {
      if (side === 'ask' ? price > limit : price < limit) break;
      const want = Math.min((notional - spent) / price, maxContracts - qty);
      if (!(want > 1e-12)) break;
      const take = Math.min(size, want);
      const signed = side === 'ask' ? take : -take;
      this.seq += 1;
      const r = this.accounts.fill(
        `reserve:${this.seq}`,
        RESERVE_ACCOUNT,
        instrument,
        signed,
        price,
        0n,
        tsUs,
      );
      if (!r.ok) throw new BackstopError('INVARIANT', `reserve fill refused: ${r.error.message}`);
      const rest = size - take;
      book.setLevel(side, price, rest > size * 1e-12 ? rest : 0);
      qty += take;
      spent += take * price;
    }
    return { qty, notional: spent };
  }

  exportState() {
    return {
      quotes: [...this.quotes].map(([i, q]) => ({ instrument: i, ...q })),
      restingBids: [...this.restingBids],
      stoppedByLoss: this.stoppedByLoss,
      spentUnits: this.spentUnits.toString(),
      extraBudgetUnits: this.extraBudgetUnits.toString(),
      lastPurchaseUs: [...this.lastPurchaseUs],
      unwinds: [...this.unwinds].map(([i, u]) => ({ instrument: i, ...u })),
      seq: this.seq,
    };
  }

  restoreState(s: ReturnType<ReserveDesk['exportState']>): void {
    this.quotes.clear();
    for (const q of s.quotes) {
      this.quotes.set(q.instrument, { bids: q.bids, asks: q.asks, center: q.center, spec: q.spec });
    }
    this.restingBids.clear();
    for (const [i, b] of s.restingBids) this.restingBids.set(i, b);
    this.stoppedByLoss = s.stoppedByLoss;
    this.spentUnits = BigInt(s.spentUnits);
    this.extraBudgetUnits = BigInt(s.extraBudgetUnits);
    this.lastPurchaseUs = new Map(s.lastPurchaseUs);
    this.unwinds = new Map(
      s.unwinds.map((u) => [u.instrument, { startUs: u.startUs, slices: u.slices, done: u.done }]),
    );
    this.seq = s.seq;
  }
}
