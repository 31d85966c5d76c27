// `auditConfig` on realistic configurations: Debian's stock Postfix, the municipality's
// misconfiguration (a header_checks DISCARD on a CPR regexp), a protected setup, Exchange
// transport-rule exports, and inputs that cannot be read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, mkdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditConfig, formatConfigAudit, type ConfigFinding } from '../../../src/audit/config/index.ts';

const FX = 'fixtures/postfix-config';
const at = (f: ConfigFinding) => `${f.severity} ${f.rule} ${f.file.replace(/^.*fixtures\//, '')}:${f.line}`;

test("Debian's stock main.cf/master.cf: no CPR check at all, and notify_classes lacks bounce/policy", async () => {
  const r = await auditConfig([`${FX}/debian-default`]);
  assert.deepEqual(r.findings.map(at).sort(), [
    'leak no-cpr-check postfix-config/debian-default/main.cf:0',
    'warning notify-classes postfix-config/debian-default/main.cf:0',
  ]);
  assert.deepEqual(r.warnings, []);
});

test("the municipality's config: the CPR DISCARD rule and every other silent loss, with file and line", async () => {
  const r = await auditConfig([`${FX}/municipality`]);
  assert.deepEqual(r.findings.map(at).sort(), [
    'leak cpr-not-caught postfix-config/municipality/header_checks:3',
    'leak milter-default-accept postfix-config/municipality/main.cf:26',
    'leak no-cpr-check postfix-config/municipality/master.cf:142',
    'silent-loss access-silent postfix-config/municipality/recipient_access:2',
    'silent-loss body-checks-discard postfix-config/municipality/body_checks:3',
    'silent-loss cpr-silently-dropped postfix-config/municipality/header_checks:3',
    'silent-loss discard-transport postfix-config/municipality/transport:2',
    'silent-loss header-checks-hold postfix-config/municipality/header_checks:5',
    'warning notify-classes postfix-config/municipality/main.cf:36',
    'warning regexp-backslash-d postfix-config/municipality/header_checks:7',
    'warning soft-bounce postfix-config/municipality/main.cf:35',
  ]);
  const discard = r.findings.find((f) => f.rule === 'cpr-silently-dropped')!;
  assert.match(discard.message, /plain .*without the dash.*Q-encoded/);
  const leak = r.findings.find((f) => f.rule === 'cpr-not-caught')!;
  assert.match(leak.message, /B-encoded/);
  assert.match(leak.message, /split across two encoded words/);
});

test('a protected setup (REJECT with a reason inside if/endif, Postvagt milter, tempfail): only the encoded-form leak', async () => {
  const r = await auditConfig([`${FX}/protected`]);
  assert.deepEqual(r.findings.map((f) => f.rule), ['cpr-not-caught']);
  assert.match(r.findings[0].message, /Also configured: a milter \(inet:127\.0\.0\.1:2526\)/);
  assert.doesNotMatch(r.findings[0].message, /gets through as: plain/);
});

test('tables named under /etc/postfix are found in the audited copy; an unreadable table is a warning naming it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pv-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'main.cf'), 'header_checks = pcre:/etc/postfix/missing_checks\nnotify_classes = bounce, policy, resource\n');
  const r = await auditConfig([dir]);
  assert.match(r.warnings.join('\n'), /cannot read table pcre:\/etc\/postfix\/missing_checks .*its rules were not audited/);
  assert.deepEqual(r.findings.map((f) => f.rule), ['no-cpr-check']);
});

test('milter_default_action = discard and a discard default_transport are silent losses; a milter-less accept is a warning', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pv-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'main.cf'), 'milter_default_action = discard\ndefault_transport = discard\nnotify_classes = bounce,policy\nheader_checks = regexp:/etc/postfix/hc\n');
  writeFileSync(join(dir, 'hc'), '/^Subject:.*[0-9]{6}-?[0-9]{4}/ REJECT 5.7.1 CPR\n');
  writeFileSync(join(dir, 'master.cf'), 'smtp inet n - y - - smtpd\n  -o milter_default_action=accept\n');
  const r = await auditConfig([dir]);
  assert.deepEqual(r.findings.map((f) => `${f.severity} ${f.rule} ${f.line}`).sort(), [
    'leak cpr-not-caught 1',
    'silent-loss discard-transport 2',
    'silent-loss milter-default-discard 1',
    'warning milter-default-accept 2',
  ]);
});

test('Exchange transport rules: DeleteMessage, CPR rules without a reject, audit mode, redirect, disabled', async () => {
  const r = await auditConfig(['fixtures/transport-rules/kommune-rules.json']);
  assert.deepEqual(r.findings.map((f) => `${f.severity} ${f.rule} ${f.line}`), [
    'silent-loss exchange-delete-message 1',
    'leak exchange-cpr-no-reject 3',
    'warning exchange-redirect 4',
    'warning exchange-cpr-rule-disabled 5',
    'leak exchange-cpr-audit-mode 6',
  ]);
});

