import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServeConfig, SERVE_DEFAULTS } from './config.ts';

const file = (text: string) => {
  const p = join(mkdtempSync(join(tmpdir(), 'backstop-cfg-')), 'serve.yaml');
  writeFileSync(p, text);
  return p;
};

describe('serve configuration: defaults < file < environment < flags', () => {
  it('each layer overrides the one before', () => {
    const f = file('port: 9000\nhost: 0.0.0.0\nsnapshotEvery: 500\npolicy: dydx-v4\n');
    const c = loadServeConfig(f, { BACKSTOP_PORT: '9100', BACKSTOP_SNAPSHOT_EVERY: '50' }, { port: 9200 });
    expect(c.port).toBe(9200);
    expect(c.snapshotEvery).toBe(50);
    expect(c.host).toBe('0.0.0.0');
    expect(c.policy).toBe('dydx-v4');
    expect(c.dataDir).toBe(SERVE_DEFAULTS.dataDir);
    expect(loadServeConfig(null, { BACKSTOP_DATA_DIR: '/var/lib/backstop' }, {}).dataDir).toBe(
      '/var/lib/backstop',
    );
  });

  it('a bad file names the file and the field; a bad environment value names the variable', () => {
    expect(() => loadServeConfig(file('port: 80\nprot: 81\n'), {}, {})).toThrow(
      /serve\.yaml: serve config \/prot: unknown field/,
    );
    // a union (ws-json | ccxt): the field at fault, not the other branch's discriminator
    expect(() =>
      loadServeConfig(file('feeds:\n  - {type: ws-json, name: v, url: http://x}\n'), {}, {}),
    ).toThrow(/serve config \/feeds\/0\/url: must match pattern/);
    expect(() => loadServeConfig(null, { BACKSTOP_PORT: 'eighty' }, {})).toThrow(/BACKSTOP_PORT=eighty/);
    expect(() => loadServeConfig('/nonexistent/serve.yaml', {}, {})).toThrow(/cannot read config/);
  });
});
