// loadConfig: YAML file + environment + flags → validated, frozen config; every error names the
// file, the key path and the line. Real files in temp dirs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../store/helpers.ts';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, redactedConfig } from '../../src/config/load.ts';
import { PvError, describeError } from '../../src/errors.ts';

const HEX_A = 'a'.repeat(64);
const HEX_B = 'b'.repeat(64);

function dir(): string {
  return tempDir('pv-config-');
}

function yamlFile(d: string, text: string): string {
  const f = join(d, 'postvagt.yaml');
  writeFileSync(f, text);
  return f;
}

async function failure(p: Parameters<typeof loadConfig>[0]): Promise<PvError> {
  try {
    await loadConfig(p);
  } catch (err) {
    assert.ok(err instanceof PvError, `expected PvError, got ${err}`);
    return err;
  }
  assert.fail('loadConfig succeeded but should have failed');
}

const BASE = `listeners:
  - name: outbound
    listen: 127.0.0.1:2525
    direction: outbound
`;

test('no file: the embedded defaults from DESIGN (127.0.0.1:2525 outbound, dashboard :8025, capture upstream)', async () => {
  const d = dir();
  const c = await loadConfig({ env: {}, cwd: d });
  assert.equal(c.file, null);
  assert.equal(c.config.listeners.length, 1);
  assert.equal(c.config.listeners[0].listen, '127.0.0.1:2525');
  assert.equal(c.config.listeners[0].direction, 'outbound');
  assert.deepEqual(c.config.listeners[0].relay.networks, ['127.0.0.0/8', '::1/128']);
  assert.equal(c.config.web.listen, '127.0.0.1:8025');
  assert.equal(c.config.upstreams.default.url, 'capture');
  assert.equal(c.config.policy.outbound.action, 'reject');
  assert.equal(c.config.policy.inbound.action, 'redact');
  assert.equal(c.config.data_dir, join(d, 'var'));
});

test('development keys are generated once, mode 0600, and reused on the next start', async () => {
  const d = dir();
  const first = await loadConfig({ env: {}, cwd: d });
  const second = await loadConfig({ env: {}, cwd: d });
  assert.equal(first.hmacKey.length, 32);
  assert.equal(first.quarantineKey.length, 32);
  assert.notDeepEqual(first.hmacKey, first.quarantineKey);
  assert.deepEqual(second.hmacKey, first.hmacKey);
  assert.deepEqual(second.quarantineKey, first.quarantineKey);
  for (const f of ['hmac.key', 'quarantine.key']) {
    assert.equal(statSync(join(d, 'var', 'keys', f)).mode & 0o777, 0o600);
  }
});

test('four processes starting at once on a fresh data dir all end up with the same development keys', async () => {
  const d = dir();
  const { spawn } = await import('node:child_process');
  const script = `import { loadConfig } from ${JSON.stringify(new URL('../../src/config/load.ts', import.meta.url).pathname)};
const c = await loadConfig({ env: {}, cwd: process.argv[1] });
process.stdout.write(c.hmacKey.toString('hex') + c.quarantineKey.toString('hex'));`;
  const runs = Array.from({ length: 4 }, () => new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, d], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
  }));
  const keys = await Promise.all(runs);
  assert.equal(keys[0].length, 128);
  assert.deepEqual(new Set(keys).size, 1);
  assert.deepEqual(readdirSync(join(d, 'var', 'keys')).sort(), ['hmac.key', 'quarantine.key'], 'no temp files left');
});

test('misspelt key: PV_CONFIG_UNKNOWN_KEY naming file, line, key path and the likely key', async () => {
  const d = dir();
  const f = yamlFile(d, `${BASE}policy:\n  outbound:\n    acton: reject\n`);
  const err = await failure({ file: f, env: {}, cwd: d });
  assert.equal(err.code, 'PV_CONFIG_UNKNOWN_KEY');
  assert.equal(err.file, f);
  assert.equal(err.line, 7);
  assert.match(err.message, /^policy\.outbound\.acton: unknown key \(did you mean 'action'\?\)/);
  assert.match(describeError(err), new RegExp(`^${f.replaceAll('/', '\\/')}:7: policy\\.outbound\\.acton: unknown key`));
});

test('unknown key inside a listener is reported with its index and line', async () => {
  const d = dir();
  const f = yamlFile(d, `${BASE}    max_conections: 10\n`);
  const err = await failure({ file: f, env: {}, cwd: d });
  assert.equal(err.code, 'PV_CONFIG_UNKNOWN_KEY');
  assert.equal(err.line, 5);
  assert.match(err.message, /listeners\[0\]\.max_conections: unknown key \(did you mean 'max_connections'\?\)/);
});

