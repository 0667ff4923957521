import { streamUrl } from './api.ts';
import { TOPICS, type Topic } from './types.ts';

export type StreamStatus =
  | { readonly state: 'connecting' }
  | { readonly state: 'live' }
  | { readonly state: 'reconnecting'; readonly inMs: number; readonly attempt: number }
  | { readonly state: 'closed' };

export interface StreamHandlers {
  onStatus(s: StreamStatus): void;
  /** After `subscribed`: (re)load what the stream may have missed. */
  onLive(): void;
  onEvent(topic: Topic, data: unknown): void;
  /** The server refused the key (close code 4401 or 4403): stop and return to login. */
  onAuthFailed(code: number, message: string): void;
}

const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_FORBIDDEN = 4403;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15_000;

/**
 * `GET /v1/stream` (docs/api.md): authenticates with the first message, subscribes to every
 * topic, and reconnects with jittered exponential backoff after any drop.
 */
export class Stream {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    private readonly key: string,
    private readonly h: StreamHandlers,
  ) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, 'logout');
    this.h.onStatus({ state: 'closed' });
  }

  private connect(): void {
    if (this.stopped) return;
    this.h.onStatus({ state: 'connecting' });
    let ws: WebSocket;
    try {
      ws = new WebSocket(streamUrl());
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ op: 'auth', key: this.key }));
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return;
      let msg: { type?: string; topic?: string; data?: unknown; topics?: unknown; error?: string };
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      switch (msg.type) {
        case 'ready': {
          const offered = Array.isArray(msg.topics) ? (msg.topics as string[]) : TOPICS;
          const topics = TOPICS.filter((t) => offered.includes(t));
          ws.send(JSON.stringify({ op: 'subscribe', topics }));
          return;
        }
        case 'subscribed':
          this.attempt = 0;
          this.h.onStatus({ state: 'live' });
          this.h.onLive();
          return;
        case 'event':
          if (typeof msg.topic === 'string' && (TOPICS as readonly string[]).includes(msg.topic))
            this.h.onEvent(msg.topic as Topic, msg.data);
          return;
        default:
          return;
      }
    };
    ws.onerror = () => {
      // onclose follows and reconnects; nothing to report twice
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (ev.code === CLOSE_UNAUTHORIZED || ev.code === CLOSE_FORBIDDEN) {
        this.stopped = true;
        this.h.onStatus({ state: 'closed' });
        this.h.onAuthFailed(
          ev.code,
          ev.code === CLOSE_FORBIDDEN
            ? 'This key lacks the "read" scope needed by the dashboard.'
            : 'The stream refused the key (unknown or revoked).',
        );
        return;
      }
      this.retry();
    };
  }

  private retry(): void {
    if (this.stopped) return;
    this.attempt++;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (this.attempt - 1));
    const inMs = Math.round(base * (0.75 + Math.random() * 0.5));
    this.h.onStatus({ state: 'reconnecting', inMs, attempt: this.attempt });
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, inMs);
  }
}
