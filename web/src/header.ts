import { thresholdsCrossed } from './decisions.ts';
import { h, replace, setText } from './dom.ts';
import { duration, money, num, pct, utcClock, utcDateTime } from './format.ts';
import type { StreamStatus } from './stream.ts';
import { type BackstopView, type Decision, type FundRow, isTier } from './types.ts';

export interface HeaderState {
  backstop: BackstopView | null;
  /** The newest backstop tier change seen (decision, with evidence), if any. */
  lastTierChange: Decision | null;
  /** The newest `tiers` event of scope backstop (no evidence), if newer than the decision. */
  lastTierEvent: { tsUs: number; reason: string; to: string } | null;
  funds: readonly FundRow[];
  engineTimeUs: number | null;
  status: StreamStatus;
  /** Wall-clock ms of the last stream event. */
  lastEventWallMs: number | null;
}

const $ = (id: string): HTMLElement => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el;
};

/** Settlement currencies of the venue's instruments (`GET /v1/instruments`): their funds come first on a tie. */
export const venueCurrencies = new Set<string>();

/**
 * The fund with the deepest drawdown; on a tie (e.g. none in drawdown) a fund in a currency the
 * venue settles in, then the first listed.
 */
export function worstFund(funds: readonly FundRow[]): FundRow | null {
  let worst: FundRow | null = null;
  const preferred = (f: FundRow) => venueCurrencies.has(f.currency);
  for (const f of funds) {
    if (
      !worst ||
      f.drawdownFrac > worst.drawdownFrac ||
      (f.drawdownFrac === worst.drawdownFrac && preferred(f) && !preferred(worst))
    )
      worst = f;
  }
  return worst;
}

/** The top strip: tier, why, fund, multiplier, engine time, stream status. */
export class Header {
  private readonly badge = $('tier-badge');
  private readonly since = $('tier-since');
  private readonly flags = $('tier-flags');
  private readonly why = $('tier-why');
  private readonly metrics = $('metrics');
  private readonly fund = $('fund-balance');
  private readonly drawdown = $('fund-drawdown');
  private readonly multiplier = $('multiplier');
  private readonly reserve = $('reserve');
  private readonly time = $('engine-time');
  private readonly ws = $('ws-status');
  private readonly lastUpdate = $('last-update');
  private flagsKey = '';
  private metricsKey = '';