test('bad value: PV_CONFIG_INVALID with key path and the line of the value', async () => {
  const d = dir();
  const f = yamlFile(d, `${BASE}    max_message_size: -5\nweb:\n  listen: nowhere\n`);
  const err = await failure({ file: f, env: {}, cwd: d });
  assert.equal(err.code, 'PV_CONFIG_INVALID');
  assert.equal(err.line, 5);
  assert.match(err.message, /listeners\[0\]\.max_message_size/);
  assert.match(err.message, /:7: web\.listen: expected HOST:PORT/, 'the second problem is listed with its own line');
});

test('YAML syntax error: PV_CONFIG_SYNTAX with the line', async () => {
  const d = dir();
  const f = yamlFile(d, `mode: development\nlisteners:\n  - name: [unclosed\n`);
  const err = await failure({ file: f, env: {}, cwd: d });
  assert.equal(err.code, 'PV_CONFIG_SYNTAX');
  assert.ok(err.line !== undefined && err.line >= 3, `line ${err.line}`);
});

test('unreadable file: PV_CONFIG_UNREADABLE naming it', async () => {
  const d = dir();
  const err = await failure({ file: join(d, 'missing.yaml'), env: {}, cwd: d });
  assert.equal(err.code, 'PV_CONFIG_UNREADABLE');
  assert.equal(err.file, join(d, 'missing.yaml'));
});

test('discard: refused with a message that there is no discard by design', async () => {
  const d = dir();
  const f = yamlFile(d, `${BASE}policy:\n  outbound:\n    action: discard\n`);
  const err = await failure({ file: f, env: {}, cwd: d });
  assert.equal(err.code, 'PV_CONFIG_INVALID');
  assert.equal(err.line, 7);
  assert.match(err.message, /no discard action by design/);
});

test('open relay is impossible: no networks and no auth is refused', async () => {
  const d = dir();
  const f = yamlFile(d, `${BASE}    relay:\n      networks: []\n`);
  const err = await failure({ file: f, env: {}, cwd: d });
  assert.equal(err.line, 5);
  assert.match(err.message, /listeners\[0\]\.relay: would be an open relay/);
});

for (const net of ['0.0.0.0/0', '::/0']) {
  test(`open relay is impossible: ${net} is refused`, async () => {
    const d = dir();
    const f = yamlFile(d, `${BASE}    relay:\n      networks: ["10.0.0.0/8", "${net}"]\n`);
    const err = await failure({ file: f, env: {}, cwd: d });
    assert.equal(err.line, 6);
    assert.match(err.message, /open relay/);
  });
}

test('relay network that is not an address is refused', async () => {
  const d = dir();
  const f = yamlFile(d, `${BASE}    relay:\n      networks: ["999.1.1.1/8"]\n`);
  assert.match((await failure({ file: f, env: {}, cwd: d })).message, /not an IP address/);
});

test('a listener naming an undefined route is refused, listing the defined ones', async () => {
  const d = dir();
  const f = yamlFile(d, `${BASE}    upstream: exchange\nupstreams:\n  postfix:\n    url: smtp://10.0.0.5:25\n`);
  const err = await failure({ file: f, env: {}, cwd: d });
  assert.equal(err.line, 5);
  assert.match(err.message, /route 'exchange' is not defined under upstreams \(defined: postfix\)/);
});

test('duplicate listener names and ports are refused', async () => {
  const d = dir();
  const f = yamlFile(d, `${BASE}  - name: outbound\n    listen: 127.0.0.1:2525\n    direction: inbound\n`);
  const err = await failure({ file: f, env: {}, cwd: d });
  assert.match(err.message, /listener name 'outbound' is already used/);
  assert.match(err.message, /port 2525 is already used/);
});

test('port 0 (any free port) may be used by several listeners and the dashboard', async () => {
  const d = dir();
  const f = yamlFile(d, `listeners:\n  - { name: a, listen: "127.0.0.1:0", direction: outbound }\n  - { name: b, listen: "127.0.0.1:0", direction: inbound }\nweb: { listen: "127.0.0.1:0" }\n`);
  const c = await loadConfig({ file: f, env: {}, cwd: d });
  assert.deepEqual(c.config.listeners.map((l) => l.listen), ['127.0.0.1:0', '127.0.0.1:0']);
});