test('a PowerShell 5.1 export (UTF-16LE with BOM), a single-rule export (an object) and numeric/object enums are read', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pv-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const utf16 = join(dir, 'rules-ps51.json');
  const text = readFileSync('fixtures/transport-rules/kommune-rules.json', 'utf8');
  writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
  const single = join(dir, 'one.json');
  writeFileSync(single, JSON.stringify({ Name: 'x', State: { Value: 'Enabled' }, Mode: 2, DeleteMessage: true }));
  const numeric = join(dir, 'numeric-enums.json');
  writeFileSync(numeric, JSON.stringify([{ Name: 'off', State: 1, SubjectMatchesPatterns: ['\\d{6}-\\d{4}'], DeleteMessage: true }, { Name: 'test', State: 0, Mode: 0, SubjectMatchesPatterns: ['\\d{6}-\\d{4}'], RejectMessageReasonText: 'CPR' }]));
  const r = await auditConfig([utf16, single, numeric]);
  assert.equal(r.findings.filter((f) => f.file === utf16).length, 5);
  assert.deepEqual(r.findings.filter((f) => f.file === single).map((f) => f.rule), ['exchange-delete-message']);
  assert.deepEqual(r.findings.filter((f) => f.file === numeric).map((f) => `${f.rule} ${f.line}`), ['exchange-cpr-rule-disabled 1', 'exchange-cpr-audit-mode 2']);
  assert.match(r.findings.find((f) => f.file === numeric && f.line === 2)!.message, /runs in Audit mode/);
});

test('bad inputs: missing path, 0-byte file, not JSON, a folder without main.cf — each named, the rest audited', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pv-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const empty = join(dir, 'empty.json');
  writeFileSync(empty, '');
  const notJson = join(dir, 'rules.json');
  writeFileSync(notJson, '[{"Name": "x",');
  const folder = join(dir, 'etc');
  mkdirSync(folder);
  const missing = join(dir, 'nope');
  const r = await auditConfig([missing, empty, notJson, folder, `${FX}/debian-default`]);
  const w = r.warnings.join('\n');
  assert.match(w, new RegExp(`${missing}: no such file`));
  assert.match(w, new RegExp(`${empty}: empty file`));
  assert.match(w, new RegExp(`${notJson}: not valid JSON`));
  assert.match(w, new RegExp(`${folder}: no main.cf or master.cf`));
  assert.equal(r.findings.length, 2, 'the good directory is still audited');
});

test('main.cf given as a file audits its directory; findings output as text and as the DESIGN JSON', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pv-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(`${FX}/municipality`, dir, { recursive: true });
  const r = await auditConfig([join(dir, 'main.cf')]);
  assert.equal(r.findings.length, 11);
  const json = JSON.parse(formatConfigAudit(r, 'json'));
  assert.equal(json.findings[0].severity, 'silent-loss');
  for (const f of json.findings) assert.deepEqual(Object.keys(f).sort(), ['file', 'line', 'message', 'rule', 'severity']);
  const text = formatConfigAudit(r, 'text');
  assert.match(text, /^Postvagt config audit: 5 silent-loss, 3 leak, 3 warning/);
  assert.match(text, /header_checks:3 {2}\[cpr-silently-dropped\]/);
  assert.doesNotMatch(JSON.stringify(json), /010190-?1234/, 'no raw CPR from the probes leaks into findings');
});

test('a folder holding only transport-rule exports is audited file by file', async () => {
  const r = await auditConfig(['fixtures/transport-rules']);
  assert.equal(r.findings.length, 5);
  assert.ok(r.findings.every((f) => f.file === 'fixtures/transport-rules/kommune-rules.json'));
});

test('master.cf -o overrides: a service with its own header_checks table, and one that skips the checks', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pv-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'main.cf'), 'notify_classes = bounce, policy, resource, software\nheader_checks = regexp:/etc/postfix/header_checks\n');
  writeFileSync(join(dir, 'header_checks'), '/^Subject:.*[0-9]{6}[- ]?[0-9]{4}/ REJECT 5.7.1 CPR-nummer i emnefeltet\n');
  writeFileSync(join(dir, 'submission_checks'), '# for the web form\n/^Subject:.*[0-9]{6}-?[0-9]{4}/ HOLD\n');
  writeFileSync(join(dir, 'master.cf'), [
    'smtp      inet  n       -       y       -       -       smtpd',
    'submission inet n       -       y       -       -       smtpd',
    '  -o { header_checks = regexp:/etc/postfix/submission_checks }',
    '127.0.0.1:10025 inet n  -       n       -       -       smtpd',
    '  -o receive_override_options=no_header_body_checks',
  ].join('\n'));
  const r = await auditConfig([dir]);
  const got = r.findings.map((f) => `${f.severity} ${f.rule} ${f.file.slice(dir.length + 1)}:${f.line}`).sort();
  assert.deepEqual(got, [
    'leak checks-disabled master.cf:5',
    'leak cpr-not-caught header_checks:1',
    'leak cpr-not-caught submission_checks:2',
    'silent-loss cpr-silently-dropped submission_checks:2',
  ]);
  const held = r.findings.find((f) => f.rule === 'cpr-silently-dropped')!;
  assert.match(held.message, /^master\.cf service submission: a Subject carrying a CPR number is put on hold by this rule \(HOLD;/);
});
