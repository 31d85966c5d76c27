// The daily digest: counts, systemic alerts, unresolved incidents, the day's list; a strictly valid mail
// to the central mailbox with nothing raw in it. Pure apart from the Python parser subprocess.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDigest, digestSubject, digestText, type DigestInput } from '../../src/review/digest.ts';
import { parseWithPython } from '../notify/python-email.ts';
import { incident } from '../notify/fixtures.ts';

const day = '2026-11-28';
const a = incident({ id: 'PV-20261128-AAAAAA', time: '2026-11-28T08:00:00.000Z' });
const b = incident({ id: 'PV-20261128-BBBBBB', time: '2026-11-28T12:00:00.000Z', action: 'upstream-fail', classification: 'systemic', classificationReason: 'The next mail server refused or could not be reached.', findings: [] });
const c = incident({ id: 'PV-20261128-CCCCCC', time: '2026-11-28T10:00:00.000Z', direction: 'inbound', action: 'redact', sender: '' });
const old = incident({ id: 'PV-20261125-DDDDDD', time: '2026-11-25T10:00:00.000Z', subjectMasked: 'Gammel sag XXXXXX-XXXX' });

function input(over: Partial<DigestInput> = {}): DigestInput {
  return {
    day,
    incidents: [b, a, c],
    unresolved: [old],
    centralMailbox: 'fejlpostkasse@kommune.dk',
    postmaster: 'postmaster@kommune.dk',
    reportingMta: 'postvagt.kommune.dk',
    now: new Date('2026-11-29T06:00:00Z'),
    ...over,
  };
}

test('the subject counts incidents, unresolved ones and flags systemic ones', () => {
  assert.equal(digestSubject(input()), '[Postvagt] Døgnrapport 2026-11-28: 3 hændelser, 1 uløst > 24 t - 1 SYSTEMISK/SYSTEMIC / Daily digest');
  assert.equal(digestSubject(input({ incidents: [a], unresolved: [] })), '[Postvagt] Døgnrapport 2026-11-28: 1 hændelse, 0 uløste > 24 t / Daily digest');
});

test('the text: counts, then systemic alerts with reasons, then unresolved, then the day in time order', () => {
  const t = digestText(input());
  assert.match(t, /Incidents: 3\n {2}by action: {4}redact 1, reject 1, upstream-fail 1\n {2}by direction: outbound 2, inbound 1\n {2}by class: {5}isolated 2, systemic 1/);
  const sys = t.indexOf('SYSTEMIC ALERTS (1)');
  const unres = t.indexOf('UNRESOLVED FOR MORE THAN 24 H (1)');
  const all = t.indexOf('ALL INCIDENTS ON 2026-11-28:');
  assert.ok(sys > 0 && unres > sys && all > unres);
  assert.match(t.slice(sys, unres), /PV-20261128-BBBBBB[^\n]*\n[^\n]*\n {4}The next mail server refused/);
  assert.match(t.slice(unres, all), /PV-20261125-DDDDDD .*\n {4}"Gammel sag XXXXXX-XXXX"/);
  const order = ['AAAAAA', 'CCCCCC', 'BBBBBB'].map((s) => t.indexOf(`PV-20261128-${s}`, all));
  assert.ok(order[0] < order[1] && order[1] < order[2], 'time order');
  assert.match(t, /PV-20261128-CCCCCC .* <> -> sagsbehandler@naboby\.dk/);
});

test('an empty day says none, not nothing', () => {
  const t = digestText(input({ incidents: [], unresolved: [] }));
  assert.match(t, /Incidents: 0\n {2}by action: {4}-/);
  assert.equal(t.match(/\n {2}none\n/g)?.length, 3);
});

test('long days are capped with a pointer to the dashboard', () => {
  const many = Array.from({ length: 250 }, (_, n) => incident({ id: `PV-20261128-${String(n).padStart(6, '0')}`, time: `2026-11-28T10:${String(n % 60).padStart(2, '0')}:00.000Z` }));
  const t = digestText(input({ incidents: many, publicUrl: 'https://postvagt.kommune.dk' }));
  assert.match(t, /\.\.\. and 50 more \(see the dashboard\)/);
  assert.match(t, /\nDashboard: https:\/\/postvagt\.kommune\.dk\/incidents\n/);
});

test('web.public_url: a link to the incident list at the top and one under every listed incident; unset, none', () => {
  const t = digestText(input({ publicUrl: 'https://postvagt.kommune.dk' }));
  assert.match(t, /^Postvagt daily digest .*\n\nDashboard: https:\/\/postvagt\.kommune\.dk\/incidents\n\n/);
  // systemic: row, subject, reason, link; the others: row, subject, link
  assert.match(t, /PV-20261128-BBBBBB[^\n]*\n[^\n]*\n {4}The next mail server[^\n]*\n {4}https:\/\/postvagt\.kommune\.dk\/incidents\/PV-20261128-BBBBBB\n/);
  assert.match(t, /PV-20261125-DDDDDD[^\n]*\n[^\n]*\n {4}https:\/\/postvagt\.kommune\.dk\/incidents\/PV-20261125-DDDDDD\n/);
  for (const id of ['AAAAAA', 'BBBBBB', 'CCCCCC']) assert.ok(t.includes(`    https://postvagt.kommune.dk/incidents/PV-20261128-${id}\n`), id);
  const none = digestText(input());
  assert.ok(!/Dashboard:|https?:/.test(none), none);
  const raw = buildDigest(input({ publicUrl: 'https://postvagt.kommune.dk' })).raw.toString('latin1').replaceAll('=\r\n', '');
  assert.ok(raw.includes('https://postvagt.kommune.dk/incidents/PV-20261125-DDDDDD'), 'in the mail as sent');
});

test('the digest mail is strictly valid, null sender, auto-generated, and holds no raw number', () => {
  const leaky = incident({ id: 'PV-20261128-EEEEEE', time: '2026-11-28T09:00:00.000Z', recipients: ['0101901234@borger.dk'] });
  const d = buildDigest(input({ incidents: [a, leaky] }));
  assert.equal(d.envelopeFrom, '');
  assert.equal(d.to, 'fejlpostkasse@kommune.dk');
  const [p] = parseWithPython([d.raw]);
  assert.equal(p.error, null);
  assert.deepEqual(p.headers['auto-submitted'], ['auto-generated']);
  assert.match(p.headers.subject[0], /^\[Postvagt\] Døgnrapport 2026-11-28/);
  assert.ok(!d.raw.toString('latin1').replaceAll('=\r\n', '').includes('0101901234'));
  assert.throws(() => buildDigest(input({ centralMailbox: 'x' })), { code: 'PV_CONFIG_INVALID' });
});

// User review (29 Nov): the digest listed UTC times while the dashboard, the notices and the
// escalations show Danish time; the reader looked an hour off. Winter (UTC+1) and summer (UTC+2).
test('times in the digest are Danish time, as on the dashboard', () => {
  const winter = incident({ id: 'PV-20261128-WINTER', time: '2026-11-28T08:14:00.000Z' });
  const summer = incident({ id: 'PV-20260701-SUMMER', time: '2026-07-01T10:00:00.000Z' });
  const t = digestText(input({ incidents: [winter], unresolved: [summer], now: new Date('2026-11-29T06:00:00Z') }));
  assert.match(t, /^Postvagt daily digest for 2026-11-28 \(generated 2026-11-29 07:00; all times Danish time, as on the dashboard\)\n/);
  assert.match(t, /PV-20261128-WINTER {2}2026-11-28 09:14 /);
  assert.match(t, /PV-20260701-SUMMER {2}2026-07-01 12:00 /);
});
