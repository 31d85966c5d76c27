// The queue-id state machine on short hand-written line sequences, one rule per test.
// No I/O. Protects: notice proof, null senders, late lines, duplicate lines, session RCPT counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PostfixState } from '../../../src/audit/postfix/state.ts';
import type { MessageFate } from '../../../src/audit/types.ts';

function run(lines: string[]): MessageFate[] {
  const out: MessageFate[] = [];
  const s = new PostfixState((m) => out.push(m));
  for (const line of lines) {
    // the scanner's own path: the line's bytes, parsed and fed; false would mean "not a Postfix line"
    assert.ok(s.feedLine(`Nov 29 10:00:00 mx ${line}`), line);
  }
  s.end();
  return out;
}
const fates = (ms: MessageFate[]) => Object.fromEntries(ms.map((m) => [m.queue_id, m.fate]));

test('"returned to sender" without a notification line is not a notice', () => {
  const ms = run([
    'postfix/qmgr[1]: AAAA1111: from=<a@x.example>, size=1, nrcpt=1 (queue active)',
    'postfix/smtp[2]: AAAA1111: to=<b@y.example>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (timeout)',
    'postfix/qmgr[1]: AAAA1111: from=<a@x.example>, status=expired, returned to sender',
    'postfix/qmgr[1]: AAAA1111: removed',
  ]);
  assert.deepEqual(fates(ms), { AAAA1111: 'expired_no_notice' });
});

test('a notification line for a null sender still counts as no notice (nobody to tell)', () => {
  const ms = run([
    'postfix/qmgr[1]: BBBB2222: from=<>, size=1, nrcpt=1 (queue active)',
    'postfix/smtp[2]: BBBB2222: to=<b@y.example>, relay=r[1.2.3.4]:25, delay=1, delays=0/0/1/0, dsn=5.1.1, status=bounced (unknown user)',
    'postfix/bounce[3]: BBBB2222: sender non-delivery notification: CCCC3333',
    'postfix/qmgr[1]: BBBB2222: removed',
  ]);
  assert.equal(fates(ms).BBBB2222, 'bounced_no_notice');
});

test('a late line for a removed queue id does not open a phantom "unknown" message', () => {
  const ms = run([
    'postfix/qmgr[1]: DDDD4444: from=<a@x.example>, size=1, nrcpt=1 (queue active)',
    'postfix/smtp[2]: DDDD4444: to=<b@y.example>, relay=r[1.2.3.4]:25, delay=1, delays=0/0/1/0, dsn=2.0.0, status=sent (ok)',
    'postfix/qmgr[1]: DDDD4444: removed',
    'postfix/smtp[2]: DDDD4444: to=<b@y.example>, relay=r[1.2.3.4]:25, delay=1, delays=0/0/1/0, dsn=2.0.0, status=sent (ok)',
  ]);
  assert.deepEqual(fates(ms), { DDDD4444: 'delivered' });
});

test('a deferral logged after a delivery (duplicate/out of order) does not undo it', () => {
  const ms = run([
    'postfix/qmgr[1]: EEEE5555: from=<a@x.example>, size=1, nrcpt=1 (queue active)',
    'postfix/smtp[2]: EEEE5555: to=<b@y.example>, relay=r[1.2.3.4]:25, delay=1, delays=0/0/1/0, dsn=2.0.0, status=sent (ok)',
    'postfix/smtp[3]: EEEE5555: to=<b@y.example>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (timeout)',
    'postfix/qmgr[1]: EEEE5555: removed',
  ]);
  assert.equal(fates(ms).EEEE5555, 'delivered');
});

