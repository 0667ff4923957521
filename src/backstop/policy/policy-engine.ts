import { BackstopError } from '../../core/errors.ts';
import { exactUnits, moneyFromDecimal } from '../../core/money.ts';
import { type Decision, type Evidence, TIERS, type Tier } from '../../domain/decisions.ts';
import type { GovernanceEvent, OperatorEvent } from '../../domain/events.ts';
import type { MonitorClose } from '../../liquidity/monitor.ts';
import type { OrderBook } from '../../liquidity/order-book.ts';
import { Governance, type GovernanceRecord, type GovernanceState } from '../governance/index.ts';
import { BACKSTOP_RESERVE, insuranceFundAccount } from '../ledger/index.ts';
import type { Liquidator } from '../liquidator/liquidator.ts';
import type { VenueAccounts } from '../venue-accounts.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { MetricBook } from './metrics.ts';
import { OperatorControls, type OperatorControlsState } from './operator-controls.ts';
import { ELEVATED_TIERS, type Policy, type PurchasePolicy, thresholds } from './policy.ts';
import { withParam } from './policy-params.ts';
import { PriceGuard } from './price-guard.ts';
import { ReserveDesk } from './reserve-desk.ts';
import { PolicyTiers } from './tiers.ts';

/**
 * The backstop policy at run time (docs/policies.md). The engine feeds it monitor closes, index
 * and mark prices and event time; it evaluates the metrics, moves the tier (hysteresis, dwell),
 * applies the tier's margin multiplier, runs the reserve's quotes and purchases, the circuit
 * breaker and the data-quality guards, and tells the liquidator what is paused. Every action is
 * a decision whose evidence carries the metric values and thresholds behind it.
 */
export class PolicyEngine {
  private policyNow: Policy;
  /** The policy the engine was built with (a snapshot stores the current one only if governance changed it). */
  private readonly initial: Policy;
  readonly metrics: MetricBook;
  private readonly tiers: PolicyTiers | null;
  private readonly breaker: CircuitBreaker | null;
  private readonly guard: PriceGuard | null;
  readonly desk: ReserveDesk | null;
  private lastValues: Record<string, number | null> = {};
  private readonly markSeenUs = new Map<string, number>();
  private readonly staleMarks = new Set<string>();
  private readonly pausedInstruments = new Set<string>();
  private lastPurchases = new Map<string, PurchasePolicy>();
  readonly governance: Governance | null;
  /** Executed parameter changes, in order (a snapshot replays them on the initial policy). */
  private paramChanges: { path: string; value: number | string | boolean }[] = [];
  /** Ledger transaction ids of governance money movements (unique even at one event time). */
  private govSeq = 0;
  /** Operator halts and the manual tier override (operator engine events). */
  private readonly operator = new OperatorControls();

  constructor(
    policy: Policy,
    private readonly accounts: VenueAccounts,
    private readonly liquidator: Liquidator | null,
    private readonly bookOf: (instrumentId: string) => OrderBook | null,
  ) {
    this.policyNow = policy;
    this.initial = policy;
    this.metrics = new MetricBook(policy.metrics, accounts.margin, liquidator);
    this.tiers = policy.tiers ? new PolicyTiers(policy.tiers) : null;
    this.breaker = policy.circuitBreaker ? new CircuitBreaker(policy.circuitBreaker) : null;
    this.guard = policy.guards ? new PriceGuard(policy.guards) : null;
    if (policy.reserve) {
      const { currency, opening } = policy.reserve;
      const units = moneyFromDecimal(opening, accounts.scale(currency), currency).units;
      if (units > 0n) {
        const r = accounts.ledger.deposit('genesis:backstop-reserve', BACKSTOP_RESERVE, currency, units);
        if (!r.ok) throw new BackstopError('BAD_CONFIG', `reserve: ${r.error.message}`);
      }
      this.desk = new ReserveDesk(accounts, currency, units);
      liquidator?.setReserveLiquidity(this.desk);
    } else this.desk = null;
    liquidator?.setPaused((id) => this.isPaused(id));
    this.governance = policy.governance ? new Governance(policy.governance.config) : null;
    accounts.margin.setMultiplier(policy.actions.normal.marginMultiplier);
  }

