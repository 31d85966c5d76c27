// The tracking-log reader: RFC 4180 quoting, #Fields: lines, and malformed input that must be
// reported with file and line while the rest is still audited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitCsvRecord, CsvAssembler, MAX_RECORD_LINES } from '../../../src/audit/exchange/csv.ts';
import { auditExchangeText } from '../../../src/audit/exchange/text.ts';
import { DEFAULT_FIELDS } from '../../../src/audit/exchange/parser.ts';
import { HEADER, csvRow, log, receive } from './rows.ts';

test('splitCsvRecord: RFC 4180 cases from a table', () => {
  const cases: [string, string[] | null][] = [
    ['a,b,c', ['a', 'b', 'c']],
    ['a,,c,', ['a', '', 'c', '']],
    ['"x, y",z', ['x, y', 'z']],
    ['"say ""hi""",z', ['say "hi"', 'z']],
    ['"line1\nline2",z', ['line1\nline2', 'z']],
    ['"open,z', null],
    ['ab"c,d', ['ab"c', 'd']],
    ['', ['']],
  ];
  for (const [input, want] of cases) assert.deepEqual(splitCsvRecord(input), want, JSON.stringify(input));
});

test('a subject with commas, quotes and a line break spans two physical lines and is one row', () => {
  const subj = 'Kopi af "brev", CPR 0101901234\nside 2';
  const r = auditExchangeText(log([receive('<q@x>', '2026-11-02T08:00:00.000Z', 'a@x.dk', 'b@x.dk', subj)]));
  assert.deepEqual(r.warnings, []);
  assert.equal(r.rows.length, 1);
  assert.equal(r.rows[0].subject, 'Kopi af "brev", CPR XXXXXX-XXXX side 2');
});

test('attack: an unterminated quote does not swallow the rest of the log', () => {
  const good = csvRow(receive('<ok@x>', '2026-11-02T08:00:01.000Z', 'a@x.dk', 'b@x.dk'));
  const bad = csvRow(receive('<bad@x>', '2026-11-02T08:00:00.000Z', 'a@x.dk', 'b@x.dk', 'X')).replace(',X,', ',"X unterminated,');
  const r = auditExchangeText([...HEADER, bad, ...Array(MAX_RECORD_LINES + 2).fill(good)].join('\n'));
  assert.equal(r.rows.length, 1, 'the good rows (same message) are still read');
  assert.equal(r.rows[0].message_id, '<ok@x>');
  assert.ok(r.warnings.some((w) => /<text>:6: malformed row: a quoted field is never closed/.test(w)), r.warnings.join('\n'));
});

test('CsvAssembler reports an open quote at end of input and re-reads the lines after it', () => {
  const bad: number[] = [];
  const a = new CsvAssembler((line) => bad.push(line));
  assert.deepEqual(a.push('"open', 1), []);
  assert.deepEqual(a.push('x,y', 2), []);
  assert.deepEqual(a.end(), [{ fields: ['x', 'y'], line: 2 }]);
  assert.deepEqual(bad, [1]);
});

test('columns are read by the #Fields: line, and a second #Fields: line mid-file re-maps them', () => {
  const older = ['date-time', 'event-id', 'message-id', 'recipient-address', 'sender-address', 'message-subject'];
  const text = [
    ...HEADER,
    csvRow(receive('<v@x>', '2026-11-02T08:00:00.000Z', 'a@x.dk', 'b@x.dk')),
    `#Fields: ${older.join(',')}`,
    csvRow({ 'date-time': '2026-11-02T08:00:01.000Z', 'event-id': 'DELIVER', 'message-id': '<v@x>', 'recipient-address': 'b@x.dk' }, older),
  ].join('\n');
  const r = auditExchangeText(text);
  assert.deepEqual(r.warnings, []);
  assert.equal(r.rows[0].fate, 'delivered');
});

test('no #Fields: line: rows in the documented 30-column layout are read, with a warning', () => {
  const r = auditExchangeText(csvRow(receive('<n@x>', '2026-11-02T08:00:00.000Z', 'a@x.dk', 'b@x.dk')));
  assert.equal(DEFAULT_FIELDS.length, 30);
  assert.equal(r.rows.length, 1);
  assert.match(r.warnings.join('\n'), /<text>:1: no #Fields: line .* assuming the documented/);
});

test('no #Fields: line and an unknown layout: rows are skipped with a warning, never guessed', () => {
  const r = auditExchangeText('2026-11-02T08:00:00.000Z,RECEIVE,<x@y>\n');
  assert.equal(r.rows.length, 0);
  assert.match(r.warnings[0], /<text>:1: row before any #Fields: line/);
});

test('truncated rows and garbage bytes are skipped and counted, the rest is audited', () => {
  const full = csvRow(receive('<t@x>', '2026-11-02T08:00:00.000Z', 'a@x.dk', 'b@x.dk'));
  const text = [
    ...HEADER,
    full.slice(0, 60),
    '\u0000\uFFFD\uFFFD\u0007garbage',
    '\uFFFD'.repeat(30).split('').join(','),
    full,
    full.slice(0, 40),
  ].join('\n');
  const r = auditExchangeText(text, 'MSGTRK1.LOG');
  assert.equal(r.rows.length, 1);
  assert.equal(r.rows[0].message_id, '<t@x>');
  const w = r.warnings.join('\n');
  assert.match(w, /MSGTRK1\.LOG:6: row does not have the 30 columns its #Fields: line names .*\(and 2 more lines like it\)/);
  assert.match(w, /MSGTRK1\.LOG:8: row without a valid date-time and event-id/);
});

test('a #Fields: line without date-time/event-id is reported and its rows skipped', () => {
  const r = auditExchangeText('#Fields: a,b,c\n1,2,3\n');
  assert.equal(r.rows.length, 0);
  assert.match(r.warnings[0], /<text>:1: #Fields: line lacks date-time, event-id/);
});

test('a UTF-8 byte order mark before #Software does not hide the header', () => {
  const r = auditExchangeText('\uFEFF' + log([receive('<b@x>', '2026-11-02T08:00:00.000Z', 'a@x.dk', 'b@x.dk')]));
  assert.deepEqual(r.warnings, []);
  assert.equal(r.rows.length, 1);
});

test('no raw CPR survives in rows, reasons or the silent list', () => {
  const r = auditExchangeText(log([
    receive('<c@x>', '2026-11-02T08:00:00.000Z', 'a@x.dk', 'b@x.dk', 'Sag 010190-1234'),
    { 'date-time': '2026-11-02T08:00:01.000Z', 'event-id': 'DROP', 'message-id': '<c@x>', 'recipient-address': 'b@x.dk', 'recipient-status': '550 5.2.1 dropped subject Sag 010190-1234' },
  ]));
  const json = JSON.stringify(r);
  assert.doesNotMatch(json, /010190-?1234/);
  assert.equal(r.silent.length, 1);
});

test('arbitrary bytes as a tracking log never throw; every row read or reported', async () => {
  const fc = (await import('fast-check')).default;
  const line = fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), fc.constantFrom(csvRow(receive('<f@x>', '2026-11-02T08:00:00.000Z', 'a@x.dk', 'b@x.dk')), '#Fields: date-time,event-id', '"', '#Fields: x'));
  fc.assert(fc.property(fc.array(line, { maxLength: 40 }), (lines) => {
    const r = auditExchangeText([HEADER[4], ...lines].join('\n'));
    assert.ok(r.rows.length <= lines.length);
  }), { numRuns: 300, seed: 1 });
});
