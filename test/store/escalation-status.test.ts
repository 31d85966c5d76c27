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
