// One test per Exchange tracking event type: the fate each leaves a message in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditExchangeText } from '../../../src/audit/exchange/text.ts';
import { log, receive, internalId, type Row } from './rows.ts';

const ID = '<a1@kommune.dk>';
const T0 = '2026-11-02T08:00:00.000Z';
const T1 = '2026-11-02T08:00:05.000Z';
const T2 = '2026-11-02T08:00:09.000Z';
const ev = (event: string, at: string, r: Row = {}, id = ID): Row => ({
  'date-time': at, 'event-id': event, 'message-id': id, 'internal-message-id': internalId(id),
  'recipient-address': 'modtager@region.dk', 'return-path': 'sb@kommune.dk', ...r,
});
const start = receive(ID, T0, 'sb@kommune.dk', 'modtager@region.dk', 'Vedr. borger 010190-1234');

function fateOf(rows: Row[]): { fate: string; reason: string; silent: number } {
  const r = auditExchangeText(log(rows));
  assert.deepEqual(r.warnings, []);
  const m = r.rows.find((x) => x.message_id === ID);
  assert.ok(m, 'message found');
  return { fate: m.fate, reason: m.reason, silent: r.silent.length };
}

test('RECEIVE alone: no terminal event → unknown', () => {
  assert.equal(fateOf([start]).fate, 'unknown');
});

test('SUBMIT (from a mailbox) then DELIVER → delivered', () => {
  assert.equal(fateOf([{ ...start, 'event-id': 'SUBMIT', source: 'STOREDRIVER' }, ev('DELIVER', T1)]).fate, 'delivered');
});

test('SEND with a 250 to the next hop → delivered', () => {
  assert.equal(fateOf([start, ev('SEND', T1, { 'recipient-status': '250 2.0.0 OK' })]).fate, 'delivered');
});

test('DEFER with nothing after → deferred_pending; DEFER then DELIVER → delivered', () => {
  const defer = ev('DEFER', T1, { 'recipient-status': '451 4.4.0 DNS query failed' });
  assert.equal(fateOf([start, defer]).fate, 'deferred_pending');
  assert.equal(fateOf([start, defer, ev('DELIVER', T2)]).fate, 'delivered');
});

test('FAIL joined to its DSN through the DSN row\'s reference → bounced_with_notice', () => {
  const fail = ev('FAIL', T1, { 'recipient-status': '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found' });
  const dsn = ev('DSN', T1, { source: 'DSN', 'recipient-address': 'sb@kommune.dk', reference: ID, 'return-path': '<>' }, '<dsn1@EXCH01>');
  assert.equal(fateOf([start, fail, dsn]).fate, 'bounced_with_notice');
});

test('FAIL joined to its DSN through the FAIL row\'s reference (the DSN\'s Message-ID)', () => {
  const fail = ev('FAIL', T1, { 'recipient-status': '550 5.1.1 not found', reference: '<dsn2@EXCH01>' });
  const dsn = ev('DSN', T1, { source: 'DSN', 'recipient-address': 'sb@kommune.dk', reference: '<other@x>', 'return-path': '<>' }, '<dsn2@EXCH01>');
  assert.equal(fateOf([start, fail, dsn]).fate, 'bounced_with_notice');
});

test('FAIL without a DSN → bounced_no_notice (a DSN for another message does not count)', () => {
  const fail = ev('FAIL', T1, { 'recipient-status': '550 5.1.1 not found' });
  const otherDsn = ev('DSN', T1, { source: 'DSN', reference: '<someone-else@kommune.dk>', 'return-path': '<>' }, '<dsn9@EXCH01>');
  assert.equal(fateOf([start, fail, otherDsn]).fate, 'bounced_no_notice');
});

test('FAIL 4.4.7 QUEUE.Expired with and without DSN → expired_with_notice / expired_no_notice', () => {
  const fail = ev('FAIL', T1, { 'recipient-status': '550 4.4.7 QUEUE.Expired; message expired' });
  const dsn = ev('DSN', T1, { source: 'DSN', reference: ID, 'return-path': '<>' }, '<dsn3@EXCH01>');
  assert.equal(fateOf([start, fail]).fate, 'expired_no_notice');
  assert.equal(fateOf([start, fail, dsn]).fate, 'expired_with_notice');
});

