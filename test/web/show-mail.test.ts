// Captured mail on a dashboard page: numbers masked in decoded headers and plain bodies; encoded
// bodies (which a text mask cannot see into) are summarised, never shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { showMail } from '../../src/web/show-mail.ts';

const RAW = '2512841237';
const b64 = (s: string) => Buffer.from(s).toString('base64');

test('an RFC 2047 encoded subject is decoded and masked', () => {
  const { text } = showMail(Buffer.from(`From: a@kommune.dk\r\nSubject: =?utf-8?B?${b64(`Sag ${RAW} – bolig`)}?=\r\n\r\nHej\r\n`));
  assert.match(text, /^From: a@kommune\.dk\nSubject: Sag XXXXXX-XXXX – bolig\n\nHej/);
  assert.ok(!text.includes(RAW) && !text.includes(b64(RAW).slice(0, 8)));
});

test('a plain body is masked; folded headers are unfolded', () => {
  const { text, truncated } = showMail(Buffer.from(`Subject: Referat\r\n fra mødet\r\n\r\nCPR: 251284-1237\r\n`));
  assert.match(text, /^Subject: Referat fra mødet\n\nCPR: XXXXXX-XXXX/);
  assert.equal(truncated, false);
});

for (const [label, headers] of [
  ['base64 body', 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64'],
  ['quoted-printable body', 'Content-Transfer-Encoding: quoted-printable'],
  ['multipart body', 'Content-Type: multipart/mixed; boundary=x'],
] as const) {
  test(`a ${label} is summarised, not shown (a mask cannot see into it)`, () => {
    const body = label === 'base64 body' ? b64(`CPR ${RAW}`) : `CPR 25128=\r\n41237`;
    const { text } = showMail(Buffer.from(`Subject: x\r\n${headers}\r\n\r\n${body}\r\n`));
    assert.match(text, /\[brødtekst ikke vist · body not shown: \d+ bytes, /);
    assert.ok(!text.includes(body.slice(0, 12)));
  });
}

test('a long plain body is cut at 64 KiB and says so', () => {
  const { text, truncated } = showMail(Buffer.from(`Subject: x\r\n\r\n${'a'.repeat(70_000)}`));
  assert.equal(truncated, true);
  assert.ok(text.length < 66_000);
});
