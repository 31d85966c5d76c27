// Header names in Danish/English and the kind of fix each needs, from a table (STYLE 1). Pure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIX, headerWords, safeHeaderName, type HeaderKind } from '../../src/notify/headers-da.ts';
import { DEFAULT_SCANNED_HEADERS } from '../../src/config/schema.ts';

const TABLE: [string, string, string, HeaderKind][] = [
  ['Subject', 'emnefeltet', 'subject', 'subject'],
  ['SUBJECT', 'emnefeltet', 'subject', 'subject'],
  ['Thread-Topic', 'samtaleemnet (Thread-Topic)', 'thread topic', 'subject'],
  ['From', 'afsendernavnet (Fra)', 'sender name (From)', 'own-name'],
  ['Sender', 'afsenderfeltet (Sender)', 'Sender field', 'own-name'],
  ['reply-to', 'svaradressen (Reply-To)', 'reply-to address', 'own-name'],
  ['To', 'modtagernavnet (Til)', 'recipient name (To)', 'recipient-name'],
  ['Cc', 'modtagernavnet (Cc)', 'recipient name (Cc)', 'recipient-name'],
  ['Bcc', 'modtagernavnet (Bcc)', 'recipient name (Bcc)', 'recipient-name'],
  ['Comments', 'kommentarfeltet', 'comments field', 'field'],
  ['Keywords', 'nøgleordsfeltet', 'keywords field', 'field'],
  ['X-Sagsnummer', 'det tekniske felt X-Sagsnummer', 'X-Sagsnummer header', 'technical'],
  ['x-ms-exchange-foo', 'det tekniske felt x-ms-exchange-foo', 'x-ms-exchange-foo header', 'technical'],
  ['Organization', 'feltet Organization', 'Organization header', 'field'],
];

for (const [name, da, en, kind] of TABLE) {
  test(`${name} → "${da}" / "${en}" (${kind})`, () => {
    assert.deepEqual(headerWords(name), { da, en, kind });
  });
}

test('every default scanned header has words of its own (not the generic fallback)', () => {
  for (const h of DEFAULT_SCANNED_HEADERS) {
    const name = h === 'X-*' ? 'X-Anything' : h;
    const w = headerWords(name);
    assert.ok(!w.da.startsWith('feltet '), `${h} falls back to "${w.da}"`);
  }
});

test('every kind has a fix in Danish and English, Danish with Danish letters where they belong', () => {
  for (const kind of ['subject', 'own-name', 'recipient-name', 'field', 'technical'] as const) {
    assert.ok(FIX[kind].da.length > 40 && FIX[kind].en.length > 40, kind);
    assert.ok(FIX[kind].da !== FIX[kind].en, kind);
  }
  assert.match(FIX.subject.da, /emnefeltet/);
  assert.match(FIX.subject.en, /subject/);
  assert.match(FIX['own-name'].da, /IT-support/);
});

test('safeHeaderName keeps RFC 5322 field-name characters only, bounded', () => {
  assert.equal(safeHeaderName('X-Ok'), 'X-Ok');
  assert.equal(safeHeaderName('X-Bad\r\nBcc: x'), 'X-BadBccx');
  assert.equal(safeHeaderName('\u00e6\u00f8\u00e5'), '?');
  assert.equal(safeHeaderName(`X-${'a'.repeat(100)}`).length, 40);
});
