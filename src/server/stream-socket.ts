import type { FastifyInstance } from 'fastify';
import type { KeyVerifier } from './auth/api-keys.ts';
import type { EngineService } from './service.ts';
import { type StreamMessage, TOPICS, type Topic } from './stream-hub.ts';

/** Close codes of `/v1/stream` (docs/api.md): like HTTP 401 / 403 / 400, in the 4000 range. */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_BAD_MESSAGE = 4400;

/** A socket that cannot keep up is dropped rather than buffering without bound. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * `GET /v1/stream`: the first message authenticates (`{op:'auth', key}`; browsers cannot set
 * headers on a WebSocket and a key in the URL would end up in proxy logs), then
 * `{op:'subscribe', topics}` chooses what to receive. Messages are JSON text frames.
 */
export function attachStream(app: FastifyInstance, service: EngineService, keys: KeyVerifier): void {
  app.get('/v1/stream', { websocket: true, schema: { hide: true } }, (socket) => {
    let authed = false;
    let topics = new Set<Topic>();
    let unsubscribe: (() => void) | null = null;
    const send = (v: unknown) => socket.send(JSON.stringify(v));
    const close = (code: number, error: string) => {
      send({ type: 'error', error });
      socket.close(code, error);
    };
    socket.on('close', () => unsubscribe?.());
    // messages are handled one after another: a subscribe sent right after auth must wait for
    // the key check to finish
    let chain = Promise.resolve();
    socket.on('message', (data: Buffer) => {
      chain = chain.then(() => handle(data)).catch(() => socket.close(1011, 'internal error'));
    });
    const handle = async (data: Buffer): Promise<void> => {
      let msg: { op?: unknown; key?: unknown; topics?: unknown };
      try {
        msg = JSON.parse(data.toString('utf8'));
      } catch {
        return close(authed ? CLOSE_BAD_MESSAGE : CLOSE_UNAUTHORIZED, 'BAD_MESSAGE');
      }
      if (!authed) {
        if (msg.op !== 'auth' || typeof msg.key !== 'string')
          return close(CLOSE_UNAUTHORIZED, 'UNAUTHORIZED');
        const key = await keys.verify(msg.key);
        if (!key) return close(CLOSE_UNAUTHORIZED, 'UNAUTHORIZED');
        if (!key.scopes.includes('read')) return close(CLOSE_FORBIDDEN, 'FORBIDDEN');
        authed = true;
        unsubscribe = service.hub.subscribe((messages: readonly StreamMessage[]) => {
          if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
            socket.close(1013, 'too slow');
            throw new Error('subscriber too slow');
          }
          for (const m of messages)
            if (topics.has(m.topic)) send({ type: 'event', topic: m.topic, data: m.data });
        });
        return send({ type: 'ready', keyId: key.id, topics: TOPICS });
      }
      if (msg.op === 'subscribe' && Array.isArray(msg.topics)) {
        const unknown = msg.topics.filter((t) => !(TOPICS as readonly unknown[]).includes(t));
        if (unknown.length > 0) return send({ type: 'error', error: 'UNKNOWN_TOPIC', topics: unknown });
        topics = new Set(msg.topics as Topic[]);
        return send({ type: 'subscribed', topics: [...topics] });
      }
      return send({
        type: 'error',
        error: 'BAD_MESSAGE',
        message: 'expected {"op":"subscribe","topics":[…]}',
      });
    };
  });
}