  get policy(): Policy {
    return this.policyNow;
  }

  /** The effective tier: the operator's override while one is in force, else the computed tier. */
  get tier(): Tier {
    return this.operator.override?.tier ?? this.computedTier;
  }

  /** The tier the metrics give (the tier machine runs on under an operator override). */
  get computedTier(): Tier {
    return this.tiers?.tier ?? 'normal';
  }

  /** Venue-wide halt: the circuit breaker's, or the operator's halt of the whole venue. */
  get halted(): boolean {
    return (this.breaker?.halted ?? false) || this.operator.venueHalted;
  }

  /** The operator's controls in force and the computed tier under them (the service's read model). */
  get operatorState(): OperatorControlsState & { readonly computedTier: Tier } {
    return { ...this.operator.exportState(), computedTier: this.computedTier };
  }

  /** Any operator control in force. */
  get operatorActive(): boolean {
    return this.operator.active;
  }

  /**
   * Liquidation of this instrument waits: a trading halt (breaker or operator), or a stale mark
   * with fallback 'pause'.
   */
  isPaused(instrumentId: string): boolean {
    if (this.operator.isHalted(instrumentId)) return true;
    if (this.breaker?.halted) {
      const i = this.accounts.margin.instrument(instrumentId);
      if (i && i.baseCurrency === this.policyNow.circuitBreaker?.underlying) return true;
    }
    return this.pausedInstruments.has(instrumentId);
  }

  /** Outlier guard for an index (key `index:<underlying>`) or mark (`mark:<instrument>`) price. */
  checkPrice(key: string, price: number) {
    return this.guard ? this.guard.check(key, price) : ({ accept: true, confirmedAfter: 0 } as const);
  }

  /** A fresh mark was applied: restores an instrument a stale mark had paused or moved to the index. */
  onMark(instrumentId: string, tsUs: number): Decision[] {
    this.markSeenUs.set(instrumentId, tsUs);
    if (!this.staleMarks.delete(instrumentId)) return [];
    this.pausedInstruments.delete(instrumentId);
    return [
      {
        kind: 'data-guard',
        tsUs,
        reason: 'a fresh mark arrived: the instrument is marked and liquidated normally again',
        instrument: instrumentId,
        action: 'restored',
        evidence: {},
      },
    ];
  }

  /** An accepted index price: the circuit breaker watches its underlying. */
  onIndex(underlying: string, price: number, tsUs: number): Decision[] {
    const cb = this.policyNow.circuitBreaker;
    if (!this.breaker || !cb || cb.underlying !== underlying) return [];
    const e = this.breaker.onPrice(price, tsUs);
    return e ? [this.breakerDecision(e, underlying)] : [];
  }

  /** Event time moved: resumes a halt that is over; marks older than the guard's limit go stale. */
  tick(tsUs: number): Decision[] {
    const out: Decision[] = [];
    const cb = this.policyNow.circuitBreaker;
    const e = this.breaker?.tick(tsUs);
    if (e && cb) out.push(this.breakerDecision(e, cb.underlying));
    const g = this.policyNow.guards;
    if (g) {
      for (const [id, seen] of this.markSeenUs) {
        if (this.staleMarks.has(id) || tsUs - seen <= g.staleAfterUs) continue;
        this.staleMarks.add(id);
        if (g.fallback === 'index') this.accounts.margin.clearMark(id);
        else this.pausedInstruments.add(id);
        out.push({
          kind: 'data-guard',
          tsUs,
          reason:
            g.fallback === 'index'
              ? 'mark is stale: margined on the index until a fresh mark'
              : 'mark is stale: liquidation paused until a fresh mark',
          instrument: id,
          action: g.fallback === 'index' ? 'fallback-to-index' : 'pause-liquidation',
          evidence: { lastMarkUs: seen, ageUs: tsUs - seen, staleAfterUs: g.staleAfterUs },
        });
      }
    }
    return out;
  }

