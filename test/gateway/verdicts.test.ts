// Each verdict carried out on the wire: quarantine (250 only after store + notice), redact (masked,
// re-encoded header relayed, sender notified), tag, the inbound default (redact + incident, no
// backscatter), the notice worker (DSN with null sender through the upstream) and the capture mailbox.
// I/O: gateway on 127.0.0.1:0, a recording smtp-server upstream, raw client sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import libmime from 'libmime';
import { RawClient } from './raw-client.ts';
import { recordingUpstream, startTestGateway } from './helpers.ts';
import { startNoticeWorker } from '../../src/gateway/notices.ts';
import { PooledRoute } from '../../src/gateway/upstream.ts';

const CPR = '220754-0181';

/** our RFC 5321 §4.4 Received field comes first; check it and return the message as the client sent it */
function untraced(raw: string, by = 'outbound'): string {
  const trace = new RegExp(`^Received: from client\\.test \\(\\[127\\.0\\.0\\.1\\]\\)\r\n\tby ${by} \\(Postvagt\\) with ESMTP id \\S+;\r\n\t\\w{3}, \\d{2} \\w{3} \\d{4} [\\d:]{8} \\+0000\r\n`);
  assert.match(raw, trace);
  return raw.replace(trace, '');
}

async function send(port: number, message: string, from = 'sagsbehandler@kommune.example'): Promise<string> {
  const c = await RawClient.connect(port);
  await c.envelope(from, 'borger@example.org');
  const reply = await c.data(message);
  c.close();
  return reply;
}

test('quarantine: 250 2.0.0 quoting the incident, the mail held in the store, a notice queued, nothing relayed', async () => {
  const up = await recordingUpstream();
  const g = await startTestGateway({ upstreamPort: up.port, over: { config: { policy: { outbound: { action: 'quarantine' } } } } });
  try {
    const reply = await send(g.port, `Subject: Sag ${CPR}\r\nFrom: sagsbehandler@kommune.example\r\n\r\nbody`);
    assert.match(reply, /^250 2\.0\.0 .*PV-\d{8}-/);
    assert.match(reply, /emnefelt|Subject/i, 'the reply names the header the number was in');
    const id = /PV-\d{8}-[0-9A-Z]{6}/.exec(reply)![0];
    assert.match(g.store.quarantined.get(id)!.toString(), /^Subject: Sag 220754-0181\r\n[\s\S]*\r\n\r\nbody/);
    assert.equal(g.store.incidents.get(id)!.notice, 'queued');
    assert.equal(g.store.notices.length, 1);
    assert.equal(g.store.notices[0].to, 'sagsbehandler@kommune.example');
    assert.equal(g.store.notices[0].envelopeFrom, '');
    assert.ok(!g.store.notices[0].raw.toString().includes(CPR), 'the notice carries no raw number');
    assert.equal(up.got.length, 0);
  } finally {
    await g.stop();
    await up.close();
  }
});

test('quarantine from the null sender: no notice to <>, the central mailbox is told at once (invariant 6), still held', async () => {
  const up = await recordingUpstream();
  const g = await startTestGateway({ upstreamPort: up.port, over: { config: { policy: { outbound: { action: 'quarantine' } } } } });
  try {
    const reply = await send(g.port, `Subject: Sag ${CPR}\r\n\r\nbody`, '');
    assert.match(reply, /^250 /);
    const inc = [...g.store.incidents.values()][0];
    assert.equal(inc.notice, 'escalated');
    assert.equal(g.store.notices.length, 1, 'exactly one mail queued: the escalation');
    const n = g.store.notices[0];
    assert.equal(n.to, 'postmaster@localhost', 'to notify.central_mailbox (default)');
    assert.equal(n.envelopeFrom, '');
    assert.equal(n.incidentId, inc.id);
    const raw = n.raw.toString('utf8');
    assert.match(raw, /^Subject: .*Eskaleret/m);
    assert.ok(!raw.includes(CPR), 'no raw number in the escalation');
  } finally {
    await g.stop();
    await up.close();
  }
});

test('reject from the null sender: its MTA cannot bounce to <>, so the central mailbox is told at once', async () => {
  const up = await recordingUpstream();
  const g = await startTestGateway({ upstreamPort: up.port });
  try {
    const reply = await send(g.port, `Subject: Sag ${CPR}\r\n\r\nbody`, '');
    assert.match(reply, /^550 5\.7\.1 /);
    const inc = [...g.store.incidents.values()][0];
    assert.equal(inc.notice, 'escalated');
    assert.equal(g.store.notices.length, 1);
    assert.equal(g.store.notices[0].to, 'postmaster@localhost');
    assert.equal(up.got.length, 0, 'nothing relayed');
  } finally {
    await g.stop();
    await up.close();
  }
});

