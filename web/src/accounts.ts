import { h, replace } from './dom.ts';
import { compact, num, pct } from './format.ts';
import type { AccountRow } from './types.ts';

const full = (x: number | null, ccy: string): string => (x === null ? '' : `${num(x, 8)} ${ccy}`);

/** Colour class of a utilisation (MM / equity): ≥ 1 is liquidatable. */
export function utilClass(u: number | null, mm: number | null): string {
  if (u === null) return mm !== null && mm > 0 ? 'util-bad' : 'util-none';
  if (u >= 1) return 'util-bad';
  if (u >= 0.8) return 'util-high';
  if (u >= 0.5) return 'util-mid';
  return 'util-ok';
}

/** The accounts closest to liquidation (`GET /v1/accounts?sort=utilisation`). */
export function renderAccounts(
  body: HTMLTableSectionElement,
  empty: HTMLElement,
  rows: readonly AccountRow[],
  onPick: (account: string) => void,
): void {
  const trs = rows.map((r) => {
    const u = r.utilisation;
    const cls = utilClass(u, r.mm);
    const ccy = r.currency ?? '';
    const width = u === null ? (r.mm !== null && r.mm > 0 ? 100 : 0) : Math.min(100, Math.max(0, u * 100));
    const tr = h(
      'tr',
      { class: `acct ${cls}`, 'data-account': r.account, title: `Use ${r.account} in the what-if form` },
      h('td', { class: 'mono' }, r.account),
      h('td', {}, h('span', { class: `state state-${r.state}` }, r.state)),
      h(
        'td',
        { class: 'num mono', title: full(r.equity, ccy) },
        compact(r.equity),
        ' ',
        h('span', { class: 'ccy' }, ccy),
      ),
      h('td', { class: 'num mono', title: full(r.im, ccy) }, compact(r.im)),
      h('td', { class: 'num mono', title: full(r.mm, ccy) }, compact(r.mm)),
      h(
        'td',
        { class: 'util-col' },
        h(
          'div',
          { class: 'util' },
          h('div', { class: 'util-bar', style: `width:${width.toFixed(1)}%` }),
          h(
            'span',
            { class: 'util-text mono' },
            u === null ? (r.mm !== null && r.mm > 0 ? 'no equity' : '—') : pct(u, 1),
          ),
        ),
      ),
    );
    tr.addEventListener('click', () => onPick(r.account));
    return tr;
  });
  replace(body, ...trs);
  empty.hidden = trs.length > 0;
  if (trs.length === 0) empty.textContent = 'no account holds margin yet — waiting for data';
}
