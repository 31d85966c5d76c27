// The decisions table layout (migration 3): an existing database upgrades keeping every row and the
// append-only triggers; a plain pass decision costs about one WAL page, not four. I/O: temp SQLite
// files. Protects invariant 3 (every decision recorded, append-only) across the upgrade.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/open.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { decisionToRow } from '../../src/store/rows.ts';
import type { DecisionRecord } from '../../src/store/types.ts';
import { decision, tempConfig } from './helpers.ts';

const T0 = '2026-11-29T08:00:00.000Z';
const T1 = '2026-11-29T09:00:00.000Z';
const INSERT = `INSERT INTO decisions (id, time, listener, direction, sender, recipients, action, reply, findings, incident_id, size, subject_masked)
  VALUES (@id, @time, @listener, @direction, @sender, @recipients, @action, @reply, @findings, @incident_id, @size, @subject_masked)`;

/** a database as version 2 left it, holding the given decisions in the v1 layout */
function version2Database(file: string, rows: DecisionRecord[]): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  for (const m of MIGRATIONS.filter((x) => x.version <= 2)) {
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, T0);
  }
  const add = db.prepare(INSERT);
  for (const r of rows) add.run(decisionToRow(r));
  db.close();
}

test('a version-2 database upgrades: every decision kept as it was, append-only still enforced, lookups use the new keys', async () => {
  const c = await tempConfig();
  mkdirSync(c.config.data_dir, { recursive: true });
  const file = join(c.config.data_dir, 'postvagt.sqlite');
  const rows = [
    decision('tx-b', T1),
    decision('tx-a', T0, { action: 'reject', incidentId: 'PV-20261129-AAAAAA', reply: '550 5.7.1 Ikke afsendt. Sag PV-20261129-AAAAAA', size: null }),
    decision('tx-c', T0, { recipients: ['a@example.dk', 'b@example.dk'] }),
  ];
  // history before T0, enough that copying the table writes megabytes to the WAL
  const history = Array.from({ length: 4000 }, (_, i) => decision(`old-${i}`, new Date(Date.parse(T0) - (i + 1) * 60_000).toISOString()));
  version2Database(file, [...rows, ...history]);
  const before = new Database(file, { readonly: true });
  const old = before.prepare('SELECT * FROM decisions ORDER BY time, id').all();
  before.close();

  const store = await openStore(c);
  assert.ok(statSync(`${file}-wal`).size < 64 * 1024, 'the WAL the copy filled is truncated after the upgrade');
  assert.deepEqual((await store.listDecisions({ since: T0 })).map((d) => d.id), ['tx-a', 'tx-c', 'tx-b'], 'time order, then id');
  assert.equal((await store.listDecisions({})).length, rows.length + history.length);
  assert.deepEqual((await store.listDecisions({ since: T1 })).map((d) => d.id), ['tx-b']);
  await store.recordDecision(decision('tx-d', T1));
  await store.close();

  const db = new Database(file);
  assert.deepEqual(db.prepare('SELECT * FROM decisions WHERE id != ? ORDER BY time, id').all('tx-d'), old, 'every column of every row unchanged');
  assert.deepEqual(db.prepare('SELECT version FROM schema_migrations ORDER BY version').all(), MIGRATIONS.map((m) => ({ version: m.version })));
  assert.throws(() => db.prepare("UPDATE decisions SET action = 'pass'").run(), /append-only/);
  assert.throws(() => db.prepare('DELETE FROM decisions').run(), /append-only/);
  const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'decisions'").pluck().all();
  assert.deepEqual(indexes, ['decisions_incident'], 'the table is its own (time, id) index; no separate id or time index');
  const plan = (sql: string, ...args: unknown[]): string =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join('; ');
  assert.match(plan('SELECT * FROM decisions WHERE incident_id = ?', 'PV-20261129-AAAAAA'), /USING INDEX decisions_incident/);
  assert.match(plan('SELECT * FROM decisions WHERE time >= ? AND time < ? ORDER BY time, id', T0, T1), /USING PRIMARY KEY/);
  assert.doesNotMatch(plan('SELECT * FROM decisions WHERE time >= ? ORDER BY time, id', T0), /TEMP B-TREE/, 'no sort step');
  db.close();
});

test('decisions stay unique per (time, id): the same transaction recorded twice in one instant is refused', async () => {
  const store = await openStore(await tempConfig());
  await store.recordDecision(decision('tx-1', T0));
  await assert.rejects(store.recordDecision(decision('tx-1', T0)), /UNIQUE|PRIMARY KEY/);
  await store.recordDecision(decision('tx-1b', T0));
  assert.equal((await store.listDecisions({})).length, 2);
  await store.close();
});

test('a plain pass decision adds about one page to the WAL (the v1 layout added four: table, id, time and incident indexes)', async () => {
  const c = await tempConfig();
  const store = await openStore(c);
  const other = new Database(join(c.config.data_dir, 'postvagt.sqlite'));
  other.pragma('wal_checkpoint(TRUNCATE)');
  // A read transaction on the empty WAL keeps any checkpoint (the store's timer too) from resetting
  // the WAL under the count; WAL writers never wait for readers.
  other.exec('BEGIN');
  other.prepare('SELECT count(*) FROM decisions').get();
  const n = 60;
  const start = Date.parse(T0);
  for (let i = 0; i < n; i++) {
    await store.recordDecision(decision(`sess${i.toString(36).padStart(6, 'x')}-1`, new Date(start + i * 1000).toISOString()));
  }
  other.exec('COMMIT');
  const [{ log }] = other.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
  other.close();
  await store.close();
  // one leaf page per commit, plus the occasional page split (≈ every ten rows)
  assert.ok(log >= n, `one commit per decision: ${log} frames for ${n}`);
  assert.ok(log <= n * 1.5, `${log} WAL frames for ${n} pass decisions (v1 layout: about ${4 * n})`);
});
