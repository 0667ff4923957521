import type { SourceRef } from '../../domain/events.ts';
import type { Rejection } from '../../domain/rejection.ts';
import { PushSource } from '../../runtime/live.ts';
import { decodeEvent } from '../schemas/event.ts';

/**
 * The part of a WebSocket a feed needs (the `ws` package's WebSocket and Node's EventEmitter
 * both fit): messages in, then close or error.
 */
export interface FeedSocket {
  on(event: 'message', listener: (data: unknown) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** A WebSocket message as text: ws gives Buffers (or fragments), browsers strings. */
function messageText(data: unknown): string | null {
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  if (Array.isArray(data) && data.every((d) => Buffer.isBuffer(d)))
    return Buffer.concat(data).toString('utf8');
  return null;
}

export interface JsonFeedCounters {
  messages: number;
  events: number;
  rejected: number;
}

/**
 * A generic JSON feed adapter (docs/concepts/live-runner.md): each message is one event or an
 * array of events in their wire form (src/io/schemas/event.ts). Accepted events go to the run
 * loop in arrival order, stamped with where they came from (`<name>` and the message number);
 * a message that is not JSON, or an event that does not match its schema, becomes a rejection
 * naming the field — counted, passed on to the quarantine, never dropped. A socket error ends
 * the feed after it is recorded as a rejection.
 */
export function jsonFeedSource(
  socket: FeedSocket,
  options: { readonly name: string; readonly rank?: number },
): { source: PushSource; counters: JsonFeedCounters } {
  const push = new PushSource(options.name, options.rank ?? 0);
  const counters: JsonFeedCounters = { messages: 0, events: 0, rejected: 0 };
  let ended = false;
  const reject = (line: number, code: string, field: string | null, reason: string, raw: string) => {
    counters.rejected++;
    const r: Rejection = { file: options.name, line, code, field, value: null, reason, raw };
    push.push({ ok: false, rejection: r });
  };
  socket.on('message', (data) => {
    if (ended) return;
    const line = ++counters.messages;
    const text = messageText(data);
    if (text === null) {
      reject(line, 'BAD_MESSAGE', null, 'message is neither text nor binary', String(data));
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      reject(line, 'BAD_JSON', null, `not valid JSON (${(e as Error).message})`, text);
      return;
    }
    const items = Array.isArray(parsed) ? parsed : [parsed];
    items.forEach((item, k) => {
      const d = decodeEvent(item);
      if (!d.ok) {
        const at = Array.isArray(parsed) ? `/${k}${d.field === '(root)' ? '' : d.field}` : d.field;
        reject(line, 'BAD_FIELD', at, `${at}: ${d.reason}`, text);
        return;
      }
      counters.events++;
      const src: SourceRef = { file: options.name, line };
      push.push({ ok: true, event: { ...d.event, src } });
    });
  });
  const end = () => {
    if (ended) return;
    ended = true;
    push.end();
  };
  socket.on('close', end);
  socket.on('error', (err) => {
    if (ended) return;
    reject(counters.messages, 'FEED_ERROR', null, `socket error: ${err.message}`, '');
    end();
  });
  return { source: push, counters };
}