test('reject from an ordinary sender: the 550 is the notice (their MTA bounces it); nothing else is queued', async () => {
  const up = await recordingUpstream();
  const g = await startTestGateway({ upstreamPort: up.port });
  try {
    const reply = await send(g.port, `Subject: Sag ${CPR}\r\n\r\nbody`);
    assert.match(reply, /^550 5\.7\.1 /);
    const inc = [...g.store.incidents.values()][0];
    assert.equal(inc.notice, 'in-reply');
    assert.equal(g.store.notices.length, 0);
  } finally {
    await g.stop();
    await up.close();
  }
});

test('redact: the upstream gets the masked Subject (RFC 2047 re-encoded), the sender is notified', async () => {
  const up = await recordingUpstream();
  const g = await startTestGateway({ upstreamPort: up.port, over: { config: { policy: { outbound: { action: 'redact' } } } } });
  try {
    const subject = `=?UTF-8?Q?M=C3=B8de_om_${CPR}?=`;
    const reply = await send(g.port, `From: sagsbehandler@kommune.example\r\nSubject: ${subject}\r\nX-Keep: unchanged\r\n\r\nbody line`);
    assert.match(reply, /^250 /);
    const raw = untraced(up.got[0].raw);
    assert.ok(!raw.includes(CPR) && !raw.includes('2207540181'), 'no raw number upstream');
    const sub = /^Subject: (.*)$/m.exec(raw)![1].trim();
    assert.equal(libmime.decodeWords(sub), 'Møde om XXXXXX-XXXX');
    assert.match(raw, /^From: sagsbehandler@kommune\.example\r\n/);
    assert.match(raw, /\r\nX-Keep: unchanged\r\n\r\nbody line\r\n$/);
    const inc = [...g.store.incidents.values()][0];
    assert.equal(inc.action, 'redact');
    assert.equal(inc.notice, 'queued');
    assert.equal(g.store.notices.length, 1);
  } finally {
    await g.stop();
    await up.close();
  }
});

test('tag: relayed unchanged with an X-Postvagt-CPR header naming the case', async () => {
  const up = await recordingUpstream();
  const g = await startTestGateway({ upstreamPort: up.port, over: { config: { policy: { outbound: { action: 'tag' } } } } });
  try {
    assert.match(await send(g.port, `Subject: Sag ${CPR}\r\n\r\nbody`), /^250 /);
    const inc = [...g.store.incidents.values()][0];
    assert.match(untraced(up.got[0].raw), new RegExp(`^X-Postvagt-CPR: CPR number in Subject; case ${inc.id}\r\nSubject: Sag ${CPR}\r\n`));
    assert.equal(inc.action, 'tag');
  } finally {
    await g.stop();
    await up.close();
  }
});

test('inbound listener default: redact + incident, no notice to the outside sender (no backscatter)', async () => {
  const up = await recordingUpstream();
  const g = await startTestGateway({ upstreamPort: up.port, over: { listener: { name: 'inbound', direction: 'inbound' } } });
  try {
    assert.match(await send(g.port, `Subject: Svar vedr. ${CPR}\r\n\r\nbody`, 'jobcenter@anden-kommune.example'), /^250 /);
    assert.match(untraced(up.got[0].raw, 'inbound'), /^Subject: Svar vedr\. XXXXXX-XXXX\r\n/);
    const inc = [...g.store.incidents.values()][0];
    assert.equal(inc.direction, 'inbound');
    assert.equal(inc.action, 'redact');
    assert.equal(inc.notice, 'none');
    assert.equal(g.store.notices.length, 0);
  } finally {
    await g.stop();
    await up.close();
  }
});

test('notice worker: a queued notice goes upstream with the null envelope sender and is marked sent', async () => {
  const up = await recordingUpstream();
  const g = await startTestGateway({ upstreamPort: up.port, over: { config: { policy: { outbound: { action: 'quarantine' } } } } });
  const route = new PooledRoute('default', { host: '127.0.0.1', port: up.port, heloName: 't', timeoutMs: 5000, requireTls: false, verifyCertificates: true, maxConnections: 2 });
  try {
    await send(g.port, `Subject: Sag ${CPR}\r\n\r\nbody`);
    // the worker's first pass starts at once; wait for it (bounded), as `serve` would
    const worker = startNoticeWorker({ store: g.store, route, notify: g.notify, logger: { info() {}, warn() {}, error() {} }, intervalMs: 60_000 });
    for (let i = 0; i < 200 && g.store.notices[0].status === 'queued'; i++) await new Promise((r) => setTimeout(r, 25));
    await worker.stop();
    assert.equal(up.got.length, 1);
    assert.equal(up.got[0].from, '');
    assert.deepEqual(up.got[0].rcpt, ['sagsbehandler@kommune.example']);
    assert.match(up.got[0].raw, /multipart\/report; report-type=delivery-status/);
    assert.equal(g.store.notices[0].status, 'sent');
  } finally {
    await route.close();
    await g.stop();
    await up.close();
  }
});

