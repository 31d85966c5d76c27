// buildNotice: RFC 3464 structure checked strictly by an independent parser (Python's email package,
// raise_on_defect), Danish before English, and no raw CPR digits anywhere in the bytes (invariant 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildNotice, type NoticeInput } from '../../src/notify/dsn.ts';
import { parseHeaderBlock } from '../../src/detect/index.ts';
import type { Incident } from '../../src/store/types.ts';
import { parseWithPython } from './python-email.ts';
import { ID, incident } from './fixtures.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
// The original as a real client wrote it: the number in clear in Subject, base64-encoded in a To display name.
export const ORIGINAL = [
  'Received: from ws12.kommune.dk (ws12.kommune.dk [10.1.2.3]) by mx.kommune.dk; Sun, 29 Nov 2026 10:14:00 +0100',
  'From: Hanne Jensen <hanne.jensen@kommune.dk>',
  `To: =?UTF-8?B?${b64('Søren Ø. 010190-1234')}?= <sagsbehandler@naboby.dk>`,
  'Subject: =?UTF-8?Q?Partsh=C3=B8ring_0101901234_=E2=80=93?=',
  ' bevilling af hjælpemidler',
  'Message-ID: <20261129101400.1234@ws12.kommune.dk>',
  'Date: Sun, 29 Nov 2026 10:14:00 +0100',
  '',
].join('\r\n');

function input(over: Partial<Incident> = {}, headers = ORIGINAL): NoticeInput {
  return {
    incident: incident(over),
    originalHeaders: parseHeaderBlock(Buffer.from(headers, 'latin1')),
    postmaster: 'postmaster@kommune.dk',
    contact: 'IT-support, tlf. 33 12 34 56',
    reportingMta: 'postvagt.kommune.dk',
    arrivalDate: new Date('2026-11-29T09:14:00Z'),
    now: new Date('2026-11-29T09:14:01Z'),
  };
}

const twoFindings = [
  { header: 'Subject', masked: 'XXXXXX-XXXX', fingerprint: 'f1', kind: 'cpr' as const },
  { header: 'To', masked: 'XXXXXX-XXXX', fingerprint: 'f1', kind: 'cpr' as const },
];
// action → what RFC 3464 §2.3.3/§2.3.4 fields and which Danish headline the notice must carry
const ACTIONS: [Incident['action'], string, string, string, string][] = [
  ['reject', 'failed', '5.7.1', 'Din mail er IKKE sendt.', 'Your mail was NOT sent.'],
  ['quarantine', 'failed', '5.7.1', 'Din mail er tilbageholdt og er IKKE leveret.', 'Your mail is held and has NOT been delivered.'],
  ['redact', 'relayed', '2.0.0', 'Din mail er leveret, men den er ændret undervejs.', 'Your mail was delivered, but it was changed on the way.'],
  ['tag', 'relayed', '2.0.0', 'Din mail er leveret uændret, men den er markeret.', 'Your mail was delivered unchanged, but it was marked.'],
  ['pass', 'relayed', '2.0.0', 'Din mail er leveret uændret.', 'Your mail was delivered unchanged.'],
  ['tempfail', 'delayed', '4.3.0', 'Din mail er forsinket.', 'Your mail is delayed.'],
];
const replies: Record<string, string> = {
  quarantine: `250 2.0.0 Modtaget og tilbageholdt i karantaene: CPR-nummer i et brevhoved. Sag ${ID}`,
  redact: '250 2.0.0 Ok: queued as 4ZkQ1x3Yz',
  tag: '250 2.0.0 Ok: queued as 4ZkQ1x3Yz',
  pass: '250 2.0.0 Ok: queued as 4ZkQ1x3Yz',
  tempfail: `451 4.3.0 Midlertidig fejl i Postvagt. Sag ${ID}`,
};
const drafts = ACTIONS.map(([action]) =>
  buildNotice(input({ action, findings: twoFindings, recipients: ['sagsbehandler@naboby.dk', 'leder@naboby.dk'], ...(replies[action] ? { reply: replies[action] } : {}) })),
);
const parsed = parseWithPython(drafts.map((d) => d.raw));