  private breakerDecision(e: NonNullable<ReturnType<CircuitBreaker['tick']>>, underlying: string): Decision {
    const cb = this.policyNow.circuitBreaker;
    const evidence: Evidence =
      e.action === 'halt'
        ? {
            price: e.price,
            reference: e.reference,
            moveFrac: e.moveFrac,
            bandFrac: cb?.bandFrac ?? null,
            windowUs: cb?.windowUs ?? null,
            referenceKind: cb?.reference ?? null,
            haltUntilUs: e.untilUs,
          }
        : { haltedForUs: e.haltedForUs };
    return {
      kind: 'circuit-breaker',
      tsUs: e.tsUs,
      reason:
        e.action === 'halt'
          ? 'price moved beyond the band against the reference: trading halted'
          : 'halt period over: trading resumes',
      instrument: underlying,
      action: e.action,
      evidence,
    };
  }

  /** Monitor intervals closed at `tsUs`: metrics, tier, multiplier, reserve actions. */
  onCloses(closes: readonly MonitorClose[], tsUs: number): Decision[] {
    for (const c of closes) this.metrics.onRow(c.row);
    return this.evaluate(tsUs);
  }

  /** Evaluates the policy now (also after a governance change). */
  evaluate(tsUs: number): Decision[] {
    const out: Decision[] = [];
    const values = this.metrics.values(tsUs);
    this.lastValues = values;
    const evidence = this.metricEvidence(values);
    if (this.tiers) {
      const before = this.tiers.tier;
      const r = this.tiers.update(values, tsUs);
      // under an operator override only the computed tier moves: a tier-change would be misleading
      if (r.transition && this.operator.override === null) {
        const to = r.transition.to;
        out.push({
          kind: 'tier-change',
          tsUs,
          scope: 'backstop',
          from: before,
          to,
          reason:
            r.transition.direction === 'up'
              ? `${to} entry conditions met`
              : `${before} exit conditions met and the minimum dwell passed`,
          evidence: {
            ...evidence,
            entered: r.entered.join(',') || null,
            held: r.held.join(',') || null,
            minDwellUs: this.policyNow.tiers?.minDwellUs ?? null,
            ...this.thresholdEvidence(r.transition.direction === 'up' ? to : before, r.transition.direction),
          },
        });
        out.push(...this.applyMultiplier(tsUs, evidence));
      }
    }
    out.push(...this.reserveActions(tsUs, { tier: this.tier, ...evidence }));
    return out;
  }

  private metricEvidence(values: Record<string, number | null>): Record<string, number | null> {
    const e: Record<string, number | null> = {};
    for (const [k, v] of Object.entries(values)) e[`metric.${k}`] = v;
    return e;
  }

  /** The thresholds of the tier that moved: `threshold.<metric>.<above|below>` (enter when up, exit when down). */
  private thresholdEvidence(tier: Tier, direction: 'up' | 'down'): Record<string, number> {
    const spec = tier === 'normal' ? null : this.policyNow.tiers?.[tier];
    if (!spec) return {};
    const out: Record<string, number> = {};
    for (const t of thresholds(
      direction === 'up' ? spec.enter : spec.exit,
      direction === 'up' ? 'enter' : 'exit',
    )) {
      out[`threshold.${t.metric}.${t.kind}`] = t.value;
    }
    return out;
  }

