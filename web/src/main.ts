import './style.css';
import { renderAccounts } from './accounts.ts';
import { Api, ApiError, forgetKey, storedKey, storeKey } from './api.ts';
import { FundChart, PriceChart, SpreadChart, StressChart, TIER_COLOURS } from './charts.ts';
import { h, replace, setText } from './dom.ts';
import { DecisionFeed, FEED_CAP } from './feed.ts';
import { utcClock } from './format.ts';
import { Header, type HeaderState, venueCurrencies, worstFund } from './header.ts';
import { Model } from './model.ts';
import { Stream } from './stream.ts';
import {
  type AccountRow,
  type BackstopView,
  type Decision,
  type FundPoint,
  type FundView,
  isTier,
  type MonitorRow,
  type PricePoint,
  type TierEvent,
  type Topic,
} from './types.ts';
import { WhatIf } from './whatif.ts';

const FLASH = 'backstop.flash';
const PREF_INSTRUMENT = 'backstop.instrument';
const PREF_WINDOW = 'backstop.window';
const DEFAULT_WINDOW = '900';
const ACCOUNTS_EVERY_MS = 2000;
const BACKSTOP_EVERY_MS = 2000;
const FUND_EVERY_MS = 5000;
const RENDER_EVERY_MS = 250;
const HISTORY_LIMIT = 2000;
/** Decisions searched for the last backstop tier change (the API's maximum). */
const TIER_LOOKBACK = 1000;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
};

// --- login ------------------------------------------------------------------------------------

function showLogin(message: string | null): void {
  $('app').hidden = true;
  $('login-screen').hidden = false;
  setText($('login-message'), message ?? '');
  const input = $<HTMLInputElement>('login-key');
  input.value = '';
  input.focus();
}

/** Leaves the session: forgets the key and reloads into the login form, showing `message`. */
function signOut(message: string | null): void {
  forgetKey();
  if (message) sessionStorage.setItem(FLASH, message);
  else sessionStorage.removeItem(FLASH);
  window.location.reload();
}

$<HTMLFormElement>('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const key = $<HTMLInputElement>('login-key').value.trim();
  const msg = $('login-message');
  const button = document.querySelector<HTMLButtonElement>('[data-testid="login-submit"]');
  if (!key) return;
  setText(msg, 'checking key…');
  if (button) button.disabled = true;
  try {
    const backstop = await new Api(key).get<BackstopView>('/v1/backstop');
    storeKey(key);
    sessionStorage.removeItem(FLASH);
    startDashboard(key, backstop);
  } catch (e) {
    const err = e instanceof ApiError ? e : null;
    setText(
      msg,
      err?.status === 401
        ? 'Unknown or revoked key (401).'
        : err?.status === 403
          ? 'This key lacks the "read" scope (403).'
          : err?.status === 503
            ? 'The service is restoring its state (503); try again in a moment.'
            : `Cannot sign in: ${err?.message ?? String(e)}`,
    );
  } finally {
    if (button) button.disabled = false;
  }
});

// --- dashboard --------------------------------------------------------------------------------

