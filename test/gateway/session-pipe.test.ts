// The in-memory socket pair under smtp-server sessions: order, backpressure both ways, close both
// ways (EOF after the last reply; a reset when the client is gone), the idle timeout, and a TLS
// upgrade over it with a real TLS client across TCP. I/O: one TCP server on 127.0.0.1:0 (TLS test).
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { developmentCertificate } from '../../src/gateway/tls.ts';
import { sessionPipe, type PipeEnd } from '../../src/gateway/session-pipe.ts';

const ADDR = { remoteAddress: '192.0.2.7', remotePort: 4567, localAddress: '127.0.0.1', localPort: 25 };

function collect(end: PipeEnd): { text: () => string } {
  const chunks: Buffer[] = [];
  end.on('data', (c: Buffer) => void chunks.push(c));
  return { text: () => Buffer.concat(chunks).toString('latin1') };
}

test('session pipe: bytes arrive in order both ways; the addresses are the ones given', async () => {
  const { session, door } = sessionPipe(ADDR);
  const atSession = collect(session);
  const atDoor = collect(door);
  door.write('EHLO a\r\n');
  door.write(Buffer.from('MAIL FROM:<x@y>\r\n'));
  session.write('220 hi\r\n');
  session.write('250 ok\r\n');
  await new Promise((r) => setImmediate(r));
  assert.equal(atSession.text(), 'EHLO a\r\nMAIL FROM:<x@y>\r\n');
  assert.equal(atDoor.text(), '220 hi\r\n250 ok\r\n');
  assert.equal(session.remoteAddress, '192.0.2.7');
  assert.equal(session.remotePort, 4567);
  assert.equal(session.localPort, 25);
  assert.equal(door.remoteAddress, '127.0.0.1');
  assert.equal(session.readyState, 'open');
  session.destroy();
  door.destroy();
});

test('session pipe: a reader that does not read holds the writer back (writableNeedDrain, then drain), nothing lost', async () => {
  const { session, door } = sessionPipe(ADDR);
  const chunk = Buffer.alloc(4096, 0x61);
  let accepted = 0;
  let ok = true;
  // the door reads nothing yet: the session's writes must stop being accepted, not pile up in memory
  while (ok && accepted < 1000) {
    ok = session.write(chunk);
    accepted++;
  }
  assert.equal(ok, false, 'write() reports backpressure');
  assert.ok(accepted < 100, `backpressure after ${accepted} chunks`);
  assert.equal(session.writableNeedDrain, true);
  assert.ok(door.readableLength <= door.readableHighWaterMark + chunk.length, `door buffers ${door.readableLength}`);
  const drained = once(session, 'drain');
  let got = 0;
  door.on('data', (c: Buffer) => void (got += c.length));
  await drained;
  await new Promise((r) => setImmediate(r));
  assert.equal(got, accepted * chunk.length);
  // and the other way round: the session not reading holds the door's writes back
  session.pause();
  let sent = 0;
  while (door.write(chunk)) sent++;
  assert.ok(sent < 100);
  assert.equal(door.writableNeedDrain, true);
  const doorDrained = once(door, 'drain');
  session.resume();
  await doorDrained;
  session.destroy();
});

test('session pipe: the session ending gives the door its last reply, then EOF; both ends close', async () => {
  const { session, door } = sessionPipe(ADDR);
  const atDoor = collect(door);
  const closed = Promise.all([once(session, 'close'), once(door, 'close')]);
  session.resume();
  session.write('221 Bye\r\n');
  session.end();
  await once(door, 'end');
  assert.equal(atDoor.text(), '221 Bye\r\n');
  await closed;
});

test('session pipe: the session destroyed right after its reply (421) still lets the door read that reply', async () => {
  const { session, door } = sessionPipe(ADDR);
  session.write('421 4.4.2 Timeout\r\n');
  session.destroy();
  await new Promise((r) => setImmediate(r));
  // the door had not read yet: the reply waits in its buffer, and EOF after it
  const atDoor = collect(door);
  await once(door, 'end');
  assert.equal(atDoor.text(), '421 4.4.2 Timeout\r\n');
});