test("outbound 'pass' is refused (monitoring-only is for inbound)", async () => {
  const d = dir();
  const f = yamlFile(d, `${BASE}policy:\n  outbound: { action: pass }\n  inbound: { action: pass }\n`);
  const err = await failure({ file: f, env: {}, cwd: d });
  assert.match(err.message, /^policy\.outbound\.action: 'pass' is only allowed for inbound/);
  assert.doesNotMatch(err.message, /inbound\.action/);
});

test('production without secrets: PV_CONFIG_SECRET_MISSING; no key is invented', async () => {
  const d = dir();
  const f = yamlFile(d, `mode: production\n${BASE}    tls: { starttls: false }\n`);
  const err = await failure({ file: f, env: {}, cwd: d });
  assert.equal(err.code, 'PV_CONFIG_SECRET_MISSING');
  assert.match(err.message, /POSTVAGT_HMAC_KEY/);
  const ok = await loadConfig({ file: f, env: { POSTVAGT_HMAC_KEY: HEX_A, POSTVAGT_QUARANTINE_KEY: HEX_B }, cwd: d });
  assert.deepEqual(ok.hmacKey, Buffer.from(HEX_A, 'hex'));
  assert.deepEqual(ok.quarantineKey, Buffer.from(HEX_B, 'hex'));
});

test('previous quarantine keys (rotation) from the environment and from files', async () => {
  const d = dir();
  writeFileSync(join(d, 'old2.key'), `${'c'.repeat(64)}\n`);
  const f = yamlFile(d, `secrets:\n  previous_quarantine_key_files: [old2.key]\n`);
  const c = await loadConfig({ file: f, cwd: d, env: { POSTVAGT_HMAC_KEY: HEX_A, POSTVAGT_QUARANTINE_KEY: HEX_B, POSTVAGT_QUARANTINE_KEY_PREVIOUS: `${'d'.repeat(64)}, ${'e'.repeat(64)}` } });
  assert.deepEqual(c.previousQuarantineKeys?.map((k) => k.toString('hex')[0]), ['d', 'e', 'c']);
  const err = await failure({ cwd: d, env: { POSTVAGT_QUARANTINE_KEY_PREVIOUS: 'abcd' } });
  assert.match(err.message, /POSTVAGT_QUARANTINE_KEY_PREVIOUS\[0\]: the previous quarantine key must be 32 bytes/);
});

test('the same key for fingerprints and quarantine is refused', async () => {
  const err = await failure({ env: { POSTVAGT_HMAC_KEY: HEX_A, POSTVAGT_QUARANTINE_KEY: HEX_A }, cwd: dir() });
  assert.match(err.message, /HMAC key and the quarantine key are the same/);
});

test('production with STARTTLS needs certificate files', async () => {
  const d = dir();
  const f = yamlFile(d, `mode: production\n${BASE}`);
  const err = await failure({ file: f, env: { POSTVAGT_HMAC_KEY: HEX_A, POSTVAGT_QUARANTINE_KEY: HEX_B }, cwd: d });
  assert.match(err.message, /listeners\[0\]\.tls: production mode needs cert_file and key_file/);
});

test('certificate and CA files that cannot be read are reported with key path and line at load', async () => {
  const d = dir();
  writeFileSync(join(d, 'gw.key'), 'x');
  const f = yamlFile(d, `${BASE}    tls:\n      cert_file: missing.crt\n      key_file: gw.key\nupstreams:\n  default:\n    url: smtp://10.0.0.1:25\n    ca_file: /nonexistent/ca.pem\n`);
  const err = await failure({ file: f, env: {}, cwd: d });
  assert.equal(err.line, 6);
  assert.match(err.message, new RegExp(`^listeners\\[0\\]\\.tls\\.cert_file: cannot read ${join(d, 'missing.crt').replaceAll('/', '\\/')} \\(ENOENT\\)`));
  assert.match(err.message, /:11: upstreams\.default\.ca_file: cannot read \/nonexistent\/ca\.pem \(ENOENT\)/);
});

test('secrets from files (relative to cwd); a short quarantine key is refused without echoing it', async () => {
  const d = dir();
  writeFileSync(join(d, 'h.key'), `${HEX_A}\n`);
  writeFileSync(join(d, 'q.key'), 'c0ffee\n');
  const f = yamlFile(d, `secrets:\n  hmac_key_file: h.key\n  quarantine_key_file: q.key\n`);
  const err = await failure({ file: f, env: {}, cwd: d });
  assert.match(err.message, /quarantine key must be 32 bytes/);
  assert.doesNotMatch(err.message, /c0ffee/);
  writeFileSync(join(d, 'q.key'), `${HEX_B}\n`);
  const ok = await loadConfig({ file: f, env: {}, cwd: d });
  assert.deepEqual(ok.hmacKey, Buffer.from(HEX_A, 'hex'));
});

