// web.public_url end to end: a null-sender mail with a CPR number is refused, the central mailbox is
// told (invariant 6), and the escalation that reaches a recording upstream links to the incident.
// I/O: gateway on 127.0.0.1:0, a recording smtp-server upstream, a raw SMTP client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient } from './raw-client.ts';
import { recordingUpstream, startTestGateway } from './helpers.ts';
import { startNoticeWorker } from '../../src/gateway/notices.ts';
import { PooledRoute } from '../../src/gateway/upstream.ts';

const CPR = '220754-0181';

/** a null-sender mail with a CPR number in the Subject, through the gateway; the escalation as the upstream got it */
async function escalationThrough(publicUrl: string | undefined): Promise<{ id: string; raw: string }> {
  const up = await recordingUpstream();
  const web = publicUrl === undefined ? {} : { web: { public_url: publicUrl } };
  const g = await startTestGateway({ upstreamPort: up.port, over: { config: web } });
  const route = new PooledRoute('default', { host: '127.0.0.1', port: up.port, heloName: 't', timeoutMs: 5000, requireTls: false, verifyCertificates: true, maxConnections: 2 });
  try {
    const c = await RawClient.connect(g.port);
    await c.envelope('', 'borger@example.org');
    const reply = await c.data(`From: Selvbetjening <noreply@kommune.example>\r\nSubject: Kvittering ${CPR}\r\n\r\nbody`);
    c.close();
    assert.match(reply, /^550 5\.7\.1 /);
    const id = [...g.store.incidents.values()][0].id;
    const worker = startNoticeWorker({ store: g.store, route, notify: g.notify, logger: { info() {}, warn() {}, error() {} }, intervalMs: 60_000 });
    // the worker's first pass starts at once; wait for it (bounded), as `serve` would
    for (let i = 0; i < 200 && g.store.notices[0]?.status === 'queued'; i++) await new Promise((r) => setTimeout(r, 25));
    await worker.stop();
    assert.equal(up.got.length, 1, 'the escalation, and nothing relayed');
    assert.deepEqual(up.got[0].rcpt, ['postmaster@localhost'], 'to notify.central_mailbox');
    assert.equal(up.got[0].from, '');
    // undo quoted-printable soft line breaks (RFC 2045 §6.7 rule 5) before reading the body
    return { id, raw: up.got[0].raw.replaceAll('=\r\n', '') };
  } finally {
    await route.close();
    await g.stop();
    await up.close();
  }
}

test('with web.public_url the escalation of a null-sender CPR mail links straight to its incident', async () => {
  const { id, raw } = await escalationThrough('https://postvagt.kommune.example/');
  assert.match(raw, /^Subject: .*Eskaleret/m);
  assert.ok(raw.includes(`Dashboard:      https://postvagt.kommune.example/incidents/${id}\r\n`), raw);
  assert.ok(!raw.includes(CPR), 'no raw number');
});

test('without web.public_url the escalation has no link at all (none is guessed from web.listen)', async () => {
  const { raw } = await escalationThrough(undefined);
  assert.match(raw, /^Subject: .*Eskaleret/m);
  assert.ok(!/Dashboard:|https?:\/\//.test(raw), raw);
});
