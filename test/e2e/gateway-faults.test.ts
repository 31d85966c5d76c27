// Faults around the gateway, with real clients (swaks, nodemailer) and real or tiny fake upstreams:
// upstream down / slow / 4xx / per-recipient 5xx / no TLS under require_tls, and a failing store.
// I/O: listeners on 127.0.0.1:0, smtp-sink children. Protects invariants 1, 3 and 5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import nodemailer from 'nodemailer';
import { freePort, startSmtpSink } from '../support/postfix.ts';
import { FakeStore } from '../support/fake-store.ts';
import { recordingUpstream, replyLine, startTestGateway, swaks } from '../gateway/helpers.ts';

const MAIL = ['--from', 'sagsbehandler@kommune.example', '--to', 'borger@example.org', '--header', 'Subject: Referat', '--body', 'Hej'];

test('upstream down: the client gets 451 4.4.1 quoting a stored systemic incident, and no pass is recorded', async () => {
  const g = await startTestGateway({ upstreamPort: await freePort() });
  try {
    const r = await swaks(g.port, MAIL);
    const line = replyLine(r.stdout, /^4\d\d/);
    assert.match(line ?? '', /^451 4\.4\.1 /, r.stdout);
    const id = /PV-\d{8}-[0-9A-Z]{6}/.exec(line ?? '')?.[0] ?? '';
    const inc = g.store.incidents.get(id);
    assert.ok(inc, 'the quoted incident is stored');
    assert.equal(inc.action, 'upstream-fail');
    assert.equal(inc.classification, 'systemic');
    assert.deepEqual(g.store.decisions.map((d) => d.action), ['upstream-fail']);
  } finally {
    await g.stop();
  }
});

test('upstream that never answers: 451 after the upstream timeout, the gateway keeps serving', async () => {
  const mute = net.createServer(() => undefined); // accepts, never greets
  mute.listen(0, '127.0.0.1');
  await once(mute, 'listening');
  const port = (mute.address() as net.AddressInfo).port;
  const g = await startTestGateway({ upstreamPort: port, over: { upstream: { timeout_ms: 300 } } });
  try {
    const r = await swaks(g.port, MAIL);
    assert.match(replyLine(r.stdout, /^4\d\d/) ?? '', /^451 4\.4\.1 /);
    assert.equal(g.store.decisions.filter((d) => d.action === 'pass').length, 0);
  } finally {
    await g.stop();
    mute.close();
  }
});

test('upstream answers 4xx at end of data: the same 4xx is mirrored to the client', async () => {
  const sink = await startSmtpSink({ softReject: ['data'] });
  const g = await startTestGateway({ upstreamPort: sink.port });
  try {
    const r = await swaks(g.port, MAIL);
    assert.match(replyLine(r.stdout, /^[45]\d\d/) ?? '', /^4\d\d /, r.stdout);
    assert.doesNotMatch(r.stdout, /<-\s+250 2\.0\.0/);
    assert.deepEqual(g.store.decisions.map((d) => d.action), ['upstream-fail']);
  } finally {
    await g.stop();
    await sink.stop();
  }
});

test('upstream refuses one of two recipients: exactly that one is refused to the client, the other delivered', async () => {
  const up = await recordingUpstream('nobody@example.org');
  const g = await startTestGateway({ upstreamPort: up.port });
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: g.port, secure: false, ignoreTLS: true });
  try {
    const info = await transport.sendMail({
      from: 'sagsbehandler@kommune.example',
      to: ['borger@example.org', 'nobody@example.org'],
      subject: 'Referat',
      text: 'Hej',
    });
    assert.deepEqual(info.accepted, ['borger@example.org']);
    assert.deepEqual(info.rejected, ['nobody@example.org']);
    assert.match(String(info.rejectedErrors?.[0]?.response ?? ''), /^550 5\.1\.1 No such user here/);
    assert.equal(up.got.length, 1);
    assert.deepEqual(up.got[0].rcpt, ['borger@example.org']);
    assert.deepEqual(g.store.decisions.map((d) => [d.action, d.recipients]), [['pass', ['borger@example.org']]]);
  } finally {
    transport.close();
    await g.stop();
    await up.close();
  }
});

test('require_tls with an upstream that offers no STARTTLS: 451 4.7.10, never plaintext', async () => {
  const sink = await startSmtpSink({ capture: true });
  const g = await startTestGateway({ upstreamPort: sink.port, over: { upstream: { require_tls: true } } });
  try {
    const r = await swaks(g.port, MAIL);
    assert.match(replyLine(r.stdout, /^4\d\d/) ?? '', /^451 4\.7\.10 /, r.stdout);
    assert.equal((await sink.messages()).length, 0);
  } finally {
    await g.stop();
    await sink.stop();
  }
});