test('capture mailbox as upstream: a clean mail is stored by store.capture()', async () => {
  const g = await startTestGateway();
  try {
    assert.ok(g.gw.capture, 'capture mailbox started');
    assert.match(await send(g.port, 'Subject: demo\r\n\r\nhello'), /^250 /);
    assert.equal(g.store.captured.length, 1);
    assert.deepEqual(g.store.captured[0].recipients, ['borger@example.org']);
    assert.match(untraced(g.store.captured[0].raw.toString()), /^Subject: demo\r\n\r\nhello/);
  } finally {
    await g.stop();
  }
});

test('capture mailbox: a rejected mail (upstream aborted mid-DATA) is not logged as a store failure', async () => {
  const g = await startTestGateway();
  try {
    assert.match(await send(g.port, `Subject: Sag ${CPR}\r\n\r\nbody`), /^550 /);
    assert.match(await send(g.port, 'Subject: demo\r\n\r\nhello'), /^250 /);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(!JSON.stringify(g.logs).includes('store.fail'), JSON.stringify(g.logs.filter((l) => JSON.stringify(l).includes('store.fail'))));
    assert.equal(g.store.captured.length, 1, 'only the clean mail was captured');
  } finally {
    await g.stop();
  }
});

test('metrics: a refused and a relayed mail are counted by action, the finding by header, never with the number', async () => {
  const { metrics } = await import('../../src/web/metrics.ts');
  const count = async (action: string) =>
    (await metrics.transactions.get()).values.find((v) => v.labels.action === action && v.labels.listener === 'outbound')?.value ?? 0;
  const up = await recordingUpstream();
  const g = await startTestGateway({ upstreamPort: up.port });
  try {
    const [rejects, passes] = [await count('reject'), await count('pass')];
    assert.match(await send(g.port, `Subject: Sag ${CPR}\r\n\r\nbody`), /^550 /);
    assert.match(await send(g.port, 'Subject: ok\r\n\r\nbody'), /^250 /);
    assert.equal(await count('reject'), rejects + 1);
    assert.equal(await count('pass'), passes + 1);
    const text = await metrics.registry.metrics();
    assert.match(text, /postvagt_findings_total\{header="Subject",kind="cpr"\} [1-9]/);
    assert.ok(!text.includes('220754'));
  } finally {
    await g.stop();
    await up.close();
  }
});

