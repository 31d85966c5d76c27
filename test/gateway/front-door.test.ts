// The listener's front door with sessions on in-memory pipes: no socket besides the public one, the
// connection limit, QUIT/idle-timeout/shutdown closing the client after the reply, a client's own
// XCLIENT refused, and warm sessions that time out in the pool replaced. I/O: gateway and a recording
// smtp-server upstream on 127.0.0.1:0, raw TCP clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { RawClient } from './raw-client.ts';
import { recordingUpstream, startTestGateway } from './helpers.ts';
import { startFrontDoor } from '../../src/gateway/front-door.ts';
import type { PipeEnd } from '../../src/gateway/session-pipe.ts';

const tcpServers = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;

/** resolves when the socket has closed; fails the test instead of hanging */
function closedWithin(c: RawClient, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const until = Date.now() + ms;
    const poll = () => (c.closed ? resolve() : Date.now() > until ? reject(new Error(`still open after ${ms} ms: ${c.transcript.slice(-200)}`)) : setTimeout(poll, 10));
    poll();
  });
}

test('front door: the listener opens one socket, the public one; smtp-server sessions have none to reach', async () => {
  const up = await recordingUpstream();
  const before = tcpServers();
  const g = await startTestGateway({ upstreamPort: up.port });
  try {
    // a loopback backend port would be a second listening socket, open to any local process
    assert.equal(tcpServers() - before, 1);
    const c = await RawClient.connect(g.port);
    await c.envelope();
    assert.match(await c.data('Subject: one socket\r\n\r\nhi'), /^250 /);
    c.close();
    assert.equal(up.got.length, 1);
  } finally {
    await g.stop();
    await up.close();
  }
});

test('front door: a client sending its own XCLIENT is refused and keeps its real address', async () => {
  const up = await recordingUpstream();
  // relay only for 192.0.2.0/24: a forged ADDR from that net would open the relay to 127.0.0.1
  const g = await startTestGateway({ upstreamPort: up.port, over: { listener: { relay: { networks: ['192.0.2.0/24'] } } } });
  try {
    const c = await RawClient.connect(g.port);
    c.write('XCLIENT ADDR=192.0.2.10\r\n');
    assert.match(await c.expect(/^\d{3} /m), /^5\d\d /);
    c.write('EHLO client.test\r\n');
    await c.expect(/^250 /m);
    c.write('MAIL FROM:<a@kommune.example>\r\n');
    await c.expect(/^250 /m);
    c.write('RCPT TO:<b@example.org>\r\n');
    assert.match(await c.expect(/^\d{3} /m), /^554 5\.7\.1 /, 'relay refused: the session still has the real 127.0.0.1');
    c.close();
    assert.equal(up.got.length, 0);
  } finally {
    await g.stop();
    await up.close();
  }
});

test('front door: max_connections clients are served, the next gets 421 4.3.2 and is closed; a freed slot is reused', async () => {
  const g = await startTestGateway({ over: { listener: { max_connections: 2 } } });
  try {
    const a = await RawClient.connect(g.port);
    const b = await RawClient.connect(g.port);
    const sock = net.connect({ host: '127.0.0.1', port: g.port });
    let got = '';
    sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
    await once(sock, 'end');
    sock.destroy();
    assert.match(got, /^421 4\.3\.2 /);
    a.close();
    await new Promise((r) => setTimeout(r, 50));
    const c = await RawClient.connect(g.port);
    c.write('NOOP\r\n');
    assert.match(await c.expect(/^\d{3} /m), /^250 /);
    b.close();
    c.close();
  } finally {
    await g.stop();
  }
});

test('front door: QUIT gets 221 and the gateway closes the connection', async () => {
  const g = await startTestGateway();
  try {
    const c = await RawClient.connect(g.port);
    c.write('QUIT\r\n');
    assert.match(await c.expect(/^221 /m), /^221 /);
    await closedWithin(c, 3000);
  } finally {
    await g.stop();
  }
});