  render(s: HeaderState): void {
    const b = s.backstop;
    const tier = b && isTier(b.tier) ? b.tier : null;
    setText(this.badge, tier ?? '—');
    const cls = `tier-badge tier-${tier ?? 'unknown'}`;
    if (this.badge.className !== cls) this.badge.className = cls;
    document.body.dataset.tier = tier ?? 'unknown';

    const sinceUs = this.sinceUs(s);
    const now = s.engineTimeUs;
    setText(
      this.since,
      sinceUs === null
        ? 'since — (not in recent decisions)'
        : `since ${utcClock(sinceUs)} UTC${now !== null && now >= sinceUs ? ` · ${duration(now - sinceUs)}` : ''}`,
    );
    this.since.title = sinceUs === null ? '' : utcDateTime(sinceUs);

    // flags: override, halt
    const ov = b?.override ?? null;
    const flagsKey = JSON.stringify([ov, b?.halted ?? false]);
    if (flagsKey !== this.flagsKey) {
      this.flagsKey = flagsKey;
      replace(
        this.flags,
        ov
          ? h(
              'span',
              { class: 'flag flag-override', title: ov.reason },
              `OVERRIDE → ${ov.tier} by ${ov.keyId}`,
            )
          : null,
        ov && b?.computedTier && b.computedTier !== ov.tier
          ? h('span', { class: 'flag flag-computed' }, `computed: ${b.computedTier}`)
          : null,
        b?.halted ? h('span', { class: 'flag flag-halt' }, 'HALTED') : null,
        b && !ov && !b.halted ? h('span', { class: 'flag flag-ok' }, 'automatic · not halted') : null,
      );
    }

    setText(this.why, this.whyText(s));

    const mKey = JSON.stringify(b?.metrics ?? null);
    if (mKey !== this.metricsKey) {
      this.metricsKey = mKey;
      const entries = Object.entries(b?.metrics ?? {});
      replace(
        this.metrics,
        ...entries.map(([k, v]) =>
          h('span', { class: 'metric mono', title: `policy metric ${k}` }, `${k} ${num(v, 4)}`),
        ),
      );
    }

    // fund: the one with the deepest drawdown (the first on a tie) big; all of them in the tooltip
    const f = worstFund(s.funds);
    if (f) {
      setText(this.fund, `${money(f.balance, 2)} ${f.currency}`);
      this.fund.title = s.funds
        .map((x) => `${x.currency}: ${x.balance} (drawdown ${pct(x.drawdownFrac)})`)
        .join('\n');
      setText(
        this.drawdown,
        `drawdown ${pct(f.drawdownFrac)}${f.peak ? ` · peak ${money(f.peak, 0)}` : ''}${s.funds.length > 1 ? ` · ${s.funds.length} funds (hover)` : ''}`,
      );
      this.drawdown.className = `sub ${f.drawdownFrac >= 0.2 ? 'bad' : f.drawdownFrac >= 0.05 ? 'warn' : ''}`;
    } else {
      setText(this.fund, '—');
      setText(this.drawdown, 'waiting for data');
    }

    setText(this.multiplier, b ? `× ${num(b.marginMultiplier, 3)}` : '—');
    const r = b?.reserve ?? null;
    this.reserve.title = r ? JSON.stringify(r) : '';
    setText(
      this.reserve,
      r
        ? `reserve ${money(r.balance, 0)} ${r.currency}${r.budgetLeft ? ` · budget left ${money(r.budgetLeft, 0)}` : ''}`
        : '',
    );

    setText(this.time, now === null ? '—' : utcDateTime(now));

    const st = s.status;
    const text =
      st.state === 'live'
        ? 'live'
        : st.state === 'reconnecting'
          ? `reconnecting in ${Math.max(1, Math.round(st.inMs / 1000))} s`
          : st.state;
    setText(this.ws, text);
    const wsCls = `ws ws-${st.state}`;
    if (this.ws.className !== wsCls) this.ws.className = wsCls;
    const ago = s.lastEventWallMs === null ? null : Math.max(0, Date.now() - s.lastEventWallMs);
    setText(
      this.lastUpdate,
      ago === null ? '' : `· last event ${ago < 1500 ? 'now' : `${duration(ago * 1000)} ago`}`,
    );
  }

  private sinceUs(s: HeaderState): number | null {
    const b = s.backstop;
    if (b && typeof b.tierSinceUs === 'number') return b.tierSinceUs;
    const a = s.lastTierChange?.tsUs ?? null;
    const e = s.lastTierEvent?.tsUs ?? null;
    if (a === null) return e;
    if (e === null) return a;
    return Math.max(a, e);
  }

  private whyText(s: HeaderState): string {
    const b = s.backstop;
    if (!b) return '—';
    const parts: string[] = [];
    if (b.override)
      parts.push(`operator override to ${b.override.tier} (${b.override.keyId}): ${b.override.reason}`);
    const d = s.lastTierChange;
    const e = s.lastTierEvent;
    if (d && (!e || d.tsUs >= e.tsUs)) {
      const crossed = thresholdsCrossed(d.evidence);
      parts.push(`${d.reason}${crossed.length > 0 ? ` — ${crossed.join(', ')}` : ''}`);
    } else if (e) {
      parts.push(e.reason);
    } else if (!b.override) {
      parts.push(
        b.tier === 'normal'
          ? 'no entry condition met'
          : 'tier change older than the last 1 000 decisions (metrics →)',
      );
    }
    const acts = b.activeActions ?? [];
    if (acts.length > 0) parts.push(`active: ${acts.join('; ')}`);
    return parts.join(' · ');
  }
}
