import type { Scope, StoreBatch, StoredKey } from './store.ts';

/** What both back ends share: batch checks, refusal errors, the api_keys row. */

/** A store refusal: `code` says whether the batch conflicts with the stored state or is malformed itself. */
export function storeError(code: 'STORE_CONFLICT' | 'STORE_BAD_BATCH', message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/** Checks what a batch needs no stored state for (done before the transaction starts). */
export function checkBatchShape(batch: StoreBatch): void {
  const end = batch.firstEventIndex + batch.events.length;
  batch.audit.forEach((a, i) => {
    const first = batch.audit[0]!.seq;
    if (a.seq !== first + i) throw storeError('STORE_BAD_BATCH', `audit seq ${a.seq} at position ${i}`);
    // formatRecord always starts a line with its seq: a line filed under another seq is a bug
    if (!a.line.startsWith(`{"seq":${a.seq},`)) {
      throw storeError('STORE_BAD_BATCH', `audit line for seq ${a.seq} does not start with that seq`);
    }
  });
  const snap = batch.snapshot;
  if (snap && !(Number.isSafeInteger(snap.events) && snap.events >= 0 && snap.events <= end)) {
    throw storeError(
      'STORE_BAD_BATCH',
      `snapshot after ${snap.events} events, but the journal will hold ${end}`,
    );
  }
}

/** An `api_keys` row; integers come back as `I` (bigint from SQLite, string from pg). */
export interface ApiKeyRow<I> {
  id: string;
  salt_hex: string;
  hash_hex: string;
  scopes: string;
  label: string | null;
  created_us: I;
  revoked_us: I | null;
}

export function keyFromRow<I>(r: ApiKeyRow<I>, num: (v: I) => number): StoredKey {
  return {
    id: r.id,
    saltHex: r.salt_hex,
    hashHex: r.hash_hex,
    scopes: JSON.parse(r.scopes) as Scope[],
    label: r.label,
    createdUs: num(r.created_us),
    revokedUs: r.revoked_us === null ? null : num(r.revoked_us),
  };
}