test('front door: an idle client gets 421 at socket_timeout_ms and is closed; warm sessions that timed out are replaced', async () => {
  const g = await startTestGateway({ over: { listener: { socket_timeout_ms: 300 } } });
  try {
    const c = await RawClient.connect(g.port);
    assert.match(await c.expect(/^421 /m, 3000), /^421 /);
    await closedWithin(c, 3000);
    // by now every warm session in the pool has timed out at least once: a new client still gets a
    // greeting and a working session, not a 421 left over from an expired one
    const d = await RawClient.connect(g.port);
    d.write('EHLO client.test\r\n');
    assert.match(await d.expect(/^250 /m), /^250/);
    d.close();
  } finally {
    await g.stop();
  }
});

test('front door: at shutdown an idle client gets 421 4.3.2 after the grace period and is disconnected', async () => {
  const g = await startTestGateway();
  const c = await RawClient.connect(g.port);
  c.write('EHLO client.test\r\n');
  await c.expect(/^250 /m);
  await g.gw.close({ graceMs: 100 });
  assert.match(await c.expect(/^421 /m, 100), /^421 4\.3\.2 /);
  await closedWithin(c, 3000);
});

test('front door: a warm session that says goodbye while waiting leaves the pool; the client gets a fresh greeting', async () => {
  let opened = 0;
  // a stand-in for smtp-server: the first session times out in the pool (421 + EOF), later ones work
  const openSession = (s: PipeEnd) => {
    const n = ++opened;
    s.write(`220 backend-${n} ESMTP\r\n`);
    if (n === 1) setImmediate(() => s.end('421 4.4.2 Timeout - closing connection\r\n'));
    s.on('data', (d: Buffer) => void (/^XCLIENT/.test(d.toString()) && s.write(`220 backend-${n} ESMTP\r\n`)));
  };
  const door = await startFrontDoor({ host: '127.0.0.1', port: 0, openSession, warm: 1, maxClients: 4 });
  try {
    while (opened < 2) await new Promise((r) => setTimeout(r, 5));
    const c = await RawClient.connect(door.port);
    assert.match(c.transcript, /^220 backend-2 /);
    c.close();
  } finally {
    await door.close();
  }
});

test('front door: a session that waited in the pool is handed out as it is; the pool is topped up, not rebuilt', async () => {
  let opened = 0;
  const openSession = (s: PipeEnd) => {
    const n = ++opened;
    s.write(`220 backend-${n} ESMTP\r\n`);
    s.on('data', (d: Buffer) => void (/^XCLIENT/.test(d.toString()) && s.write(`220 backend-${n} ESMTP\r\n`)));
  };
  const door = await startFrontDoor({ host: '127.0.0.1', port: 0, openSession, warm: 3, maxClients: 4 });
  try {
    while (opened < 3) await new Promise((r) => setTimeout(r, 5));
    // idle for a while: a warm session leaves the pool only when it speaks or ends (its 421), not by age
    await new Promise((r) => setTimeout(r, 200));
    const c = await RawClient.connect(door.port);
    assert.match(c.transcript, /^220 backend-1 /);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(opened, 4, 'one new session replaces the one taken');
    c.close();
  } finally {
    await door.close();
  }
});

test('front door: a client that keeps talking after QUIT gets 221 and is closed; the gateway serves on', async () => {
  const g = await startTestGateway();
  try {
    const sock = net.connect({ host: '127.0.0.1', port: g.port });
    sock.on('error', () => undefined);
    let got = '';
    sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
    await once(sock, 'connect');
    while (!got.includes('\n')) await new Promise((r) => setTimeout(r, 5));
    // commands keep arriving while the session closes, and after: they land on a pipe that has ended
    sock.write('QUIT\r\n');
    const closed = once(sock, 'close');
    const flood = setInterval(() => sock.writable && sock.write('NOOP\r\n'.repeat(50)), 1);
    await closed;
    clearInterval(flood);
    assert.match(got, /^221 /m);
    const c = await RawClient.connect(g.port);
    c.write('NOOP\r\n');
    assert.match(await c.expect(/^\d{3} /m), /^250 /);
    c.close();
  } finally {
    await g.stop();
  }
});
