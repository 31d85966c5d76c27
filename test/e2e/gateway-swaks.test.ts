// End to end with real components: swaks → Postvagt → Postfix's smtp-sink (dumping each mail to disk).
// I/O: gateway on 127.0.0.1:0, smtp-sink child process, swaks child processes; all stopped per test.
// Checks issue 3's wire properties: CPR subject → 550 5.7.1 with our text and the stored incident id;
// clean mail → arrives body byte-identical; an RFC 2047-encoded subject is caught too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSmtpSink } from '../support/postfix.ts';
import { replyLine, startTestGateway, swaks } from '../gateway/helpers.ts';
import { INCIDENT_ID_PATTERN } from '../../src/store/ids.ts';

const BODY = 'Hej,\r\n\r\nHer er referatet.\r\n.leading dot line\r\n..two dots\r\nLast line without much\r\n';

// smtp-sink -d writes lines with LF endings, so the yardstick is the same message sent straight to
// the same smtp-sink: what arrives through Postvagt must equal what arrives without it, byte for byte.
function bodyOf(dump: string): string {
  return dump.slice(dump.indexOf('\n\n') + 2);
}

test('clean subject: relayed to smtp-sink with the body byte-identical and a pass decision', async () => {
  const sink = await startSmtpSink({ capture: true });
  const g = await startTestGateway({ upstreamPort: sink.port });
  try {
    const args = ['--from', 'sagsbehandler@kommune.example', '--to', 'borger@example.org', '--header', 'Subject: Referat fra mødet', '--body', BODY];
    const direct = await swaks(sink.port, args);
    assert.equal(direct.code, 0, direct.stdout);
    const r = await swaks(g.port, args);
    assert.equal(r.code, 0, r.stdout);
    assert.match(replyLine(r.stdout, /^250/) ?? '', /^250 2\.0\.0 /);
    const msgs = await sink.messages();
    assert.equal(msgs.length, 2);
    assert.ok(bodyOf(msgs[0]).includes('\n.leading dot line\n..two dots\n'), 'dot-stuffing must round-trip');
    assert.equal(bodyOf(msgs[1]), bodyOf(msgs[0]));
    const pass = g.store.decisions.filter((d) => d.action === 'pass');
    assert.equal(pass.length, 1);
    assert.deepEqual(pass[0].recipients, ['borger@example.org']);
    assert.equal(pass[0].subjectMasked, 'Referat fra mødet');
    assert.equal(g.store.incidents.size, 0);
  } finally {
    await g.stop();
    await sink.stop();
  }
});

test('CPR number in Subject: 550 5.7.1 in Danish and English, the reply quotes the stored incident id', async () => {
  const sink = await startSmtpSink({ capture: true });
  const g = await startTestGateway({ upstreamPort: sink.port });
  try {
    const r = await swaks(g.port, ['--from', 'sagsbehandler@kommune.example', '--to', 'borger@example.org', '--header', 'Subject: Sag om 220754-0181', '--body', BODY]);
    assert.notEqual(r.code, 0);
    const line = replyLine(r.stdout, /^5\d\d/);
    assert.ok(line, r.stdout);
    assert.match(line, /^550 5\.7\.1 Ikke afsendt: .*CPR-nummer \(XXXXXX-XXXX\).* \/ Not sent: CPR number in subject/);
    assert.ok(!line.includes('220754'), 'the reply must not carry the number');
    const id = /PV-\d{8}-[0-9A-Z]{6}/.exec(line)?.[0];
    assert.ok(id && INCIDENT_ID_PATTERN.test(id));
    const inc = g.store.incidents.get(id);
    assert.ok(inc, `incident ${id} not stored`);
    assert.equal(inc.action, 'reject');
    assert.equal(inc.reply, line.trim());
    assert.equal(inc.findings[0].masked, 'XXXXXX-XXXX');
    assert.equal(inc.subjectMasked, 'Sag om XXXXXX-XXXX');
    assert.equal((await sink.messages()).length, 0, 'nothing may reach the upstream');
  } finally {
    await g.stop();
    await sink.stop();
  }
});

test('RFC 2047 B-encoded subject with a CPR number is decoded and caught', async () => {
  const sink = await startSmtpSink({ capture: true });
  const g = await startTestGateway({ upstreamPort: sink.port });
  try {
    const subject = `=?UTF-8?B?${Buffer.from('Bevilling til 160597-3825 – Ærø').toString('base64')}?=`;
    const r = await swaks(g.port, ['--from', 'a@kommune.example', '--to', 'b@example.org', '--header', `Subject: ${subject}`, '--body', 'x']);
    assert.match(replyLine(r.stdout, /^5\d\d/) ?? '', /^550 5\.7\.1 /);
    assert.equal((await sink.messages()).length, 0);
    assert.equal([...g.store.incidents.values()][0].findings[0].header, 'Subject');
  } finally {
    await g.stop();
    await sink.stop();
  }
});

test('STARTTLS with the generated development certificate (through the front door): CPR caught over TLS', async () => {
  const sink = await startSmtpSink({ capture: true });
  const g = await startTestGateway({ upstreamPort: sink.port, over: { listener: { tls: { starttls: true } } } });
  try {
    const r = await swaks(g.port, ['--tls', '--from', 'a@kommune.example', '--to', 'b@example.org', '--header', 'Subject: Sag 220754-0181']);
    assert.match(r.stdout, /TLS started with cipher TLSv1\.[23]/);
    assert.match(r.stdout, /TLS peer DN="\/CN=postvagt\.localhost"/);
    assert.match(replyLine(r.stdout, /^5\d\d/) ?? '', /^550 5\.7\.1 /);
    assert.equal((await sink.messages()).length, 0);
  } finally {
    await g.stop();
    await sink.stop();
  }
});
