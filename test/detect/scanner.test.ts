// Table tests for the text scanner: numbers that must be found (with offsets) and look-alikes
// that must not, each labelled. Pure; no I/O.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprint, maskText, scanText } from '../../src/detect/index.ts';

// [label, text, the ten digits found (in order)]
const POSITIVES: [string, string, string[]][] = [
  ['plain ten digits', '1404322464', ['1404322464']],
  ['hyphen separator', 'Sag om 140432-2464 afventer', ['1404322464']],
  ['en dash separator', '140432\u20132464', ['1404322464']],
  ['minus sign separator', '140432\u22122464', ['1404322464']],
  ['non-breaking hyphen separator', '140432\u20112464', ['1404322464']],
  ['one space separator', 'vedr. 140432 2464.', ['1404322464']],
  ['no-break space separator', '140432\u00a02464', ['1404322464']],
  ['thin space separator', '140432\u20092464', ['1404322464']],
  ['narrow no-break space separator', '140432\u202f2464', ['1404322464']],
  ['keyword glued: CPR', 'CPR2512841234', ['2512841234']],
  ['keyword glued: cpr-nr with separator', 'cpr-nr160597-3825', ['1605973825']],
  ['keyword glued: Personnr', 'Personnr1404322464', ['1404322464']],
  ['keyword glued: personnummer', 'PERSONNUMMER140432-2464', ['1404322464']],
  ['keyword glued: cprnr', 'cprnr1404322464', ['1404322464']],
  ['keyword with colon', 'CPR:1404322464', ['1404322464']],
  ['keyword with cpr.nr.', 'cpr.nr.1404322464', ['1404322464']],
  ['keyword with hash', 'CPR#140432-2464', ['1404322464']],
  ['parentheses are boundaries', '(2812219561)', ['2812219561']],
  ['underscore in a file name', 'Scan_1506164736.pdf', ['1506164736']],
  ['slash in a case path', 'Sag/1609085873', ['1609085873']],
  ['guillemets', '«220754-0181»', ['2207540181']],
  ['Danish letters around with spaces', 'Ærø Åse 140432-2464 Øster', ['1404322464']],
  ['replacement number (day + 60)', 'erstatning 7404322464', ['7404322464']],
  ['fullwidth digits and hyphen (NFKC)', '１４０４３２－２４６４', ['1404322464']],
  ['Arabic-Indic digits (Unicode Nd)', '\u0661\u0664\u0660\u0664\u0663\u0662\u0662\u0664\u0666\u0664', ['1404322464']],
  ['Devanagari digits', '१४०४३२-२४६४', ['1404322464']],
  ['mathematical bold digits (astral)', '𝟏𝟒𝟎𝟒𝟑𝟐𝟐𝟒𝟔𝟒', ['1404322464']],
  ['zero-width space between digits', '1404\u200b32-24\u200b64', ['1404322464']],
  ['soft hyphen between digits', '140432\u00ad2464', ['1404322464']],
  ['BOM and word joiner inside', '\ufeff14043\u20602-2464', ['1404322464']],
  ['two numbers in one line', '1404322464, 2512841234', ['1404322464', '2512841234']],
  ['followed by a dash and more digits: punctuation is a boundary', '1404322464-12', ['1404322464']],
  ['P-number whose first six digits are a date counts (valid CPR shape)', 'P-nr. 1003456789', ['1003456789']],
  ['Unix timestamp whose first six digits are a date counts', 'ts=1209600000', ['1209600000']],
  ['29 Feb 2000', '290200-4000', ['2902004000']],
  ['fullwidth keyword glued to fullwidth digits', 'ＣＰＲ１４０４３２２４６４', ['1404322464']],
  ['variant " - " with mod-11', 'Sag 211062 - 5629', ['2110625629']],
  ['variant "/" with mod-11', 'Sag 211062/5629', ['2110625629']],
  ['variant " - " after a keyword (no mod-11)', 'CPR: 140432 - 2464', ['1404322464']],
  ['variant "/" after a keyword (no mod-11)', 'cpr-nr. 180714/8932', ['1807148932']],
  ['variant with en dash after Personnummer', 'Personnummer 140432 \u2013 2464', ['1404322464']],
];