test('session pipe: the door destroyed (client gone) closes the session at once, unread input and all', async () => {
  const { session, door } = sessionPipe(ADDR);
  session.pause(); // like a session busy in a slow DATA hook, not reading
  door.write('DATA chunk the session never reads\r\n');
  const closed = once(session, 'close');
  door.destroy();
  await closed;
  assert.equal(session.destroyed, true);
  assert.equal(session.readyState, 'closed');
  // a write by the session afterwards is harmless
  assert.equal(session.write('250 late\r\n'), false);
});

test('session pipe: the door ending (client FIN) ends the session, which closes both', async () => {
  const { session, door } = sessionPipe(ADDR);
  const atSession = collect(session);
  door.resume();
  const closed = Promise.all([once(session, 'close'), once(door, 'close')]);
  door.end('QUIT\r\n');
  await once(session, 'end');
  assert.equal(atSession.text(), 'QUIT\r\n');
  await closed;
});

test('session pipe: setTimeout fires after ms without activity; activity and a new call re-arm it; 0 turns it off', () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  try {
    const { session, door } = sessionPipe(ADDR);
    session.resume();
    door.resume();
    let fired = 0;
    session.setTimeout(100, () => fired++);
    mock.timers.tick(60);
    door.write('NOOP\r\n'); // input for the session is activity
    mock.timers.tick(60);
    assert.equal(fired, 0, 'input 60 ms in moved the deadline');
    session.write('250 ok\r\n'); // so is its own output
    mock.timers.tick(99);
    assert.equal(fired, 0);
    mock.timers.tick(2);
    assert.equal(fired, 1, 'fires once the session was idle for 100 ms');
    session.setTimeout(100, () => fired++);
    mock.timers.tick(50);
    session.setTimeout(100); // a new call restarts the period
    mock.timers.tick(60);
    assert.equal(fired, 1);
    mock.timers.tick(41);
    assert.equal(fired, 2);
    const off = () => fired++;
    session.setTimeout(100, off);
    session.setTimeout(0, off);
    mock.timers.tick(500);
    assert.equal(fired, 2, 'turned off');
    session.destroy();
  } finally {
    mock.timers.reset();
  }
});

test('session pipe: a TLS server socket on the session end talks to a real TLS client over TCP, and closes with it', async () => {
  // smtp-server upgrades its socket with new tls.TLSSocket(socket, {isServer}) at STARTTLS; Node wraps
  // any Duplex for that. The TCP leg is what the front door does: bytes pumped to the door end.
  const dir = await mkdtemp(join(tmpdir(), 'pv-pipe-tls-'));
  const { key, cert } = await developmentCertificate(dir);
  const { session, door } = sessionPipe(ADDR);
  const tcp = net.createServer((sock) => {
    sock.pipe(door);
    door.pipe(sock);
    sock.once('close', () => door.destroy());
  });
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  const secure = new tls.TLSSocket(session as unknown as net.Socket, { isServer: true, key, cert });
  const serverClosed = once(secure, 'close');
  const big = 1 << 20;
  let received = 0;
  secure.on('data', (d: Buffer) => {
    received += d.length;
    if (received === 4) secure.write('pong');
    if (received === 4 + big) secure.write(`got ${received}`);
  });
  const client = tls.connect({ host: '127.0.0.1', port: (tcp.address() as net.AddressInfo).port, rejectUnauthorized: false });
  try {
    await once(client, 'secureConnect');
    assert.ok(client.getProtocol(), 'a TLS session was negotiated');
    client.write('ping');
    const [pong] = (await once(client, 'data')) as [Buffer];
    assert.equal(pong.toString(), 'pong');
    // 1 MiB through TLS over the pair: backpressure in the middle must not lose or reorder a byte
    client.write(Buffer.alloc(big, 0x78));
    const [got] = (await once(client, 'data')) as [Buffer];
    assert.equal(got.toString(), `got ${4 + big}`);
    client.end();
    await serverClosed;
    assert.equal(session.destroyed, true);
  } finally {
    client.destroy();
    tcp.close();
    await rm(dir, { recursive: true, force: true });
  }
});
