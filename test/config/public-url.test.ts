// web.public_url: the dashboard's address for links in escalations and digests. Only http(s), no
// query, fragment or credentials; a bad value names file and line (or the environment variable).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../../src/config/load.ts';
import { PvError } from '../../src/errors.ts';
import { tempDir } from '../store/helpers.ts';

const ENV = { POSTVAGT_HMAC_KEY: 'ab'.repeat(32), POSTVAGT_QUARANTINE_KEY: 'cd'.repeat(32) };

async function load(url: string, env: Record<string, string> = {}) {
  const dir = tempDir('pv-public-url-');
  const file = join(dir, 'postvagt.yaml');
  writeFileSync(file, `mode: development\nweb:\n  listen: 127.0.0.1:8025\n  public_url: "${url}"\n`);
  return loadConfig({ file, env: { ...ENV, ...env }, cwd: dir });
}

async function refused(url: string): Promise<PvError> {
  try {
    await load(url);
  } catch (e) {
    assert.ok(e instanceof PvError, String(e));
    return e;
  }
  return assert.fail(`${url} was accepted`);
}

test('unset by default: no address is guessed from web.listen', async () => {
  const c = await loadConfig({ env: ENV, cwd: tempDir('pv-public-url-') });
  assert.equal(c.config.web.public_url, undefined);
});

for (const [given, kept] of [
  ['https://postvagt.kommune.example', 'https://postvagt.kommune.example'],
  ['https://postvagt.kommune.example/', 'https://postvagt.kommune.example'],
  ['http://10.1.2.3:8025', 'http://10.1.2.3:8025'],
  ['https://intra.kommune.dk/postvagt/', 'https://intra.kommune.dk/postvagt'],
]) {
  test(`public_url ${given} is accepted as ${kept}`, async () => {
    assert.equal((await load(given)).config.web.public_url, kept);
  });
}

for (const [url, why] of [
  ['ftp://postvagt.kommune.example', /expected http:\/\/ or https:\/\/, not ftp:\/\//],
  ['postvagt.kommune.example', /expected the dashboard's address as an http:\/\/ or https:\/\/ URL/],
  ['https://postvagt.kommune.example/?tab=1', /no query/],
  ['https://postvagt.kommune.example/#top', /no fragment/],
  ['https://admin:hemmelig@postvagt.kommune.example', /no user name or password/],
] as const) {
  test(`public_url ${url} is refused at load with file and line`, async () => {
    const e = await refused(url);
    assert.equal(e.code, 'PV_CONFIG_INVALID');
    assert.equal(e.line, 4);
    assert.match(e.message, /^web\.public_url: /);
    assert.match(e.message, why);
    assert.ok(!e.message.includes('hemmelig'), 'a password in the address is not echoed');
  });
}

test('POSTVAGT_PUBLIC_URL overrides the file, and a bad one names the variable', async () => {
  const c = await load('https://old.kommune.example', { POSTVAGT_PUBLIC_URL: 'https://postvagt.kommune.example/' });
  assert.equal(c.config.web.public_url, 'https://postvagt.kommune.example');
  await assert.rejects(load('https://old.kommune.example', { POSTVAGT_PUBLIC_URL: 'mailto:x@y.dk' }), (e: unknown) => {
    assert.ok(e instanceof PvError);
    assert.match(e.message, /web\.public_url: .*\(set by POSTVAGT_PUBLIC_URL\)/);
    assert.equal(e.line, undefined);
    return true;
  });
});

test('production: an http:// address is refused (the sign-in cookie is Secure there), https:// is fine', async () => {
  const dir = tempDir('pv-public-url-');
  const file = join(dir, 'postvagt.yaml');
  const yaml = (url: string) => `mode: production\nlisteners:\n  - name: outbound\n    listen: 127.0.0.1:2525\n    direction: outbound\n    tls:\n      starttls: false\nweb:\n  public_url: ${url}\n`;
  writeFileSync(file, yaml('http://postvagt.kommune.example'));
  await assert.rejects(loadConfig({ file, env: ENV, cwd: dir }), (e: unknown) => {
    assert.ok(e instanceof PvError);
    assert.equal(e.line, 9);
    assert.match(e.message, /^web\.public_url: production mode needs an https:\/\/ address/);
    return true;
  });
  writeFileSync(file, yaml('https://postvagt.kommune.example'));
  assert.equal((await loadConfig({ file, env: ENV, cwd: dir })).config.web.public_url, 'https://postvagt.kommune.example');
});