  private applyMultiplier(tsUs: number, evidence: Evidence): Decision[] {
    const from = this.accounts.margin.marginMultiplier;
    const to = this.policyNow.actions[this.tier].marginMultiplier;
    if (from === to) return [];
    this.accounts.margin.setMultiplier(to);
    return [
      {
        kind: 'margin-multiplier-change',
        tsUs,
        scope: 'venue',
        from,
        to,
        reason: `tier ${this.tier}: margin multiplier ${to}`,
        evidence: { tier: this.tier, ...evidence },
      },
    ];
  }

  /**
   * Re-centres the reserve's quotes on the marks now: called after prices moved and before the
   * liquidator runs, so a liquidation never hits a quote left at a stale mark.
   */
  refreshQuotes(tsUs: number): Decision[] {
    if (!this.desk || this.halted) return [];
    return this.quoteActions(tsUs, { tier: this.tier, ...this.metricEvidence(this.lastValues) });
  }

  private quoteActions(tsUs: number, evidence: Evidence): Decision[] {
    if (!this.desk) return [];
    const out: Decision[] = [];
    const actions = this.policyNow.actions[this.tier];
    const quoted = new Set<string>();
    for (const t of ['normal', ...ELEVATED_TIERS] as const) {
      const q = this.policyNow.actions[t].reserveQuoting;
      if (q) quoted.add(q.instrument);
    }
    for (const instrument of [...quoted].sort()) {
      if (this.operator.isHalted(instrument)) continue;
      const spec = actions.reserveQuoting?.instrument === instrument ? actions.reserveQuoting : null;
      out.push(
        ...this.desk.refreshQuotes(instrument, spec, this.accounts.margin.markOf(instrument), tsUs, evidence),
      );
    }
    return out;
  }

  private reserveActions(tsUs: number, evidence: Evidence): Decision[] {
    if (!this.desk || this.halted) return [];
    const out: Decision[] = this.quoteActions(tsUs, evidence);
    const actions = this.policyNow.actions[this.tier];
    const p = actions.purchases ?? null;
    if (p) this.lastPurchases.set(p.instrument, p);
    for (const [instrument, last] of [...this.lastPurchases].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (this.operator.isHalted(instrument)) continue;
      const spec = p?.instrument === instrument ? p : null;
      const decisions = this.desk.purchase(
        spec,
        this.tier === 'normal' ? last : null,
        this.accounts.margin.markOf(instrument),
        this.bookOf(instrument),
        tsUs,
        evidence,
      );
      out.push(...decisions);
    }
    return out;
  }

  /** Metric values of the last evaluation (evidence for other decisions, the service's read model). */
  get values(): Readonly<Record<string, number | null>> {
    return this.lastValues;
  }

  /** Replaces the policy (governance execution); the tier and the reserve's state carry over. */
  reconfigure(next: Policy): void {
    this.policyNow = next;
    this.metrics.reconfigure(next.metrics);
    if (this.tiers && next.tiers) this.tiers.reconfigure(next.tiers);
    if (this.breaker && next.circuitBreaker) this.breaker.reconfigure(next.circuitBreaker);
    if (this.guard && next.guards) this.guard.reconfigure(next.guards);
    if (this.liquidator && next.liquidation) this.liquidator.reconfigure(next.liquidation);
  }

  /** Applies the current tier's multiplier (after a reconfigure). */
  reapplyMultiplier(tsUs: number): Decision[] {
    return this.applyMultiplier(tsUs, { tier: this.tier });
  }

  // ------------------------------------------------------------------------------ governance

