// Regression tests for the upstream hop's races: a client that hangs up while an RCPT (or the opening
// MAIL) awaits the upstream's reply. I/O: a scripted upstream MTA and the gateway on loopback port 0.
// Protects invariant 1 (no 250 unless the upstream committed the mail) and the pool's slot count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { SmtpClient, UpstreamError } from '../../src/gateway/smtp-client.ts';
import { PooledRoute } from '../../src/gateway/upstream.ts';
import { startFrontDoor, xclient } from '../../src/gateway/front-door.ts';
import type { PipeEnd } from '../../src/gateway/session-pipe.ts';
import { startTestGateway } from './helpers.ts';
import { RawClient } from './raw-client.ts';

interface SlowUpstream {
  port: number;
  /** Subject lines of the mails this upstream committed (answered 250 after the final dot) */
  committed: string[];
  commands: string[];
  /** RCPT TO arguments in the order received */
  rcpts: string[];
  connections: number;
  close(): Promise<void>;
}

/** a minimal PIPELINING MTA whose RCPT replies take `rcptDelayMs`, its first `slowMails` MAIL replies `mailDelayMs` */
async function slowUpstream(rcptDelayMs: number, mailDelayMs = 0, dataReply = '354 go', slowMails = Infinity): Promise<SlowUpstream> {
  const up: SlowUpstream = { port: 0, committed: [], commands: [], rcpts: [], connections: 0, close: async () => undefined };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    up.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let buf = '';
    let body: string[] | null = null;
    let q = Promise.resolve();
    const say = (l: string) => void (s.destroyed || s.write(l + '\r\n'));
    const later = (ms: number, l: string) => (q = q.then(() => new Promise<void>((r) => setTimeout(() => (say(l), r()), ms))));
    say('220 slow.test ESMTP');
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let i; (i = buf.indexOf('\r\n')) !== -1; ) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (body) {
          if (line !== '.') body.push(line);
          else {
            const subject = body.find((l) => l.startsWith('Subject:')) ?? '';
            body = null;
            later(0, '250 2.0.0 queued').then(() => up.committed.push(subject));
          }
          continue;
        }
        const c = line.toUpperCase();
        up.commands.push(c.split(':')[0]);
        if (c.startsWith('RCPT')) up.rcpts.push(line.slice(9));
        if (c.startsWith('EHLO')) later(0, '250-slow.test\r\n250-PIPELINING\r\n250 8BITMIME');
        else if (c.startsWith('MAIL')) later(slowMails-- > 0 ? mailDelayMs : 0, '250 2.1.0 ok');
        else if (c.startsWith('RCPT')) later(rcptDelayMs, '250 2.1.5 ok');
        else if (c === 'DATA') later(0, dataReply).then(() => void (dataReply.startsWith('354') && (body = [])));
        else if (c === 'RSET') later(0, '250 2.0.0 reset');
        else if (c === 'QUIT') later(0, '221 bye').then(() => s.end());
        else later(0, '502 no');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  up.port = (server.address() as net.AddressInfo).port;
  up.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return up;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** a hang guard, not a speed check: a promise a defect leaves pending forever fails the test */
