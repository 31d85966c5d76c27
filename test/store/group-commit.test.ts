// Durability classes of the group commit: durable writes (incidents, quarantine, notices, refusals)
// commit with synchronous=FULL, relaxed ones (pass rows) with NORMAL, a mixed batch with FULL, and
// relaxed commits are synced by a checkpoint within RELAXED_SYNC_MS. I/O: a temp SQLite file.
// Protects invariant 1 (nothing a 250 or a refusal depends on is committed without an fsync).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { GroupCommit, RELAXED_SYNC_MS } from '../../src/store/group-commit.ts';
import { openStore } from '../../src/store/open.ts';
import { relaxedDecision } from '../../src/store/sqlite.ts';
import { decision, incident, tempConfig, tempDir } from './helpers.ts';

/** a WAL database whose pragma calls are recorded (STYLE 11: fakes record their calls) */
function recordedDb(): { db: Database.Database; pragmas: string[] } {
  const db = new Database(join(tempDir(), 'gc.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (v TEXT)');
  const pragmas: string[] = [];
  const real = db.pragma.bind(db);
  db.pragma = ((source: string, opts?: Database.PragmaOptions) => (pragmas.push(source), real(source, opts))) as typeof db.pragma;
  return { db, pragmas };
}

/** the synchronous level in force while a write runs inside the shared transaction (2 FULL, 1 NORMAL) */
function levelInside(db: Database.Database): () => number {
  return () => (db.prepare('PRAGMA synchronous').get() as { synchronous: number }).synchronous;
}

test('group commit: relaxed-only batches commit NORMAL, any durable write makes the batch FULL, durable alone is FULL', async () => {
  const { db } = recordedDb();
  const gc = new GroupCommit(db, (_w, e) => e as Error);
  const level = levelInside(db);
  assert.deepEqual(await Promise.all([gc.run('pass', level, false), gc.run('pass', level, false)]), [1, 1]);
  assert.deepEqual(await Promise.all([gc.run('pass', level, false), gc.run('incident', level, true)]), [2, 2]);
  assert.equal(await gc.run('incident', level), 2, 'durable is the default');
  assert.equal(await gc.run('pass', level, false), 1);
  gc.syncNow();
  db.close();
});

test('group commit: a relaxed commit is synced by a checkpoint within RELAXED_SYNC_MS; after a FULL commit none is needed', async () => {
  const { db, pragmas } = recordedDb();
  const gc = new GroupCommit(db, (_w, e) => e as Error);
  await gc.run('pass', () => db.prepare('INSERT INTO t VALUES (?)').run('a'), false);
  assert.ok(!pragmas.some((p) => p.startsWith('wal_checkpoint')), 'not synced at once');
  await new Promise((r) => setTimeout(r, RELAXED_SYNC_MS + 300));
  assert.equal(pragmas.filter((p) => p.startsWith('wal_checkpoint')).length, 1);
  pragmas.length = 0;
  await gc.run('pass', () => db.prepare('INSERT INTO t VALUES (?)').run('b'), false);
  await gc.run('incident', () => db.prepare('INSERT INTO t VALUES (?)').run('c'));
  await new Promise((r) => setTimeout(r, RELAXED_SYNC_MS + 300));
  assert.deepEqual(pragmas.filter((p) => p.startsWith('wal_checkpoint')), [], 'the FULL commit synced the WAL, earlier frames included');
  // a FULL commit that writes nothing syncs nothing: the relaxed row before it still gets its checkpoint
  await gc.run('pass', () => db.prepare('INSERT INTO t VALUES (?)').run('d'), false);
  await gc.run('no-op', () => undefined);
  await new Promise((r) => setTimeout(r, RELAXED_SYNC_MS + 300));
  assert.equal(pragmas.filter((p) => p.startsWith('wal_checkpoint')).length, 1);
  db.close();
});

test('the store: only a plain pass decision is relaxed; refusals, failures, faults and anything with an incident are durable', async () => {
  const t = '2026-11-29T10:00:00.000Z';
  const table: [Parameters<typeof decision>[2], boolean][] = [
    [{ action: 'pass' }, true],
    [{ action: 'pass', incidentId: 'PV-20261129-ODD001' }, false],
    [{ action: 'reject' }, false],
    [{ action: 'reject', incidentId: 'PV-20261129-REJ001' }, false],
    [{ action: 'quarantine', incidentId: 'PV-20261129-QUA001' }, false],
    [{ action: 'redact', incidentId: 'PV-20261129-RED001' }, false],
    [{ action: 'tag', incidentId: 'PV-20261129-TAG001' }, false],
    [{ action: 'upstream-fail' }, false],
    [{ action: 'tempfail' }, false],
  ];
  for (const [over, relaxed] of table) assert.equal(relaxedDecision(decision('tx', t, over)), relaxed, JSON.stringify(over));
  // and both kinds are committed and visible to another connection when they resolve
  const c = await tempConfig();
  const store = await openStore(c);
  await store.recordDecision(decision('tx-pass', t));
  await store.recordIncident(incident('PV-20261129-DUR001', t), decision('tx-inc', t, { action: 'reject', incidentId: 'PV-20261129-DUR001' }));
  const other = new Database(join(c.config.data_dir, 'postvagt.sqlite'), { readonly: true });
  assert.deepEqual((other.prepare('SELECT id FROM decisions ORDER BY id').all() as { id: string }[]).map((r) => r.id), ['tx-inc', 'tx-pass']);
  other.close();
  await store.close();
});
