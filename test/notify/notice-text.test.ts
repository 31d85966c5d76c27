// The words of a notice (invariant 4): what happened, why, what to do, case number, contact, Danish first.
// Tables over outcomes and header kinds. Pure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noticeText, outcomeOf } from '../../src/notify/notice-text.ts';
import { FIX, FIX_NEXT_TIME, headerWords } from '../../src/notify/headers-da.ts';
import type { DecisionAction, StoredFinding } from '../../src/store/types.ts';
import { ID, incident } from './fixtures.ts';

const arrivalDate = new Date('2026-11-29T09:14:00Z'); // 10:14 in Copenhagen (CET, UTC+1)
const contact = 'IT-support på tlf. 4410 2030';

const OUTCOMES: [DecisionAction, string, string, 'Sådan gør du:' | 'Næste gang:' | null][] = [
  ['reject', 'Ikke afsendt: CPR-nummer i emnefeltet', 'Din mail er IKKE sendt.', 'Sådan gør du:'],
  ['quarantine', 'Tilbageholdt: CPR-nummer i emnefeltet', 'Din mail er tilbageholdt og er IKKE leveret.', 'Sådan gør du:'],
  ['redact', 'Leveret, men emnefeltet er ændret', 'Din mail er leveret, men den er ændret undervejs.', 'Næste gang:'],
  ['tag', 'Leveret med CPR-nummer i emnefeltet', 'Din mail er leveret uændret, men den er markeret.', 'Næste gang:'],
  ['pass', 'Leveret med CPR-nummer i emnefeltet', 'Din mail er leveret uændret.', 'Næste gang:'],
  ['upstream-fail', 'Forsinket: teknisk fejl', 'Din mail er forsinket.', null],
  ['tempfail', 'Forsinket: teknisk fejl', 'Din mail er forsinket.', null],
];

for (const [action, subject, headline, todo] of OUTCOMES) {
  test(`${action} (${outcomeOf(action)}): subject, headline, advice, case number, contact`, () => {
    const t = noticeText({ incident: incident({ action }), contact, arrivalDate });
    assert.ok(t.subject.startsWith(`${subject} [${ID}] / `), t.subject);
    assert.ok(t.body.startsWith(`${headline}\n`), t.body.slice(0, 60));
    const [da, en] = t.body.split('\n---- English ----\n');
    assert.ok(da && en, 'both languages, Danish first');
    const flat = (s: string) => s.replace(/\s+/g, ' ');
    assert.ok(flat(da).includes(`Sagsnummer: ${ID} Spørgsmål? Kontakt ${contact} og oplys sagsnummeret.`));
    assert.ok(flat(en).includes(`Case number: ${ID} Questions? Contact ${contact} and give the case number.`));
    assert.match(da, /Modtaget: 29\. november 2026 kl\. 10\.14 \(dansk tid\)/);
    assert.match(en, /Received: 29 November 2026 at 10:14 \(Danish time\)/);
    if (todo) assert.ok(da.includes(`\n${todo}\n`), todo);
    else assert.ok(!/Sådan gør du:|Næste gang:/.test(da), 'a technical delay asks nothing of the sender');
    if (todo === 'Næste gang:') assert.ok(!/send (mailen )?igen|send (the mail )?again/i.test(t.body.replace('du skal ikke sende den igen', '').replace('do not need to send it again', '')), 'nothing to resend');
    assert.ok(t.body.split('\n').every((l) => l.length <= 80), 'wrapped for plain-text readers');
  });
}

const KIND_HEADERS = ['Subject', 'From', 'To', 'Comments', 'X-Sag'];
for (const header of KIND_HEADERS) {
  test(`a finding in ${header} gets the ${headerWords(header).kind} advice, in both languages`, () => {
    const findings: StoredFinding[] = [{ header, masked: 'XXXXXX-XXXX', fingerprint: 'f', kind: 'cpr' }];
    const kind = headerWords(header).kind;
    const flat = (s: string) => s.replace(/\s+/g, ' ');
    const reject = flat(noticeText({ incident: incident({ findings }), contact, arrivalDate }).body);
    assert.ok(reject.includes(FIX[kind].da) && reject.includes(FIX[kind].en));
    const redact = flat(noticeText({ incident: incident({ findings, action: 'redact' }), contact, arrivalDate }).body);
    assert.ok(redact.includes(FIX_NEXT_TIME[kind].da) && redact.includes(FIX_NEXT_TIME[kind].en));
  });
}

test('several findings are listed, and each kind of advice is given once', () => {
  const findings: StoredFinding[] = ['Subject', 'To', 'Cc', 'Thread-Topic'].map((header) => ({ header, masked: 'XXXXXX-XXXX', fingerprint: 'f', kind: 'cpr' }));
  const t = noticeText({ incident: incident({ findings }), contact, arrivalDate });
  assert.match(t.body, /CPR-numre fundet i:\n {2}- emnefeltet: XXXXXX-XXXX\n {2}- modtagernavnet \(Til\): XXXXXX-XXXX\n {2}- modtagernavnet \(Cc\): XXXXXX-XXXX\n {2}- samtaleemnet \(Thread-Topic\): XXXXXX-XXXX/);
  assert.equal(t.body.split('Fjern CPR-nummeret fra emnefeltet').length - 1, 1);
  assert.equal(t.body.split('Modtagerens navn, som det står').length - 1, 1);
});

test('long subjects and recipient lists are shortened, not dropped', () => {
  const rcpts = Array.from({ length: 25 }, (_, i) => `r${i}@naboby.dk`);
  const t = noticeText({ incident: incident({ subjectMasked: 'ord '.repeat(200), recipients: rcpts }), contact, arrivalDate });
  assert.match(t.body, /Til: {6}r0@naboby\.dk, .*r9@naboby\.dk, \.\.\./);
  assert.ok(!t.body.includes('r10@'));
  assert.match(t.body, /Emne: {5}(ord ){50}/);
});

test('summer time: the arrival is shown in Danish local time (CEST, UTC+2)', () => {
  const t = noticeText({ incident: incident(), contact, arrivalDate: new Date('2026-07-01T08:00:00Z') });
  assert.match(t.body, /1\. juli 2026 kl\. 10\.00 \(dansk tid\)/);
});

test('an inbound reject is "not delivered" (the sender is at another organisation), still with advice', () => {
  const t = noticeText({ incident: incident({ direction: 'inbound' }), contact, arrivalDate });
  assert.ok(t.subject.startsWith(`Ikke leveret: CPR-nummer i emnefeltet [${ID}] / Not delivered: CPR number in the subject`));
  assert.ok(t.body.startsWith('Din mail er IKKE leveret.\n'));
  assert.match(t.body, /Postvagt at the receiving end stopped the mail/);
  assert.match(t.body, /\nSådan gør du:\n/);
});