function settled<T>(p: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} never settled`)), ms)));
  return Promise.race([p, hang]).finally(() => clearTimeout(timer));
}

async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  for (const until = Date.now() + ms; !cond(); await sleep(20)) if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
}

test('SMTP client: a second reader while one waits fails the connection; a connection with an unread reply is not reusable', async () => {
  const server = net.createServer((s) => {
    s.write('220 t ESMTP\r\n');
    s.on('data', (d: Buffer) => {
      if (/^EHLO/i.test(d.toString())) s.write('250 t\r\n');
    });
    s.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const opts = { host: '127.0.0.1', port, heloName: 'gw.test', timeoutMs: 300, requireTls: false, verifyCertificates: false };
  const clients: SmtpClient[] = [];
  try {
    const c = await SmtpClient.open(opts);
    clients.push(c);
    assert.equal(c.reusable, true);
    const first = c.read();
    const second = c.read();
    await assert.rejects(first, (e: unknown) => e instanceof UpstreamError && e.kind === 'protocol');
    await assert.rejects(second, (e: unknown) => e instanceof UpstreamError && e.kind === 'protocol');
    assert.equal(c.usable, false);

    // an EHLO whose reply nobody reads: the replies are out of step, the pool must not take it back
    const d = await SmtpClient.open(opts);
    clients.push(d);
    await d.write('EHLO again\r\n');
    await waitFor(() => !d.reusable, 'the unread reply to arrive');
    assert.equal(d.usable, true, 'still open, only out of step');
  } finally {
    for (const c of clients) c.close();
    server.close();
  }
});

test('upstream Tx: abort() while an RCPT awaits its reply drops the connection instead of sending RSET behind it', async () => {
  const up = await slowUpstream(200);
  const route = new PooledRoute('default', { host: '127.0.0.1', port: up.port, heloName: 'gw.test', timeoutMs: 5000, requireTls: false, verifyCertificates: false, maxConnections: 1 });
  try {
    const tx = await route.begin('a@kommune.test', {}, 'x1@example.org');
    const pending = tx.rcpt('x2@example.org').catch((e: unknown) => e);
    await sleep(20);
    await tx.abort();
    assert.ok((await settled(pending, 'the pending RCPT')) instanceof UpstreamError, 'the RCPT in flight fails with the dropped connection');
    assert.ok(!up.commands.includes('RSET'), `no RSET sent while RCPT was pending: ${up.commands.join(' ')}`);

    // the next transaction gets a fresh connection, in step: DATA is answered 354, the mail committed
    const next = await route.begin('b@kommune.test', {}, 'victim@example.org');
    assert.equal(next.firstRcptReply?.code, 250);
    const reply = await next.data(Buffer.from('Subject: next\r\n\r\n'), Buffer.from('hello\r\n'), (async function* () {})(), async () => undefined);
    assert.equal(reply.code, 250);
    assert.deepEqual(up.committed, ['Subject: next']);
    assert.equal(up.connections, 2);
  } finally {
    await route.close();
    await up.close();
  }
});

test('upstream Tx: DATA answered 250 (a reply out of step) is a protocol error, never a delivery', async () => {
  const up = await slowUpstream(0, 0, '250 2.0.0 stale');
  const route = new PooledRoute('default', { host: '127.0.0.1', port: up.port, heloName: 'gw.test', timeoutMs: 5000, requireTls: false, verifyCertificates: false, maxConnections: 1 });
  try {
    const tx = await route.begin('a@kommune.test', {}, 'x@example.org');
    await assert.rejects(
      tx.data(Buffer.from('Subject: s\r\n\r\n'), Buffer.from('b\r\n'), (async function* () {})(), async () => undefined),
      (e: unknown) => e instanceof UpstreamError && e.kind === 'protocol',
    );
  } finally {
    await route.close();
    await up.close();
  }
});

async function session(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  c.write('EHLO client.test\r\n');
  await c.expect(/^250 /m);
  return c;
}

test('gateway: a client hanging up with its 2nd RCPT pending never makes a later mail get 250 without an upstream commit', async () => {
  const up = await slowUpstream(300);
  const gw = await startTestGateway({ upstreamPort: up.port, over: { upstream: { max_connections: 1 } } });
  try {
    for (let i = 0; i < 2; i++) {
      const spoil = await session(gw.port);
      spoil.write('MAIL FROM:<a@kommune.test>\r\n');
      await spoil.expect(/^250 /m);
      spoil.write('RCPT TO:<x1@example.org>\r\n');
      await spoil.expect(/^250 /m);
      spoil.write('RCPT TO:<x2@example.org>\r\n');
      spoil.close();
      await sleep(600);

      const c = await session(gw.port);
      c.write('MAIL FROM:<b@kommune.test>\r\n');
      await c.expect(/^250 /m);
      c.write('RCPT TO:<victim@example.org>\r\n');
      await c.expect(/^250 /m);
      c.write('DATA\r\n');
      await c.expect(/^354 /m);
      c.write(`Subject: test ${i}\r\nFrom: b@kommune.test\r\nTo: victim@example.org\r\n\r\nhello\r\n.\r\n`);
      const final = await c.expect(/^\d{3} /m);
      c.close();
      if (final.startsWith('250')) assert.ok(up.committed.includes(`Subject: test ${i}`), `250 "${final}" but the upstream committed only ${JSON.stringify(up.committed)}`);
      assert.ok(final.startsWith('250'), `mail ${i} relayed normally: ${final}`);
    }
  } finally {
    await gw.stop();
    await up.close();
  }
});

test('gateway: clients hanging up while the upstream MAIL is under way do not use up the pool', async () => {
  const up = await slowUpstream(0, 150);
  const gw = await startTestGateway({ upstreamPort: up.port, over: { upstream: { max_connections: 2, timeout_ms: 3000 } } });
  try {
    for (let i = 0; i < 3; i++) {
      const c = await session(gw.port);
      c.write('MAIL FROM:<a@kommune.test>\r\n');
      await c.expect(/^250 /m);
      c.write('RCPT TO:<x1@example.org>\r\n');
      c.close();
    }
    await sleep(400);
    const c = await session(gw.port);
    c.write('MAIL FROM:<b@kommune.test>\r\n');
    await c.expect(/^250 /m);
    c.write('RCPT TO:<victim@example.org>\r\n');
    assert.match(await c.expect(/^\d{3} /m), /^250 /, 'a pool slot is free: the RCPT is relayed, not 451 after a wait');
    c.close();
  } finally {
    await gw.stop();
    await up.close();
  }
});

test('gateway: an RCPT answered 451 at the hook deadline while MAIL is still under way is not left accepted upstream', async () => {
  const up = await slowUpstream(0, 600, '354 go', 1);
  const gw = await startTestGateway({ upstreamPort: up.port, over: { listener: { transaction_timeout_ms: 200 }, upstream: { max_connections: 1 } } });
  try {
    const c = await session(gw.port);
    c.write('MAIL FROM:<a@kommune.test>\r\n');
    await c.expect(/^250 /m);
    c.write('RCPT TO:<x1@example.org>\r\n');
    assert.match(await c.expect(/^\d{3} /m), /^451 /);
    await sleep(800); // begin() has resolved upstream by now
    c.write('RCPT TO:<x2@example.org>\r\n');
    assert.match(await c.expect(/^\d{3} /m), /^451 /, 'the failed transaction stays failed');
    c.close();
    // the slot came back: a new session relays normally, and x1 never reached DATA upstream
    const d = await session(gw.port);
    d.write('MAIL FROM:<b@kommune.test>\r\n');
    await d.expect(/^250 /m);
    d.write('RCPT TO:<victim@example.org>\r\n');
    await settled(d.expect(/^250 /m, 3000), 'the next RCPT');
    assert.match(await d.data('Subject: after\r\n\r\nhi'), /^250 /);
    d.close();
    assert.deepEqual(up.committed, ['Subject: after']);
    assert.ok(!up.rcpts.includes('<x2@example.org>'), `x2 was never forwarded: ${up.rcpts.join(' ')}`);
  } finally {
    await gw.stop();
    await up.close();
  }
});

test('front door: the XCLIENT reply must be a 220; a refusal or a closed backend rejects (fail closed)', async () => {
  const answers = ['220 backend.test ESMTP\r\n', '550 5.7.0 XCLIENT denied\r\n', null];
  const results: (string | Error)[] = [];
  for (const answer of answers) {
    const server = net.createServer((s) => {
      s.on('error', () => undefined);
      s.once('data', () => (answer === null ? s.destroy() : s.write(answer)));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const sock = net.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
    await once(sock, 'connect');
    results.push(await xclient(sock, 'XCLIENT ADDR=192.0.2.1 PORT=1\r\n').then((b) => b.toString(), (e: Error) => e));
    sock.destroy();
    server.close();
  }
  assert.equal(results[0], '220 backend.test ESMTP\r\n');
  assert.match(String((results[1] as Error).message), /refused XCLIENT: 550/);
  assert.match(String((results[2] as Error).message), /closed before answering/);
});

test('front door: a backend refusing XCLIENT leaves the client with 421, never a session under the proxy address', async () => {
  // a stand-in for smtp-server on the session end of each pipe: greets, then refuses XCLIENT
  const openSession = (s: PipeEnd) => {
    s.write('220 backend.test ESMTP\r\n');
    s.on('data', (d: Buffer) => void (/^XCLIENT/.test(d.toString()) && s.write('550 5.7.0 XCLIENT denied\r\n')));
  };
  const errors: string[] = [];
  const door = await startFrontDoor({
    host: '127.0.0.1',
    port: 0,
    openSession,
    warm: 1,
    maxClients: 4,
    onError: (e) => void errors.push(e.message),
  });
  const sock = net.connect({ host: '127.0.0.1', port: door.port });
  try {
    let got = '';
    sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
    await settled(once(sock, 'end'), 'the front door closing the client');
    assert.match(got, /^421 4\.3\.0 /);
    assert.doesNotMatch(got, /220/, 'the backend greeting is not passed on');
    assert.ok(errors.some((e) => /refused XCLIENT: 550/.test(e)), errors.join('; '));
  } finally {
    sock.destroy();
    await door.close();
  }
});
