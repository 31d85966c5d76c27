// Header block parsing, unfolding and RFC 2047 decoding, checked against headers written by
// real encoders (libmime, nodemailer's MailComposer, Python's email.header) and attacks.
// I/O: one /usr/bin/python3 child process per Python-encoded case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import libmime from 'libmime';
import MailComposer from 'nodemailer/lib/mail-composer';
import { decodeHeaderValue, isScannedHeader, parseHeaderBlock, scanHeaders } from '../../src/detect/index.ts';

const SUBJECT = 'Sag vedr. Åse Ødegård 140432-2464 – bilag æøå';

test('unfolding removes CRLF before whitespace, keeps the whitespace (RFC 5322 §2.2.3)', () => {
  const [f] = parseHeaderBlock('Subject: Sag\r\n 140432\r\n\t2464 afsluttet\r\n\r\nbody 2512841234');
  assert.equal(f.unfolded, 'Sag 140432\t2464 afsluttet');
  assert.equal(f.raw, 'Subject: Sag\r\n 140432\r\n\t2464 afsluttet');
  assert.deepEqual(scanHeaders([f]).map((x) => x.digits), ['1404322464'], 'a fold is one space');
});

test('parseHeaderBlock: names, repeated fields, bare LF, junk lines and the blank line', () => {
  const fields = parseHeaderBlock('From someone Tue\nReceived: a\nReceived : b\nnot a header\nX-Sag: 1404322464\n\nSubject: 2512841234');
  assert.deepEqual(fields.map((f) => [f.name, f.unfolded]), [['Received', 'a'], ['Received', 'b'], ['X-Sag', '1404322464']]);
});

test('which headers are scanned: defaults, X-*, case-insensitivity, trace headers excluded', () => {
  const block = [
    'Subject: 1404322464', 'Thread-Topic: 1404322464', 'To: "Åse 1404322464" <a@b.dk>', 'X-Case: 1404322464',
    'Message-ID: <1404322464@x>', 'References: <1404322464@x>', 'Received: from x id 1404322464',
    'DKIM-Signature: b=1404322464', 'Date: 1404322464', 'sUbJeCt: 2512841234',
  ].join('\r\n');
  const found = scanHeaders(parseHeaderBlock(block));
  assert.deepEqual(found.map((f) => [f.header, f.fieldIndex]), [['Subject', 0], ['Thread-Topic', 1], ['To', 2], ['X-Case', 3], ['sUbJeCt', 9]]);
  assert.equal(isScannedHeader('x-anything', ['X-*']), true);
  assert.equal(isScannedHeader('Subject', ['To']), false);
  assert.deepEqual(scanHeaders(parseHeaderBlock(block), { headers: ['Message-ID'] }).map((f) => f.header), ['Message-ID']);
});

test('libmime encodeWords (Q and B, split into short words) decodes back and the number is found', () => {
  for (const enc of ['Q', 'B']) {
    const encoded = libmime.encodeWords(SUBJECT, enc, 20);
    assert.ok(encoded.split('?=').length > 3, `${enc}: split into several words`);
    const decoded = decodeHeaderValue(encoded);
    assert.equal(decoded, SUBJECT.normalize('NFKC'));
    assert.equal(scanHeaders(parseHeaderBlock(`Subject: ${encoded}`))[0].digits, '1404322464');
  }
});

test('nodemailer MailComposer: subject and display name with Danish letters', async () => {
  const mail = new MailComposer({
    from: '"Jørgen Ærø 2512841234" <j@example.dk>',
    to: 'a@example.dk',
    subject: `${SUBJECT} ${'fyld '.repeat(20)}`,
    text: 'body 0101010101',
  });
  const msg: Buffer = await new Promise((resolve, reject) =>
    mail.compile().build((err, m) => (err ? reject(err) : resolve(m))));
  const head = msg.subarray(0, msg.indexOf('\r\n\r\n'));
  assert.match(head.toString(), /=\?UTF-8\?/, 'the headers really are encoded');
  const found = scanHeaders(parseHeaderBlock(head));
  assert.deepEqual(found.map((f) => [f.header, f.digits]).sort(), [['From', '2512841234'], ['Subject', '1404322464']]);
  const from = parseHeaderBlock(head).find((f) => f.name === 'From')!;
  assert.ok(from.decoded.startsWith('Jørgen Ærø 2512841234'));
});

