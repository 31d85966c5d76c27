// Hostile input, each test named after the attack (STYLE 13): every one gets a correct reply or a
// timeout, and the gateway keeps serving the next client. I/O: gateway on 127.0.0.1:0 and a small
// smtp-server upstream that records only transactions completed with the final dot — what an MTA
// commits (one full-suite run showed an aborted transaction in smtp-sink's -d dump; not reproduced).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient } from '../gateway/raw-client.ts';
import { recordingUpstream, startTestGateway, type Running } from '../gateway/helpers.ts';

let sink: Awaited<ReturnType<typeof recordingUpstream>>;
const committed = () => sink.got.map((m) => m.raw).join('\n');
let g: Running;

before(async () => {
  sink = await recordingUpstream();
  g = await startTestGateway({ upstreamPort: sink.port, over: { listener: { max_header_size: 256 * 1024, socket_timeout_ms: 800 } } });
});
after(async () => {
  await g.stop();
  await sink.close();
});

/** the gateway still relays a clean mail afterwards */
async function stillServes(): Promise<void> {
  const c = await RawClient.connect(g.port);
  await c.envelope();
  assert.match(await c.data('Subject: still here\r\n\r\nok'), /^250 /);
  c.close();
}

test('header block over max_header_size: 552 5.3.4, the same connection can send again', async () => {
  const c = await RawClient.connect(g.port);
  await c.envelope();
  const huge = `Subject: ${'a'.repeat(70)}\r\n` + ` ${'b'.repeat(70)}\r\n`.repeat(5000);
  assert.match(await c.data(huge), /^552 5\.3\.4 /);
  c.write('MAIL FROM:<a@kommune.example>\r\n');
  assert.match(await c.expect(/^\d{3} /m), /^250 /);
  c.close();
  assert.ok(g.store.decisions.some((d) => d.action === 'reject' && d.reply.startsWith('552 5.3.4')));
});

test('10,000 header fields with the number in the last X- field: parsed whole and caught', async () => {
  const c = await RawClient.connect(g.port);
  await c.envelope();
  const fields = Array.from({ length: 9_999 }, (_, i) => `X-Filler-${i}: v\r\n`).join('');
  assert.match(await c.data(`${fields}X-Sagsnr: 220754-0181\r\nSubject: ok\r\n\r\nbody`), /^550 5\.7\.1 /);
  c.close();
  await stillServes();
});

test('NUL bytes in the Subject: an answer, no crash', async () => {
  const c = await RawClient.connect(g.port);
  await c.envelope();
  assert.match(await c.data('Subject: a\u0000b\u0000 220754-0181\r\n\r\nbody'), /^(250|5\d\d) /);
  c.close();
  await stillServes();
});

test('bare LF line endings in the header block: still split and scanned', async () => {
  const c = await RawClient.connect(g.port);
  await c.envelope();
  assert.match(await c.data('From: a@kommune.example\nSubject: Sag 220754-0181\n\nbody\n'), /^550 5\.7\.1 /);
  c.close();
});

test('invalid encoded words (broken base64, unknown charset, bad Q escapes): relayed, no crash', async () => {
  const c = await RawClient.connect(g.port);
  await c.envelope();
  const subject = 'Subject: =?UTF-8?B?!!!notbase64?= =?x-unknown?Q?abc?= =?UTF-8?Q?=ZZ=?= =?UTF-8?B?';
  assert.match(await c.data(`${subject}\r\n\r\nbody`), /^250 /);
  c.close();
});

test('8-bit garbage in header values: an answer, no crash', async () => {
  const c = await RawClient.connect(g.port);
  await c.envelope();
  const garbage = Buffer.concat([Buffer.from('Subject: '), Buffer.from([0xff, 0xfe, 0x80, 0xc3, 0x28, 0xa0, 0xa1]), Buffer.from('\r\nX-Y: \xe6\xf8\xe5\r\n\r\nbody', 'latin1')]);
  assert.match(await c.data(garbage), /^(250|5\d\d) /);
  c.close();
  await stillServes();
});

test('pipelined junk between commands: the junk gets 5xx, the transaction still completes', async () => {
  const c = await RawClient.connect(g.port);
  c.write('EHLO client.test\r\nMAIL FROM:<a@kommune.example>\r\nRCPT TO:<b@example.org>\r\nJUNK \x01\x02 nonsense\r\nDATA\r\n');
  await c.expect(/^5\d\d /m);
  await c.expect(/^354 /m);
  c.write('Subject: after junk\r\n\r\nbody\r\n.\r\n');
  assert.match(await c.expect(/^[245]\d\d /m), /^250 /);
  c.close();
});

