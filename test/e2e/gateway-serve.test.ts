// `postvagt serve` as a newcomer runs it (bin/postvagt, real SQLite store, capture mailbox): the
// banner, a CPR mail refused with the stored incident, and SIGTERM while DATA is in flight — that
// mail still gets its 250, a new transaction gets 421 4.3.2, the process exits 0.
// I/O: a child process on free loopback ports, a temp data folder (removed), swaks, raw sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServe } from '../support/serve.ts';
import { RawClient } from '../gateway/raw-client.ts';
import { replyLine, swaks } from '../gateway/helpers.ts';

test('serve: banner, CPR refused, graceful SIGTERM finishes the mail in flight and refuses new ones with 421', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pv-serve-'));
  const serve = await spawnServe(dir, join(dir, 'var'));
  const { child, smtp, http, exited } = serve;
  try {
    const out = serve.out();
    assert.match(out, new RegExp(`SMTP \\(outbound\\):  127\\.0\\.0\\.1:${smtp}`));
    assert.match(out, new RegExp(`Dashboard: +http://127\\.0\\.0\\.1:${http}`));
    assert.match(out, /swaks --server 127\.0\.0\.1:\d+ /);

    const r = await swaks(smtp, ['--from', 'a@kommune.example', '--to', 'b@example.org', '--header', 'Subject: Sag 220754-0181']);
    assert.match(replyLine(r.stdout, /^5\d\d/) ?? '', /^550 5\.7\.1 .*Sag PV-\d{8}-/);

    const inflight = await RawClient.connect(smtp);
    await inflight.envelope();
    inflight.write('DATA\r\n');
    await inflight.expect(/^354 /m);
    inflight.write('Subject: sent during shutdown\r\n\r\nfirst half\r\n');
    child.kill('SIGTERM');
    await new Promise((res) => setTimeout(res, 300));
    const late = await RawClient.connect(smtp);
    late.write('EHLO late.test\r\nMAIL FROM:<a@kommune.example>\r\n');
    assert.match(await late.expect(/^4\d\d /m), /^421 4\.3\.2 /);
    late.close();
    inflight.write('second half\r\n.\r\n');
    assert.match(await inflight.expect(/^[245]\d\d /m), /^250 /);
    inflight.close();
    assert.equal(await exited, 0, serve.out());
  } finally {
    serve.kill();
    await rm(dir, { recursive: true, force: true });
  }
});
