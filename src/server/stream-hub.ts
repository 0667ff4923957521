/** The topics of `GET /v1/stream` (docs/api.md). */
export type Topic = 'decisions' | 'tiers' | 'monitor' | 'fund' | 'prices';
export const TOPICS: readonly Topic[] = ['decisions', 'tiers', 'monitor', 'fund', 'prices'];

export interface StreamMessage {
  readonly topic: Topic;
  readonly data: unknown;
}

type Listener = (messages: readonly StreamMessage[]) => void;

/**
 * Fan-out of committed changes to stream subscribers. The service publishes only after a batch
 * is stored, so a subscriber never sees a decision that a crash could take back. A listener that
 * throws is removed (a broken socket must not stop the engine).
 */
export class StreamHub {
  private readonly listeners = new Set<Listener>();
  published = 0;

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  publish(messages: readonly StreamMessage[]): void {
    if (messages.length === 0) return;
    this.published += messages.length;
    for (const l of [...this.listeners]) {
      try {
        l(messages);
      } catch {
        this.listeners.delete(l);
      }
    }
  }
}
