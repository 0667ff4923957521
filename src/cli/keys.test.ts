import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../../test/cli-harness.ts';
import { openSqliteStore } from '../io/store/sqlite-store.ts';
import { KeyVerifier } from '../server/auth/api-keys.ts';

describe('backstop keys', () => {
  it('create prints the key once; list never shows a secret; revoke stops it; the store holds only a hash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backstop-keys-'));
    const created = await cli([
      'keys',
      'create',
      '--scope',
      'read,operator',
      '--label',
      'on-call',
      '--data-dir',
      dir,
      '--json',
    ]);
    expect(created.code).toBe(0);
    const k = JSON.parse(created.stdout) as { id: string; key: string; scopes: string[] };
    expect(k.scopes).toEqual(['read', 'operator']);
    expect(k.key).toMatch(/^bsk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(k.id).toBe(`k_${k.key.slice(4, 20)}`);
    const secret = k.key.slice(21);

    const list = await cli(['keys', 'list', '--data-dir', dir, '--json']);
    expect(JSON.parse(list.stdout).keys).toEqual([
      {
        id: k.id,
        scopes: ['read', 'operator'],
        label: 'on-call',
        createdUs: expect.any(Number),
        revokedUs: null,
      },
    ]);
    expect(list.stdout).not.toContain(secret);
    // nothing in the state directory holds the secret in clear
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f)).includes(secret)).toBe(false);

    const store = await openSqliteStore(dir);
    await store.init();
    const verifier = new KeyVerifier(store);
    expect((await verifier.verify(k.key))?.id).toBe(k.id);
    expect(await verifier.verify(`${k.key.slice(0, -1)}${k.key.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    await store.close();

    expect((await cli(['keys', 'revoke', k.id, '--data-dir', dir])).code).toBe(0);
    const again = await cli(['keys', 'revoke', k.id, '--data-dir', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`no active key ${k.id}`);
    const store2 = await openSqliteStore(dir);
    await store2.init();
    expect(await new KeyVerifier(store2).verify(k.key)).toBeNull();
    await store2.close();

    const bad = await cli(['keys', 'create', '--scope', 'admin', '--data-dir', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown scope "admin"');
  });
});
