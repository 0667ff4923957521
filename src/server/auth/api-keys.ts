import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { BackstopError } from '../../core/errors.ts';
import { SCOPES, type Scope, type Store, type StoredKey } from '../../io/store/store.ts';

/**
 * API keys (docs/operations.md, "Keys"). A key is `bsk_<idhex>_<secret>`: the id part is public
 * (it names the key in logs and the audit log), the secret is 32 random bytes in base64url. Only
 * scrypt(secret, salt) is stored, with a per-key random salt; a presented key is checked by
 * recomputing the hash and comparing in constant time. The full key is shown once, at creation.
 */

const PREFIX = 'bsk_';
const KEY_LEN = 32;
/** scrypt cost: N=2^14, r=8 (the Node default): ~50 ms per check on these machines, so keys are cached once verified. */
const hash = (secret: string, saltHex: string): Buffer =>
  scryptSync(secret, Buffer.from(saltHex, 'hex'), KEY_LEN);

export interface CreatedKey {
  readonly id: string;
  /** The whole key: shown once, never stored. */
  readonly key: string;
  readonly scopes: readonly Scope[];
}

export function parseScopes(list: readonly string[]): Scope[] {
  const out: Scope[] = [];
  for (const raw of list.flatMap((s) => s.split(','))) {
    const s = raw.trim();
    if (s === '') continue;
    if (!(SCOPES as readonly string[]).includes(s))
      throw new BackstopError('BAD_ARGUMENT', `unknown scope "${s}" (one of ${SCOPES.join(', ')})`, {
        value: s,
      });
    if (!out.includes(s as Scope)) out.push(s as Scope);
  }
  if (out.length === 0)
    throw new BackstopError('BAD_ARGUMENT', `a key needs at least one scope (${SCOPES.join(', ')})`);
  return out;
}

export async function createKey(
  store: Store,
  scopes: readonly Scope[],
  label: string | null,
  nowUs: number,
): Promise<CreatedKey> {
  const idHex = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const saltHex = randomBytes(16).toString('hex');
  const id = `k_${idHex}`;
  await store.insertKey({
    id,
    saltHex,
    hashHex: hash(secret, saltHex).toString('hex'),
    scopes: [...scopes],
    label,
    createdUs: nowUs,
    revokedUs: null,
  });
  return { id, key: `${PREFIX}${idHex}_${secret}`, scopes: [...scopes] };
}

/** Splits a presented key into its id and secret; null for anything not shaped like a key. */
export function splitKey(key: string): { id: string; secret: string } | null {
  if (!key.startsWith(PREFIX)) return null;
  const rest = key.slice(PREFIX.length);
  const cut = rest.indexOf('_');
  if (cut !== 16 || !/^[0-9a-f]{16}$/.test(rest.slice(0, cut))) return null;
  const secret = rest.slice(cut + 1);
  if (secret.length === 0 || secret.length > 100) return null;
  return { id: `k_${rest.slice(0, cut)}`, secret };
}

/**
 * Verifies presented keys against the store. The record is read on every request, so a key
 * revoked by `backstop keys revoke` in another process stops working at once; only the scrypt
 * work is cached, by a constant-time comparison of the whole presented key with the one that
 * verified before.
 */
export class KeyVerifier {
  private readonly verified = new Map<string, Buffer>();

  constructor(private readonly store: Store) {}

  /** The key's record if the presented key is valid and not revoked; null otherwise. */
  async verify(presented: string): Promise<StoredKey | null> {
    const parts = splitKey(presented);
    if (!parts) return null;
    const record = await this.store.findKey(parts.id);
    if (!record || record.revokedUs !== null) return null;
    const given = Buffer.from(presented);
    const cached = this.verified.get(parts.id);
    if (cached && cached.length === given.length && timingSafeEqual(cached, given)) return record;
    const expected = Buffer.from(record.hashHex, 'hex');
    const actual = hash(parts.secret, record.saltHex);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
    this.verified.set(parts.id, given);
    return record;
  }
}
