import type { EngineEvent } from '../domain/events.ts';
import type { Rejection } from '../domain/rejection.ts';

/** What a source yields: an event, or a rejected input to quarantine (it carries no order). */
export type SourceItem =
  | { readonly ok: true; readonly event: EngineEvent }
  | { readonly ok: false; readonly rejection: Rejection };

export interface EventSource {
  readonly name: string;
  /** Tie-breaker between sources at the same timestamp: lower rank goes first. */
  readonly rank: number;
  readonly items: AsyncIterable<SourceItem>;
}

interface Head {
  readonly event: EngineEvent;
  readonly rank: number;
  readonly seq: number;
  readonly source: number;
}

function before(a: Head, b: Head): boolean {
  if (a.event.tsUs !== b.event.tsUs) return a.event.tsUs < b.event.tsUs;
  if (a.rank !== b.rank) return a.rank < b.rank;
  return a.seq < b.seq;
}

/** Binary min-heap of source heads ordered by (tsUs, rank, seq). */
class HeadHeap {
  private readonly xs: Head[] = [];
  get size(): number {
    return this.xs.length;
  }
  push(h: Head): void {
    const xs = this.xs;
    xs.push(h);
    let i = xs.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(xs[i] as Head, xs[p] as Head)) break;
      [xs[i], xs[p]] = [xs[p] as Head, xs[i] as Head];
      i = p;
    }
  }
  pop(): Head | undefined {
    const xs = this.xs;
    const top = xs[0];
    const last = xs.pop();
    if (xs.length > 0 && last) {
      xs[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < xs.length && before(xs[l] as Head, xs[m] as Head)) m = l;
        if (r < xs.length && before(xs[r] as Head, xs[m] as Head)) m = r;
        if (m === i) break;
        [xs[i], xs[m]] = [xs[m] as Head, xs[i] as Head];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Merges sources into one totally ordered stream by (timestamp, source rank, sequence within
 * the source): the same inputs always give the same order (docs/adr/0002-time.md). Rejections
 * pass straight through as they are read. Used by the backtest and the live runner alike.
 */
export async function* mergeSources(sources: readonly EventSource[]): AsyncGenerator<SourceItem> {
  const iterators = sources.map((s) => s.items[Symbol.asyncIterator]());
  const seqs = sources.map(() => 0);
  const heap = new HeadHeap();
  const pending: SourceItem[] = [];

  // Pulls the next event of source i into the heap, passing rejections met on the way.
  const refill = async (i: number): Promise<void> => {
    const it = iterators[i] as AsyncIterator<SourceItem>;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      if (!r.value.ok) {
        pending.push(r.value);
        continue;
      }
      const seq = seqs[i] as number;
      seqs[i] = seq + 1;
      heap.push({ event: r.value.event, rank: (sources[i] as EventSource).rank, seq, source: i });
      return;
    }
  };

  try {
    await Promise.all(sources.map((_, i) => refill(i)));
    for (;;) {
      if (pending.length > 0) {
        yield* pending.splice(0);
      }
      const head = heap.pop();
      if (!head) break;
      yield { ok: true, event: head.event };
      await refill(head.source);
    }
    if (pending.length > 0) yield* pending.splice(0);
  } finally {
    await Promise.all(iterators.map((it) => it.return?.()));
  }
}