test('slowloris: a client that stops mid-DATA is timed out, nothing is relayed, the gateway serves on', async () => {
  const c = await RawClient.connect(g.port);
  await c.envelope();
  c.write('DATA\r\n');
  await c.expect(/^354 /m);
  c.write('Subject: slowloris\r\n\r\nfirst line of a body that never ends\r\n');
  await c.expect(/^421 /m, 5000);
  await stillServes();
  const arrived = committed();
  assert.match(arrived, /Subject: still here/, 'the sink does capture');
  assert.doesNotMatch(arrived, /Subject: slowloris/, 'a truncated message must never be committed upstream');
  assert.ok(g.store.decisions.some((d) => d.action === 'tempfail' && d.reply.startsWith('421 4.4.2')), JSON.stringify(g.store.decisions.map((d) => d.reply.slice(0, 30))) + JSON.stringify(g.logs.slice(-3)));
});

test('client disconnects mid-DATA: the partial message is not committed upstream, and not recorded as passed', async () => {
  const passes = () => g.store.decisions.filter((d) => d.action === 'pass').length;
  const before = passes();
  const c = await RawClient.connect(g.port);
  await c.envelope();
  c.write('DATA\r\n');
  await c.expect(/^354 /m);
  c.write('Subject: cut off\r\n\r\n' + 'half a body\r\n'.repeat(500));
  await new Promise((r) => setTimeout(r, 150));
  c.close();
  await new Promise((r) => setTimeout(r, 300));
  await stillServes();
  assert.doesNotMatch(committed(), /Subject: cut off/);
  assert.equal(passes(), before + 1, 'only the follow-up mail passed; the cut-off one is no pass');
});

test('relay from outside relay.networks: 554 5.7.1 at RCPT (no open relay)', async () => {
  const closed = await startTestGateway({ upstreamPort: sink.port, over: { listener: { relay: { networks: ['10.0.0.0/8'] } } } });
  try {
    const c = await RawClient.connect(closed.port);
    c.write('EHLO client.test\r\nMAIL FROM:<a@kommune.example>\r\nRCPT TO:<b@example.org>\r\n');
    assert.match(await c.expect(/^5\d\d /m), /^554 5\.7\.1 /);
    c.close();
  } finally {
    await closed.stop();
  }
});

test('message over max_message_size: 552, and the upstream never commits it', async () => {
  const small = await startTestGateway({ upstreamPort: sink.port, over: { listener: { max_message_size: 4096 } } });
  try {
    const c = await RawClient.connect(small.port);
    await c.envelope();
    assert.match(await c.data(`Subject: too big\r\n\r\n${'0123456789abcdef\r\n'.repeat(1000)}`), /^552 /);
    c.close();
    assert.doesNotMatch(committed(), /Subject: too big/);
  } finally {
    await small.stop();
  }
});

test('relay.auth: true does not open the relay: a client that never authenticated is refused', async () => {
  const authOnly = await startTestGateway({ upstreamPort: sink.port, over: { listener: { relay: { networks: ['10.0.0.0/8'], auth: true } } } });
  try {
    const c = await RawClient.connect(authOnly.port);
    c.write('EHLO client.test\r\nMAIL FROM:<a@kommune.example>\r\nRCPT TO:<b@example.org>\r\n');
    assert.match(await c.expect(/^5\d\d /m), /^554 5\.7\.1 /);
    c.close();
  } finally {
    await authOnly.stop();
  }
});

test('IPv6 listener: the client address reaches the relay check through XCLIENT (::1 allowed, relayed)', async () => {
  const v6 = await startTestGateway({ upstreamPort: sink.port, over: { listener: { listen: '[::1]:0' } } });
  const only4 = await startTestGateway({ upstreamPort: sink.port, over: { listener: { listen: '[::1]:0', relay: { networks: ['127.0.0.0/8'] } } } });
  try {
    const c = await RawClient.connect(v6.port, '::1');
    await c.envelope();
    assert.match(await c.data('Subject: over IPv6\r\n\r\nbody'), /^250 /);
    c.close();
    const d = await RawClient.connect(only4.port, '::1');
    d.write('EHLO client.test\r\nMAIL FROM:<a@kommune.example>\r\nRCPT TO:<b@example.org>\r\n');
    assert.match(await d.expect(/^5\d\d /m), /^554 5\.7\.1 /);
    d.close();
  } finally {
    await v6.stop();
    await only4.stop();
  }
});

test('mail loop: more than 50 Received fields is refused with 554 5.4.6, not relayed again', async () => {
  const c = await RawClient.connect(g.port);
  await c.envelope();
  const hops = Array.from({ length: 51 }, (_, i) => `Received: from hop${i}.example by hop${i + 1}.example; Sun, 29 Nov 2026 10:00:00 +0000\r\n`).join('');
  assert.match(await c.data(`${hops}Subject: looping\r\n\r\nbody`), /^554 5\.4\.6 /);
  c.close();
  assert.doesNotMatch(committed(), /Subject: looping/);
});