  /**
   * A governance event (docs/concepts/governance.md, "In the engine"): stake into / unstake from
   * the global insurance fund of the governance currency, propose, vote, execute, cancel. Money
   * moves on the ledger; an executed parameter change replaces the policy at this event time.
   * Returns the decisions, or why the event is refused (nothing changes then).
   */
  onGovernance(
    e: GovernanceEvent,
    tsUs: number,
  ): { ok: true; decisions: Decision[] } | { ok: false; code: string; message: string } {
    const gov = this.governance;
    const g = this.policyNow.governance;
    if (!gov || !g)
      return { ok: false, code: 'NO_GOVERNANCE', message: 'the policy has no governance section' };
    const fund = this.liquidator?.fund(g.currency);
    if (!fund) return { ok: false, code: 'NO_FUND', message: `no insurance fund in ${g.currency}` };
    const ccy = g.currency;
    const fundAcct = insuranceFundAccount(null);
    const P = e.params;
    const str = (k: string): string | null =>
      typeof P[k] === 'string' && P[k] !== '' ? (P[k] as string) : null;
    const units = (k: string): bigint | null => {
      const v = P[k];
      const u = typeof v === 'string' ? exactUnits(v, this.accounts.scale(ccy)) : 'malformed';
      return typeof u === 'bigint' && u >= 0n ? u : null;
    };
    const bad = (message: string) => ({ ok: false as const, code: 'BAD_FIELD', message });
    const done = (...records: GovernanceRecord[]) => ({
      ok: true as const,
      decisions: records.map((r) =>
        this.governanceDecision(
          r,
          e.proposalId || null,
          e.keyId,
          typeof P.reason === 'string' ? P.reason : undefined,
        ),
      ),
    });
    const fail = (r: { error: { code: string; message: string } }) => ({ ok: false as const, ...r.error });
    switch (e.action) {
      case 'stake': {
        const staker = str('staker');
        const amount = units('amount');
        if (!staker || amount === null || amount <= 0n)
          return bad('stake needs params.staker and a positive decimal params.amount');
        const cash = this.accounts.cash(staker, ccy);
        if (cash < amount) {
          return {
            ok: false,
            code: 'INSUFFICIENT_FREE_COLLATERAL',
            message: `${staker} holds ${cash} units of ${ccy}, cannot stake ${amount}`,
          };
        }
        const before = this.accounts.ledger.balance(fundAcct, ccy);
        const r = gov.stake(staker, amount, before, tsUs);
        if (!r.ok) return fail(r);
        const t = this.accounts.move(
          `gov:${++this.govSeq}:stake`,
          'transfer',
          this.accounts.ledgerAccountOf(staker),
          fundAcct,
          ccy,
          amount,
        );
        if (!t.ok)
          throw new BackstopError(
            'INVARIANT',
            `stake transfer refused after governance accepted it: ${t.error.message}`,
          );
        fund.deposit(amount, tsUs);
        return done(r.value.record);
      }
      case 'unstake-request': {
        const staker = str('staker');
        const sharesText = P.shares;
        const shares = typeof sharesText === 'string' && /^\d+$/.test(sharesText) ? BigInt(sharesText) : null;
        if (!staker || shares === null)
          return bad('unstake-request needs params.staker and integer params.shares');
        const r = gov.requestUnstake(staker, shares, tsUs);
        return r.ok ? done(r.value.record) : fail(r);
      }
      case 'unstake-claim': {
        const staker = str('staker');
        if (!staker) return bad('unstake-claim needs params.staker');
        const r = gov.claimUnstake(staker, this.accounts.ledger.balance(fundAcct, ccy), tsUs);
        if (!r.ok) return fail(r);
        if (r.value.payout > 0n) {
          const t = this.accounts.move(
            `gov:${++this.govSeq}:claim`,
            'insurance-payout',
            fundAcct,
            this.accounts.ledgerAccountOf(staker),
            ccy,
            r.value.payout,
          );
          if (!t.ok) throw new BackstopError('INVARIANT', `unstake payout refused: ${t.error.message}`);
          fund.withdraw(r.value.payout, tsUs);
        }
        return done(r.value.record);
      }
      case 'propose': {
        const proposer = str('proposer');
        const kind = str('kind');
        if (!proposer || !e.proposalId) return bad('propose needs a proposalId and params.proposer');
        if (kind === 'param-change') {
          const path = str('path');
          const value = P.value;
          if (!path || value === undefined) return bad('a param-change needs params.path and params.value');
          const check = withParam(this.policyNow, path, value);
          if (!check.ok) return { ok: false, code: 'BAD_PARAM_CHANGE', message: check.message };
          const r = gov.propose(e.proposalId, proposer, { kind: 'param-change', path, value }, tsUs);
          return r.ok ? done(r.value.record) : fail(r);
        }
        if (kind === 'authorize-deployment') {
          const amount = units('amount');
          if (amount === null || amount <= 0n)
            return bad('an authorize-deployment needs a positive decimal params.amount');
          const r = gov.propose(
            e.proposalId,
            proposer,
            { kind: 'authorize-deployment', amount, purpose: str('purpose') ?? '' },
            tsUs,
          );
          return r.ok ? done(r.value.record) : fail(r);
        }
        return bad('params.kind must be param-change or authorize-deployment');
      }
      case 'vote': {
        const staker = str('staker');
        const support = str('support');
        if (!staker || (support !== 'for' && support !== 'against' && support !== 'abstain')) {
          return bad('vote needs params.staker and params.support (for, against, abstain)');
        }
        const r = gov.vote(e.proposalId, staker, support, tsUs);
        return r.ok ? done(r.value.record) : fail(r);
      }
      case 'execute': {
        const view = gov.proposal(e.proposalId, tsUs);
        let next: Policy | null = null;
        if (view?.action.kind === 'param-change') {
          const check = withParam(this.policyNow, view.action.path, view.action.value);
          if (!check.ok) return { ok: false, code: 'BAD_PARAM_CHANGE', message: check.message };
          next = check.policy;
        }
        const r = gov.execute(e.proposalId, tsUs);
        if (!r.ok) return fail(r);
        const out = done(r.value.record);
        const effect = r.value.effect;
        if (effect.kind === 'param-change' && next) {
          this.reconfigure(next);
          this.paramChanges.push({ path: effect.path, value: effect.value });
          out.decisions.push(...this.reapplyMultiplier(tsUs));
        } else if (effect.kind === 'deployment-authorization') {
          this.desk?.authorize(effect.amount);
        }
        return out;
      }
      case 'cancel': {
        const by = str('by');
        if (!by) return bad('cancel needs params.by');
        const r = gov.cancel(e.proposalId, by, tsUs);
        return r.ok ? done(r.value.record) : fail(r);
      }
      default:
        return bad(`unknown governance action "${e.action}"`);
    }
  }

