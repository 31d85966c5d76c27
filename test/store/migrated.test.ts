// Opening a database tells the caller when the schema was created or upgraded (serve logs it as
// store.migrated, the other commands say it on stderr), and stays quiet when nothing changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/open.ts';
import { MIGRATIONS, type Migrated } from '../../src/store/migrations.ts';
import { migratedNotice } from '../../src/cli/existing-store.ts';
import { tempConfig } from './helpers.ts';

const LATEST = Math.max(...MIGRATIONS.map((m) => m.version));

test('a new database reports from 0; reopening reports nothing', async () => {
  const c = await tempConfig();
  const seen: Migrated[] = [];
  await (await openStore(c, { onMigrated: (m) => seen.push(m) })).close();
  await (await openStore(c, { onMigrated: (m) => seen.push(m) })).close();
  assert.equal(seen.length, 1);
  assert.deepEqual({ from: seen[0].from, to: seen[0].to, n: seen[0].names.length }, { from: 0, to: LATEST, n: MIGRATIONS.length });
});

test('a version-2 database reports the upgrade to the latest version by name', async () => {
  const c = await tempConfig();
  mkdirSync(c.config.data_dir, { recursive: true });
  const db = new Database(join(c.config.data_dir, 'postvagt.sqlite'));
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  for (const m of MIGRATIONS.filter((x) => x.version <= 2)) {
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, '2026-11-01T00:00:00.000Z');
  }
  db.close();
  const seen: Migrated[] = [];
  await (await openStore(c, { onMigrated: (m) => seen.push(m) })).close();
  assert.deepEqual(seen, [{ from: 2, to: LATEST, names: MIGRATIONS.filter((m) => m.version > 2).map((m) => m.name) }]);
});

test('the CLI says an upgrade on stderr, and says nothing for a new database', () => {
  let err = '';
  const say = migratedNotice({ stderr: { write: (s: string) => ((err += s), true) } as unknown as Parameters<typeof migratedNotice>[0]["stderr"] });
  say({ from: 0, to: 3, names: ['a', 'b', 'c'] });
  assert.equal(err, '');
  say({ from: 2, to: 3, names: ['decisions clustered'] });
  assert.match(err, /^postvagt: upgraded the database from schema version 2 to 3 \(decisions clustered\)\n$/);
});
