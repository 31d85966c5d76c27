// End to end: a real Postfix 3.7 (test/support/postfix.ts) with header_checks DISCARD/REJECT/HOLD,
// smtp-sink peers that accept, refuse and are down, swaks as the client, postsuper -d; then
// auditPostfix on the log Postfix itself wrote. I/O: loopback SMTP, temp dirs. Protects every fate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { startPostfix, startSmtpSink, freePort, type PostfixInstance } from '../support/postfix.ts';
import { auditPostfix } from '../../src/audit/postfix/index.ts';
import { formatAudit } from '../../src/audit/report/index.ts';
import type { Fate } from '../../src/audit/types.ts';

const run = promisify(execFile);

/** Send with swaks; returns the queue id from "250 … queued as QID", or '' when refused. */
async function send(pf: PostfixInstance, from: string, to: string[], subject: string): Promise<string> {
  const args = ['-s', `127.0.0.1:${pf.smtpPort}`, '-f', from, '-t', to.join(','), '--h-Subject', subject, '--body', 'x'];
  const r = await run('swaks', args).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  return /queued as ([0-9A-Za-z]+)/.exec(r.stdout)?.[1] ?? '';
}

const HEADER_CHECKS = [
  '/^Subject:.*[0-9]{6}-?[0-9]{4}/ DISCARD CPR number in subject',
  '/^Subject:.*REJECTME/ REJECT 5.7.1 not accepted here',
  '/^Subject:.*HOLDME/ HOLD held for review',
].join('\n');

test('audit of a genuine Postfix log: every fate, with and without notice', { timeout: 90_000 }, async () => {
  const ok = await startSmtpSink({ capture: true });
  const refusing = await startSmtpSink({ hardReject: ['rcpt'] });
  const down = await freePort();
  const pf = await startPostfix({
    relayhost: `[127.0.0.1]:${ok.port}`,
    transport: {
      'refuse.example': `smtp:[127.0.0.1]:${refusing.port}`,
      'down.example': `smtp:[127.0.0.1]:${down}`,
      'discard.example': 'discard:silently dropped by transport',
    },
    headerChecks: HEADER_CHECKS,
    recipientRestrictions: 'check_recipient_access inline:{ { blocked.example = REJECT no such recipient } }, permit_mynetworks, reject',
    queueLifetime: '8s',
  });
  try {
    const q: Record<string, string> = {};
    q.cpr = await send(pf, 'sag@kommune.example', ['borger@example.dk', 'kopi@example.dk'], 'Sag 010203-1234 vedr. ansøgning');
    q.rejected = await send(pf, 'sag@kommune.example', ['borger@example.dk'], 'REJECTME please');
    q.heldDeleted = await send(pf, 'sag@kommune.example', ['a@example.dk'], 'HOLDME one');
    q.heldKept = await send(pf, 'sag@kommune.example', ['b@example.dk'], 'HOLDME two');
    q.delivered = await send(pf, 'sag@kommune.example', ['c@example.dk'], 'normal mail');
    q.bounced = await send(pf, 'sag@kommune.example', ['x@refuse.example'], 'to a refusing host');
    q.bouncedNull = await send(pf, '<>', ['y@refuse.example'], 'null sender, refused');
    q.discardTransport = await send(pf, 'sag@kommune.example', ['v@discard.example'], 'to the discard transport');
    q.expired = await send(pf, 'sag@kommune.example', ['z@down.example'], 'to a host that is down');
    q.expiredNull = await send(pf, '<>', ['w@down.example'], 'null sender, host down');
    q.deferredDeleted = await send(pf, 'sag@kommune.example', ['u@down.example'], 'deferred then deleted');
    q.partlyRejected = await send(pf, 'sag@kommune.example', ['d@example.dk', 'nobody@blocked.example'], 'one rcpt refused');
    const noqueue = await send(pf, 'sag@kommune.example', ['only@blocked.example'], 'all rcpts refused');
    assert.equal(noqueue, '');
    assert.equal(q.rejected, ''); // REJECT at end of DATA: no "queued as"
    q.rejected = (await pf.waitForLog(/([0-9A-F]+): reject: header Subject: REJECTME/))[1];
    for (const [k, v] of Object.entries(q)) assert.match(v, /^[0-9A-F]{8,}$/, k);

    await pf.postsuper(['-d', q.heldDeleted]);
    await pf.waitForLog(new RegExp(`postsuper\\[\\d+\\]: ${q.heldDeleted}: removed`));
    await pf.waitForLog(new RegExp(`${q.deferredDeleted}: to=<u@down\\.example>.*status=deferred`));
    await pf.postsuper(['-d', q.deferredDeleted]);
    await pf.waitForLog(new RegExp(`postsuper\\[\\d+\\]: ${q.deferredDeleted}: removed`));
    for (const id of [q.bounced, q.bouncedNull, q.expired, q.expiredNull, q.delivered, q.partlyRejected, q.discardTransport]) {
      await pf.waitForLog(new RegExp(`qmgr\\[\\d+\\]: ${id}: removed`), 45_000);
    }
    q.deferredPending = await send(pf, 'sag@kommune.example', ['late@down.example'], 'still deferred at the end');
    await pf.waitForLog(new RegExp(`${q.deferredPending}: to=<late@down\\.example>.*status=deferred`));

    if (process.env.PV_CAPTURE_LOG) copyFileSync(pf.logFile, process.env.PV_CAPTURE_LOG);
    const r = await auditPostfix([pf.logFile], { year: new Date().getFullYear(), rows: 'all' });
    const fate = (id: string): Fate | undefined => r.rows.find((m) => m.queue_id === id)?.fate;
    const want: Record<string, Fate> = {
      cpr: 'silently_dropped', rejected: 'rejected_in_smtp', heldDeleted: 'silently_dropped', heldKept: 'held_pending',
      delivered: 'delivered', bounced: 'bounced_with_notice', bouncedNull: 'bounced_no_notice',
      discardTransport: 'silently_dropped', expired: 'expired_with_notice', expiredNull: 'expired_no_notice',
      deferredDeleted: 'silently_dropped', partlyRejected: 'rejected_in_smtp', deferredPending: 'deferred_pending',
    };
    for (const [k, f] of Object.entries(want)) assert.equal(fate(q[k]), f, `${k} (${q[k]})`);

    const cpr = r.rows.find((m) => m.queue_id === q.cpr);
    // the discard line names one recipient; the smtpd session's rcpt=2 says there were two
    assert.equal(cpr?.recipients.length, 2);
    assert.equal(cpr?.subject, 'Sag XXXXXX-XXXX vedr. ansøgning');
    assert.equal(cpr?.reason, 'header_checks DISCARD: CPR number in subject');
    assert.equal(r.messages.silently_dropped, 4);
    assert.equal(r.messages.rejected_in_smtp, 3); // header REJECT, partly refused, NOQUEUE
    // two notices (bounce, expiry) were themselves delivered to the sender's domain
    assert.equal(r.messages.delivered, 3);
    const text = formatAudit(r, 'text');
    assert.doesNotMatch(text + formatAudit(r, 'json') + formatAudit(r, 'html'), /010203-?1234/);
    assert.match(pf.readLog(), /010203-1234/, 'Postfix itself logs the raw number: that is why we mask');
  } finally {
    await pf.stop();
    await ok.stop();
    await refusing.stop();
  }
});
