// SMTP reply texts: one printable-ASCII line ≤ 512 octets with CRLF (RFC 5321 §4.5.3.1.5), Danish first,
// the incident id always kept (invariant 5, STYLE 4/8). Tables per header kind; fast-check for sanitising.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  formatReply, headerTooLargeReply, quarantinedReply, rejectReply, relayDeniedReply, replyMessage,
  shuttingDownReply, tempfailReply, upstreamTempfailReply, fitText, MAX_REPLY_OCTETS,
} from '../../src/notify/replies.ts';
import type { SmtpReply } from '../../src/policy/types.ts';
import { ID, finding } from './fixtures.ts';

const PRINTABLE_LINE = /^[\x20-\x7e]+$/;

function assertWireSafe(wire: string, label: string): void {
  assert.match(wire, PRINTABLE_LINE, `${label}: printable ASCII, one line`);
  assert.ok(Buffer.byteLength(wire) + 2 <= 512, `${label}: ${Buffer.byteLength(wire)} octets + CRLF > 512`);
}

test('the example from the issue, exactly', () => {
  const wire = formatReply(rejectReply({ incidentId: ID, findings: [finding('Subject')] }));
  assert.equal(
    wire,
    `550 5.7.1 Ikke afsendt: emnefeltet indeholder et CPR-nummer (XXXXXX-XXXX). Fjern det og send igen. Sag ${ID} / ` +
      `Not sent: CPR number in subject (XXXXXX-XXXX). Remove it and send again. Case ${ID}`,
  );
});

// Header as written → Danish and English words that must appear in the reply.
const HEADERS: [string, string, string][] = [
  ['Subject', 'emnefeltet', 'in subject'],
  ['subject', 'emnefeltet', 'in subject'],
  ['Thread-Topic', 'samtaleemnet (Thread-Topic)', 'in thread topic'],
  ['From', 'afsendernavnet (Fra)', 'in sender name (From)'],
  ['Sender', 'afsenderfeltet (Sender)', 'in Sender field'],
  ['Reply-To', 'svaradressen (Reply-To)', 'in reply-to address'],
  ['To', 'modtagernavnet (Til)', 'in recipient name (To)'],
  ['CC', 'modtagernavnet (Cc)', 'in recipient name (Cc)'],
  ['Bcc', 'modtagernavnet (Bcc)', 'in recipient name (Bcc)'],
  ['Comments', 'kommentarfeltet', 'in comments field'],
  ['Keywords', 'noegleordsfeltet', 'in keywords field'],
  ['X-Sagsnummer', 'det tekniske felt X-Sagsnummer', 'in X-Sagsnummer header'],
  ['Organization', 'feltet Organization', 'in Organization header'],
];
for (const [header, da, en] of HEADERS) {
  test(`reject names ${header} in Danish and English`, () => {
    const wire = formatReply(rejectReply({ incidentId: ID, findings: [finding(header)] }));
    assertWireSafe(wire, header);
    const [danish, english] = wire.split(' / ');
    assert.ok(danish.includes(`${da} indeholder et CPR-nummer (XXXXXX-XXXX)`), danish);
    assert.ok(english.includes(`CPR number ${en} (XXXXXX-XXXX)`), english);
    assert.ok(danish.endsWith(`Sag ${ID}`) && english.endsWith(`Case ${ID}`));
  });
}

test('several findings: the first is named, the rest counted', () => {
  const r = rejectReply({ incidentId: ID, findings: [finding('To'), finding('Subject'), finding('Cc')] });
  assert.match(r.text, /^Ikke afsendt: modtagernavnet \(Til\) indeholder et CPR-nummer \(XXXXXX-XXXX\), og 2 fund mere\./);
  assert.match(r.text, /Not sent: CPR number in recipient name \(To\) \(XXXXXX-XXXX\), and 2 more\./);
});

