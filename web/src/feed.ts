import { decisionKey, severity, summary } from './decisions.ts';
import { h, replace, setText } from './dom.ts';
import { utcClockMs, utcDateTime } from './format.ts';
import type { Decision } from './types.ts';

export const FEED_CAP = 200;

/** The live decision feed: newest first, at most FEED_CAP rows, de-duplicated. */
export class DecisionFeed {
  private items: Decision[] = [];
  private keys = new Set<string>();
  private dirty = true;

  constructor(
    private readonly list: HTMLOListElement,
    private readonly empty: HTMLElement,
    private readonly count: HTMLElement,
    hideInfo: HTMLInputElement,
  ) {
    hideInfo.addEventListener('change', () => list.classList.toggle('hide-info', hideInfo.checked));
  }

  /** Adds decisions in any order; keeps the newest FEED_CAP by time (stable for equal times). */
  add(ds: readonly Decision[]): void {
    let added = false;
    for (const d of ds) {
      if (!d || typeof d.kind !== 'string' || typeof d.tsUs !== 'number') continue;
      const k = decisionKey(d);
      if (this.keys.has(k)) continue;
      this.keys.add(k);
      // newest first; a decision at the same time as others goes above them (arrival order)
      let i = 0;
      while (i < this.items.length && (this.items[i] as Decision).tsUs > d.tsUs) i++;
      this.items.splice(i, 0, d);
      added = true;
    }
    if (!added) return;
    if (this.items.length > FEED_CAP) {
      for (const d of this.items.splice(FEED_CAP)) this.keys.delete(decisionKey(d));
    }
    this.dirty = true;
  }

  /** The newest decision matching `pred`. */
  find(pred: (d: Decision) => boolean): Decision | null {
    return this.items.find(pred) ?? null;
  }

  render(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const rows = this.items.map((d) => {
      const sev = severity(d);
      return h(
        'li',
        { class: `decision sev-${sev}`, testid: 'decision-row', 'data-kind': d.kind, 'data-severity': sev },
        h('time', { class: 'mono', title: utcDateTime(d.tsUs) }, utcClockMs(d.tsUs)),
        h('span', { class: 'kind' }, d.kind),
        h('span', { class: 'what' }, summary(d)),
        h('span', { class: 'why', title: evidenceText(d) }, d.reason),
      );
    });
    replace(this.list, ...rows);
    this.empty.hidden = rows.length > 0;
    setText(this.count, rows.length > 0 ? `${rows.length} newest first (max ${FEED_CAP})` : 'newest first');
  }
}

/** The evidence as `key=value` lines, for the row's tooltip. */
function evidenceText(d: Decision): string {
  const e = d.evidence;
  if (!e) return d.reason;
  const lines = Object.entries(e)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k} = ${String(v)}`);
  return [d.reason, ...lines].join('\n');
}
