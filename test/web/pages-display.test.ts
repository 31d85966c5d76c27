// What the reviewer sees: Danish local times (as in the notices), no preselected resolution,
// the notice status next to the status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { danishTime, incidentsPage } from '../../src/web/pages.ts';
import { incident } from '../store/helpers.ts';

for (const [utc, shown] of [
  ['2026-11-29T19:40:47.000Z', '2026-11-29 20:40:47'], // winter: UTC+1
  ['2026-07-01T10:00:00.000Z', '2026-07-01 12:00:00'], // summer: UTC+2
  ['2026-03-29T00:59:59.000Z', '2026-03-29 01:59:59'], // last second before the spring change
  ['2026-03-29T01:00:00.000Z', '2026-03-29 03:00:00'],
] as const) {
  test(`danishTime ${utc} → ${shown}`, () => assert.equal(danishTime(utc), shown));
}

test('incidents page: Danish time, a resolution must be chosen (none preselected), notice beside status', () => {
  const html = incidentsPage({ incidents: [incident('PV-20261129-DISP00', '2026-11-29T19:40:47.000Z', { notice: 'escalated' })], now: new Date('2026-11-29T20:00:00Z'), filter: {}, user: 'anna' });
  // date and time each kept on one line (the review saw "2026-11-" / "29" in a narrow column)
  assert.ok(html.includes('<span class="nowrap">2026-11-29</span> <span class="nowrap">20:40:47</span>'));
  assert.match(html, /<select name="resolution" required><option value="">vælg · choose…<\/option>/);
  const cells = html.split('<tr')[2].split('<td');
  const statusAt = cells.findIndex((c) => c.includes('Gennemset · Reviewed'));
  assert.match(cells[statusAt + 1], /eskaleret · escalated/);
});

// Found in the user review (29 Nov): at 1400 px the subject and the findings were past the right
// edge, behind the classification reason and the forms; a masked number in the reply broke at its dash.
test('incidents page: subject and findings come right after the incident id; headers and filters in both languages', () => {
  const html = incidentsPage({ incidents: [incident('PV-20261129-DISP01', '2026-11-29T19:40:47.000Z')], now: new Date('2026-11-29T20:00:00Z'), filter: {}, user: 'anna' });
  const heads = [...html.matchAll(/<th>([^<]*)<\/th>/g)].map((m) => m[1]);
  assert.deepEqual(heads.slice(1, 4), ['Sag · Incident', 'Emne (maskeret) · Subject (masked)', 'Fund · Findings']);
  assert.ok(heads.includes('Klassifikation · Classification'));
  const cells = html.split('<tr')[2].split('<td').slice(1);
  assert.match(cells[1], /PV-20261129-DISP01/);
  assert.equal(cells.length, heads.length, 'one cell per column');
  for (const label of ['Retning · Direction', 'Fra dato · Since', 'Klassifikation · Classification']) assert.ok(html.includes(`<label>${label}<`), label);
});

test('incidents page: a masked number in the reply and the classification reason does not break at its dash', () => {
  const reply = '550 5.7.1 Ikke afsendt: emnefeltet indeholder et CPR-nummer (XXXXXX-XXXX). Sag PV-20261129-DISP02';
  const html = incidentsPage({ incidents: [incident('PV-20261129-DISP02', '2026-11-29T19:40:47.000Z', { reply, classificationReason: 'the subject held 251284-XXXX' })], now: new Date('2026-11-29T20:00:00Z'), filter: {}, user: 'anna' });
  assert.ok(html.includes('(XXXXXX\u2011XXXX)'), 'reply keeps the masked number on one line');
  assert.ok(html.includes('251284\u2011XXXX'), 'reason keeps the masked number on one line');
  assert.ok(!/XXXXXX-XXXX\)/.test(html.split('<tbody>')[1]), 'no breakable dash left in the row');
});