test('date-style masks are shown; anything that is not a masked form never is', () => {
  assert.match(rejectReply({ incidentId: ID, findings: [finding('Subject', '251284-XXXX')] }).text, /\(251284-XXXX\)/);
  const leaky = rejectReply({ incidentId: ID, findings: [finding('Subject', '251284-1234')] }).text;
  assert.ok(!leaky.includes('1234') && leaky.includes('(XXXXXX-XXXX)'), leaky);
});

test('a hostile header name (CRLF, 8-bit, 5,000 characters) cannot break or bloat the line', () => {
  const wire = formatReply(rejectReply({ incidentId: ID, findings: [finding(`X-${'A'.repeat(5000)}\r\nBcc: æ\0`)] }));
  assertWireSafe(wire, 'hostile header');
  assert.ok(wire.length < 400, `${wire.length}`);
  assert.ok(wire.endsWith(`Case ${ID}`));
});

const fixed: [string, SmtpReply, RegExp][] = [
  ['tempfail', tempfailReply(ID), new RegExp(`^451 4\\.3\\.0 Midlertidig fejl .*Sag ${ID} / Temporary failure .*Case ${ID}$`)],
  ['upstream down', upstreamTempfailReply(ID, 'connect ECONNREFUSED 127.0.0.1:25'), /^451 4\.4\.1 Ikke modtaget: .*\(connect ECONNREFUSED 127\.0\.0\.1:25\)/],
  ['upstream no detail', upstreamTempfailReply(ID), new RegExp(`^451 4\\.4\\.1 .*unavailable or deferred the mail; try again later\\. Case ${ID}$`)],
  ['no STARTTLS under require_tls', upstreamTempfailReply(ID, 'STARTTLS not offered by upstream'), /^451 4\.7\.10 .*\(TLS\)/],
  ['certificate failure', upstreamTempfailReply(ID, 'TLS handshake failed: self signed certificate'), /^451 4\.7\.5 /],
  ['quarantined', quarantinedReply(ID), new RegExp(`^250 2\\.0\\.0 Modtaget og tilbageholdt i karantaene: .*Case ${ID}$`)],
  ['shutting down', shuttingDownReply(), /^421 4\.3\.2 Postvagt lukker ned; .* \/ Postvagt is shutting down/],
  ['relay denied', relayDeniedReply(), /^554 5\.7\.1 /],
  ['header too large', headerTooLargeReply(2097152), /^552 5\.3\.4 .*2097152/],
];
for (const [label, reply, re] of fixed) {
  test(`${label}: ${reply.code} ${reply.enhanced}, Danish first, wire-safe`, () => {
    const wire = formatReply(reply);
    assertWireSafe(wire, label);
    assert.match(wire, re);
    assert.ok(wire.indexOf(' / ') > 0, 'Danish part, then English');
  });
}

test('upstream detail quoting the mail cannot carry a CPR number or a second line into the reply', () => {
  const wire = formatReply(upstreamTempfailReply(ID, '452 4.2.2 <0101901234@x.dk>: mailbox full\r\n250 fake\0'));
  assertWireSafe(wire, 'detail');
  assert.ok(!/\d{6}/.test(wire.replaceAll(ID, '')), wire);
  assert.ok(wire.includes(ID));
});

test('formatReply sanitises: CR, LF, NUL and non-ASCII removed or transliterated', () => {
  const wire = formatReply({ code: 550, enhanced: '5.7.1', text: 'Bl\u00e5b\u00e6rgr\u00f8d\r\n250 OK\0 caf\u00e9 \u201cx\u201d \u2013 \u{1F600} ø' });
  assert.equal(wire, '550 5.7.1 Blaabaergroed 250 OK cafe "x" - ? oe');
});