  /** Insurance payouts of the governance fund slash the stakers pro rata: one decision per payout. */
  afterLiquidation(decisions: readonly Decision[], tsUs: number): Decision[] {
    const gov = this.governance;
    const g = this.policyNow.governance;
    if (!gov || !g) return [];
    const out: Decision[] = [];
    const scale = this.accounts.scale(g.currency);
    const toUnits = (d: string) => moneyFromDecimal(d, scale, g.currency).units;
    for (const d of decisions) {
      if (d.kind !== 'insurance-payment' || d.currency !== g.currency || d.evidence.fund !== g.currency)
        continue;
      const after = toUnits(String(d.evidence.fundBalanceAfter));
      const paid = toUnits(d.amount);
      if (gov.totalShares === 0n) continue;
      const r = gov.slashReport(after + paid, after, tsUs);
      if (r.ok) out.push(this.governanceDecision(r.value.record, null));
    }
    return out;
  }

  /**
   * `keyId`: the API key that sent the governance event, and `reason` (params.reason), the
   * sender's why: both named in the evidence when given.
   */
  private governanceDecision(
    r: GovernanceRecord,
    proposalId: string | null,
    keyId?: string,
    reason?: string,
  ): Decision {
    return {
      kind: 'governance-action',
      tsUs: r.tsUs,
      reason: r.reason,
      action: r.kind.replace(/^governance-/, ''),
      proposalId,
      evidence: {
        ...r.evidence,
        ...(keyId ? { keyId } : {}),
        ...(reason === undefined ? {} : { reason }),
      },
    };
  }