ACTIONS.forEach(([action, dsnAction, status, da, en], i) => {
  test(`${action}: a strict parser reads a valid multipart/report; report-type=delivery-status`, () => {
    const p = parsed[i];
    assert.equal(p.error, null);
    assert.equal(p.contentType, 'multipart/report');
    assert.equal(p.reportType, 'delivery-status');
    assert.deepEqual(p.parts.map((x) => x.contentType), ['text/plain', 'message/delivery-status', 'text/rfc822-headers']);
  });

  test(`${action}: envelope and top headers (null sender, Auto-Submitted, incident id)`, () => {
    const d = drafts[i];
    const h = parsed[i].headers;
    assert.equal(d.envelopeFrom, '');
    assert.equal(d.to, 'hanne.jensen@kommune.dk');
    assert.equal(d.incidentId, ID);
    assert.deepEqual(h.from, ['Postvagt <postmaster@kommune.dk>']);
    assert.deepEqual(h.to, ['hanne.jensen@kommune.dk']);
    assert.deepEqual(h['auto-submitted'], ['auto-replied']);
    assert.deepEqual(h['x-postvagt-incident'], [ID]);
    assert.deepEqual(h.date, ['Sun, 29 Nov 2026 09:14:01 +0000']);
    assert.match(h['message-id'][0], new RegExp(`^<${ID}\\.[0-9a-z]+\\.notice@postvagt\\.kommune\\.dk>$`));
    assert.match(h.subject[0], new RegExp(`^\\S.* \\[${ID}\\] / \\S`), 'Danish subject, id, then English');
  });

  test(`${action}: the human part is UTF-8 quoted-printable, Danish first, then English`, () => {
    const part = parsed[i].parts[0];
    assert.equal(part.charset, 'utf-8');
    assert.equal(part.cte, 'quoted-printable');
    assert.equal(part.language, 'da, en');
    const text = part.text ?? '';
    const split = text.indexOf('---- English ----');
    assert.ok(split > 0);
    assert.ok(text.startsWith(da), text.slice(0, 80));
    assert.ok(text.slice(split).includes(en));
    for (const must of [`Sagsnummer: ${ID}`, 'Kontakt IT-support, tlf. 33 12 34 56', `Case number: ${ID}`, 'Partshøring XXXXXX-XXXX']) {
      assert.ok(text.includes(must), must);
    }
  });

  test(`${action}: delivery-status per-message and per-recipient fields (Action ${dsnAction}, Status ${status})`, () => {
    const blocks = parsed[i].parts[1].blocks ?? [];
    assert.equal(blocks.length, 3, 'one per-message block + one per recipient');
    const perMessage = Object.fromEntries(blocks[0]);
    assert.equal(perMessage['Reporting-MTA'], 'dns; postvagt.kommune.dk');
    assert.equal(perMessage['Arrival-Date'], 'Sun, 29 Nov 2026 09:14:00 +0000');
    const rcpts = blocks.slice(1).map((b) => Object.fromEntries(b));
    assert.deepEqual(rcpts.map((r) => r['Final-Recipient']), ['rfc822; sagsbehandler@naboby.dk', 'rfc822; leder@naboby.dk']);
    for (const r of rcpts) {
      assert.equal(r.Action, dsnAction);
      assert.equal(r.Status, status);
      // the 250 given for a quarantined mail did not decide delivery: no Diagnostic-Code then
      assert.equal(r['Diagnostic-Code'], action === 'quarantine' ? undefined : `smtp; ${incidentReply(action)}`);
    }
  });
});

function incidentReply(action: Incident['action']): string {
  return replies[action] ?? incident().reply;
}

test('no raw CPR digits anywhere in any notice; numbers in encoded words are masked too', () => {
  for (const d of drafts) {
    const raw = d.raw.toString('latin1').replaceAll('=\r\n', ''); // undo quoted-printable soft breaks first
    assert.ok(!/0101901234|010190-1234/.test(raw), 'raw digits');
    assert.ok(!raw.includes(b64('Søren Ø. 010190-1234')), 'the encoded word that hides the number');
  }
  const headers = parsed[0].parts[2].text ?? '';
  assert.match(headers, /^To: .*XXXXXX-XXXX <sagsbehandler@naboby\.dk>$/m);
  assert.match(headers, /^Subject: .*XXXXXX-XXXX/m);
  assert.match(headers, /^Received: from ws12\.kommune\.dk .*\r?\n/m, 'clean fields kept as they were');
  assert.match(headers, /^Message-ID: <20261129101400\.1234@ws12\.kommune\.dk>$/m);
});

test('the bytes are 7-bit, CRLF only, lines ≤ 998 octets (RFC 5322 §2.1.1)', () => {
  for (const d of drafts) {
    const raw = d.raw.toString('latin1');
    assert.ok(/^[\x09\x0d\x0a\x20-\x7e]*$/.test(raw), 'ASCII only');
    assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(raw), 'no bare CR or LF');
    assert.ok(raw.split('\r\n').every((l) => l.length <= 998));
  }
});

test('Original-Envelope-Id is given when the client sent ENVID, and cleaned', () => {
  const d = buildNotice({ ...input(), envelopeId: 'QQ314159\r\nX: y' });
  const [p] = parseWithPython([d.raw]);
  const perMessage = Object.fromEntries(p.parts[1].blocks?.[0] ?? []);
  assert.equal(perMessage['Original-Envelope-Id'], 'QQ314159X:y');
});

test('a sender that must not get a notice, or a bad postmaster, is refused loudly', () => {
  assert.throws(() => buildNotice(input({ sender: '' })), { code: 'PV_INTERNAL' });
  assert.throws(() => buildNotice(input({ sender: 'a@b.dk\r\nBcc: x@y.dk' })), { code: 'PV_INTERNAL' });
  assert.throws(() => buildNotice({ ...input(), postmaster: 'not an address' }), { code: 'PV_CONFIG_INVALID' });
  assert.equal(buildNotice({ ...input(), postmaster: 'Postvagt <pm@kommune.dk>' }).raw.includes('From: Postvagt <pm@kommune.dk>'), true);
});

test('the same input gives the same bytes (pure: the clock is an argument)', () => {
  assert.deepEqual(buildNotice(input()).raw, buildNotice(input()).raw);
});
