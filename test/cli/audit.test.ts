// `postvagt audit …` through the real dispatcher (src/cli.ts), in process, on the golden logs.
// I/O: reads fixtures. Protects the DESIGN CLI contract: JSON shape, exit codes 0/1/2, help that teaches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli.ts';
import { FATES } from '../../src/audit/types.ts';
import { fakeIO } from '../support/cli-io.ts';

const REAL = 'fixtures/postfix/real-postfix-3.7.log';

test('audit postfix --format json: messages/recipients carry exactly the ten fates in order; silent items per DESIGN', async () => {
  const io = fakeIO();
  assert.equal(await main(['audit', 'postfix', REAL, '--year', '2026', '--format', 'json'], io), 0);
  const j = JSON.parse(io.out());
  assert.deepEqual(Object.keys(j.messages), [...FATES]);
  assert.deepEqual(Object.keys(j.recipients), [...FATES]);
  assert.equal(j.messages.silently_dropped, 5);
  assert.equal(j.silent.length, 5);
  for (const s of j.silent) for (const k of ['queue_id', 'time', 'from', 'to', 'reason']) assert.ok(k in s, k);
  assert.ok(j.silent.every((s: { time: string }) => s.time.startsWith('2026-11-29T')));
  assert.doesNotMatch(io.out(), /010203-1234/);
});

test('--fail-on-find: exit 1 when mail was lost without notice, 0 when none was', async () => {
  assert.equal(await main(['audit', 'postfix', REAL, '--year', '2026', '--fail-on-find'], fakeIO()), 1);
  assert.equal(await main(['audit', 'postfix', 'fixtures/postfix/rollover-a.log', '--fail-on-find'], fakeIO()), 0);
});

test('a missing file and a directory: named on stderr, the rest still audited, exit 2', async () => {
  const io = fakeIO();
  const code = await main(['audit', 'postfix', 'fixtures/no-such.log', 'fixtures/postfix', REAL, '--year=2026', '--format', 'json'], io);
  assert.equal(code, 2);
  assert.match(io.err(), /fixtures\/no-such\.log: no such file/);
  assert.match(io.err(), /fixtures\/postfix: is a directory/);
  assert.equal(JSON.parse(io.out()).messages.silently_dropped, 5);
});

test('a 0-byte file and damaged lines are warnings (exit 0), not crashes', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const dir = mkdtempSync('/tmp/pv-cli-');
  writeFileSync(`${dir}/empty.log`, '');
  const io = fakeIO();
  assert.equal(await main(['audit', 'postfix', `${dir}/empty.log`, 'fixtures/postfix/iso-long-ids.log'], io), 0);
  assert.match(io.err(), /empty\.log: empty file \(0 bytes\)/);
  assert.match(io.err(), /iso-long-ids\.log:32: 1 damaged Postfix line/);
  assert.match(io.out(), /Silently dropped: 2 message/);
});

test('--format csv: a header and one row per message', async () => {
  const io = fakeIO();
  await main(['audit', 'postfix', REAL, '--year', '2026', '--format', 'csv'], io);
  const rows = io.out().split('\r\n').filter(Boolean);
  assert.equal(rows[0], 'queue_id,message_id,time,fate,from,to,unnamed_recipients,subject,reason');
  assert.equal(rows.length - 1, 15); // the 15 queue ids of real-postfix-3.7.expected.json
});

test('--threads N gives the same report as one thread', async () => {
  const one = fakeIO();
  const two = fakeIO();
  assert.equal(await main(['audit', 'postfix', REAL, '--year', '2026', '--format', 'json'], one), 0);
  assert.equal(await main(['audit', 'postfix', REAL, '--year', '2026', '--format', 'json', '--threads', '2'], two), 0);
  assert.equal(two.out(), one.out());
});

test('bad usage exits 2 with a message; --help teaches the fates with examples', async () => {
  for (const argv of [['audit', 'postfix'], ['audit', 'postfix', REAL, '--format', 'xml'], ['audit', 'postfix', REAL, '--year', '24'],
    ['audit', 'postfix', REAL, '--threads', '0'], ['audit', 'postfix', REAL, '--threads', 'two'], ['audit', 'exchange', REAL, '--threads', '2'],
    ['audit', 'postfix', REAL, '--bogus'], ['audit', 'frob']]) {
    const io = fakeIO();
    assert.equal(await main(argv, io), 2, argv.join(' '));
    assert.ok(io.err().length > 0);
  }
  const io = fakeIO();
  assert.equal(await main(['audit', 'postfix', '--help'], io), 0);
  for (const f of FATES) assert.ok(io.out().includes(f), f);
  assert.match(io.out(), /Examples:\n {2}postvagt audit postfix/);
  for (const sub of ['exchange', 'config']) assert.equal(await main(['audit', sub, '--help'], fakeIO()), 0);
});