  // ------------------------------------------------------------------------------ operator

  /**
   * An operator control (docs/policies.md, "Operator controls"): halt / resume the venue or one
   * instrument, or force the backstop tier (`tier: null` ends the override). Returns the
   * decisions, each naming the API key and the reason, or why the event is refused (nothing
   * changes then).
   */
  onOperator(e: OperatorEvent, tsUs: number): OperatorResult {
    const bad = operatorFieldError(e);
    if (bad !== null) return { ok: false, code: 'BAD_FIELD', message: bad };
    const scope = e.instrument ?? null;
    if (e.action === 'tier') return this.operatorTier(e, tsUs);
    if (scope !== null && !this.accounts.margin.instrument(scope))
      return { ok: false, code: 'UNKNOWN_INSTRUMENT', message: `no instrument ${scope}` };
    return e.action === 'halt' ? this.operatorHalt(e, scope, tsUs) : this.operatorResume(e, scope, tsUs);
  }

  private operatorHalt(e: OperatorEvent, scope: string | null, tsUs: number): OperatorResult {
    const stamp = { reason: e.reason, keyId: e.keyId, sinceUs: tsUs };
    if (!this.operator.halt(scope, stamp)) {
      const h = this.operator.haltOf(scope);
      return {
        ok: false,
        code: 'ALREADY_HALTED',
        message: `${scope ?? 'the venue'} is already halted by ${h?.keyId} since ${h?.sinceUs} µs: ${h?.reason}`,
      };
    }
    return { ok: true, decisions: [this.operatorBreakerDecision(e, scope, 'halt', tsUs, {})] };
  }

  /** Ends the operator's halt of that scope only: a circuit-breaker halt ends on its own timer. */
  private operatorResume(e: OperatorEvent, scope: string | null, tsUs: number): OperatorResult {
    const h = this.operator.resume(scope);
    if (!h)
      return {
        ok: false,
        code: 'NOT_HALTED',
        message: `${scope ?? 'the venue'} has no operator halt to resume`,
      };
    const evidence = { haltedBy: h.keyId, haltReason: h.reason, haltedForUs: tsUs - h.sinceUs };
    return { ok: true, decisions: [this.operatorBreakerDecision(e, scope, 'resume', tsUs, evidence)] };
  }

  private operatorBreakerDecision(
    e: OperatorEvent,
    scope: string | null,
    action: 'halt' | 'resume',
    tsUs: number,
    more: Evidence,
  ): Decision {
    return {
      kind: 'circuit-breaker',
      tsUs,
      instrument: scope ?? 'venue',
      action,
      reason: `operator ${action}: ${e.reason}`,
      evidence: { keyId: e.keyId, source: 'operator', reason: e.reason, ...more },
    };
  }

  /**
   * Sets or ends the tier override. Always one `tier-change` (scope `backstop`), even when the
   * effective tier stays (from = to), so the audit log records every accepted operator action;
   * then the effective tier's margin multiplier and reserve actions.
   */
  private operatorTier(e: OperatorEvent, tsUs: number): OperatorResult {
    const from = this.tier;
    const forced = e.tier ?? null;
    if (forced === null && this.operator.override === null)
      return { ok: false, code: 'NO_OVERRIDE', message: 'no tier override is in force' };
    this.operator.setOverride(
      forced === null ? null : { tier: forced, reason: e.reason, keyId: e.keyId, sinceUs: tsUs },
    );
    const evidence: Evidence = {
      keyId: e.keyId,
      source: 'operator',
      reason: e.reason,
      computedTier: this.computedTier,
      ...this.metricEvidence(this.lastValues),
    };
    const out: Decision[] = [
      {
        kind: 'tier-change',
        tsUs,
        scope: 'backstop',
        from,
        to: this.tier,
        reason: forced === null ? `operator override ended: ${e.reason}` : `operator override: ${e.reason}`,
        evidence,
      },
    ];
    out.push(...this.applyMultiplier(tsUs, evidence));
    out.push(...this.reserveActions(tsUs, { tier: this.tier, ...evidence }));
    return { ok: true, decisions: out };
  }

