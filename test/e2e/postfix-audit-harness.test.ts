// The real-Postfix harness itself (test/support/postfix.ts): start, relay through smtp-sink, bounce capture, stop.
// I/O: runs a private Postfix and smtp-sink on loopback ports, swaks as the client.
// Protects: the harness other e2e tests rely on really relays, bounces with a notice, and cleans up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { startPostfix, startSmtpSink } from '../support/postfix.ts';

const run = promisify(execFile);

test('harness: private Postfix relays to smtp-sink, bounces a 5xx to the sender with a notice, and cleans up', async () => {
  const ok = await startSmtpSink({ capture: true });
  const refusing = await startSmtpSink({ hardReject: ['rcpt'] });
  const pf = await startPostfix({
    relayhost: `[127.0.0.1]:${ok.port}`,
    transport: { 'refuse.example': `smtp:[127.0.0.1]:${refusing.port}` },
  });
  try {
    assert.notEqual(pf.smtpPort, 25);
    await run('swaks', ['-s', `127.0.0.1:${pf.smtpPort}`, '-f', 'alice@sender.example', '-t', 'bob@refuse.example',
      '--h-Subject', 'harness', '--body', 'x']);
    const notice = await pf.waitForLog(/: sender non-delivery notification: ([0-9A-Za-z]+)/);
    await pf.waitForLog(new RegExp(`${notice[1]}: to=<alice@sender\\.example>.*status=sent`));
    const captured = (await ok.messages()).join('\n');
    assert.match(captured, /X-Rcpt-Args: <alice@sender\.example>/);
    assert.match(captured, /Undelivered Mail Returned to Sender/);
    assert.deepEqual(await pf.queue(), []);
  } finally {
    await pf.stop();
    await ok.stop();
    await refusing.stop();
  }
  assert.equal(existsSync(pf.dir), false);
});