test('a gzip log that breaks off and a file of random bytes: named, the rest audited; the truncation exits 2', async () => {
  const { mkdtempSync, writeFileSync, readFileSync } = await import('node:fs');
  const { gzipSync } = await import('node:zlib');
  const { randomBytes } = await import('node:crypto');
  const dir = mkdtempSync('/tmp/pv-cli-');
  const gz = gzipSync(Buffer.concat(Array.from({ length: 2000 }, () => readFileSync(REAL))));
  writeFileSync(`${dir}/mail.log.2.gz`, gz.subarray(0, gz.length >> 1));
  const noise = randomBytes(200_000);
  noise[0] = 0; // never the gzip magic by chance
  writeFileSync(`${dir}/noise.bin`, noise);
  const io = fakeIO();
  const code = await main(['audit', 'postfix', `${dir}/noise.bin`, `${dir}/mail.log.2.gz`, 'fixtures/postfix/iso-long-ids.log', '--format', 'json'], io);
  assert.equal(code, 2);
  assert.match(io.err(), /mail\.log\.2\.gz: gzip data is corrupt or truncated after line \d+/);
  assert.match(io.err(), /no Postfix log lines found in \S+noise\.bin/);
  const notLog = fakeIO();
  assert.equal(await main(['audit', 'postfix', 'package.json'], notLog), 2, 'a file that is no Postfix log at all is bad input');
  assert.match(notLog.err(), /no Postfix log lines found in package\.json — is this the mail log\?/);
  const j = JSON.parse(io.out());
  assert.ok(j.lines > 100_000, 'the readable part of the broken gzip was audited');
  assert.ok(j.silent.some((s: { queue_id: string }) => s.queue_id === '4ZCk1x0m5Lz9sgs'), 'the other file was audited');
});

test('an input that cannot be read is in the report itself (JSON warnings, text NOTE), never a clean-looking result', async () => {
  const json = fakeIO();
  assert.equal(await main(['audit', 'postfix', '/nonexistent/mail.log', REAL, '--year', '2026', '--format', 'json'], json), 2);
  const j = JSON.parse(json.out());
  assert.ok(j.warnings.some((w: string) => w.includes('/nonexistent/mail.log')), JSON.stringify(j.warnings));
  assert.deepEqual(j.files, [REAL]);
  const text = fakeIO();
  assert.equal(await main(['audit', 'postfix', '/nonexistent/mail.log', REAL, '--year', '2026'], text), 2);
  assert.match(text.out(), /^Postvagt audit \(postfix\): 1 file\(s\)/);
  assert.match(text.out(), /NOTE: 1 input problem\(s\)/);
});

/** a text that mentions a Postfix line but holds none (as README.md does) */
const PROSE = 'Classic syslog lines (`Nov 29 18:04:41 mx postfix/smtpd[123]: connect from x`) carry no year.\n\nSilently dropped: 0\n';

test('nothing could be audited (missing file, directory, no Postfix line, empty): only the error lines, no report, exit 2', async (t) => {
  const { mkdtempSync, writeFileSync, mkdirSync, rmSync } = await import('node:fs');
  const dir = mkdtempSync('/tmp/pv-cli-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(`${dir}/README.md`, PROSE);
  writeFileSync(`${dir}/empty.log`, '');
  mkdirSync(`${dir}/logs`);
  for (const [input, says] of [[`${dir}/missing.log`, /missing\.log: no such file/], [`${dir}/logs`, /logs: is a directory/],
    [`${dir}/README.md`, /no Postfix log lines found in \S+README\.md — is this the mail log\?/], [`${dir}/empty.log`, /empty\.log: empty file/]] as const) {
    for (const format of ['text', 'json', 'csv', 'html']) {
      const io = fakeIO();
      assert.equal(await main(['audit', 'postfix', input, '--format', format], io), 2, `${input} ${format}`);
      assert.equal(io.out(), '', `no report on stdout for ${input} (${format})`);
      assert.match(io.err(), says);
      assert.match(io.err(), /error: nothing was audited \(no input was a readable Postfix log\), so there is no report\n$/);
      assert.doesNotMatch(io.err(), /none found|Silently dropped/);
    }
  }
  const all = fakeIO();
  assert.equal(await main(['audit', 'postfix', `${dir}/missing.log`, `${dir}/logs`, `${dir}/README.md`], all), 2);
  assert.equal(all.out(), '');
  assert.equal(all.err().split('\n').filter(Boolean).length, 4, all.err());
});

test('a non-log file beside a real log: a warning naming it, the report names only the audited file, exit 2', async (t) => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const dir = mkdtempSync('/tmp/pv-cli-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(`${dir}/README.md`, PROSE);
  const io = fakeIO();
  assert.equal(await main(['audit', 'postfix', `${dir}/README.md`, REAL, '--year', '2026'], io), 2);
  assert.match(io.err(), /warning: no Postfix log lines found in \S+README\.md — is this the mail log\?/);
  assert.match(io.out(), /^Postvagt audit \(postfix\): 1 file\(s\)/);
  assert.match(io.out(), /Silently dropped: 5 message/);
});

test('Postfix lines after more than 10000 lines of other programs are found and audited', async (t) => {
  const { mkdtempSync, writeFileSync, readFileSync, rmSync } = await import('node:fs');
  const dir = mkdtempSync('/tmp/pv-cli-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const other = 'Nov 29 00:00:01 mx dovecot: imap-login: Login: user=<a>\n'.repeat(20_000);
  writeFileSync(`${dir}/mail.log`, other + readFileSync(REAL, 'utf8'));
  const io = fakeIO();
  assert.equal(await main(['audit', 'postfix', `${dir}/mail.log`, '--year', '2026', '--format', 'json'], io), 0, io.err());
  assert.equal(JSON.parse(io.out()).messages.silently_dropped, 5);
});
