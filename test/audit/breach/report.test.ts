// The breach draft from fixture data: categories by direction and action, distinct persons by
// fingerprint, period bounds, recipient domains, and both renderings (Markdown, self-contained HTML).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBreachReport, computeFacts, parseAuditJson, periodBounds, type BreachInput } from '../../../src/audit/breach/index.ts';
import type { DecisionRecord, DecisionAction } from '../../../src/store/types.ts';
import { PvError } from '../../../src/errors.ts';

let seq = 0;
function decision(time: string, action: DecisionAction, prints: string[], to: string[], direction: 'outbound' | 'inbound' = 'outbound'): DecisionRecord {
  return {
    id: `tx-${++seq}`, time, listener: 'outbound', direction, sender: 'sb@kommune.dk', recipients: to, action,
    reply: action === 'reject' ? '550 5.7.1 CPR' : '250 2.0.0 OK', incidentId: null, size: 1000, subjectMasked: 'Vedr. XXXXXX-XXXX',
    findings: prints.map((fingerprint) => ({ header: 'Subject', masked: 'XXXXXX-XXXX', fingerprint, kind: 'cpr' as const })),
  };
}

const DECISIONS: DecisionRecord[] = [
  decision('2026-11-02T08:00:00.000Z', 'pass', ['fpA'], ['a@region.dk']),
  decision('2026-11-03T08:00:00.000Z', 'tag', ['fpA', 'fpB'], ['b@region.dk', 'c@jobcenter.dk']),
  decision('2026-11-04T08:00:00.000Z', 'reject', ['fpC'], ['a@region.dk']),
  decision('2026-11-04T09:00:00.000Z', 'quarantine', ['fpD'], ['a@region.dk']),
  decision('2026-11-05T09:00:00.000Z', 'redact', ['fpA'], ['x@sygehus.dk'], 'inbound'),
  decision('2026-11-05T10:00:00.000Z', 'pass', [], ['a@region.dk']), // no CPR: not counted
  decision('2026-11-06T10:00:00.000Z', 'upstream-fail', ['fpE'], ['a@region.dk']), // client got 4xx
  decision('2026-10-31T22:59:59.999Z', 'pass', ['fpZ'], ['early@x.dk']), // 23:59:59 Danish time on Oct 31: before the period
  decision('2026-11-30T23:00:00.000Z', 'pass', ['fpZ'], ['late@x.dk']), // 00:00 Danish time on Dec 1: after it
];

const AUDIT = parseAuditJson('postfix.json', JSON.stringify({
  source: 'postfix',
  messages: {},
  silent: [
    { queue_id: '4Xyz1', time: '2026-11-10T07:00:00Z', from: 'sb@kommune.dk', to: ['y@region.dk', 'z@region.dk'], reason: 'header_checks DISCARD CPR i emne', subject: 'Vedr. XXXXXX-XXXX' },
    { queue_id: '4Xyz2', time: '2026-11-11T07:00:00Z', from: 'sb@kommune.dk', to: ['q@skat.dk'], reason: 'postsuper -d', subject: 'Årsopgørelse' },
    { queue_id: '4Xyz3', time: '2025-01-01T07:00:00Z', from: 'sb@kommune.dk', to: ['old@x.dk'], reason: 'postsuper -d' },
  ],
}));

const input = (over: Partial<BreachInput> = {}): BreachInput => ({
  from: '2026-11-01', to: '2026-11-30', decisions: DECISIONS, decisionsTruncated: false, audits: [AUDIT],
  generatedAt: new Date('2026-12-01T09:00:00Z'), contactHint: 'IT-support, tlf. 7070 1234', ...over,
});

test('facts: sent in clear (pass/tag), received in clear, stopped; persons by distinct fingerprint; period bounds', () => {
  const f = computeFacts(input());
  assert.deepEqual([f.sentInClear.mails, f.sentInClear.persons], [2, 2]);
  assert.deepEqual([f.receivedInClear.mails, f.receivedInClear.persons], [1, 1]);
  assert.deepEqual([f.stopped.mails, f.stopped.persons], [2, 2]);
  assert.deepEqual([...f.sentInClear.domains], [['region.dk', 2], ['jobcenter.dk', 1]]);
  assert.equal(f.lost.mails, 2);
  assert.equal(f.lost.withCprInSubject, 1);
  assert.deepEqual([...f.lost.domains], [['region.dk', 1], ['skat.dk', 1]]);
  assert.deepEqual([...f.byMonth], [['2026-11', [2, 2]]]);
  assert.equal(f.first, '2026-11-02T08:00:00.000Z');
  assert.equal(f.last, '2026-11-11T07:00:00.000Z');
});

