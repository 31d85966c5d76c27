// README.md stays true: its deployment example loads, and every key of the schema
// (and every environment variable Postvagt reads) is documented there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../store/helpers.ts';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { loadConfig } from '../../src/config/load.ts';
import { ENV_VARS } from '../../src/config/overrides.ts';
import { configSchema } from '../../src/config/schema.ts';
import { knownKeys } from '../../src/config/schema-keys.ts';

const DOC = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('the deployment example in README.md is a valid production configuration', async () => {
  const example = /```yaml\n([\s\S]*?)```/.exec(DOC)?.[1];
  assert.ok(example, 'a yaml block');
  const dir = tempDir('pv-doc-');
  const file = join(dir, 'postvagt.yaml');
  // the example's certificate files, placed in the temp dir
  mkdirSync(join(dir, 'tls'));
  for (const f of ['gateway.crt', 'gateway.key', 'internal-ca.pem']) writeFileSync(join(dir, 'tls', f), 'PEM');
  writeFileSync(file, example.replaceAll('/etc/postvagt/', `${dir}/`));
  const c = await loadConfig({ file, cwd: dir, env: { POSTVAGT_HMAC_KEY: 'ab'.repeat(32), POSTVAGT_QUARANTINE_KEY: 'cd'.repeat(32) } });
  assert.equal(c.config.mode, 'production');
  assert.deepEqual(c.config.listeners.map((l) => [l.name, l.direction, l.upstream]), [['outbound', 'outbound', 'to-internet'], ['inbound', 'inbound', 'to-exchange']]);
  assert.equal(c.config.upstreams['to-internet'].require_tls, true);
});

test('every schema key is documented in README.md', () => {
  const leaves = new Set<string>();
  const walk = (path: (string | number)[]) => {
    const keys = knownKeys(configSchema as unknown as z.ZodType, path);
    for (const k of keys) {
      const next = [...path, k];
      // listeners is a list and upstreams a map: step into one element
      const inner = k === 'listeners' ? [...next, 0] : k === 'upstreams' ? [...next, 'x'] : next;
      if (knownKeys(configSchema as unknown as z.ZodType, inner).length === 0) leaves.add(k);
      else walk(inner);
    }
  };
  walk([]);
  for (const k of ['networks', 'cert_file', 'require_tls', 'helo_name', 'tag_header', 'unreachable_senders', 'kind', 'url', 'quarantine_key_file', 'time']) assert.ok(leaves.has(k), k);
  for (const k of leaves) assert.match(DOC, new RegExp(`\`(?:[a-z_]+\\.)?${k}\``), `key ${k} is not documented`);
});

test('every environment variable is documented', () => {
  for (const v of ENV_VARS) assert.ok(DOC.includes(`\`${v}\``), v);
});