test('session with two messages: the RCPT count is not apportioned (only named recipients)', () => {
  const ms = run([
    'postfix/smtpd[9]: connect from c[1.2.3.4]',
    'postfix/smtpd[9]: FFFF6666: client=c[1.2.3.4]',
    'postfix/cleanup[8]: FFFF6666: discard: header Subject: x from c[1.2.3.4]; from=<a@x.example> to=<b@y.example> proto=ESMTP helo=<c>: rule',
    'postfix/smtpd[9]: 11117777: client=c[1.2.3.4]',
    'postfix/cleanup[8]: 11117777: discard: header Subject: y from c[1.2.3.4]; from=<a@x.example> to=<d@y.example> proto=ESMTP helo=<c>: rule',
    'postfix/smtpd[9]: disconnect from c[1.2.3.4] ehlo=1 mail=2 rcpt=5 data=2 quit=1 commands=11',
  ]);
  assert.deepEqual(ms.map((m) => m.recipients.length), [1, 1]);
  assert.ok(ms.every((m) => m.fate === 'silently_dropped'));
});

test('held, then released (queue active) and delivered: not a loss', () => {
  const ms = run([
    'postfix/pickup[5]: 22228888: uid=0 from=<root>',
    'postfix/cleanup[8]: 22228888: hold: header Subject: x from local; from=<root@mx> to=<b@y.example>: review',
    'postfix/postsuper[7]: 22228888: released from hold',
    'postfix/qmgr[1]: 22228888: from=<root@mx>, size=1, nrcpt=1 (queue active)',
    'postfix/smtp[2]: 22228888: to=<b@y.example>, relay=r[1.2.3.4]:25, delay=1, delays=0/0/1/0, dsn=2.0.0, status=sent (ok)',
    'postfix/qmgr[1]: 22228888: removed',
  ]);
  assert.equal(fates(ms)['22228888'], 'delivered');
});

test('postscreen NOQUEUE rejects are rejected_in_smtp at once (no smtpd session to wait for)', () => {
  const ms = run([
    'postfix/postscreen[4]: NOQUEUE: reject: RCPT from [203.0.113.9]:4711: 550 5.7.1 Service unavailable; client [203.0.113.9] blocked using zen.example; from=<spam@x.example>, to=<b@y.example>, proto=ESMTP, helo=<x>',
  ]);
  assert.equal(ms.length, 1);
  assert.equal(ms[0].fate, 'rejected_in_smtp');
});

test('a short queue id reused soon after by a new message (bounce notice) is a new message, not a late line', () => {
  const ms = run([
    'postfix/qmgr[1]: 3333AAAA: from=<a@x.example>, size=1, nrcpt=1 (queue active)',
    'postfix/smtp[2]: 3333AAAA: to=<b@y.example>, relay=r[1.2.3.4]:25, delay=1, delays=0/0/1/0, dsn=2.0.0, status=sent (ok)',
    'postfix/qmgr[1]: 3333AAAA: removed',
    'postfix/cleanup[8]: 3333AAAA: message-id=<notice@mx>',
    'postfix/qmgr[1]: 3333AAAA: from=<>, size=2, nrcpt=1 (queue active)',
    'postfix/smtp[2]: 3333AAAA: to=<a@x.example>, relay=r[1.2.3.4]:25, delay=1, delays=0/0/1/0, dsn=5.1.1, status=bounced (gone)',
    'postfix/qmgr[1]: 3333AAAA: removed',
  ]);
  assert.deepEqual(ms.map((m) => m.fate), ['delivered', 'bounced_no_notice']);
});

test('an address-verification probe answered "undeliverable" is not a lost mail', () => {
  const ms = run([
    'postfix/qmgr[1]: 4444BBBB: from=<double-bounce@mx>, size=1, nrcpt=1 (queue active)',
    'postfix/smtp[2]: 4444BBBB: to=<gone@y.example>, relay=r[1.2.3.4]:25, delay=1, delays=0/0/1/0, dsn=5.1.1, status=undeliverable (host r said: 550 5.1.1 no such user)',
    'postfix/qmgr[1]: 4444BBBB: removed',
  ]);
  assert.equal(ms[0].fate, 'delivered');
  assert.match(ms[0].reason, /address verification probe: undeliverable/);
});
