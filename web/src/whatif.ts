import { type Api, ApiError } from './api.ts';
import { h, replace } from './dom.ts';
import { amount, num, pct, signed } from './format.ts';
import type { MarginFigures, PoolFigures, WhatIfReply } from './types.ts';

interface Pool extends PoolFigures {
  readonly currency: string;
}

/** The pools of a `MarginFigures`, whether keyed by currency (docs/api.md) or listed. */
export function poolsOf(m: MarginFigures | null | undefined): Pool[] {
  if (!m?.pools) return [];
  if (Array.isArray(m.pools)) return (m.pools as Pool[]).filter((p) => p && typeof p.currency === 'string');
  return Object.entries(m.pools as Record<string, PoolFigures>).map(([currency, p]) => ({ ...p, currency }));
}

/** The what-if form: `POST /v1/margin/what-if` with one order; shows before and after. */
export class WhatIf {
  private busy = false;

  constructor(
    private readonly form: HTMLFormElement,
    private readonly out: HTMLElement,
    private readonly api: Api,
  ) {
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.submit();
    });
  }

  setAccount(account: string): void {
    const input = this.form.elements.namedItem('account') as HTMLInputElement | null;
    if (input) input.value = account;
    (this.form.elements.namedItem('qty') as HTMLInputElement | null)?.focus();
  }

  private async submit(): Promise<void> {
    if (this.busy) return;
    const f = new FormData(this.form);
    const account = String(f.get('account') ?? '').trim();
    const instrument = String(f.get('instrument') ?? '').trim();
    const qtyText = String(f.get('qty') ?? '').trim();
    const priceText = String(f.get('price') ?? '').trim();
    const qty = Number(qtyText);
    const price = priceText === '' ? undefined : Number(priceText);
    if (!account || !instrument || qtyText === '' || !Number.isFinite(qty)) {
      this.error('Fill in account, instrument and a quantity (contracts, signed).', null);
      return;
    }
    if (price !== undefined && !(Number.isFinite(price) && price > 0)) {
      this.error('Price must be a positive number (or empty for the mark).', null);
      return;
    }
    const order = price === undefined ? { instrument, qty } : { instrument, qty, price };
    this.busy = true;
    replace(this.out, h('span', { class: 'muted small' }, 'computing…'));
    try {
      const r = await this.api.post<WhatIfReply>('/v1/margin/what-if', { account, orders: [order] });
      this.show(r, instrument, qty, price);
    } catch (e) {
      if (e instanceof ApiError)
        this.error(`${e.status ? `${e.status} ${e.code}: ` : ''}${e.message}`, e.path);
      else this.error(String(e), null);
    } finally {
      this.busy = false;
    }
  }

  private error(message: string, path: string | null): void {
    replace(
      this.out,
      h(
        'div',
        { class: 'whatif-error', role: 'alert' },
        h('strong', {}, 'Refused: '),
        message,
        path ? h('div', { class: 'small' }, 'field: ', h('code', {}, path)) : null,
      ),
    );
  }

  private show(r: WhatIfReply, instrument: string, qty: number, price: number | undefined): void {
    const before = poolsOf(r.before);
    const after = poolsOf(r.after);
    const ccys = [...new Set([...before.map((p) => p.currency), ...after.map((p) => p.currency)])].sort();
    const row = (
      label: string,
      title: string,
      k: 'equity' | 'im' | 'mm',
      b: Pool | undefined,
      a: Pool | undefined,
    ) => {
      const bv = b?.[k];
      const av = a?.[k];
      const d = bv !== undefined && av !== undefined ? av - bv : null;
      const worse = d !== null && (k === 'equity' ? d < 0 : d > 0);
      return h(
        'tr',
        {},
        h('th', { title }, label),
        h('td', { class: 'num mono' }, amount(bv)),
        h('td', { class: 'num mono' }, amount(av)),
        h(
          'td',
          { class: `num mono ${d === null || d === 0 ? '' : worse ? 'worse' : 'better'}` },
          d === null ? '—' : signed(d),
        ),
      );
    };
    const util = (p: Pool | undefined) => (p && p.equity > 0 ? pct(p.mm / p.equity, 1) : '—');
    const tables = ccys.map((ccy) => {
      const b = before.find((p) => p.currency === ccy);
      const a = after.find((p) => p.currency === ccy);
      return h(
        'table',
        { class: 'whatif-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, `pool ${ccy}`),
            h('th', { class: 'num' }, 'before'),
            h('th', { class: 'num' }, 'after'),
            h('th', { class: 'num' }, 'change'),
          ),
        ),
        h(
          'tbody',
          {},
          row('equity', 'account equity in the pool', 'equity', b, a),
          row('IM', 'initial margin', 'im', b, a),
          row('MM', 'maintenance margin', 'mm', b, a),
          h(
            'tr',
            {},
            h('th', { title: 'utilisation: ≥ 100 % is liquidatable' }, 'MM / equity'),
            h('td', { class: 'num mono' }, util(b)),
            h('td', { class: 'num mono' }, util(a)),
            h('td', {}),
          ),
        ),
      );
    });
    const stateChanged = r.before?.state !== r.after?.state;
    replace(
      this.out,
      h(
        'div',
        { class: 'whatif-head' },
        h('span', { class: 'mono' }, r.account),
        ` ${qty >= 0 ? 'buys' : 'sells'} ${num(Math.abs(qty), 6)} ${instrument}${price === undefined ? ' at mark' : ` at ${num(price, 6)}`}: `,
        h('span', { class: `state state-${r.before?.state ?? ''}` }, r.before?.state ?? '—'),
        ' → ',
        h(
          'span',
          { class: `state state-${r.after?.state ?? ''}${stateChanged ? ' changed' : ''}` },
          r.after?.state ?? '—',
        ),
      ),
      ...(tables.length > 0 ? tables : [h('div', { class: 'muted small' }, 'no margin pools')]),
      h('div', { class: 'muted small' }, 'figures in each pool’s settlement currency'),
    );
  }
}