test('null sender (return-path <>) FAIL → bounced_no_notice, and the reason says no notice was possible', () => {
  const r = fateOf([{ ...start, 'return-path': '<>', 'sender-address': '' }, ev('FAIL', T1, { 'recipient-status': '550 5.1.1 not found', 'return-path': '<>' })]);
  assert.equal(r.fate, 'bounced_no_notice');
  assert.match(r.reason, /null sender/);
});

test('FAIL by the transport rule agent ("deleted by the transport agent") → silently_dropped', () => {
  const r = fateOf([start, ev('FAIL', T1, { source: 'AGENT', 'recipient-status': '550 4.3.2 QUEUE.TransportAgent; message deleted by the transport agent' })]);
  assert.equal(r.fate, 'silently_dropped');
  assert.equal(r.silent, 1);
});

for (const event of ['DROP', 'BADMAIL', 'POISONMESSAGE']) {
  test(`${event} without a DSN → silently_dropped, listed in silent with its Message-ID`, () => {
    const r = auditExchangeText(log([start, ev(event, T1)]));
    assert.equal(r.messages.silently_dropped, 1);
    assert.equal(r.silent[0].message_id, ID);
    assert.equal(r.silent[0].queue_id, undefined);
    assert.deepEqual(r.silent[0].to, ['modtager@region.dk']);
    assert.match(r.silent[0].reason, new RegExp(event));
    assert.equal(r.silent[0].subject, 'Vedr. borger XXXXXX-XXXX');
  });
  test(`${event} followed by a DSN → bounced_with_notice`, () => {
    const dsn = ev('DSN', T2, { source: 'DSN', reference: ID, 'return-path': '<>' }, '<dsn4@EXCH01>');
    assert.equal(fateOf([start, ev(event, T1), dsn]).fate, 'bounced_with_notice');
  });
}

test('POISONMESSAGE released and then delivered → delivered', () => {
  assert.equal(fateOf([start, ev('POISONMESSAGE', T1), ev('DELIVER', T2)]).fate, 'delivered');
});

test('REDIRECT: the alternate recipient takes the original\'s place', () => {
  const r = auditExchangeText(log([start,
    ev('REDIRECT', T1, { 'recipient-address': 'stedfortraeder@region.dk', 'related-recipient-address': 'modtager@region.dk' }),
    ev('DELIVER', T2, { 'recipient-address': 'stedfortraeder@region.dk' })]));
  assert.equal(r.rows[0].fate, 'delivered');
  assert.deepEqual(r.rows[0].recipients.map((x) => x.to), ['stedfortraeder@region.dk']);
});

test('RESOLVE: the resolved address replaces the original', () => {
  const r = auditExchangeText(log([start,
    ev('RESOLVE', T1, { 'recipient-address': 'm.odtager@region.dk', 'related-recipient-address': 'modtager@region.dk' }),
    ev('DELIVER', T2, { 'recipient-address': 'm.odtager@region.dk' })]));
  assert.equal(r.rows[0].fate, 'delivered');
  assert.equal(r.recipients.delivered, 1);
  assert.equal(r.recipients.unknown, 0);
});

test('EXPAND: a group becomes its members, each with its own fate; the message takes the worst', () => {
  const r = auditExchangeText(log([{ ...start, 'recipient-address': 'team@kommune.dk' },
    ev('EXPAND', T1, { 'recipient-address': 'a@kommune.dk;b@kommune.dk', 'related-recipient-address': 'team@kommune.dk' }),
    ev('DELIVER', T2, { 'recipient-address': 'a@kommune.dk' }),
    ev('FAIL', T2, { 'recipient-address': 'b@kommune.dk', 'recipient-status': '554 5.2.2 mailbox full' })]));
  assert.deepEqual(r.rows[0].recipients.map((x) => `${x.to}:${x.fate}`), ['a@kommune.dk:delivered', 'b@kommune.dk:bounced_no_notice']);
  assert.equal(r.rows[0].fate, 'bounced_no_notice');
});

