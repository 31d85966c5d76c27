// buildNotice on hostile originals (STYLE 13: named after the attack): the notice stays a valid RFC 3464
// report, bounded in size, with no raw CPR digits and no injected header lines (invariants 2 and 4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildNotice } from '../../src/notify/dsn.ts';
import { parseHeaderBlock } from '../../src/detect/index.ts';
import { parseWithPython } from './python-email.ts';
import { incident } from './fixtures.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const DIGITS = /0101901234|010190-1234|01019|01234/;

function notice(headerBlock: Buffer | string) {
  return buildNotice({
    incident: incident(),
    originalHeaders: parseHeaderBlock(typeof headerBlock === 'string' ? Buffer.from(headerBlock, 'latin1') : headerBlock),
    postmaster: 'postmaster@kommune.dk',
    contact: 'IT-support',
    reportingMta: 'postvagt.kommune.dk',
    arrivalDate: new Date('2026-11-29T09:14:00Z'),
    now: new Date('2026-11-29T09:14:01Z'),
  });
}

const ATTACKS: [string, Buffer | string, (headersPart: string, raw: string) => void][] = [
  ['CRLF in an encoded display name', `From: a@b.dk\r\nTo: =?UTF-8?B?${b64('Evil\r\nBcc: victim@x.dk 0101901234')}?= <a@b.dk>\r\n\r\n`, (h) => {
    assert.ok(!/^Bcc:/m.test(h), 'no injected Bcc line');
  }],
  ['broken base64 in an encoded word', 'Subject: =?UTF-8?B?!!!notbase64***?= Sag 0101901234\r\n\r\n', () => {}],
  ['unknown charset', 'Subject: =?x-unknown-42?Q?Sag_0101901234?=\r\n\r\n', () => {}],
  ['NUL bytes in a header', 'Subject: Sag\0 0101901234\0\r\nX-Nul: \0\0\0\r\n\r\n', (h) => assert.ok(!h.includes('\0'))],
  ['8-bit garbage in a header', Buffer.concat([Buffer.from('Subject: Sag 0101901234 '), Buffer.from([0xe6, 0xf8, 0xe5, 0xff, 0xfe]), Buffer.from('\r\n\r\n')]), () => {}],
  ['a number split across two encoded words', 'Subject: =?UTF-8?Q?Sag_01019?= =?UTF-8?Q?01234?=\r\n\r\n', (h) => assert.match(h, /XXXXXX-XXXX/)],
  ['our own boundary inside the original', 'X-Trick: --=_postvagt_PV-20261129-7K3QXD_0\r\nSubject: Sag 0101901234\r\n\r\n', (_h, raw) => {
    assert.ok(raw.includes('boundary="=_postvagt_PV-20261129-7K3QXD_1"'), 'a boundary the original does not contain');
  }],
  ['an illegal header name', 'Bad Name: 0101901234\r\nSubject: ok\r\n\r\n', (h) => assert.ok(!h.includes('Bad Name'))],
  ['a 1 MiB folded Subject', `Subject: ${'ord '.repeat(20).concat('\r\n ').repeat(12_000)}0101901234\r\n\r\n`, (h) => assert.ok(h.length < 10_000, `${h.length}`)],
  ['10,000 headers', Array.from({ length: 10_000 }, (_, i) => `X-H${i}: 0101901234 value ${i}`).join('\r\n') + '\r\n\r\n', (h) => {
    assert.ok(h.length <= 70 * 1024, `${h.length}`);
    assert.match(h, /^X-Postvagt-Omitted: \d+ more header fields not shown/m);
  }],
  ['a 3,000-character word in a clean header', `X-Long: ${'A'.repeat(3000)}\r\nSubject: Sag 0101901234\r\n\r\n`, (h) => assert.match(h, /^X-Long: A{900}\r?\n A{900}/m)],
  ['a 3,000-character word next to a number', `Subject: ${'B'.repeat(3000)} 0101901234\r\n\r\n`, (h) => assert.match(h, /^Subject: B{900}\r?\n B{900}/m)],
  ['bare LF line ends', 'Subject: Sag 0101901234\nFrom: a@b.dk\n\n', () => {}],
];

const drafts = ATTACKS.map(([, block]) => notice(block));
const parsed = parseWithPython(drafts.map((d) => d.raw));

ATTACKS.forEach(([name, , check], i) => {
  test(`hostile original: ${name} → a valid, bounded, masked notice`, () => {
    const p = parsed[i];
    assert.equal(p.error, null);
    assert.deepEqual(p.parts.map((x) => x.contentType), ['text/plain', 'message/delivery-status', 'text/rfc822-headers']);
    const raw = drafts[i].raw.toString('latin1');
    assert.ok(!DIGITS.test(raw.replaceAll('=\r\n', '')), 'no CPR digits, not even split ones (QP soft breaks undone)');
    assert.ok(/^[\x09\x0d\x0a\x20-\x7e]*$/.test(raw), '7-bit');
    assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(raw), 'CRLF only');
    assert.ok(raw.split('\r\n').every((l) => l.length <= 998), 'line length');
    assert.ok(raw.length < 100 * 1024, `notice size ${raw.length}`);
    check(p.parts[2].text ?? '', raw);
  });
});

test('property: arbitrary header blocks and incident text → a notice a strict parser accepts, 7-bit, no long lines', () => {
  const name = fc.constantFrom('Subject', 'From', 'To', 'X-Sag', 'Comments', 'Received', 'Message-ID');
  const value = fc.string({ unit: 'binary', maxLength: 300 });
  const cases = fc.sample(
    fc.record({
      fields: fc.array(fc.tuple(name, value), { maxLength: 12 }),
      subjectMasked: fc.string({ unit: 'binary', maxLength: 300 }),
      contact: fc.string({ unit: 'binary', maxLength: 100 }),
    }),
    { numRuns: 120, seed: 20261129 },
  );
  const drafts = cases.map((c) => {
    const block = c.fields.map(([n, v]) => `${n}: ${v.replace(/\r?\n/g, ' ')} 0101901234`).join('\r\n') + '\r\n\r\n';
    return buildNotice({
      incident: incident({ subjectMasked: c.subjectMasked }),
      originalHeaders: parseHeaderBlock(Buffer.from(block, 'utf8')),
      postmaster: 'postmaster@kommune.dk',
      contact: c.contact,
      reportingMta: 'postvagt.kommune.dk',
      arrivalDate: new Date('2026-11-29T09:14:00Z'),
      now: new Date('2026-11-29T09:14:01Z'),
    });
  });
  for (const d of drafts) {
    const raw = d.raw.toString('latin1');
    assert.ok(/^[\x09\x0d\x0a\x20-\x7e]*$/.test(raw) && !/\r(?!\n)|(?<!\r)\n/.test(raw));
    assert.ok(raw.split('\r\n').every((l) => l.length <= 998));
    assert.ok(!raw.replaceAll('=\r\n', '').includes('0101901234'));
  }
  const parsedAll = parseWithPython(drafts.map((d) => d.raw));
  parsedAll.forEach((p, i) => assert.equal(p.error, null, `case ${i}: ${p.error}`));
});