test('facts: without a fingerprint key the person count is unknown, not zero', () => {
  const f = computeFacts(input({ decisions: [decision('2026-11-02T08:00:00.000Z', 'pass', [''], ['a@x.dk'])] }));
  assert.equal(f.sentInClear.persons, null);
});

test('markdown: a marked draft in Danish with English glosses, art. 33(3) a–d, counts and fill-ins', () => {
  const md = buildBreachReport(input(), 'md');
  assert.match(md, /^# UDKAST – Anmeldelse af brud på persondatasikkerheden _\(DRAFT/);
  for (const s of ['33(3)(a)', '33(3)(b)', '33(3)(c)', '33(3)(d)', '72 timer']) assert.ok(md.includes(s), s);
  assert.match(md, /\| Sendt med CPR-nummer i klar tekst i mailheadere \(sent in clear\) \| 2 \| 2 \|/);
  assert.match(md, /\| Mails tabt uden besked til afsender \(lost without notice\), fra logfiler \| 2 \|/);
  assert.match(md, /\| region\.dk \| 2 \| 1 \|/);
  assert.match(md, /Kontaktperson for yderligere oplysninger: \[UDFYLDES: fx IT-support, tlf\. 7070 1234\]/);
  assert.match(md, /header_checks DISCARD CPR i emne \| 1 \|/);
  assert.ok((md.match(/\[UDFYLDES:/g) ?? []).length >= 8, 'fields a person must fill in are marked');
  assert.doesNotMatch(md, /fpA|early@|late@|old@x/, 'no fingerprints, out-of-period data or full addresses');
});

test('a truncated store read says the counts are a minimum', () => {
  assert.match(buildBreachReport(input({ decisionsTruncated: true }), 'md'), /tallene ovenfor er et minimum/);
});

test('html: one self-contained page (no external resources, no script), escaped text, highlighted fill-ins', () => {
  const hostile = parseAuditJson('x.json', JSON.stringify({ silent: [{ time: '2026-11-10T07:00:00Z', to: ['a@<script>.dk'], reason: '<img src=x onerror=alert(1)>' }] }));
  const html = buildBreachReport(input({ audits: [hostile] }), 'html');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<html lang="da">/);
  assert.doesNotMatch(html, /<(script|img|link|iframe|object)\b|href=|@import|url\(/i);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.match(html, /<mark class="fill">\[UDFYLDES: navn og CVR-nr\.\]<\/mark>/);
});

test('audit JSON that is not an audit output is refused with the file named (PV_INPUT_FORMAT)', () => {
  const bad: [string, RegExp][] = [['{', /not JSON/], ['{"messages":{}}', /no "silent" list/], ['{"silent":[{"to":[]}]}', /silent\[0\] lacks a valid time/]];
  for (const [text, why] of bad) {
    assert.throws(() => parseAuditJson('a.json', text), (e: unknown) => e instanceof PvError && e.code === 'PV_INPUT_FORMAT' && e.file === 'a.json' && why.test(e.message));
  }
});

test('a period over several months gets a per-month table (the municipality\'s six years)', () => {
  const audit = parseAuditJson('p.json', JSON.stringify({ silent: [
    { time: '2019-03-20T10:00:00Z', to: ['a@region.dk'], reason: 'header_checks DISCARD' },
    { time: '2019-03-21T10:00:00Z', to: ['a@region.dk'], reason: 'header_checks DISCARD' },
    { time: '2024-11-02T10:00:00Z', to: ['b@region.dk'], reason: 'header_checks DISCARD' },
  ] }));
  const md = buildBreachReport(input({ from: '2019-01-01', to: '2025-12-31', decisions: null, audits: [audit] }), 'md');
  assert.match(md, /## Bilag: Fordeling pr\. måned/);
  assert.match(md, /\| 2019-03 \| 0 \| 2 \|\n\| 2024-11 \| 0 \| 1 \|/);
  assert.doesNotMatch(md, /Postvagts hændelseslog/);
});

test('a period with no breach says so at the top instead of reading like a notification; one with a breach does not', () => {
  const none = buildBreachReport(input({ decisions: [], audits: [] }), 'md');
  assert.match(none, /Ingen brud fundet i perioden/);
  assert.doesNotMatch(buildBreachReport(input(), 'md'), /Ingen brud fundet/);
});

test('the period is whole Danish days (Europe/Copenhagen), winter and summer time, as the digest counts them', () => {
  assert.deepEqual(periodBounds('2026-11-01', '2026-11-30'), { since: '2026-10-31T23:00:00.000Z', until: '2026-11-30T23:00:00.000Z' });
  assert.deepEqual(periodBounds('2026-07-01', '2026-07-01'), { since: '2026-06-30T22:00:00.000Z', until: '2026-07-01T22:00:00.000Z' });
  // the day summer time ends is 25 hours long
  assert.deepEqual(periodBounds('2026-10-25', '2026-10-25'), { since: '2026-10-24T22:00:00.000Z', until: '2026-10-25T23:00:00.000Z' });
  const f = computeFacts(input({ audits: [], decisions: [
    decision('2026-10-31T23:30:00.000Z', 'pass', ['fp1'], ['a@x.dk']), // 00:30 on Nov 1 in Denmark: in
    decision('2026-11-30T23:30:00.000Z', 'pass', ['fp2'], ['b@x.dk']), // 00:30 on Dec 1 in Denmark: out
  ] }));
  assert.equal(f.sentInClear.mails, 1);
  assert.deepEqual([...f.byMonth], [['2026-11', [1, 0]]], 'the month is the Danish one');
  const md = buildBreachReport(input({ audits: [], decisions: [decision('2026-10-31T23:30:00.000Z', 'pass', ['fp1'], ['a@x.dk'])] }), 'md');
  assert.match(md, /Periode undersøgt \(period\): 2026-11-01 – 2026-11-30, hele døgn i dansk tid \(whole days, Danish time, Europe\/Copenhagen\)/);
  assert.match(md, /første registrerede tilfælde 2026-11-01, seneste 2026-11-01/);
  assert.match(md, /Udkast dannet \(generated\): 2026-12-01 10:00 dansk tid \(2026-12-01T09:00:00Z\)/);
  assert.doesNotMatch(md, /\(UTC\)/);
});

test('nothing found (store only, audits only, both): plain sentences in Danish and English, no empty fragments', () => {
  const noLoss = parseAuditJson('none.json', JSON.stringify({ source: 'postfix', silent: [] }));
  for (const over of [{ decisions: [], audits: [] }, { decisions: null, audits: [noLoss] }, { decisions: [], audits: [noLoss] }] as Partial<BreachInput>[]) {
    for (const format of ['md', 'html'] as const) {
      const doc = buildBreachReport(input(over), format).replace(/<style>[\s\S]*?<\/style>/, ''); // the words, not the CSS
      assert.match(doc, /Type af brud \(type\): intet brud fundet i perioden i de anvendte data – .*\(no breach found in the period in the data used\)\./);
      assert.doesNotMatch(doc, /\(type\): *\.|: *\.|, *\.|: –,|tilfælde –/, 'no empty sentence fragment');
      assert.doesNotMatch(doc, /tilgængelighed|fortrolighed|Tabte mails:|0 tabte mails|ukendt – kræver gennemgang|scan mailbox/, 'no breach kind or loss text for what was not found');
      assert.match(doc, /ingen tilfælde registreret i perioden \(no case in the period\)/);
      assert.match(doc, /Ingen: der er ikke fundet noget brud i perioden i de anvendte data \(none: no breach found in the period\)\./);
    }
  }
  assert.match(buildBreachReport(input({ decisions: null, audits: [noLoss] }), 'md'), /der er ikke fundet mails tabt uden besked i perioden/);
  const lossOnly = buildBreachReport(input({ decisions: [] }), 'md');
  assert.match(lossOnly, /Type af brud \(type\): fortrolighed .*; tilgængelighed – mails tabt/, 'a lost mail with a masked CPR in its subject: both kinds');
});
