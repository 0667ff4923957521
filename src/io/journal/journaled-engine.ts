import { createHash } from 'node:crypto';
import type { Decision } from '../../domain/decisions.ts';
import type { EngineEvent } from '../../domain/events.ts';
import type { Engine } from '../../engine/engine.ts';
import { canonicalJson } from '../audit/canonical-json.ts';
import { Journal, type TornTail } from './journal.ts';

/** SHA-256 of the engine's canonical state summary: equal for engines fed the same events. */
export function stateHash(engine: Engine): string {
  return createHash('sha256').update(canonicalJson(engine.stateSummary())).digest('hex');
}

/**
 * An engine whose inputs are journaled before they are applied. Opening replays the journal into
 * a fresh engine (repairing a torn final record), so a restart after a crash resumes exactly
 * where the last acknowledged event left off: nothing lost, nothing applied twice.
 */
export class JournaledEngine {
  private constructor(
    readonly engine: Engine,
    private readonly journal: Journal<EngineEvent>,
    /** Events replayed from the journal on open. */
    readonly replayed: number,
    readonly tornTail: TornTail | null,
  ) {}

  static open(path: string, engine: Engine, options: { sync?: boolean } = {}): JournaledEngine {
    const { journal, records, tornTail } = Journal.open<EngineEvent>(path, options);
    for (const e of records) engine.handle(e);
    return new JournaledEngine(engine, journal, records.length, tornTail);
  }

  /** Journals the event, then applies it. */
  handle(e: EngineEvent): Decision[] {
    this.journal.append(e);
    return this.engine.handle(e);
  }

  close(): void {
    this.journal.close();
  }
}
