// Notice status of an escalated incident (invariant 6): the escalation mail going out must not
// make the incident look as if the *sender* was told.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open.ts';
import { decision, incident, tempConfig } from './helpers.ts';

const T0 = '2026-11-29T08:00:00.000Z';

for (const [start, outcome, expected] of [
  ['queued', { ok: true }, 'sent'],
  ['escalated', { ok: true }, 'escalated'],
  ['escalated', { ok: false, error: '550 no such mailbox', final: true }, 'failed'],
  ['queued', { ok: false, error: '451 try later', final: false }, 'queued'],
] as const) {
  test(`notice status ${start} + ${outcome.ok ? 'delivered' : outcome.final ? 'final failure' : 'temporary failure'} → ${expected}`, async () => {
    const store = await openStore(await tempConfig());
    const id = 'PV-20261129-ESC000';
    const draft = { incidentId: id, envelopeFrom: '', to: 'fejlpost@kommune.example', raw: Buffer.from('Subject: x\r\n\r\ny\r\n') };
    await store.recordIncident(incident(id, T0, { notice: start }), decision('tx-esc', T0, { action: 'reject', incidentId: id }), draft);
    const [n] = await store.dueNotices(10);
    assert.equal(n.incidentId, id);
    await store.markNotice(n.id, outcome);
    assert.equal((await store.getIncident(id))?.notice, expected);
    await store.close();
  });
}

test('a final failure that brings its escalation queues it in the same write; the incident is escalated, then stays so when it goes out', async () => {
  const store = await openStore(await tempConfig());
  const id = 'PV-20261129-ESC001';
  const notice = { incidentId: id, envelopeFrom: '', to: 'sagsbehandler@kommune.example', raw: Buffer.from('Subject: notice\r\n\r\ny\r\n') };
  await store.recordIncident(incident(id, T0, { notice: 'queued' }), decision('tx-esc1', T0, { action: 'quarantine', incidentId: id }), notice);
  const [n] = await store.dueNotices(10);
  const escalation = { incidentId: id, envelopeFrom: '', to: 'fejlpost@kommune.example', raw: Buffer.from('Subject: escalated\r\n\r\ny\r\n') };
  await store.markNotice(n.id, { ok: false, error: 'RCPT 550 no such user', final: true, escalation });
  assert.equal((await store.getIncident(id))?.notice, 'escalated');
  const due = await store.dueNotices(10);
  assert.deepEqual(due.map((d) => [d.to, d.raw.toString()]), [['fejlpost@kommune.example', 'Subject: escalated\r\n\r\ny\r\n']]);
  await store.markNotice(due[0].id, { ok: true });
  assert.equal((await store.getIncident(id))?.notice, 'escalated');
  await store.close();
});
