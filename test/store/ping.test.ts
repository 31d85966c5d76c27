// ping(), which the gateway calls just before the upstream commits a mail: it refuses while the
// store cannot write (the last write failed for the store's sake) and accepts again once a write
// commits. I/O: temp SQLite files, a second connection holding the write lock. Protects invariant 3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/open.ts';
import { PvError } from '../../src/errors.ts';
import { decision, incident, tempConfig } from './helpers.ts';

const T0 = '2026-11-29T08:00:00.000Z';
const unavailable = (re: RegExp) => (e: unknown) => e instanceof PvError && e.code === 'PV_STORE_UNAVAILABLE' && re.test(e.message);

test('ping refuses after a write failed on another writer\'s lock, until a write commits again', async () => {
  const c = await tempConfig();
  const store = await openStore(c, { busyTimeoutMs: 50 });
  await store.recordDecision(decision('tx-1', T0));
  await store.ping();
  const other = new Database(join(c.config.data_dir, 'postvagt.sqlite'));
  other.exec('BEGIN IMMEDIATE');
  const batch = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => store.recordDecision(decision(`tx-b${i}`, T0))));
  const causes = batch.map((r) => (r.status === 'rejected' ? (r.reason as PvError).cause : 'resolved'));
  assert.ok(causes.every((x) => x === causes[0] && x !== 'resolved'), 'the batch failed once, at BEGIN (one busy wait, not one per write)');
  await assert.rejects(store.ping(), unavailable(/last write failed: SQLITE_BUSY/));
  other.exec('ROLLBACK');
  other.close();
  // the lock is gone, but nothing has proved the store writable yet
  await assert.rejects(store.ping(), unavailable(/SQLITE_BUSY/));
  // what the gateway does after a refused ping: record a systemic incident; that write heals
  await store.recordIncident(incident('PV-20261129-SYS001', T0, { action: 'tempfail' }), decision('tx-2', T0, { action: 'tempfail', incidentId: 'PV-20261129-SYS001' }));
  await store.ping();
  assert.deepEqual((await store.listDecisions({})).map((d) => d.id), ['tx-1', 'tx-2']);
  await store.close();
});

test('a write refused for its own row (the same decision twice) does not make ping refuse', async () => {
  const store = await openStore(await tempConfig());
  await store.recordDecision(decision('tx-1', T0));
  await assert.rejects(store.recordDecision(decision('tx-1', T0)), unavailable(/UNIQUE|PRIMARY KEY/));
  await store.ping();
  await store.close();
  await assert.rejects(store.ping(), unavailable(/not open/));
});