test('notice worker: a notice the upstream refuses for good makes the incident systemic and queues its escalation to the central mailbox', async () => {
  const up = await recordingUpstream('sagsbehandler@kommune.example');
  const g = await startTestGateway({ upstreamPort: up.port, over: { config: { policy: { outbound: { action: 'quarantine' } } } } });
  const route = new PooledRoute('default', { host: '127.0.0.1', port: up.port, heloName: 't', timeoutMs: 5000, requireTls: false, verifyCertificates: true, maxConnections: 2 });
  try {
    const reply = await send(g.port, `Subject: Sag ${CPR}\r\n\r\nbody`);
    const id = /PV-\d{8}-[0-9A-Z]{6}/.exec(reply)![0];
    const errors: object[] = [];
    const infos: object[] = [];
    const worker = startNoticeWorker({ store: g.store, route, notify: g.notify, logger: { info: (o) => void infos.push(o), warn() {}, error: (o) => void errors.push(o) }, intervalMs: 60_000 });
    for (let i = 0; i < 200 && g.store.notices[0].status === 'queued'; i++) await new Promise((r) => setTimeout(r, 25));
    // the escalation was queued with the failure (durable, retried like any notice): the next pass sends it
    assert.equal(g.store.notices.length, 2);
    assert.equal(g.store.notices[1].status, 'queued');
    await worker.runOnce();
    await worker.stop();
    assert.equal(g.store.notices[1].status, 'sent');
    assert.equal(g.store.notices[0].status, 'failed');
    assert.match(g.store.notices[0].lastError ?? '', /^RCPT 550/);
    const inc = g.store.incidents.get(id)!;
    assert.equal(inc.classification, 'systemic');
    assert.equal((errors[0] as { event: string }).event, 'notice.failed');
    // the sender still does not know: the central mailbox is told now, not at the next digest
    assert.equal(up.got.length, 1);
    assert.deepEqual(up.got[0].rcpt, [g.notify.central_mailbox]);
    assert.equal(up.got[0].from, '');
    assert.match(up.got[0].raw, new RegExp(`Subject: .*${id}`));
    assert.match(up.got[0].raw.replace(/=\r\n/g, ''), /could not be delivered \(RCPT 550/);
    assert.ok(!up.got[0].raw.includes(CPR), 'the escalation carries no raw number');
    assert.equal(inc.notice, 'escalated');
    assert.ok(infos.some((o) => (o as { event: string }).event === 'notice.escalated'));
  } finally {
    await route.close();
    await g.stop();
    await up.close();
  }
});

test('notice worker: an escalation the upstream refuses for good is not escalated again (same mailbox), only logged', async () => {
  const up = await recordingUpstream('postmaster@localhost');
  const g = await startTestGateway({ upstreamPort: up.port, over: { config: { policy: { outbound: { action: 'quarantine' } } } } });
  const route = new PooledRoute('default', { host: '127.0.0.1', port: up.port, heloName: 't', timeoutMs: 5000, requireTls: false, verifyCertificates: true, maxConnections: 2 });
  try {
    assert.match(await send(g.port, `Subject: Sag ${CPR}\r\n\r\nbody`, ''), /^250 /);
    assert.equal(g.store.notices[0].to, 'postmaster@localhost', 'the queued mail is the escalation');
    const errors: object[] = [];
    const worker = startNoticeWorker({ store: g.store, route, notify: g.notify, logger: { info() {}, warn() {}, error: (o) => void errors.push(o) }, intervalMs: 60_000 });
    for (let i = 0; i < 200 && g.store.notices[0].status === 'queued'; i++) await new Promise((r) => setTimeout(r, 25));
    await worker.runOnce();
    await worker.stop();
    assert.equal(g.store.notices[0].status, 'failed');
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal((errors[0] as { event: string }).event, 'notice.failed');
    assert.equal(up.got.length, 0);
    assert.equal([...g.store.incidents.values()][0].classification, 'systemic');
  } finally {
    await route.close();
    await g.stop();
    await up.close();
  }
});

test('daily digest: due after digest.time (Danish time), sent once per day to the central mailbox', async () => {
  const { digestDue, startDigestScheduler } = await import('../../src/gateway/digest-scheduler.ts');
  // 2026-11-29 06:30 UTC is 07:30 in Copenhagen (winter time, UTC+1)
  assert.equal(digestDue(new Date('2026-11-29T06:30:00Z'), '07:00', null), true);
  assert.equal(digestDue(new Date('2026-11-29T05:30:00Z'), '07:00', null), false);
  assert.equal(digestDue(new Date('2026-11-29T06:30:00Z'), '07:00', '2026-11-29'), false);
  const up = await recordingUpstream();
  const g = await startTestGateway({ upstreamPort: up.port });
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const route = new PooledRoute('default', { host: '127.0.0.1', port: up.port, heloName: 't', timeoutMs: 5000, requireTls: false, verifyCertificates: true, maxConnections: 2 });
  const config = { digest: { time: '07:00', enabled: true }, notify: { postmaster: 'postmaster@kommune.example', contact: 'IT', unreachable_senders: [], central_mailbox: 'fejl@kommune.example' }, data_dir: await mkdtemp(join(tmpdir(), 'pv-digest-')) };
  // a data folder that has run before (a brand-new one sends nothing: test/gateway/digest-first-day.test.ts)
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(config.data_dir, 'digest-last-sent'), '2026-11-28\n');
  const s = startDigestScheduler({ config, store: g.store, route, logger: { info() {}, warn() {}, error() {} }, clock: () => new Date('2026-11-29T06:30:00Z'), intervalMs: 3_600_000 });
  try {
    assert.equal(await s.tick(), '2026-11-28');
    assert.equal(await s.tick(), null, 'once per day');
    assert.equal(up.got.length, 1);
    assert.deepEqual(up.got[0].rcpt, ['fejl@kommune.example']);
    assert.equal(up.got[0].from, '');
  } finally {
    s.stop();
    await route.close();
    await g.stop();
    await up.close();
  }
});

test('quarantine of a message over max_message_size: 552, nothing held, no notice', async () => {
  const up = await recordingUpstream();
  const g = await startTestGateway({ upstreamPort: up.port, over: { listener: { max_message_size: 4096 }, config: { policy: { outbound: { action: 'quarantine' } } } } });
  try {
    assert.match(await send(g.port, `Subject: Sag ${CPR}\r\n\r\n${'0123456789abcdef\r\n'.repeat(1000)}`), /^552 5\.3\.4 /);
    assert.equal(g.store.quarantined.size, 0);
    assert.equal(g.store.notices.length, 0);
  } finally {
    await g.stop();
    await up.close();
  }
});
