// Golden files: fixtures/postfix/NAME.log(.gz) beside NAME.expected.json (counts, silent list, fate per queue id).
// I/O: reads the fixtures. Protects the fate contract on real Postfix 3.7 output and hand-built edge cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { auditPostfix } from '../../../src/audit/postfix/index.ts';

const dir = 'fixtures/postfix';
for (const name of readdirSync(dir).filter((f) => f.endsWith('.expected.json'))) {
  test(`golden: ${name}`, async () => {
    const want = JSON.parse(readFileSync(`${dir}/${name}`, 'utf8'));
    const r = await auditPostfix(want.inputs, { year: want.year, rows: 'all' });
    assert.equal(r.lines, want.lines);
    assert.deepEqual(r.messages, want.messages);
    assert.deepEqual(r.recipients, want.recipients);
    assert.deepEqual(r.silent, want.silent);
    assert.deepEqual(Object.fromEntries(r.rows.map((m) => [m.queue_id, m.fate])), want.fates);
    assert.deepEqual(r.warnings, want.warnings);
  });
}

test('rotated set given newest first, classic stamps across New Year: sorted and the year counts forward', async () => {
  const r = await auditPostfix([`${dir}/rollover-b.log.gz`, `${dir}/rollover-a.log`], { year: 2024, rows: 'all' });
  const byId = Object.fromEntries(r.rows.map((m) => [m.queue_id, m]));
  assert.equal(byId['1A2B3C4D5E'].time, '2024-12-31T23:59:58');
  assert.equal(byId['7A1B2C3D4E'].time, '2025-01-01T00:05:00');
  // the bounce text carried a CPR number: masked before it leaves memory
  const bounced = byId['1A2B3C4D5E'].recipients.find((x: { to: string }) => x.to === 'b@example.dk');
  assert.match(bounced?.reason ?? '', /CPR XXXXXX-XXXX not allowed/);
});

test('without --year the first classic month still ahead of "now" means last year', async () => {
  const r = await auditPostfix([`${dir}/rollover-a.log`], { rows: 'all', now: new Date('2026-11-29T12:00:00Z') });
  assert.equal(r.rows[0].time.slice(0, 4), '2025');
});

test('subjects are RFC 2047-decoded and masked; no raw CPR in any row or silent item', async () => {
  const r = await auditPostfix([`${dir}/iso-long-ids.log`, `${dir}/real-postfix-3.7.log`], { year: 2026, rows: 'all' });
  const held = r.rows.find((m) => m.queue_id === '4ZCk4D1111z9sgv');
  assert.equal(held?.subject, 'Sag XXXXXX-XXXX');
  const all = JSON.stringify({ rows: r.rows, silent: r.silent });
  assert.doesNotMatch(all, /010203-?1234/);
  assert.match(all, /Sag XXXXXX-XXXX vedr/);
});