test('Python email.header (ISO-8859-1 and UTF-8, folded) decodes with ours', () => {
  const py = `from email.header import Header
import sys
s = sys.argv[1]
print(Header(s, 'iso-8859-1').encode())
print(Header(' '.join([s] * 3), 'utf-8').encode())`;
  const text = 'Sag vedr. Åse Ødegård 140432-2464 bilag æøå';
  const r = spawnSync('/usr/bin/python3', ['-c', py, text]);
  assert.equal(r.status, 0, r.stderr.toString());
  const [latin1, ...utf8] = r.stdout.toString().trimEnd().split('\n');
  assert.match(latin1, /^=\?iso-8859-1\?q\?/);
  assert.equal(decodeHeaderValue(latin1), text);
  assert.ok(utf8.length > 1, 'Python folded the long UTF-8 header');
  const [f] = parseHeaderBlock(`Subject: ${utf8.join('\r\n')}\r\n`);
  assert.equal(f.decoded, [text, text, text].join(' '));
  assert.equal(scanHeaders([f]).length, 3);
});

test('charsets: ISO-8859-15, Windows-1252, UTF-16 via iconv-lite; raw 8-bit UTF-8 and Latin-1', () => {
  assert.equal(decodeHeaderValue('=?ISO-8859-15?Q?=A4_140432-2464?='), '€ 140432-2464');
  assert.equal(decodeHeaderValue('=?windows-1252?Q?=93140432=962464=94?='), '“140432–2464”');
  assert.equal(decodeHeaderValue('=?utf-16be?B?ADEANAAwADQAMwAy?='), '140432');
  const raw = Buffer.concat([Buffer.from('Subject: '), Buffer.from('Ærø 140432-2464', 'utf8'), Buffer.from('\r\nX-L1: '), Buffer.from('Ærø', 'latin1')]);
  const [s, l1] = parseHeaderBlock(raw);
  assert.equal(s.decoded, 'Ærø 140432-2464');
  assert.equal(l1.decoded, 'Ærø');
});

test('attack: a number split across two encoded words (B then Q) is still found', () => {
  const v = '=?utf-8?B?MTQwNDMy?=\r\n =?utf-8?Q?-2464?=';
  assert.equal(scanHeaders(parseHeaderBlock(`Subject: ${v}`))[0].digits, '1404322464');
});

test('attack: a number split across encoded words in two different charsets', () => {
  assert.equal(decodeHeaderValue('=?utf-8?Q?140432?=  =?iso-8859-1?Q?-2464?='), '140432-2464');
  assert.equal(decodeHeaderValue('=?utf-8?Q?140432?= 2464'), '140432 2464', 'a space before plain text stays');
});

test('attack: a UTF-8 character split across two B words (Outlook style) decodes whole', () => {
  const bytes = Buffer.from('Ø1404322464', 'utf8');
  const v = `=?utf-8?B?${bytes.subarray(0, 1).toString('base64')}?= =?utf-8?B?${bytes.subarray(1).toString('base64')}?=`;
  assert.equal(decodeHeaderValue(v), 'Ø1404322464');
});

test('attack: broken base64 in an encoded word does not throw and keeps what decodes', () => {
  assert.equal(decodeHeaderValue('=?utf-8?B?MTQwNDMyLTI0NjQ?='), '140432-2464', 'missing padding');
  assert.equal(typeof decodeHeaderValue('=?utf-8?B?!!**$$?='), 'string');
  assert.equal(decodeHeaderValue('=?utf-8?B?MTQw NDMy?='), '140432', 'space inside');
});

test('attack: unknown charset falls back to UTF-8/Latin-1 so digits are still read', () => {
  assert.equal(decodeHeaderValue('=?x-no-such-charset?Q?140432-2464?='), '140432-2464');
  assert.equal(decodeHeaderValue('=?x-unknown?Q?=E6_1404322464?='), 'æ 1404322464');
});