test('TRANSFER (fork) keeps the Message-ID, so the fork\'s DELIVER counts for the message', () => {
  assert.equal(fateOf([start, ev('TRANSFER', T1, { 'internal-message-id': '999' }), ev('DELIVER', T2, { 'internal-message-id': '999' })]).fate, 'delivered');
});

test('HAREDIRECTFAIL, AGENTINFO and HADISCARD are informational: they do not change a fate', () => {
  const info = ['HAREDIRECTFAIL', 'AGENTINFO', 'HADISCARD'].map((e) => ev(e, T1));
  assert.equal(fateOf([start, ...info, ev('DELIVER', T2)]).fate, 'delivered');
});

test('FAIL on the SMTP receive side with no RECEIVE (never committed) → rejected_in_smtp', () => {
  assert.equal(fateOf([ev('FAIL', T1, { source: 'SMTP', 'recipient-status': '550 5.7.1 Message rejected as spam' })]).fate, 'rejected_in_smtp');
});

test('a row whose Message-ID is empty is joined by server + internal-message-id', () => {
  const deliver = ev('DELIVER', T1, { 'message-id': '' });
  assert.equal(fateOf([start, deliver]).fate, 'delivered');
});

test('recipient-address lists separated by ";" give one recipient each, statuses paired by position', () => {
  const r = auditExchangeText(log([{ ...start, 'recipient-address': 'a@x.dk;b@x.dk' },
    ev('FAIL', T1, { 'recipient-address': 'a@x.dk;b@x.dk', 'recipient-status': '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found;554 5.2.2 mailbox full' })]));
  assert.deepEqual(r.rows[0].recipients.map((x) => x.reason), ['FAIL 550 5.1.1 RESOLVER.ADR.RecipNotFound; not found', 'FAIL 554 5.2.2 mailbox full']);
});

test('rows from files given out of order: a later delivery is final, an earlier DEFER does not undo it', () => {
  const r = auditExchangeText(log([ev('DELIVER', T2), start, ev('DEFER', T1, { 'recipient-status': '451 4.4.0' })]));
  assert.equal(r.rows[0].fate, 'delivered');
});

test('across servers: a SEND to the next Exchange server is a hand-over, the next hop\'s FAIL decides', () => {
  const hop1 = [start, ev('SEND', T1, { 'server-hostname': 'EDGE01', 'recipient-status': '250 2.6.0 Queued mail for delivery' })];
  const failed = ev('FAIL', T2, { 'server-hostname': 'EXCH02', 'internal-message-id': '55', 'recipient-status': '550 5.1.10 RESOLVER.ADR.RecipientNotFound' });
  assert.equal(fateOf([...hop1, failed]).fate, 'bounced_no_notice');
  assert.equal(fateOf([failed, ...hop1]).fate, 'bounced_no_notice', 'the second server\'s file read first');
  assert.equal(fateOf([...hop1, ev('DELIVER', T2, { 'server-hostname': 'EXCH02', source: 'STOREDRIVER' })]).fate, 'delivered');
});

test('a delay DSN (after a DEFER) is not a notice for the failure two days later', () => {
  const defer = ev('DEFER', T1, { 'recipient-status': '451 4.4.0 DNS query failed' });
  const delayDsn = ev('DSN', '2026-11-02T12:00:00.000Z', { source: 'DSN', reference: ID, 'return-path': '<>' }, '<delay@EXCH01>');
  const expired = ev('FAIL', '2026-11-04T08:00:00.000Z', { 'recipient-status': '550 4.4.7 QUEUE.Expired; message expired' });
  assert.equal(fateOf([start, defer, delayDsn, expired]).fate, 'expired_no_notice');
  const finalDsn = ev('DSN', '2026-11-04T08:00:00.000Z', { source: 'DSN', reference: ID, 'return-path': '<>' }, '<ndr@EXCH01>');
  assert.equal(fateOf([start, defer, delayDsn, expired, finalDsn]).fate, 'expired_with_notice');
});
