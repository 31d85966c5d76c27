// Resend tracking on a real SQLite store: a later passing mail with the same sender, recipients and
// subject-without-the-number resolves the stopped mail's incident as `resent`; others stay open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open.ts';
import { reconcileResends, startResendTracker } from '../../src/review/resend-tracker.ts';
import { decision, incident, tempConfig } from '../store/helpers.ts';

const STOPPED = '2026-11-29T08:00:00.000Z';
const RESENT = '2026-11-29T08:10:00.000Z';

async function seeded() {
  const store = await openStore(await tempConfig());
  await store.recordIncident(
    incident('PV-20261129-AAAAAA', STOPPED, { subjectMasked: 'Partshøring XXXXXX-XXXX bevilling' }),
    decision('tx-stop-1', STOPPED, { action: 'reject', incidentId: 'PV-20261129-AAAAAA' }),
  );
  await store.recordIncident(
    incident('PV-20261129-BBBBBB', STOPPED, { subjectMasked: 'Aktindsigt XXXXXX-XXXX', sender: 'other@kommune.dk' }),
    decision('tx-stop-2', STOPPED, { action: 'reject', incidentId: 'PV-20261129-BBBBBB', sender: 'other@kommune.dk' }),
  );
  return store;
}

test('a pass with the same sender, recipients and subject words resolves the incident as resent', async () => {
  const store = await seeded();
  await store.recordDecision(decision('tx-pass', RESENT, { subjectMasked: 'SV: Partshøring bevilling (se brødtekst)' }));
  const r = await reconcileResends(store, new Date(STOPPED), new Date('2026-11-29T09:00:00.000Z'));
  assert.deepEqual(r, { checked: 1, resolved: ['PV-20261129-AAAAAA'] });
  const a = await store.getIncident('PV-20261129-AAAAAA');
  assert.equal(a?.status, 'resolved');
  assert.equal(a?.resolution, 'resent');
  assert.equal((await store.getIncident('PV-20261129-BBBBBB'))?.status, 'new', 'another sender’s incident stays open');
  await store.close();
});

test('a pass to a different recipient, or with another subject, resolves nothing', async () => {
  const store = await seeded();
  await store.recordDecision(decision('tx-p1', RESENT, { subjectMasked: 'Partshøring bevilling', recipients: ['someone-else@example.dk'] }));
  await store.recordDecision(decision('tx-p2', RESENT, { subjectMasked: 'Helt andet emne' }));
  const r = await reconcileResends(store, new Date(STOPPED), new Date('2026-11-29T09:00:00.000Z'));
  assert.deepEqual(r, { checked: 2, resolved: [] });
  assert.equal((await store.getIncident('PV-20261129-AAAAAA'))?.status, 'new');
  await store.close();
});

test('the tracker only looks at passes since its previous run', async () => {
  const store = await seeded();
  let now = new Date('2026-11-29T08:05:00.000Z');
  const tracker = startResendTracker({ store, clock: () => now, intervalMs: 3_600_000 });
  try {
    assert.deepEqual(await tracker.runOnce(), { checked: 0, resolved: [] });
    await store.recordDecision(decision('tx-pass', RESENT, { subjectMasked: 'Partshøring bevilling' }));
    now = new Date('2026-11-29T08:20:00.000Z');
    assert.deepEqual((await tracker.runOnce()).resolved, ['PV-20261129-AAAAAA']);
    now = new Date('2026-11-29T08:30:00.000Z');
    assert.deepEqual(await tracker.runOnce(), { checked: 0, resolved: [] }, 'the same pass is not looked at twice');
  } finally {
    tracker.stop();
    await store.close();
  }
});
