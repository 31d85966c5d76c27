// Captured mail on a dashboard page: numbers masked in decoded headers and in bodies — which are
// decoded (quoted-printable, base64, charset) BEFORE masking, so an encoded number cannot slip past
// the mask; non-text parts are summarised, never shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { showMail, decodeText } from '../../src/web/show-mail.ts';
import { buildNotice } from '../../src/notify/dsn.ts';
import { parseHeaderBlock } from '../../src/detect/index.ts';
import { incident } from '../notify/fixtures.ts';

const RAW = '2512841237';
const b64 = (s: string) => Buffer.from(s).toString('base64');

test('an RFC 2047 encoded subject is decoded and masked', async () => {
  const { text } = await showMail(Buffer.from(`From: a@kommune.dk\r\nSubject: =?utf-8?B?${b64(`Sag ${RAW} – bolig`)}?=\r\n\r\nHej\r\n`));
  assert.match(text, /^From: a@kommune\.dk\nSubject: Sag XXXXXX-XXXX – bolig\n\nHej/);
  assert.ok(!text.includes(RAW) && !text.includes(b64(RAW).slice(0, 8)));
});

test('a plain body is masked; folded headers are unfolded', async () => {
  const { text, truncated } = await showMail(Buffer.from(`Subject: Referat\r\n fra mødet\r\n\r\nCPR: 251284-1237\r\n`));
  assert.match(text, /^Subject: Referat fra mødet\n\nCPR: XXXXXX-XXXX/);
  assert.equal(truncated, false);
});

for (const [label, headers, body] of [
  ['base64 body (attack: the number only appears after decoding)', 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64', b64(`CPR ${RAW} Åse`)],
  ['quoted-printable body split by a soft line break inside the number', 'Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable', `CPR 25128=\r\n41237 =C5se`],
] as const) {
  test(`a ${label} is decoded, then masked`, async () => {
    const { text } = await showMail(Buffer.from(`Subject: x\r\n${headers}\r\n\r\n${body}\r\n`));
    assert.match(text, /CPR XXXXXX-XXXX Åse/);
    assert.ok(!text.includes(RAW));
  });
}

test('a multipart mail: text parts shown masked, an attachment summarised', async () => {
  const mail = [
    'Subject: x', 'Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/plain; charset=utf-8', '',
    `Sag ${RAW}`, '--b', 'Content-Type: application/pdf', 'Content-Transfer-Encoding: base64', '', b64(`%PDF ${RAW}`), '--b--', '',
  ].join('\r\n');
  const { text } = await showMail(Buffer.from(mail));
  assert.match(text, /--- text\/plain ---\nSag XXXXXX-XXXX/);
  assert.match(text, /--- application\/pdf ---\n\[ikke vist · not shown: \d+ bytes, application\/pdf, base64\]/);
  assert.ok(!text.includes(RAW) && !text.includes(b64(`%PDF ${RAW}`).slice(0, 12)));
});

test('our own notice (multipart/report, quoted-printable) is readable on the page', async () => {
  const d = buildNotice({
    incident: incident({ action: 'quarantine' }), originalHeaders: parseHeaderBlock(Buffer.from(`Subject: Sag ${RAW}\r\n\r\n`)),
    postmaster: 'postmaster@kommune.dk', contact: 'IT-support', reportingMta: 'pv.kommune.dk', arrivalDate: new Date('2026-11-29T09:14:00Z'), now: new Date('2026-11-29T09:14:01Z'),
  });
  const { text } = await showMail(d.raw);
  assert.match(text, /Din mail er tilbageholdt/);
  assert.match(text, /--- message\/delivery-status ---/);
  assert.ok(!text.includes(RAW));
});

test('decodeText: unknown charset reads as UTF-8, base64 with line breaks', () => {
  assert.equal(decodeText(Buffer.from('w4Vz\r\nZQ==', 'latin1'), 'base64', 'x-unknown'), 'Åse');
});

test('a long plain body is cut at 64 KiB and says so', async () => {
  const { text, truncated } = await showMail(Buffer.from(`Subject: x\r\n\r\n${'a'.repeat(70_000)}`));
  assert.equal(truncated, true);
  assert.ok(text.length < 66_000);
});
