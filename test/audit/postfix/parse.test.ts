// The pure line parser, from a table of real Postfix line shapes and garbage.
// No I/O. Protects: classic and ISO stamps, short and long queue ids, foreign daemons ignored, no throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLine, parseDelivery, parseAction } from '../../../src/audit/postfix/parse.ts';

const cases: [string, string, Partial<ReturnType<typeof parseLine>> | null][] = [
  ['classic short id', 'Nov 29 17:53:49 pv-test postfix/qmgr[6449]: 3EB6F20E930: removed',
    { month: 10, day: 29, stamp: '17:53:49', host: '', daemon: 'qmgr', pid: '', qid: '3EB6F20E930', text: 'removed' }],
  ['classic space-padded day', 'Jan  1 00:00:01 mx2 postfix/bounce[303]: 1A2B3C4D5E: sender non-delivery notification: 6F7E8D9C0B',
    { month: 0, day: 1, daemon: 'bounce', qid: '1A2B3C4D5E' }],
  ['ISO long id', '2025-03-04T09:01:00.100000+01:00 mx1 postfix/smtpd[2002]: 4ZCk1x0m5Lz9sgs: client=mail.example[192.0.2.10]',
    { month: undefined, stamp: '2025-03-04T09:01:00.100000+01:00', host: 'mx1', pid: '2002', daemon: 'smtpd', qid: '4ZCk1x0m5Lz9sgs', text: 'client=mail.example[192.0.2.10]' }],
  ['syslog_name prefix', 'Nov 29 17:53:49 h postfix-out/smtp[1]: 3EB6F20E930: to=<a@b>, status=sent (ok)', { daemon: 'smtp', qid: '3EB6F20E930' }],
  ['NOQUEUE', 'Nov 29 17:53:49 h postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[1.2.3.4]: 554 no; from=<a> to=<b> proto=SMTP helo=<x>', { qid: 'NOQUEUE' }],
  ['no queue id (warning)', 'Nov 29 17:53:49 h postfix/smtpd[1]: warning: hostname x does not resolve', { qid: '', text: 'warning: hostname x does not resolve' }],
  ['postsuper summary', 'Nov 29 17:54:04 pv-test postfix/postsuper[6651]: Deleted: 1 message', { qid: '', daemon: 'postsuper' }],
  ['foreign daemon', 'Nov 29 17:53:49 h sshd[1]: Accepted publickey for ops', null],
  ['garbage', '\u0000\u00ff\u00fe garbage', null],
  ['empty', '', null],
  ['bad month', 'Foo 29 17:53:49 h postfix/qmgr[1]: 3EB6F20E930: removed', null],
  ['truncated head', 'Nov 29 17:5', null],
];
for (const [name, line, want] of cases) {
  test(`parseLine: ${name}`, () => {
    const got = parseLine(line);
    if (want === null) return assert.equal(got, null);
    assert.ok(got);
    for (const [k, v] of Object.entries(want)) assert.equal((got as unknown as Record<string, unknown>)[k], v, k);
  });
}

test('parseDelivery: status, dsn and the text in parentheses; truncated → null', () => {
  assert.deepEqual(parseDelivery('to=<x@y>, relay=none, delay=0, delays=0/0/0/0, dsn=4.4.1, status=deferred (connect to z: refused)'),
    { to: 'x@y', status: 'deferred', dsn: '4.4.1', detail: 'connect to z: refused' });
  assert.equal(parseDelivery('to=<v'), null);
});

test('parseAction: header_checks line yields subject, envelope and rule text', () => {
  const a = parseAction('discard: header Subject: Sag 1 from localhost[127.0.0.1]; from=<a@x> to=<c@y> proto=ESMTP helo=<vm>: cpr in subject');
  assert.deepEqual(a, { action: 'discard', what: 'header_checks', subject: 'Sag 1', from: 'a@x', to: 'c@y', reason: 'cpr in subject' });
  const r = parseAction('reject: RCPT from x[1.2.3.4]: 554 5.7.1 <b@y>: Relay access denied; from=<a@x> to=<b@y> proto=ESMTP helo=<h>');
  assert.equal(r?.reason, '554 5.7.1 <b@y>: Relay access denied');
  assert.equal(r?.what, 'RCPT');
});
