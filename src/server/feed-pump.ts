import type { EventSource } from '../runtime/merge.ts';
import type { EngineService, IngestItem } from './service.ts';

const FLUSH_MS = 25;
const MAX_BATCH = 2_000;

/**
 * Moves a live feed (`jsonFeedSource`, `ccxtFeedSource`, …) into the service: items are
 * collected and stored in batches — every `FLUSH_MS` or `MAX_BATCH` items, whichever comes first
 * — so a busy feed costs one commit per batch, not per message. A feed's rejections (bad JSON,
 * a field out of schema, a socket error) go to the quarantine with their reason. Resolves when
 * the feed ends and its last batch is stored.
 */
export async function pumpFeed(
  source: EventSource,
  service: EngineService,
  onError: (e: unknown) => void,
): Promise<void> {
  let buffer: IngestItem[] = [];
  let flushing: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  const name = `feed:${source.name}`;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    flushing = flushing.then(() => service.ingest(batch, name).then(() => undefined, onError));
  };
  for await (const item of source.items) {
    if (item.ok) buffer.push(item);
    else {
      const r = item.rejection;
      buffer.push({
        ok: false,
        quarantine: {
          code: r.code,
          reason: r.field ? `${r.field}: ${r.reason}` : r.reason,
          raw: r.raw,
          source: `${name}:${r.line}`,
          receivedUs: Date.now() * 1_000,
        },
      });
    }
    if (buffer.length >= MAX_BATCH) flush();
    else timer ??= setTimeout(flush, FLUSH_MS);
  }
  flush();
  await flushing;
}