// [label, text]: look-alikes that must NOT match
const NEGATIVES: [string, string][] = [
  ['8-digit phone with +45', 'Ring +45 12345678'],
  ['8-digit phone with 0045', '0045 12345678'],
  ['phone +45 glued', '+4512345678'],
  ['phone in groups', '+45 12 34 56 78'],
  ['date and time', '14062025 15:00'],
  ['ISO date', '2024-03-12'],
  ['journal number', 'j.nr. 27.12.08-P20-1-23'],
  ['case number', 'Sag 2024-012345'],
  ['EAN/GLN (13 digits)', 'EAN 5790000123456'],
  ['CVR (8 digits)', 'CVR 12345678'],
  ['masked number', '260303-XXXX'],
  ['eCPR with letters', '0203291WQ3'],
  ['glued to letters before', 'abc1404322464'],
  ['glued to letters after', '1404322464abc'],
  ['eleven digits', '14043224641'],
  ['glued digits across a separator', '140432-24641'],
  ['two separators', '140432--2464'],
  ['two spaces', '140432  2464'],
  ['separator in the wrong place', '14043-22464'],
  ['not a date: day 32', '3201801234'],
  ['not a date: month 13', '0113801234'],
  ['29 Feb 1900', '2902000000'],
  ['P-number whose first six digits are no date', 'P 1017254321'],
  ['bank account whose first six digits are no date', 'Reg. 3409 konto 4567891234'],
  ['Unix timestamp whose first six digits are no date', '1718236800'],
  ['keyword not at a word start', 'abcpr1404322464'],
  ['variant " - " without mod-11 or keyword', '140432 - 2464'],
  ['variant "/" without mod-11 or keyword', '180714/8932'],
  ['case number with a slash', 'Sag 2024/1234'],
  ['variant glued to a letter', 'a211062/5629'],
  ['variant with five digits after', '211062 - 56291'],
  ['variant keyword not at a word start', 'xcpr 140432 - 2464'],
  ['two spaces around nothing', '211062  5629'],
  ['Nd digit glued to a letter', 'x١٤٠٤٣٢٢٤٦٤'],
  ['combining mark after the digits', '1404322464\u0301'],
  ['empty string', ''],
];

test('positives: every number a person reads is found', () => {
  for (const [label, text, want] of POSITIVES) {
    assert.deepEqual(scanText(text).map((f) => f.digits), want, label);
  }
});

test('look-alikes: none of them match', () => {
  for (const [label, text] of NEGATIVES) assert.deepEqual(scanText(text), [], label);
});

test('offsets are UTF-16 offsets into the input and cover the separator', () => {
  const text = 'Ærø: 140432-2464 og 𝟏𝟒𝟎𝟒𝟑𝟐𝟐𝟒𝟔𝟒!';
  const [a, b] = scanText(text);
  assert.equal(text.slice(a.start, a.end), '140432-2464');
  assert.equal(text.slice(b.start, b.end), '𝟏𝟒𝟎𝟒𝟑𝟐𝟐𝟒𝟔𝟒');
  assert.equal(b.end - b.start, 20, 'astral digits are two code units each');
});

test('kind, mod11 flag, masked form and fingerprint of a finding', () => {
  const [f] = scanText('2110625629', { fingerprintKey: 'k1' });
  assert.equal(f.kind, 'cpr');
  assert.equal(f.mod11, true);
  assert.equal(f.masked, 'XXXXXX-XXXX');
  assert.equal(f.fingerprint, fingerprint('2110625629', 'k1'));
  assert.match(f.fingerprint, /^[0-9a-f]{64}$/);
  assert.notEqual(f.fingerprint, fingerprint('2110625629', 'k2'), 'the key matters');
  assert.equal(scanText('2110625629')[0].fingerprint, '', 'no key, no fingerprint');
  assert.equal(scanText('7110625629', { maskStyle: 'date' })[0].masked, '711062-XXXX');
  assert.equal(scanText('7110625629')[0].kind, 'replacement');
});

test('maskText replaces each finding and leaves the rest alone', () => {
  assert.equal(maskText('Sag 140432-2464 og CPR2512841234 tlf 12345678'), 'Sag XXXXXX-XXXX og CPRXXXXXX-XXXX tlf 12345678');
  assert.equal(maskText('intet her'), 'intet her');
  assert.equal(maskText('1404322464', { maskStyle: 'date' }), '140432-XXXX');
});

test('a 1 MiB subject full of digit runs scans without trouble', () => {
  const text = '123456-789 2024-03-12 140432-2464 '.repeat(32 * 1024);
  const found = scanText(text);
  assert.equal(found.length, 32 * 1024);
  assert.ok(found.every((f) => f.digits === '1404322464'));
});