test('attack: malformed words stay literal text (unterminated, bad Q escape, no encoding)', () => {
  assert.equal(decodeHeaderValue('=?utf-8?Q?1404322464'), '=?utf-8?Q?1404322464');
  assert.equal(decodeHeaderValue('=?utf-8?Q?=ZZ1404322464?='), '=ZZ1404322464');
  assert.equal(decodeHeaderValue('=?utf-8?X?1404322464?='), '=?utf-8?X?1404322464?=');
});

test('attack: CRLF in an encoded display name creates no new header field', () => {
  const evil = libmime.encodeWord('Åse\r\nBcc: victim@example.dk\r\n\r\n1404322464', 'B');
  const fields = parseHeaderBlock(`To: "${evil}" <a@example.dk>\r\nSubject: hej\r\n`);
  assert.deepEqual(fields.map((f) => f.name), ['To', 'Subject']);
  assert.deepEqual(scanHeaders(fields).map((f) => f.header), ['To']);
});

test('attack: NUL bytes and control characters in a header do not break parsing', () => {
  const fields = parseHeaderBlock(Buffer.from('Subject: \0\x01140432-2464\0\r\nX-A: \x7f\r\n'));
  assert.equal(fields.length, 2);
  assert.equal(scanHeaders(fields)[0].digits, '1404322464');
});

test('attack: a 1 MiB folded Subject parses and scans in one piece', () => {
  const line = 'fyld 1234 5678 '.repeat(4);
  const body = Array.from({ length: 18_000 }, () => line).join('\r\n ');
  const block = `Subject: ${body}\r\n 140432-2464\r\nTo: x@y.dk\r\n`;
  assert.ok(block.length > 1 << 20);
  const fields = parseHeaderBlock(block);
  assert.deepEqual(fields.map((f) => f.name), ['Subject', 'To']);
  assert.deepEqual(scanHeaders(fields).map((f) => f.digits), ['1404322464']);
});

test('encoded words inside address comments and quoted display names are decoded', () => {
  const [f] = parseHeaderBlock('From: a@b.dk (=?iso-8859-1?Q?S=F8ren_2512841234?=), "=?utf-8?Q?1404322464?=" <c@d.dk>');
  assert.equal(f.decoded, 'a@b.dk (Søren 2512841234), "1404322464" <c@d.dk>');
  assert.equal(scanHeaders([f]).length, 2);
});

test('NFKC is skipped only where it changes nothing: U+0000–U+009F and U+00C0–U+00FF, alone and in every pair', () => {
  const stable: string[] = [];
  for (let c = 0; c < 256; c++) if (c <= 0x9f || c >= 0xc0) stable.push(String.fromCharCode(c));
  for (const a of stable) {
    assert.equal(a.normalize('NFKC'), a);
    for (const b of stable) assert.equal((a + b).normalize('NFKC'), a + b, `U+${a.charCodeAt(0).toString(16)} U+${b.charCodeAt(0).toString(16)}`);
  }
  // and the rest of Latin-1 is normalised: superscript two reads as 2, a no-break space as a space
  assert.equal(decodeHeaderValue('=?iso-8859-1?Q?140432-246=B2?='), '140432-2462');
  assert.equal(decodeHeaderValue('=?iso-8859-1?Q?140432=A02464?='), '140432 2464');
});

test('isScannedHeader answers each list by its own entries (lists are cached per object)', () => {
  const a = ['Subject', 'X-Sag-*'];
  const b = ['From'];
  for (let round = 0; round < 2; round++) {
    assert.equal(isScannedHeader('SUBJECT', a), true);
    assert.equal(isScannedHeader('x-sag-id', a), true);
    assert.equal(isScannedHeader('X-Sa', a), false);
    assert.equal(isScannedHeader('From', a), false);
    assert.equal(isScannedHeader('from', b), true);
    assert.equal(isScannedHeader('Subject', b), false);
    assert.equal(isScannedHeader('Subject', ['subject']), true);
  }
});