test('environment overrides for containers, and flags over environment', async () => {
  const d = dir();
  const f = yamlFile(d, `${BASE}upstreams:\n  default:\n    url: smtp://10.0.0.1:25\n    require_tls: true\n`);
  const env = {
    POSTVAGT_DATA_DIR: '/srv/pv',
    POSTVAGT_STORE: 'sqlite:/srv/pv/db.sqlite',
    POSTVAGT_LISTEN: '0.0.0.0:2526',
    POSTVAGT_HTTP: '0.0.0.0:8080',
    POSTVAGT_UPSTREAM: 'smtp://mx.example:25',
    POSTVAGT_HMAC_KEY: HEX_A,
    POSTVAGT_QUARANTINE_KEY: HEX_B,
  };
  const c = await loadConfig({ file: f, env, cwd: d });
  assert.equal(c.config.data_dir, '/srv/pv');
  assert.deepEqual(c.config.store, { kind: 'sqlite', path: '/srv/pv/db.sqlite' });
  assert.equal(c.config.listeners[0].listen, '0.0.0.0:2526');
  assert.equal(c.config.web.listen, '0.0.0.0:8080');
  assert.equal(c.config.upstreams.default.url, 'smtp://mx.example:25');
  assert.equal(c.config.upstreams.default.require_tls, true, 'the rest of the route stays');
  const flagged = await loadConfig({ file: f, env, cwd: d, overrides: { listen: '127.0.0.1:2600', data: 'here', upstream: 'capture', http: '127.0.0.1:9000' } });
  assert.equal(flagged.config.listeners[0].listen, '127.0.0.1:2600');
  assert.equal(flagged.config.data_dir, join(d, 'here'));
  assert.equal(flagged.config.upstreams.default.url, 'capture');
  assert.equal(flagged.config.web.listen, '127.0.0.1:9000');
  const pg = await loadConfig({ env: { POSTVAGT_STORE: 'postgres://pv:secret@db/pv' }, cwd: d });
  assert.deepEqual(pg.config.store, { kind: 'postgres', url: 'postgres://pv:secret@db/pv' });
});

test('a bad value from the environment names the variable instead of a line', async () => {
  const d = dir();
  const err = await failure({ env: { POSTVAGT_LISTEN: 'no-port-here' }, cwd: d });
  assert.match(err.message, /listeners\[0\]\.listen: expected HOST:PORT.*\(set by POSTVAGT_LISTEN\)/);
  assert.equal(err.line, undefined);
  const mode = await failure({ env: { POSTVAGT_MODE: 'prod' }, cwd: d });
  assert.match(mode.message, /^mode: .*\(set by POSTVAGT_MODE\)/);
});

test('a section left empty (all its lines commented out) means defaults, not an error', async () => {
  const d = dir();
  const f = yamlFile(d, `${BASE}policy:\n  # outbound:\n  #   action: quarantine\nnotify:\n`);
  const c = await loadConfig({ file: f, env: {}, cwd: d });
  assert.equal(c.config.policy.outbound.action, 'reject');
  assert.equal(c.config.notify.postmaster, 'postmaster@localhost');
});

test('the result is deep-frozen', async () => {
  const c = await loadConfig({ env: {}, cwd: dir() });
  assert.ok(Object.isFrozen(c.config.listeners[0].relay.networks));
  assert.throws(() => {
    (c.config.policy.outbound as { action: string }).action = 'pass';
  }, TypeError);
});

test('redactedConfig prints no key material and hides database passwords', async () => {
  const d = dir();
  const c = await loadConfig({ env: { POSTVAGT_STORE: 'postgres://pv:s3cret@db:5432/pv' }, cwd: d });
  const text = JSON.stringify(redactedConfig(c));
  assert.doesNotMatch(text, /s3cret/);
  assert.match(text, /postgres:\/\/pv:\*\*\*@db:5432\/pv/);
  const keyHex = readFileSync(join(d, 'var', 'keys', 'hmac.key'), 'utf8').trim();
  assert.ok(!text.includes(keyHex));
  assert.ok(!text.includes(c.quarantineKey.toString('hex')));
});
