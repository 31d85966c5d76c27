// The property the municipality lacked, end to end with a REAL Postfix in front: a CPR mail sent into
// Postfix, relayed to Postvagt (relayhost), refused with 550 5.7.1 — and Postfix bounces it to the
// original sender with our Danish/English text and the incident id. I/O: a private Postfix instance
// (test/support/postfix.ts), the gateway on 127.0.0.1, smtp-sink capturing the bounce, swaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPostfix, startSmtpSink } from '../support/postfix.ts';
import { startTestGateway, swaks } from '../gateway/helpers.ts';

test('Postfix relayhost → Postvagt: a CPR subject comes back to the sender as a bounce with our text', { timeout: 90_000 }, async () => {
  const senderMx = await startSmtpSink({ capture: true }); // where the bounce to kommune.example goes
  const upstream = await startSmtpSink({ capture: true }); // where Postvagt would deliver
  const g = await startTestGateway({ upstreamPort: upstream.port });
  const pf = await startPostfix({
    relayhost: `[127.0.0.1]:${g.port}`,
    transport: { 'kommune.example': `smtp:[127.0.0.1]:${senderMx.port}` },
  });
  try {
    const r = await swaks(pf.smtpPort, ['--from', 'sagsbehandler@kommune.example', '--to', 'borger@example.org', '--header', 'Subject: Afgoerelse i sag 220754-0181', '--body', 'Se vedhaeftede.']);
    assert.equal(r.code, 0, `Postfix itself accepts the mail: ${r.stdout}`);
    await pf.waitForLog(/status=bounced/, 30_000);
    let bounce = '';
    for (let i = 0; i < 200 && !bounce; i++) {
      bounce = (await senderMx.messages()).find((m) => /X-Rcpt-Args: <sagsbehandler@kommune\.example>/.test(m)) ?? '';
      if (!bounce) await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(bounce, 'the sender got a bounce');
    const unfolded = bounce.replace(/\r?\n[ \t]+/g, ' ');
    assert.match(unfolded, /550 5\.7\.1 Ikke afsendt: emnefeltet indeholder et CPR-nummer \(XXXXXX-XXXX\)/);
    assert.match(unfolded, /Not sent: CPR number in subject/);
    const id = /Sag (PV-\d{8}-[0-9A-Z]{6})/.exec(unfolded)?.[1];
    assert.ok(id && g.store.incidents.has(id), 'the incident id in the bounce is the stored one');
    assert.equal((await upstream.messages()).length, 0, 'nothing was delivered onwards');
  } finally {
    await pf.stop();
    await g.stop();
    await upstream.stop();
    await senderMx.stop();
  }
});
