// Invariant 2 at the store: envelope addresses and other client text holding a CPR number are
// written masked (e.g. `2512841234@kommune.example`, a real pattern), in every table that shows them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { openStore } from '../../src/store/open.ts';
import { decision, incident, tempConfig } from './helpers.ts';

const T0 = '2026-11-29T08:00:00.000Z';

test('sender, recipients, subject and reply with a CPR number are stored masked; equal inputs stay equal', async () => {
  const loaded = await tempConfig();
  const store = await openStore(loaded);
  const raw = { sender: '2512841234@kommune.example', recipients: ['1605973825@example.org'] };
  await store.recordDecision(decision('tx-pass', T0, { ...raw, subjectMasked: 'Referat' }));
  await store.recordIncident(
    incident('PV-20261129-ADDR00', T0, { ...raw, subjectMasked: 'Sag 1605973825', reply: '550 5.7.1 … 2512841234' }),
    decision('tx-rej', T0, { ...raw, action: 'reject', incidentId: 'PV-20261129-ADDR00' }),
  );
  await store.capture({ ...raw, raw: Buffer.from('Subject: x\r\n\r\ny\r\n') });
  const [d] = await store.listDecisions({});
  assert.equal(d.sender, 'XXXXXX-XXXX@kommune.example');
  assert.deepEqual(d.recipients, ['XXXXXX-XXXX@example.org']);
  const inc = await store.getIncident('PV-20261129-ADDR00');
  assert.equal(inc?.sender, d.sender, 'the same address masks the same way (resend tracking compares them)');
  assert.equal(inc?.subjectMasked, 'Sag XXXXXX-XXXX');
  const [c] = await store.listCaptured(10);
  assert.equal(c.sender, 'XXXXXX-XXXX@kommune.example');
  await store.close();
  const db = new Database(join(loaded.config.data_dir, 'postvagt.sqlite'), { readonly: true });
  for (const table of ['decisions', 'incidents', 'captured']) {
    const rows = JSON.stringify(db.prepare(`SELECT * FROM ${table}`).all(), (_k, v) => (Buffer.isBuffer(v) ? '' : v));
    assert.doesNotMatch(rows, /2512841234|1605973825/, `no raw number in ${table}`);
  }
  db.close();
});