test('formatReply: long text is cut at a word boundary and keeps the incident id', () => {
  const text = `Sag ${ID} ${'ordet '.repeat(200)}`;
  const wire = formatReply({ code: 550, enhanced: '5.7.1', text });
  assertWireSafe(wire, 'long');
  assert.ok(wire.includes(ID));
  const tail = formatReply({ code: 550, enhanced: '5.7.1', text: `${'ordet '.repeat(200)} Sag ${ID}` });
  assertWireSafe(tail, 'long, id at end');
  assert.ok(tail.endsWith(` ... ${ID}`), tail);
  assert.ok(/ordet \.\.\. /.test(tail), 'cut between words');
});

test('formatReply refuses wrong codes (a bug) instead of sending them', () => {
  const bad: SmtpReply[] = [
    { code: 550, enhanced: '4.7.1', text: 'class mismatch' },
    { code: 250, enhanced: '5.0.0', text: 'class mismatch' },
    { code: 99, enhanced: '2.0.0', text: 'no such code' },
    { code: 550.5, enhanced: '5.7.1', text: 'not an integer' },
    { code: 550, enhanced: '5.7', text: 'short enhanced code' },
    { code: 550, enhanced: '', text: 'missing enhanced code' },
  ];
  for (const r of bad) assert.throws(() => formatReply(r), { code: 'PV_INTERNAL' }, r.text);
  assert.equal(formatReply({ code: 354, enhanced: '', text: 'Start mail input' }), '354 Start mail input');
});

test('replyMessage is formatReply without the basic code, for smtp-server errors', () => {
  const r = rejectReply({ incidentId: ID, findings: [finding('Subject')] });
  assert.equal(`550 ${replyMessage(r)}`, formatReply(r));
});

test('property: any text → one printable line ≤ 510 octets that keeps the incident id', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), fc.string({ unit: 'binary', maxLength: 2000 }), (a, b) => {
      const wire = formatReply({ code: 451, enhanced: '4.3.0', text: `${a} Sag ${ID} ${b}` });
      return /^[\x20-\x7e]*$/.test(wire) && Buffer.byteLength(wire) <= MAX_REPLY_OCTETS && wire.includes(ID);
    }),
    { numRuns: 300 },
  );
});

test('fitText leaves short text alone and never exceeds the budget', () => {
  assert.equal(fitText('kort tekst', 100), 'kort tekst');
  for (const budget of [20, 40, 60, 100]) {
    assert.ok(fitText(`${'x'.repeat(300)} ${ID}`, budget).length <= budget, `budget ${budget}`);
  }
});

// User review (29 Nov): a number in the sender's own display name got "Fjern det og send igen /
// Remove it and send again", while the notice says the sender cannot fix it and must contact IT
// support. Own name and program-filled X- headers: the reply says the same as the notice.
for (const [header, fix] of [
  ['From', /\. Kontakt IT-support\. Sag .* \/ .*\. Contact IT support\. Case /],
  ['Sender', /\. Kontakt IT-support\. Sag .*\. Contact IT support\. Case /],
  ['X-Sagsnummer', /\. Kontakt IT-support\. Sag .*\. Contact IT support\. Case /],
  ['Subject', /\. Fjern det og send igen\. Sag .*\. Remove it and send again\. Case /],
  ['To', /\. Fjern det og send igen\. Sag .*\. Remove it and send again\. Case /],
] as const) {
  test(`reject for ${header}: what the sender can do, as the notice says`, () => {
    assert.match(formatReply(rejectReply({ incidentId: ID, findings: [finding(header)] })), fix);
  });
}

test('quarantine reply names the header when the findings are given, "a header" otherwise', () => {
  assert.match(formatReply(quarantinedReply(ID, [finding('Subject')])), /^250 2\.0\.0 Modtaget og tilbageholdt i karantaene: CPR-nummer i emnefeltet\. Sag .* \/ Accepted and held in quarantine: CPR number in subject\. Case /);
  assert.match(formatReply(quarantinedReply(ID)), /CPR-nummer i et brevhoved\. .*CPR number in a header\./);
});
