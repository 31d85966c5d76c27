// `postvagt audit config` through the real dispatcher and once through bin/postvagt:
// the municipality's directory plus a transport-rule export, in text and JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { main } from '../../../src/cli.ts';
import { fakeIO } from '../../support/cli-io.ts';


const PATHS = ['fixtures/postfix-config/municipality', 'fixtures/transport-rules/kommune-rules.json'];

test('--format json: findings with file, 1-based line, severity, rule, message; --fail-on-find → 1', async () => {
  const io = fakeIO();
  assert.equal(await main(['audit', 'config', ...PATHS, '--format', 'json', '--fail-on-find'], io), 1);
  const j = JSON.parse(io.out());
  assert.equal(j.findings.length, 16);
  const cpr = j.findings.find((f: { rule: string }) => f.rule === 'cpr-silently-dropped');
  assert.deepEqual([cpr.file, cpr.line, cpr.severity], ['fixtures/postfix-config/municipality/header_checks', 3, 'silent-loss']);
  const del = j.findings.find((f: { rule: string }) => f.rule === 'exchange-delete-message');
  assert.deepEqual([del.file, del.line], ['fixtures/transport-rules/kommune-rules.json', 1]);
});

test('bin/postvagt audit config prints the text report, worst first; a missing path exits 2', () => {
  const r = spawnSync('bin/postvagt', ['audit', 'config', ...PATHS, 'no/such/dir'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stdout, /^Postvagt config audit: 6 silent-loss, 5 leak, 5 warning\n\nMail lost without notice \(6\)/);
  assert.match(r.stderr, /no\/such\/dir: no such file or directory/);
});