test('store down before the upstream commits: 451 4.3.0 and the upstream discards the mail', async () => {
  // a recording smtp-server upstream records only transactions completed with the final dot
  const up = await recordingUpstream();
  const store = new FakeStore();
  store.failing.add('ping');
  const g = await startTestGateway({ upstreamPort: up.port, store });
  try {
    const r = await swaks(g.port, MAIL);
    assert.match(replyLine(r.stdout, /^4\d\d/) ?? '', /^451 4\.3\.0 .*PV-\d{8}-/, r.stdout);
    assert.equal(up.got.length, 0, 'nothing relayed unrecorded');
  } finally {
    await g.stop();
    await up.close();
  }
});

test('store cannot record a CPR reject: 451 4.3.0 instead of 550, nothing relayed', async () => {
  const sink = await startSmtpSink({ capture: true });
  const store = new FakeStore();
  store.failing.add('recordIncident');
  const g = await startTestGateway({ upstreamPort: sink.port, store });
  try {
    const r = await swaks(g.port, [...MAIL.slice(0, 4), '--header', 'Subject: Sag 220754-0181', '--body', 'x']);
    assert.match(replyLine(r.stdout, /^[45]\d\d/) ?? '', /^451 4\.3\.0 /, r.stdout);
    assert.equal((await sink.messages()).length, 0);
  } finally {
    await g.stop();
    await sink.stop();
  }
});

/** an upstream offering STARTTLS with a self-signed certificate; records whether each mail came over TLS */
async function tlsUpstream(): Promise<{ port: number; secure: boolean[]; close(): Promise<void> }> {
  const { SMTPServer } = await import('smtp-server');
  const { developmentCertificate } = await import('../../src/gateway/tls.ts');
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const cert = await developmentCertificate(await mkdtemp(join(tmpdir(), 'pv-up-tls-')));
  const secure: boolean[] = [];
  const server = new SMTPServer({
    key: cert.key,
    cert: cert.cert,
    authOptional: true,
    disabledCommands: ['AUTH'],
    logger: false,
    onData(stream, s, cb) {
      stream.resume();
      stream.on('end', () => (secure.push(s.secure), cb(null, 'Ok')));
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  return { port: (server.server.address() as net.AddressInfo).port, secure, close: () => new Promise((r) => server.close(() => r())) };
}

test('upstream STARTTLS: used whenever offered; an unverifiable certificate is a 4xx, never plaintext', async () => {
  const up = await tlsUpstream();
  const strict = await startTestGateway({ upstreamPort: up.port, over: { upstream: { require_tls: true } } });
  const lax = await startTestGateway({ upstreamPort: up.port, over: { upstream: { verify_certificates: false } } });
  try {
    const refused = await swaks(strict.port, MAIL);
    assert.match(replyLine(refused.stdout, /^4\d\d/) ?? '', /^451 4\.7\.5 /, refused.stdout);
    const ok = await swaks(lax.port, MAIL);
    assert.match(replyLine(ok.stdout, /^250 2/) ?? '', /^250 2\.0\.0 /, ok.stdout);
    assert.deepEqual(up.secure, [true], 'delivered once, over TLS');
  } finally {
    await strict.stop();
    await lax.stop();
    await up.close();
  }
});

test('SMTP AUTH relay (relay.auth, no networks): only after STARTTLS, right password relays, wrong one gets 535', async () => {
  const up = await recordingUpstream();
  const tried: string[] = [];
  const authenticate = async (user: string, pass: string) => (tried.push(user), user === 'webform' && pass === 'correct horse battery');
  const g = await startTestGateway({ upstreamPort: up.port, authenticate, over: { listener: { relay: { networks: [], auth: true }, tls: { starttls: true } } } });
  try {
    const anon = await swaks(g.port, MAIL);
    assert.match(replyLine(anon.stdout, /^5\d\d/) ?? '', /^554 5\.7\.1 /, 'no AUTH: relay denied');
    const plain = await swaks(g.port, ['--auth', 'PLAIN', '--auth-user', 'webform', '--auth-password', 'correct horse battery', ...MAIL]);
    assert.doesNotMatch(plain.stdout, /<[~-]\s+235 /, 'no password over plaintext');
    const wrong = await swaks(g.port, ['--tls', '--auth', 'PLAIN', '--auth-user', 'webform', '--auth-password', 'guess', ...MAIL]);
    assert.match(wrong.stdout, /<~\*\s+535 /);
    const ok = await swaks(g.port, ['--tls', '--auth', 'PLAIN', '--auth-user', 'webform', '--auth-password', 'correct horse battery', ...MAIL]);
    assert.match(replyLine(ok.stdout, /^250 2/) ?? '', /^250 2\.0\.0 /, ok.stdout);
    assert.equal(up.got.length, 1);
    assert.deepEqual(tried, ['webform', 'webform']);
  } finally {
    await g.stop();
    await up.close();
  }
});
