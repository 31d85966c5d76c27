// The reporters on a hand-built AuditResult with hostile content (quotes, commas, markup, formula cells).
// No I/O. Protects: RFC 4180 CSV, escaped self-contained HTML with a per-month chart, the JSON contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAudit } from '../../../src/audit/report/index.ts';
import { silentByMonth } from '../../../src/audit/report/html.ts';
import { csvField } from '../../../src/audit/report/csv.ts';
import { emptyCounts, FATES, type AuditResult, type MessageFate } from '../../../src/audit/types.ts';

const evil: MessageFate = {
  queue_id: 'ABC123DEF0', time: '2024-01-15T10:00:00', from: 'a"b@x.example', fate: 'silently_dropped',
  subject: '<script>alert(1)</script>, "quoted"\nnext', reason: '=HYPERLINK("http://evil")',
  recipients: [{ to: 'c@y.example', fate: 'silently_dropped', reason: 'r' }, { to: '', fate: 'silently_dropped', reason: 'r' }],
};
function result(): AuditResult {
  const messages = emptyCounts();
  const recipients = emptyCounts();
  messages.silently_dropped = 2;
  recipients.silently_dropped = 3;
  messages.delivered = 1;
  const later: MessageFate = { ...evil, queue_id: 'FED321CBA0', time: '2024-03-02T08:00:00', subject: 'ok', reason: 'discard transport: x' };
  return {
    source: 'postfix', files: ['mail.log'], lines: 10, messages, recipients, warnings: ['mail.log:3: 1 damaged Postfix line(s) skipped'],
    silent: [evil, later].map((m) => ({ queue_id: m.queue_id, time: m.time, from: m.from, to: ['c@y.example'], reason: m.reason, subject: m.subject })),
    rows: [evil, later],
  };
}

test('json: the contract keys, counts in FATES order, silent list', () => {
  const j = JSON.parse(formatAudit(result(), 'json'));
  assert.deepEqual(Object.keys(j.messages), [...FATES]);
  assert.equal(j.silent.length, 2);
  assert.equal(j.silent[0].queue_id, 'ABC123DEF0');
});

test('csv: RFC 4180 quoting (comma, quote, newline), formula cells neutralised, unnamed recipients counted', () => {
  const csv = formatAudit(result(), 'csv');
  assert.ok(csv.endsWith('\r\n'));
  assert.ok(csv.includes('"<script>alert(1)</script>, ""quoted""\nnext"'));
  assert.ok(csv.includes(`"'=HYPERLINK(""http://evil"")"`));
  assert.ok(csv.includes(',c@y.example,1,'));
  assert.equal(csvField('-1'), "'-1");
  assert.equal(csvField('plain'), 'plain');
});

test('html: self-contained, everything escaped, one bar per month between first and last loss', () => {
  const html = formatAudit(result(), 'html');
  assert.doesNotMatch(html, /<script>/);
  assert.match(html, /&#60;script&#62;alert\(1\)/);
  assert.doesNotMatch(html, /(src|href)=["']?(https?:)?\/\//);
  assert.equal((html.match(/<rect /g) ?? []).length, 3); // Jan, Feb (0), Mar
  assert.deepEqual(silentByMonth(result().silent), [['2024-01', 1], ['2024-02', 0], ['2024-03', 1]]);
});

test('text: counts, each silent message with rule and masked subject, unnamed recipients, warnings', () => {
  const t = formatAudit(result(), 'text');
  assert.match(t, /silently_dropped\s+2\s+3/);
  assert.match(t, /ABC123DEF0 {2}from <a"b@x\.example> {2}to c@y\.example \(\+1 not named in the log\)/);
  assert.match(t, /rule: =HYPERLINK/);
  assert.match(t, /Warnings .*\n {2}mail\.log:3/);
});
