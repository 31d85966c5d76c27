// `postvagt digest --send` against real SMTP servers (smtp-server on an ephemeral loopback port):
// delivered with MAIL FROM:<> and exactly the bytes `--format eml` shows; refusals, an unreachable
// upstream and TLS failures exit 1 with the upstream's words; the capture route stores it; Postfix's
// smtp-sink as a second, real MTA-side implementation.
// I/O: loopback SMTP, temp folders, openssl for a test certificate, smtp-sink processes (stopped after).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli.ts';
import { loadConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/store/open.ts';
import { incident, RAW } from '../store/helpers.ts';
import { parseWithPython } from '../notify/python-email.ts';
import { startSmtpSink } from '../support/postfix.ts';
import { assertNoRawCpr, fakeIO, seed, tmp } from './digest-helpers.test.ts';
import { recordingSmtp } from '../support/recording-smtp.ts';

const DAY = '2026-11-20';
const seeded = [
  incident('PV-20261120-AAAAAA', '2026-11-20T08:00:00.000Z', { subjectMasked: `Sag ${RAW}` }),
  incident('PV-20261120-SYSTEM', '2026-11-20T09:00:00.000Z', { action: 'upstream-fail', classification: 'systemic', classificationReason: 'The next mail server refused.', findings: [] }),
];

const smtpServer = recordingSmtp;

/** a data folder with the seeded incidents and a config whose default route is `upstream` */
async function setup(t: { after: (fn: () => void) => void }, upstream: string): Promise<{ dir: string; config: string }> {
  const dir = tmp(t);
  await seed(dir, seeded);
  const config = join(dir, 'postvagt.yaml');
  writeFileSync(config, `data_dir: ${dir}\nnotify:\n  central_mailbox: fejlpostkasse@kommune.dk\n  postmaster: postmaster@kommune.dk\nupstreams:\n  default:\n${upstream}`);
  return { dir, config };
}

/** the two lines that differ between two builds of the same digest: Date and Message-ID (and the text's timestamp) */
function sameDigest(a: string): string {
  return a.replace(/^Date: .*$/m, 'Date: -').replace(/^Message-ID: .*$/m, 'Message-ID: -').replace(/generated \d{4}-[\d :=\r\n-]+;/, 'generated -;');
}

test('--send: delivered to the central mailbox with MAIL FROM:<>, the same mail --format eml shows, nothing raw', async (t) => {
  const srv = await smtpServer(t);
  const { dir, config } = await setup(t, `    url: smtp://127.0.0.1:${srv.port}\n    helo_name: postvagt.kommune.dk\n`);
  const io = fakeIO(dir);
  assert.equal(await main(['digest', '--date', DAY, '--config', config, '--send'], io), 0, io.err());
  assert.match(io.out(), /^postvagt digest: 2026-11-20 \(2 incidents, \d+ unresolved\) accepted for fejlpostkasse@kommune\.dk by smtp:\/\/127\.0\.0\.1:\d+: 250 /);
  assert.equal(srv.got.length, 1);
  assert.equal(srv.got[0].from, '', 'null envelope sender: no bounce loops (RFC 5321 §4.5.5)');
  assert.deepEqual(srv.got[0].to, ['fejlpostkasse@kommune.dk']);
  const sent = srv.got[0].data.toString('utf8');
  const [p] = parseWithPython([srv.got[0].data]);
  assert.equal(p.error, null);
  assert.match(p.headers.subject[0], /^\[Postvagt\] Døgnrapport 2026-11-20: 2 hændelser, \d+ uløste? > 24 t - 1 SYSTEMISK\/SYSTEMIC/);
  assert.match(sent, /Message-ID: <digest-2026-11-20\.\w+@postvagt\.kommune\.dk>/);
  assert.match(sent.replaceAll('=\r\n', ''), /PV-20261120-AAAAAA[\s\S]*"Sag XXXXXX-XXXX"/);
  assertNoRawCpr(sent.replaceAll('=\r\n', ''), 'the sent mail');
  assertNoRawCpr(io.out() + io.err(), 'the command output');
  const eml = fakeIO(dir);
  assert.equal(await main(['digest', '--date', DAY, '--config', config, '--format', 'eml'], eml), 0, eml.err());
  assert.equal(sameDigest(sent), sameDigest(eml.out()), 'what --format eml shows is what --send sends');
});

test('--send: the upstream refuses the recipient → exit 1 with its reply; nothing delivered', async (t) => {
  const srv = await smtpServer(t, {
    onRcptTo(_addr, _session, cb) {
      cb(Object.assign(new Error('5.7.1 Relay access denied'), { responseCode: 554 }));
    },
  });
  const { dir, config } = await setup(t, `    url: smtp://127.0.0.1:${srv.port}\n`);
  const io = fakeIO(dir);
  assert.equal(await main(['digest', '--date', DAY, '--config', config, '--send'], io), 1);
  assert.match(io.err(), /the upstream smtp:\/\/127\.0\.0\.1:\d+ refused the digest at RCPT TO: 554 5\.7\.1 Relay access denied; nothing was sent \(a permanent refusal: check notify\.central_mailbox/);
  assert.match(io.err(), /\[PV_UPSTREAM_FAILED\]\n$/);
  assert.equal(io.out(), '');
  assert.equal(srv.got.length, 0);
});

test('--send: a temporary refusal at the end of DATA → exit 1, told to run again', async (t) => {
  const srv = await smtpServer(t, {
    onData(stream, _session, done) {
      stream.resume();
      stream.on('end', () => done(Object.assign(new Error('4.3.0 Queue file write error'), { responseCode: 451 })));
    },
  });
  const { dir, config } = await setup(t, `    url: smtp://127.0.0.1:${srv.port}\n`);
  const io = fakeIO(dir);
  assert.equal(await main(['digest', '--date', DAY, '--config', config, '--send'], io), 1);
  assert.match(io.err(), /refused the digest at DATA: 451 4\.3\.0 Queue file write error; nothing was sent \(probably temporary: run the command again later\)/);
});

test('--send: nothing listens at the upstream → exit 1 naming it', async (t) => {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const { dir, config } = await setup(t, `    url: smtp://127.0.0.1:${port}\n`);
  const io = fakeIO(dir);
  assert.equal(await main(['digest', '--date', DAY, '--config', config, '--send'], io), 1);
  assert.match(io.err(), new RegExp(`cannot deliver the digest to the upstream smtp://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*; nothing was sent`));
});

function testCertificate(dir: string): { key: Buffer; cert: Buffer; certFile: string } {
  const keyFile = join(dir, 'upstream.key');
  const certFile = join(dir, 'upstream.crt');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  return { key: execFileSync('cat', [keyFile]), cert: execFileSync('cat', [certFile]), certFile };
}

test('--send with require_tls: STARTTLS to a pinned CA works; an unverifiable certificate or no STARTTLS exits 1', async (t) => {
  const certDir = tmp(t);
  const { key, cert, certFile } = testCertificate(certDir);
  const srv = await smtpServer(t, { disabledCommands: ['AUTH'], key, cert });
  const pinned = await setup(t, `    url: smtp://127.0.0.1:${srv.port}\n    require_tls: true\n    ca_file: ${certFile}\n`);
  const ok = fakeIO(pinned.dir);
  assert.equal(await main(['digest', '--date', DAY, '--config', pinned.config, '--send'], ok), 0, ok.err());
  assert.equal(srv.got.length, 1);
  assert.equal(srv.got[0].secure, true, 'the digest went over TLS');

  const unpinned = await setup(t, `    url: smtp://127.0.0.1:${srv.port}\n    require_tls: true\n`);
  const bad = fakeIO(unpinned.dir);
  assert.equal(await main(['digest', '--date', DAY, '--config', unpinned.config, '--send'], bad), 1);
  assert.match(bad.err(), /cannot deliver the digest to the upstream .*self-signed certificate.*; nothing was sent \(a TLS problem: check the upstream's STARTTLS and certificate, and the route's ca_file/);

  const plain = await smtpServer(t);
  const noTls = await setup(t, `    url: smtp://127.0.0.1:${plain.port}\n    require_tls: true\n`);
  const refused = fakeIO(noTls.dir);
  assert.equal(await main(['digest', '--date', DAY, '--config', noTls.config, '--send'], refused), 1);
  assert.match(refused.err(), /refused the digest at STARTTLS: 500 .*; nothing was sent \(a TLS problem: check the upstream's STARTTLS/);
  assert.equal(srv.got.length + plain.got.length, 1, 'nothing went in clear');
});

test('--send with the capture route (the default config) stores the digest in the capture mailbox', async (t) => {
  const dir = tmp(t);
  await seed(dir, seeded);
  const io = fakeIO(dir);
  assert.equal(await main(['digest', '--date', DAY, '--data', dir, '--send'], io), 0, io.err());
  assert.match(io.out(), /stored for postmaster@localhost in the capture mailbox as message \d+ \(upstream 'default' is 'capture'/);
  const store = await openStore(await loadConfig({ env: {}, cwd: dir, overrides: { data: dir } }));
  try {
    const [m, ...more] = await store.listCaptured(10);
    assert.equal(more.length, 0);
    assert.deepEqual([m.sender, m.recipients], ['', ['postmaster@localhost']]);
    const raw = (await store.readCaptured(m.id))!.toString('utf8');
    assert.match(raw, /^Subject: \[Postvagt\] =\?/m);
    assert.match(raw.replaceAll('=\r\n', ''), /PV-20261120-SYSTEM/);
    assertNoRawCpr(raw.replaceAll('=\r\n', ''), 'the captured digest');
  } finally {
    await store.close();
  }
});

test("--send through Postfix's smtp-sink: accepted and captured; a sink refusing RCPT makes it exit 1", async (t) => {
  const sink = await startSmtpSink({ capture: true });
  t.after(() => sink.stop());
  const { dir, config } = await setup(t, `    url: smtp://127.0.0.1:${sink.port}\n`);
  const io = fakeIO(dir);
  assert.equal(await main(['digest', '--date', DAY, '--config', config, '--send'], io), 0, io.err());
  assert.match(io.out(), /accepted for fejlpostkasse@kommune\.dk by smtp:\/\/127\.0\.0\.1:\d+: 250 /);
  const [m, ...more] = await sink.messages();
  assert.equal(more.length, 0);
  assert.match(m, /^Subject: \[Postvagt\] =\?/m);
  assert.match(m.replaceAll('=\r\n', '').replaceAll('=\n', ''), /PV-20261120-SYSTEM/);
  assertNoRawCpr(m.replaceAll('=\r\n', '').replaceAll('=\n', ''), 'the mail smtp-sink captured');

  const refusing = await startSmtpSink({ hardReject: ['rcpt'] });
  t.after(() => refusing.stop());
  const r = await setup(t, `    url: smtp://127.0.0.1:${refusing.port}\n`);
  const bad = fakeIO(r.dir);
  assert.equal(await main(['digest', '--date', DAY, '--config', r.config, '--send'], bad), 1);
  assert.match(bad.err(), /refused the digest at RCPT TO: 5\d\d .*; nothing was sent \(a permanent refusal/);
});

test('bin/postvagt digest --send as cron runs it: delivers and the process ends by itself (no socket left open)', async (t) => {
  const srv = await smtpServer(t);
  const { dir, config } = await setup(t, `    url: smtp://127.0.0.1:${srv.port}\n`);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('POSTVAGT_')));
  const child = spawn('bin/postvagt', ['digest', '--date', DAY, '--config', config, '--send'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  child.stderr.on('data', (c: Buffer) => (err += c));
  // a guard against hanging forever, not a timing assertion: a process that lingers is killed and fails
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(guard);
  assert.equal(signal, null, 'the process had to be killed: something kept it alive');
  assert.equal(code, 0, err);
  assert.match(out, /accepted for fejlpostkasse@kommune\.dk/);
  assert.equal(srv.got.length, 1);
});
