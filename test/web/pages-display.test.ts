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
  assert.ok(html.includes('2026-11-29 20:40:47'));
  assert.match(html, /<select name="resolution" required><option value="">vælg · choose…<\/option>/);
  const cells = html.split('<tr')[2].split('<td');
  const statusAt = cells.findIndex((c) => c.includes('Set · Reviewed'));
  assert.match(cells[statusAt + 1], /eskaleret · escalated/);
});