  exportState() {
    return {
      governance: this.governance?.exportState() ?? null,
      paramChanges: this.paramChanges.map((c) => ({ ...c })),
      govSeq: this.govSeq,
      tier: this.tiers?.exportState() ?? null,
      breaker: this.breaker?.exportState() ?? null,
      guard: this.guard?.exportState() ?? null,
      desk: this.desk?.exportState() ?? null,
      metrics: this.metrics.exportState(),
      lastValues: this.lastValues,
      markSeenUs: [...this.markSeenUs],
      staleMarks: [...this.staleMarks],
      paused: [...this.pausedInstruments],
      lastPurchases: [...this.lastPurchases],
      operator: this.operator.exportState(),
    };
  }

  restoreState(s: PolicyEngineState): void {
    let p = this.initial;
    for (const c of s.paramChanges) {
      const r = withParam(p, c.path, c.value);
      if (!r.ok)
        throw new BackstopError(
          'BAD_ARGUMENT',
          `policy state: change of ${c.path} no longer applies: ${r.message}`,
        );
      p = r.policy;
    }
    if (s.paramChanges.length > 0) this.reconfigure(p);
    this.paramChanges = s.paramChanges.map((c) => ({ ...c }));
    this.govSeq = s.govSeq;
    if (s.governance && this.governance) this.governance.restoreState(s.governance as GovernanceState);
    if (s.tier && this.tiers) this.tiers.restoreState(s.tier);
    if (s.breaker && this.breaker) this.breaker.restoreState(s.breaker);
    if (s.guard && this.guard) this.guard.restoreState(s.guard);
    if (s.desk && this.desk) this.desk.restoreState(s.desk);
    this.metrics.restoreState(s.metrics);
    this.lastValues = { ...s.lastValues };
    this.markSeenUs.clear();
    for (const [k, v] of s.markSeenUs) this.markSeenUs.set(k, v);
    this.staleMarks.clear();
    for (const k of s.staleMarks) this.staleMarks.add(k);
    this.pausedInstruments.clear();
    for (const k of s.paused) this.pausedInstruments.add(k);
    this.lastPurchases = new Map(s.lastPurchases);
    // snapshots written before operator controls existed have none in force
    if (s.operator) this.operator.restoreState(s.operator);
  }
}

export type PolicyEngineState = ReturnType<PolicyEngine['exportState']>;

type OperatorResult = { ok: true; decisions: Decision[] } | { ok: false; code: string; message: string };

/** Field rules of an operator event (the wire schema states them too; library callers skip it). */
function operatorFieldError(e: OperatorEvent): string | null {
  if (typeof e.reason !== 'string' || e.reason === '') return 'reason must be a non-empty string';
  if (typeof e.keyId !== 'string' || e.keyId === '') return 'keyId must be a non-empty string';
  if (e.action === 'tier') {
    if (e.tier === undefined) return 'action tier needs tier (a tier, or null to end the override)';
    if (e.tier !== null && !TIERS.includes(e.tier)) return `tier must be one of ${TIERS.join(', ')} or null`;
    if (e.instrument !== undefined) return 'the tier override is venue-wide: no instrument';
    return null;
  }
  if (e.action !== 'halt' && e.action !== 'resume') return `unknown operator action "${e.action}"`;
  if (e.tier !== undefined) return `action ${e.action} takes no tier`;
  if (e.instrument !== undefined && (typeof e.instrument !== 'string' || e.instrument === ''))
    return 'instrument must be a non-empty string';
  return null;
}
