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
  assert.deepEqual(silentByMonth(result()), [['2024-01', 1], ['2024-02', 0], ['2024-03', 1]]);
});

/** losses in 2025-03 and 2026-11, and a bounce from the null sender in 2024-12 to review */
function farApart(): AuditResult {
  const r = result();
  const bounce: MessageFate = { queue_id: 'B0B0', time: '2024-12-30T23:00:00', from: '', fate: 'bounced_no_notice', reason: '5.1.1 no such user',
    recipients: [{ to: 'x@y.example', fate: 'bounced_no_notice', reason: '5.1.1' }] };
  r.rows = [bounce, { ...evil, time: '2025-03-04T09:01:00.100000+01:00' }, { ...evil, queue_id: 'C2', time: '2026-11-29T17:53:49' }];
  r.silent = r.rows.slice(1).map((m) => ({ queue_id: m.queue_id, time: m.time, from: m.from, to: ['c@y.example'], reason: m.reason }));
  r.messages.bounced_no_notice = 1;
  return r;
}

test('html chart: every month of the period is a bar (zero months too), from the first listed message to the last', () => {
  const months = silentByMonth(farApart());
  assert.equal(months.length, 24, 'Dec 2024 … Nov 2026');
  assert.deepEqual(months[0], ['2024-12', 0], 'the period starts at the review row, before the first loss');
  assert.deepEqual(months[3], ['2025-03', 1]);
  assert.deepEqual(months[23], ['2026-11', 1]);
  assert.equal(months.filter(([, n]) => n === 0).length, 22);
  const html = formatAudit(farApart(), 'html');
  const bars = [...html.matchAll(/<rect x="(\d+)"[^>]*><title>(\d{4}-\d{2}): (\d+)/g)].map((m) => ({ x: Number(m[1]), month: m[2], n: Number(m[3]) }));
  assert.equal(bars.length, 24);
  const step = bars[1].x - bars[0].x;
  assert.ok(bars.every((b, i) => b.x === bars[0].x + i * step), 'bars evenly spaced: the distance is the time between them');
  assert.equal(bars[23].x - bars[3].x, 20 * step, '2025-03 and 2026-11 are 20 months apart on the axis');
  for (const y of ['2024', '2025', '2026']) assert.match(html, new RegExp(`font-weight="bold">${y}</text>`), `year ${y} labelled`);
  assert.match(html, /Every month from 2024-12 to 2026-11 is shown \(24\); 2 of them had silent losses/);
});

test('html chart over six years: 72 bars in the page width, the years labelled', () => {
  const r = farApart();
  r.rows[0] = { ...r.rows[0], time: '2020-12-01T00:00:00' };
  const html = formatAudit(r, 'html');
  const xs = [...html.matchAll(/<rect x="(\d+)" y="\d+" width="(\d+)"/g)].map((m) => Number(m[1]) + Number(m[2]));
  assert.equal(xs.length, 72);
  assert.ok(Math.max(...xs) <= 820, 'fits the page');
  assert.equal((html.match(/font-weight="bold">20\d\d<\/text>/g) ?? []).length, 7);
});

test('html review table: the null sender is <> (escaped) as in the text report, not an empty cell', () => {
  const html = formatAudit(farApart(), 'html');
  assert.match(html, /<td>B0B0<\/td><td>bounced_no_notice<\/td><td>&#60;&#62;<\/td>/);
  assert.match(formatAudit(farApart(), 'text'), /B0B0 {2}bounced_no_notice {2}from <> /);
});

test('html with no silent loss says so instead of drawing an empty chart', () => {
  const r = farApart();
  r.silent = [];
  r.rows = r.rows.slice(0, 1);
  assert.match(formatAudit(r, 'html'), /<h2>Silent losses per month<\/h2><p>No silent losses found\.<\/p>/);
});

test('text: counts, each silent message with rule and masked subject, unnamed recipients, warnings', () => {
  const t = formatAudit(result(), 'text');
  assert.match(t, /silently_dropped\s+2\s+3/);
  assert.match(t, /ABC123DEF0 {2}from <a"b@x\.example> {2}to c@y\.example \(\+1 not named in the log\)/);
  assert.match(t, /rule: =HYPERLINK/);
  assert.match(t, /Warnings .*\n {2}mail\.log:3/);
});
