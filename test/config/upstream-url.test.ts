// Upstream route URLs: only what the gateway's client speaks is accepted (no route that can only fail).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../../src/config/load.ts';
import { PvError } from '../../src/errors.ts';
import { tempDir } from '../store/helpers.ts';

const ENV = { POSTVAGT_HMAC_KEY: 'ab'.repeat(32), POSTVAGT_QUARANTINE_KEY: 'cd'.repeat(32) };

async function load(url: string) {
  const dir = tempDir('pv-url-');
  const file = join(dir, 'postvagt.yaml');
  writeFileSync(file, `upstreams:\n  default:\n    url: ${url}\n`);
  return loadConfig({ file, env: ENV, cwd: dir });
}

for (const url of ['smtp://mx.kommune.example:25', 'smtp://[::1]:2526', 'capture']) {
  test(`route url ${url} is accepted`, async () => {
    assert.equal((await load(url)).config.upstreams.default.url, url);
  });
}

test('smtps:// is refused at load with what to use instead, naming the file and line', async () => {
  await assert.rejects(load('smtps://mx.kommune.example:465'), (e: unknown) => {
    assert.ok(e instanceof PvError);
    assert.equal(e.line, 3);
    assert.match(e.message, /upstreams\.default\.url: smtps:\/\/ \(implicit TLS\) is not supported .*require_tls: true/);
    return true;
  });
});
