// The upstream's DATA is sent early (while the client's header block arrives), so a mail refused after
// that must be dropped by closing the upstream connection before its final dot — never by an RSET,
// which would become message text. I/O: gateway on 127.0.0.1:0, a recording smtp-server upstream.
// Protects invariant 1: a refused mail is never committed upstream, and the pool recovers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient } from './raw-client.ts';
import { recordingUpstream, startTestGateway } from './helpers.ts';

const CPR = '220754-0181';

test('early DATA: a rejected mail between two clean ones on one session is never relayed, and no RSET leaks into a mail', async () => {
  const up = await recordingUpstream();
  const g = await startTestGateway({ upstreamPort: up.port });
  try {
    const c = await RawClient.connect(g.port);
    await c.envelope('sagsbehandler@kommune.example', 'borger@example.org');
    assert.match(await c.data('Subject: Referat 1\r\n\r\nfirst'), /^250 /);
    c.write('MAIL FROM:<sagsbehandler@kommune.example>\r\n');
    await c.expect(/^250 /m);
    c.write('RCPT TO:<borger@example.org>\r\n');
    await c.expect(/^250 /m);
    assert.match(await c.data(`Subject: Sag ${CPR}\r\n\r\nsecret body`), /^550 5\.7\.1 /);
    c.write('MAIL FROM:<sagsbehandler@kommune.example>\r\n');
    await c.expect(/^250 /m);
    c.write('RCPT TO:<borger@example.org>\r\n');
    await c.expect(/^250 /m);
    assert.match(await c.data('Subject: Referat 2\r\n\r\nsecond'), /^250 /);
    c.close();
    assert.equal(up.got.length, 2);
    assert.match(up.got[0].raw, /Subject: Referat 1\r\n\r\nfirst/);
    assert.match(up.got[1].raw, /Subject: Referat 2\r\n\r\nsecond/);
    for (const m of up.got) {
      assert.doesNotMatch(m.raw, /RSET|secret body|220754/);
    }
    assert.deepEqual(g.store.decisions.map((d) => d.action).sort(), ['pass', 'pass', 'reject']);
  } finally {
    await g.stop();
    await up.close();
  }
});

test('early DATA: a header block over the limit is refused with 552 and nothing reaches the upstream; the next mail relays', async () => {
  const up = await recordingUpstream();
  const g = await startTestGateway({ upstreamPort: up.port, over: { listener: { max_header_size: 1024 } } });
  try {
    const c = await RawClient.connect(g.port);
    await c.envelope();
    assert.match(await c.data(`Subject: ${'x'.repeat(4000)}\r\n\r\nbody`), /^552 5\.3\.4 /);
    c.write('MAIL FROM:<a@kommune.example>\r\n');
    await c.expect(/^250 /m);
    c.write('RCPT TO:<b@example.org>\r\n');
    await c.expect(/^250 /m);
    assert.match(await c.data('Subject: small\r\n\r\nok'), /^250 /);
    c.close();
    assert.equal(up.got.length, 1);
    assert.match(up.got[0].raw, /Subject: small\r\n\r\nok/);
  } finally {
    await g.stop();
    await up.close();
  }
});
