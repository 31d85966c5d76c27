// buildEscalation: the mail to the central mailbox when the sender cannot be told (invariant 6),
// parsed strictly by Python's email package; masked only, null envelope sender. Pure apart from the parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildDigest } from '../../src/review/digest.ts';
import { buildEscalation, escalationText, type EscalationInput } from '../../src/notify/escalation.ts';
import { noticeRecipient } from '../../src/notify/recipient.ts';
import { parseWithPython } from './python-email.ts';
import { ID, incident } from './fixtures.ts';

function input(over: Partial<EscalationInput> = {}): EscalationInput {
  const target = noticeRecipient('noreply@borger.dk', ['^no-?reply@']);
  return {
    incident: incident({ sender: 'noreply@borger.dk', action: 'quarantine', notice: 'escalated' }),
    reason: target.kind === 'escalate' ? target.reason : 'unexpected',
    centralMailbox: 'Fejlpostkasse <fejl@kommune.dk>',
    postmaster: 'postmaster@kommune.dk',
    reportingMta: 'postvagt.kommune.dk',
    now: new Date('2026-11-29T09:14:01Z'),
    publicUrl: 'https://postvagt.kommune.dk',
    ...over,
  };
}

test('an escalation is a plain, strictly valid message to the central mailbox from the null sender', () => {
  const d = buildEscalation(input());
  assert.equal(d.envelopeFrom, '');
  assert.equal(d.to, 'fejl@kommune.dk');
  assert.equal(d.incidentId, ID);
  const [p] = parseWithPython([d.raw]);
  assert.equal(p.error, null);
  assert.equal(p.contentType, 'text/plain');
  assert.deepEqual(p.headers['auto-submitted'], ['auto-generated']);
  assert.deepEqual(p.headers['x-postvagt-incident'], [ID]);
  assert.match(p.headers.subject[0], new RegExp(`^\\[Postvagt\\] Eskaleret ${ID}: afsenderen har ikke fået besked / Escalated`));
});

test('the text says what to do first, then the facts, with the reason and the dashboard link', () => {
  const t = escalationText(input());
  assert.ok(t.startsWith('Afsenderen kan ikke få en automatisk besked'));
  assert.match(t, /Mailen er tilbageholdt i karantæne og er IKKE leveret\./);
  assert.match(t, /Why no notice: {2}the sender matches notify\.unreachable_senders "\^no-\?reply@" \(no-reply or system address\)/);
  assert.match(t, new RegExp(`Case: {11}${ID}`));
  assert.match(t, /Sender: {9}noreply@borger\.dk/);
  assert.match(t, /Subject: {8}Partshøring XXXXXX-XXXX/);
  assert.match(t, /  - Subject: XXXXXX-XXXX, fingerprint f00d/);
  assert.match(t, new RegExp(`Case: {11}${ID}\nDashboard: {6}https://postvagt\\.kommune\\.dk/incidents/${ID}\n`));
});

// The reviewer is not a programmer: with web.public_url the mail links to the incident; without it
// there is no link at all, never one guessed from web.listen or the host name.
test('web.public_url: the link goes to the incident page under it; unset, no link at all', () => {
  const under = escalationText(input({ publicUrl: 'https://intra.kommune.dk/postvagt' }));
  assert.ok(under.includes(`Dashboard:      https://intra.kommune.dk/postvagt/incidents/${ID}\n`), under);
  const none = escalationText(input({ publicUrl: undefined }));
  assert.ok(!/Dashboard|https?:/.test(none), none);
  const d = buildEscalation(input());
  assert.ok(d.raw.toString('latin1').replaceAll('=\r\n', '').includes(`https://postvagt.kommune.dk/incidents/${ID}`), 'in the mail as sent (QP soft breaks undone)');
});

test('null sender is shown as <>, never as an empty field', () => {
  assert.match(escalationText(input({ incident: incident({ sender: '' }) })), /Sender: {9}<> \(null sender\)/);
});

test('nothing raw: a number in the reason or a recipient address is masked, control characters flattened', () => {
  const d = buildEscalation(input({
    reason: 'final delivery error: 550 5.1.1 <0101901234@x.dk>: unknown\r\nInjected: yes',
    incident: incident({ recipients: ['0101901234@borger.dk'] }),
  }));
  const raw = d.raw.toString('latin1');
  const unwrapped = raw.replaceAll('=\r\n', ''); // undo quoted-printable soft breaks before looking for digits
  assert.ok(!/0101901234/.test(unwrapped));
  assert.match(unwrapped, /XXXXXX-XXXX@borger\.dk/);
  assert.ok(!/\r\nInjected:/.test(raw));
  assert.ok(/^[\x09\x0d\x0a\x20-\x7e]*$/.test(raw) && !/\r(?!\n)|(?<!\r)\n/.test(raw));
});

test('a central mailbox that is not an address is a configuration error, not a lost escalation', () => {
  assert.throws(() => buildEscalation(input({ centralMailbox: 'nobody' })), { code: 'PV_CONFIG_INVALID' });
});

test('property: arbitrary incident text → escalation and digest mails stay 7-bit, CRLF, short-lined and parseable', () => {
  const str = fc.string({ unit: 'binary', maxLength: 200 });
  const cases = fc.sample(fc.record({ subject: str, reason: str, listener: str, classificationReason: str, rcpt: str }), { numRuns: 80, seed: 7 });
  const drafts = cases.flatMap((c) => {
    const inc = incident({ subjectMasked: c.subject, listener: c.listener, classificationReason: c.classificationReason, recipients: [c.rcpt], classification: 'systemic' });
    const common = { centralMailbox: 'fejl@kommune.dk', postmaster: 'postmaster@kommune.dk', reportingMta: 'postvagt.kommune.dk', now: new Date('2026-11-29T06:00:00Z') };
    return [buildEscalation({ ...common, incident: inc, reason: c.reason }), buildDigest({ ...common, day: '2026-11-28', incidents: [inc], unresolved: [inc] })];
  });
  for (const d of drafts) {
    const raw = d.raw.toString('latin1');
    assert.ok(/^[\x09\x0d\x0a\x20-\x7e]*$/.test(raw) && !/\r(?!\n)|(?<!\r)\n/.test(raw), 'ASCII, CRLF only');
    assert.ok(raw.split('\r\n').every((l) => l.length <= 998));
  }
  parseWithPython(drafts.map((d) => d.raw)).forEach((p, i) => assert.equal(p.error, null, `case ${i}`));
});

// User review (29 Nov): the escalation said "Time: 2026-11-29T20:45:51.395Z" while the dashboard and
// the sender's notice said 21:45 — an operator looking the incident up by time found nothing there.
test('the time is Danish local time, as on the dashboard and in the notice, with UTC beside it', () => {
  assert.match(escalationText(input({ incident: incident({ time: '2026-11-29T20:45:51.395Z' }) })), /Time: {11}2026-11-29 21:45:51 dansk tid \/ Danish time \(2026-11-29T20:45:51Z\)\n/);
  assert.match(escalationText(input({ incident: incident({ time: '2026-07-01T10:00:00.000Z' }) })), /Time: {11}2026-07-01 12:00:00 dansk tid/);
});