/** `backstop`: the view the key check just read, shown at once. */
function startDashboard(key: string, backstop: BackstopView | null): void {
  $('login-screen').hidden = true;
  $('app').hidden = false;

  const api = new Api(key);
  let signingOut = false;
  const unauthorized = (message: string) => {
    if (signingOut) return;
    signingOut = true;
    stream.stop();
    signOut(message);
  };
  api.onUnauthorized = (e) => unauthorized(`Signed out: the service refused the key (401 ${e.code}).`);
  // the venue's settlement currencies: their insurance funds are shown first
  void api
    .get<{ instruments: { settlementCurrency?: string }[] }>('/v1/instruments')
    .then((r) => {
      for (const i of r.instruments ?? [])
        if (i.settlementCurrency) venueCurrencies.add(i.settlementCurrency);
    })
    .catch(() => undefined);
  $('logout').addEventListener('click', () => {
    signingOut = true;
    stream.stop();
    signOut(null);
  });

  const model = new Model();
  const header = new Header();
  const hs: HeaderState = {
    backstop,
    lastTierChange: null,
    lastTierEvent: null,
    funds: [],
    engineTimeUs: null,
    status: { state: 'connecting' },
    lastEventWallMs: null,
  };
  const feed = new DecisionFeed(
    $<HTMLOListElement>('decision-feed'),
    $('feed-empty'),
    $('feed-count'),
    $<HTMLInputElement>('feed-hide-info'),
  );
  const chartEl = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`) as HTMLElement;
  const priceChart = new PriceChart(chartEl('chart-price'), $('plot-price'));
  const spreadChart = new SpreadChart(chartEl('chart-spread'), $('plot-spread'), (band) =>
    setText($('depth-band'), band === null ? '' : `(bps · bid depth ≤ ${band} bps of mid, quote ccy)`),
  );
  const stressChart = new StressChart(chartEl('chart-stress'), $('plot-stress'));
  const fundChart = new FundChart(chartEl('chart-fund'), $('plot-fund'));
  // time window of the market charts (the fund chart shows its whole loaded path)
  const windowButtons = [...document.querySelectorAll<HTMLButtonElement>('#window-tabs [data-window]')];
  const setWindow = (w: string) => {
    const windowS = w === 'all' ? null : Number(w);
    sessionStorage.setItem(PREF_WINDOW, w);
    for (const b of windowButtons) b.classList.toggle('active', b.dataset.window === w);
    priceChart.setWindow(windowS);
    spreadChart.setWindow(windowS);
    stressChart.setWindow(windowS);
  };
  for (const b of windowButtons) b.addEventListener('click', () => setWindow(b.dataset.window ?? 'all'));
  setWindow(sessionStorage.getItem(PREF_WINDOW) ?? DEFAULT_WINDOW);

  const whatIf = new WhatIf($<HTMLFormElement>('whatif-form'), $('whatif-result'), api);

  let selected: string | null = sessionStorage.getItem(PREF_INSTRUMENT);
  let selectedFund: string | null = null;
  let tabsKey = '';
  let fundTabsKey = '';
  let datalistKey = '';

  const banner = $('banner');
  const problems = new Map<string, string>();
  const problem = (source: string, e: unknown | null) => {
    if (e === null) problems.delete(source);
    else if (e instanceof ApiError && e.status === 401) return;
    else
      problems.set(
        source,
        e instanceof ApiError
          ? e.status === 503
            ? 'The service is restoring its state (503) — figures may be stale.'
            : e.status === 0
              ? 'Cannot reach the service — retrying.'
              : `${source}: ${e.status} ${e.message}`
          : `${source}: ${String(e)}`,
      );
    const text = [...new Set(problems.values())].join(' ');
    banner.hidden = text === '';
    setText(banner, text);
  };

  // --- incoming data ------------------------------------------------------------------------

  let fundTimeUs: number | null = null;
  const onBackstop = (b: BackstopView) => {
    hs.backstop = b;
    model.seeTime(b.timeUs);
  };
  const onFundView = (f: FundView) => {
    hs.funds = Array.isArray(f.funds) ? f.funds : [];
    for (const row of hs.funds) model.fund(row.currency);
    fundTimeUs = f.timeUs;
    model.seeTime(f.timeUs);
  };
  const onDecisions = (ds: readonly Decision[]) => {
    feed.add(ds);
    for (const d of ds) {
      model.seeTime(d.tsUs);
      if (d.kind === 'tier-change' && d.scope === 'backstop') {
        if (!hs.lastTierChange || d.tsUs >= hs.lastTierChange.tsUs) hs.lastTierChange = d;
      }
    }
  };
  const onRow = (r: MonitorRow) => {
    if (!r || typeof r.instrument !== 'string') return;
    model.instrument(r.instrument).addRow(r);
    model.seeTime(r.tsUs);
  };
  const onFundPoint = (p: FundPoint, currency: string) => {
    if (!p || typeof p.tsUs !== 'number') return;
    model.fund(currency).put(p.tsUs, p);
    model.seeTime(p.tsUs);
  };

  let backstopSoon: ReturnType<typeof setTimeout> | null = null;
  const refreshBackstopSoon = () => {
    if (backstopSoon) return;
    backstopSoon = setTimeout(() => {
      backstopSoon = null;
      void loadBackstop();
    }, 200);
  };

  const onEvent = (topic: Topic, data: unknown) => {
    hs.lastEventWallMs = Date.now();
    switch (topic) {
      case 'monitor':
        onRow(data as MonitorRow);
        return;
      case 'prices': {
        const p = data as PricePoint;
        if (!p || typeof p.instrument !== 'string') return;
        model.instrument(p.instrument).addPrice(p);
        model.seeTime(p.tsUs);
        return;
      }
      case 'decisions':
        onDecisions([data as Decision]);
        return;
      case 'tiers': {
        const t = data as TierEvent;
        if (!t || typeof t.tsUs !== 'number') return;
        model.seeTime(t.tsUs);
        if (t.scope === 'backstop' && isTier(t.to)) {
          if (!hs.lastTierEvent || t.tsUs >= hs.lastTierEvent.tsUs) {
            hs.lastTierEvent = { tsUs: t.tsUs, reason: t.reason, to: t.to };
            if (hs.backstop && !hs.backstop.override)
              hs.backstop = { ...hs.backstop, tier: t.to, tierSinceUs: t.tsUs };
          }
          refreshBackstopSoon();
        }
        return;
      }
      case 'fund': {
        const p = data as FundPoint & { currency: string };
        if (!p || typeof p.currency !== 'string') return;
        onFundPoint(p, p.currency);
        const i = hs.funds.findIndex((f) => f.currency === p.currency);
        const row = {
          ...(hs.funds[i] ?? {}),
          currency: p.currency,
          balance: p.balance,
          drawdownFrac: p.drawdownFrac,
        };
        hs.funds = i < 0 ? [...hs.funds, row] : hs.funds.map((f, j) => (j === i ? row : f));
        return;
      }
    }
  };

  // --- loading ------------------------------------------------------------------------------

  const loadBackstop = async () => {
    try {
      onBackstop(await api.get<BackstopView>('/v1/backstop'));
      problem('backstop', null);
    } catch (e) {
      problem('backstop', e);
    }
  };
  const loadFund = async () => {
    try {
      onFundView(await api.get<FundView>('/v1/fund'));
      problem('fund', null);
    } catch (e) {
      problem('fund', e);
    }
  };
  const loadAccounts = async () => {
    try {
      const r = await api.get<{ accounts: AccountRow[] }>('/v1/accounts?sort=utilisation&limit=15');
      const rows = Array.isArray(r.accounts) ? r.accounts : [];
      renderAccounts($<HTMLTableSectionElement>('accounts-body'), $('accounts-empty'), rows, (a) =>
        whatIf.setAccount(a),
      );
      replace($('dl-accounts'), ...rows.map((a) => h('option', { value: a.account })));
      setText($('accounts-status'), `updated ${utcClock(Date.now() * 1000)} UTC (wall clock)`);
      problem('accounts', null);
    } catch (e) {
      problem('accounts', e);
      setText($('accounts-status'), e instanceof ApiError ? `failed: ${e.message}` : 'failed');
    }
  };

  /**
   * The header says since when and why the backstop is in its tier. When the last tier change is
   * older than the feed's decisions, look further back once (the feed still shows FEED_CAP).
   */
  const findTierChange = async () => {
    const r = await api.get<{ decisions: Decision[] }>(`/v1/decisions?limit=${TIER_LOOKBACK}`);
    for (const d of Array.isArray(r.decisions) ? r.decisions : []) {
      if (d.kind !== 'tier-change' || d.scope !== 'backstop') continue;
      if (!hs.lastTierChange || d.tsUs >= hs.lastTierChange.tsUs) hs.lastTierChange = d;
    }
  };

  /** Loads history and current views: at start and after every (re)connect of the stream. */
  /**
   * Where each history resumes after a reconnect: the last point held when the stream dropped
   * (keys `m:<instrument>`, `f:<currency>`). Null: load the whole history (the first time).
   */
  let resumeFrom: Map<string, number> | null = null;
  let loadedOnce = false;
  const sinceOf = (k: string): number | null => resumeFrom?.get(k) ?? null;
  const markGap = () => {
    if (!loadedOnce || resumeFrom) return;
    resumeFrom = new Map();
    for (const d of model.instruments.values())
      if (d.monitor.lastTs !== null) resumeFrom.set(`m:${d.id}`, d.monitor.lastTs);
    for (const [ccy, f] of model.funds) if (f.lastTs !== null) resumeFrom.set(`f:${ccy}`, f.lastTs);
  };

  const resync = async () => {
    const ok = await Promise.all([
      loadBackstop(),
      (async () => {
        try {
          const r = await api.get<{ decisions: Decision[] }>(`/v1/decisions?limit=${FEED_CAP}`);
          onDecisions(Array.isArray(r.decisions) ? r.decisions : []);
          if (!hs.lastTierChange) await findTierChange();
          problem('decisions', null);
        } catch (e) {
          problem('decisions', e);
        }
      })(),
      (async () => {
        try {
          const r = await api.get<{ rows: MonitorRow[] }>('/v1/liquidity');
          for (const row of Array.isArray(r.rows) ? r.rows : []) model.instrument(row.instrument);
          await Promise.all(
            model.instrumentIds().map(async (id) => {
              const since = sinceOf(`m:${id}`);
              const q = new URLSearchParams({ instrument: id, limit: String(HISTORY_LIMIT) });
              if (since !== null) q.set('since', String(since));
              const [hist, prices] = await Promise.all([
                api.get<{ rows: MonitorRow[] }>(`/v1/liquidity/history?${q}`),
                api.get<{ points: PricePoint[] }>(`/v1/prices/history?${q}`),
              ]);
              for (const row of Array.isArray(hist.rows) ? hist.rows : []) onRow({ ...row, instrument: id });
              // mark and index from before the login (the stream adds the rest)
              for (const p of Array.isArray(prices.points) ? prices.points : [])
                model.instrument(id).addPrice(p);
            }),
          );
          for (const row of Array.isArray(r.rows) ? r.rows : []) onRow(row);
          problem('liquidity', null);
          return true;
        } catch (e) {
          problem('liquidity', e);
          return false;
        }
      })(),
      (async () => {
        try {
          await loadFund();
          await Promise.all(
            [...model.funds.keys()].map(async (ccy) => {
              const since = sinceOf(`f:${ccy}`);
              const q = new URLSearchParams({ currency: ccy, limit: String(HISTORY_LIMIT) });
              if (since !== null) q.set('since', String(since));
              const hist = await api.get<{ points: FundPoint[] }>(`/v1/fund/history?${q}`);
              for (const p of Array.isArray(hist.points) ? hist.points : []) onFundPoint(p, ccy);
              // a fund whose balance never moved has no path yet: its current balance is its first point
              const row = hs.funds.find((f) => f.currency === ccy);
              const s = model.fund(ccy);
              if (s.length === 0 && row && fundTimeUs !== null)
                s.put(fundTimeUs, { tsUs: fundTimeUs, balance: row.balance, drawdownFrac: row.drawdownFrac });
            }),
          );
          problem('fund history', null);
          return true;
        } catch (e) {
          problem('fund history', e);
          return false;
        }
      })(),
    ]);
    if (ok.every((x) => x !== false)) {
      loadedOnce = true;
      resumeFrom = null;
    }
  };

  let resyncing: Promise<void> | null = null;
  let resyncAgain = false;
  /** One resync at a time; a request during one runs once more after it (with `since` set). */
  const requestResync = () => {
    if (resyncing) {
      resyncAgain = true;
      return;
    }
    resyncing = resync().finally(() => {
      resyncing = null;
      if (resyncAgain) {
        resyncAgain = false;
        requestResync();
      }
    });
  };

  /** Runs `f` every `ms` after the previous run finished (no overlapping requests). */
  const every = (ms: number, f: () => Promise<void>) => {
    const loop = async () => {
      if (signingOut) return;
      await f();
      if (!signingOut) setTimeout(loop, ms);
    };
    void loop();
  };

  // --- rendering ----------------------------------------------------------------------------

  const renderTabs = () => {
    const ids = model.instrumentIds();
    if (selected === null || !model.instruments.has(selected)) selected = ids[0] ?? null;
    const key = JSON.stringify([selected, ids.map((id) => [id, model.instrument(id).lastRow?.tier ?? null])]);
    if (key === tabsKey) return;
    tabsKey = key;
    replace(
      $('instrument-tabs'),
      ...(ids.length === 0
        ? [h('span', { class: 'muted small' }, 'no instruments yet')]
        : ids.map((id) => {
            const tier = model.instrument(id).lastRow?.tier;
            const b = h(
              'button',
              {
                type: 'button',
                role: 'tab',
                class: `tab${id === selected ? ' active' : ''}`,
                'aria-selected': id === selected ? 'true' : 'false',
                title: tier ? `${id}: monitor tier ${tier}` : id,
              },
              h('span', { class: `dot tier-${isTier(tier) ? tier : 'unknown'}` }),
              id,
            );
            b.addEventListener('click', () => {
              selected = id;
              sessionStorage.setItem(PREF_INSTRUMENT, id);
              render();
            });
            return b;
          })),
    );
    const dlKey = ids.join('\n');
    if (dlKey !== datalistKey) {
      datalistKey = dlKey;
      replace($('dl-instruments'), ...ids.map((id) => h('option', { value: id })));
    }
  };

  const renderFundTabs = () => {
    const ccys = [...model.funds.keys()].sort();
    if (selectedFund === null || !model.funds.has(selectedFund))
      selectedFund = worstFund(hs.funds)?.currency ?? ccys[0] ?? null;
    const key = JSON.stringify([selectedFund, ccys]);
    if (key === fundTabsKey) return;
    fundTabsKey = key;
    setText($('fund-ccy'), selectedFund ? `(${selectedFund})` : '');
    replace(
      $('fund-tabs'),
      ...(ccys.length > 1
        ? ccys.map((c) => {
            const b = h('button', { type: 'button', class: `tab${c === selectedFund ? ' active' : ''}` }, c);
            b.addEventListener('click', () => {
              selectedFund = c;
              render();
            });
            return b;
          })
        : []),
    );
  };

  const render = () => {
    renderTabs();
    renderFundTabs();
    const d = selected === null ? null : (model.instruments.get(selected) ?? null);
    setText($('price-inst'), d ? `${d.id} (quote ccy)` : '');
    priceChart.render(d);
    spreadChart.render(d);
    stressChart.render(d);
    fundChart.render(selectedFund, selectedFund ? model.fund(selectedFund) : null, model.engineTimeUs);
    const tier = d?.lastRow?.tier;
    const it = $('inst-tier');
    setText(it, d && isTier(tier) ? `${d.id} now: ${tier}` : '');
    it.style.color = isTier(tier) ? TIER_COLOURS[tier] : '';
    hs.engineTimeUs = model.engineTimeUs;
    header.render(hs);
    feed.render();
  };

  const stream = new Stream(key, {
    onStatus: (s) => {
      if (s.state !== 'live') markGap();
      hs.status = s;
      header.render(hs);
    },
    onLive: () => requestResync(),
    onEvent,
    onAuthFailed: (_code, message) => unauthorized(`Signed out: ${message}`),
  });

  render();
  // history loads once the stream is subscribed (so nothing falls between the two), again after
  // each reconnect from where the data stopped; without a stream within 3 s it loads anyway
  stream.start();
  setTimeout(() => {
    if (!loadedOnce && !resyncing) requestResync();
  }, 3000);
  every(ACCOUNTS_EVERY_MS, loadAccounts);
  every(BACKSTOP_EVERY_MS, loadBackstop);
  every(FUND_EVERY_MS, loadFund);
  setInterval(render, RENDER_EVERY_MS);
}

// --- boot -------------------------------------------------------------------------------------

/** A key kept from earlier in this tab is checked once before the dashboard starts. */
async function boot(): Promise<void> {
  const flash = sessionStorage.getItem(FLASH);
  sessionStorage.removeItem(FLASH);
  const key = storedKey();
  if (!key) return showLogin(flash);
  let backstop: BackstopView | null = null;
  try {
    backstop = await new Api(key).get<BackstopView>('/v1/backstop');
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
      forgetKey();
      return showLogin(`Signed out: the service refused the key (${e.status} ${e.code}).`);
    }
    // unreachable or not ready: start anyway; the dashboard shows the problem and retries
  }
  startDashboard(key, backstop);
}

void boot();
