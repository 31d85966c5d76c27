// The SQLite store on real files: records, filters, notices, users, append-only decisions,
// failures surfacing as PV_STORE_UNAVAILABLE, crash safety (SIGKILL without close, reopen).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/open.ts';
import { PvError } from '../../src/errors.ts';
import type { NoticeDraft } from '../../src/store/types.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { decision, incident, tempConfig, H_KEY, Q_KEY } from './helpers.ts';

const T0 = '2026-11-29T08:00:00.000Z';
const T1 = '2026-11-29T09:00:00.000Z';
const T2 = '2026-11-29T10:00:00.000Z';

function notice(incidentId: string): NoticeDraft {
  return { incidentId, envelopeFrom: '', to: 'sagsbehandler@kommune.dk', raw: Buffer.from('Subject: Ikke afsendt\r\n\r\nSag XXXXXX-XXXX\r\n') };
}

test('decisions and incidents round-trip; incidents come newest first and filter by status, classification, direction, since', async () => {
  const store = await openStore(await tempConfig());
  await store.recordDecision(decision('tx-1', T0));
  await store.recordIncident(incident('PV-20261129-AAAAAA', T0), decision('tx-2', T0, { action: 'reject', incidentId: 'PV-20261129-AAAAAA' }));
  await store.recordIncident(incident('PV-20261129-BBBBBB', T2, { direction: 'inbound', action: 'redact', classification: 'systemic' }), decision('tx-3', T2, { action: 'redact' }));
  await store.recordIncident(incident('PV-20261129-CCCCCC', T1, { status: 'resolved', resolution: 'resent' }), decision('tx-4', T1, { action: 'reject' }));
  const all = await store.listIncidents({});
  assert.deepEqual(all.map((i) => i.id), ['PV-20261129-BBBBBB', 'PV-20261129-CCCCCC', 'PV-20261129-AAAAAA']);
  assert.deepEqual(all[2].findings, [{ header: 'Subject', masked: 'XXXXXX-XXXX', fingerprint: 'f'.repeat(64), kind: 'cpr' }]);
  assert.deepEqual((await store.listIncidents({ status: 'resolved' })).map((i) => i.id), ['PV-20261129-CCCCCC']);
  assert.deepEqual((await store.listIncidents({ classification: 'systemic' })).map((i) => i.id), ['PV-20261129-BBBBBB']);
  assert.deepEqual((await store.listIncidents({ direction: 'outbound', since: T1 })).map((i) => i.id), ['PV-20261129-CCCCCC']);
  assert.equal((await store.listIncidents({ limit: 1 })).length, 1);
  const got = await store.getIncident('PV-20261129-CCCCCC');
  assert.equal(got?.resolution, 'resent');
  assert.equal(await store.getIncident('PV-20261129-ZZZZZZ'), null);
  const ds = await store.listDecisions({});
  assert.deepEqual(ds.map((d) => d.id), ['tx-1', 'tx-2', 'tx-4', 'tx-3'], 'oldest first');
  assert.equal(ds[1].incidentId, 'PV-20261129-AAAAAA');
  assert.deepEqual((await store.listDecisions({ since: T1, until: T2 })).map((d) => d.id), ['tx-4']);
  await store.close();
});

test('updateIncident changes only the given fields; an unknown id is an error, not a silent no-op', async () => {
  const store = await openStore(await tempConfig());
  await store.recordIncident(incident('PV-20261129-AAAAAA', T0), decision('tx-1', T0));
  await store.updateIncident('PV-20261129-AAAAAA', { status: 'resolved', resolution: 'false-positive', classificationReason: 'phone number' });
  const i = await store.getIncident('PV-20261129-AAAAAA');
  assert.equal(i?.status, 'resolved');
  assert.equal(i?.resolution, 'false-positive');
  assert.equal(i?.classificationReason, 'phone number');
  assert.equal(i?.classification, 'isolated');
  await assert.rejects(store.updateIncident('PV-20261129-NOPE00', { status: 'reviewed' }), /no incident with id/);
  await store.close();
});

test('an incident and its decision are written together: a failing decision leaves no incident behind', async () => {
  const store = await openStore(await tempConfig());
  await store.recordDecision(decision('tx-dup', T0));
  await assert.rejects(
    store.recordIncident(incident('PV-20261129-AAAAAA', T0), decision('tx-dup', T0), notice('PV-20261129-AAAAAA')),
    (e: unknown) => e instanceof PvError && e.code === 'PV_STORE_UNAVAILABLE',
  );
  assert.equal(await store.getIncident('PV-20261129-AAAAAA'), null);
  assert.deepEqual(await store.dueNotices(10), []);
  await store.close();
});

test('decisions are append-only: no UPDATE or DELETE on them in any store source, and the database refuses both', async () => {
  const srcDir = new URL('../../src/store/', import.meta.url).pathname;
  for (const f of readdirSync(srcDir).filter((n) => n.endsWith('.ts'))) {
    const text = readFileSync(join(srcDir, f), 'utf8');
    assert.doesNotMatch(text, /UPDATE\s+decisions\b/i, f);
    assert.doesNotMatch(text, /DELETE\s+FROM\s+decisions\b/i, f);
    assert.doesNotMatch(text, /REPLACE\s+INTO\s+decisions\b/i, f);
  }
  // the one DROP is migration 3's rebuild, which copies every row first (decisions-layout.test.ts)
  const drops = MIGRATIONS.filter((m) => /DROP\s+TABLE\s+decisions\b/i.test(m.sql));
  assert.deepEqual(drops.map((m) => m.version), [3]);
  assert.match(drops[0].sql, /INSERT INTO decisions_v3 \([^)]*\)\s+SELECT [^;]* FROM decisions ORDER BY time, id;\s+DROP TABLE decisions;/);
  const c = await tempConfig();
  const store = await openStore(c);
  await store.recordDecision(decision('tx-1', T0));
  await store.close();
  const db = new Database(join(c.config.data_dir, 'postvagt.sqlite'));
  assert.throws(() => db.prepare("UPDATE decisions SET action = 'pass'").run(), /append-only/);
  assert.throws(() => db.prepare('DELETE FROM decisions').run(), /append-only/);
  db.close();
});

test('notices: queued with the incident, retried with backoff, then sent or finally failed (incident notice status follows)', async () => {
  let now = new Date(T0);
  const store = await openStore(await tempConfig(), { clock: () => now });
  await store.recordIncident(incident('PV-20261129-AAAAAA', T0, { notice: 'queued' }), decision('tx-1', T0), notice('PV-20261129-AAAAAA'));
  await store.recordIncident(incident('PV-20261129-BBBBBB', T0, { notice: 'queued' }), decision('tx-2', T0), notice('PV-20261129-BBBBBB'));
  const due = await store.dueNotices(10);
  assert.equal(due.length, 2);
  assert.equal(due[0].envelopeFrom, '');
  assert.equal(due[0].raw.toString(), notice('x').raw.toString());
  await store.markNotice(due[0].id, { ok: false, error: '421 4.4.2 try later', final: false });
  assert.deepEqual((await store.dueNotices(10)).map((n) => n.id), [due[1].id], 'not due again before its backoff');
  now = new Date(Date.parse(T0) + 61_000);
  const again = await store.dueNotices(10);
  assert.equal(again.find((n) => n.id === due[0].id)?.attempts, 1);
  assert.equal(again.find((n) => n.id === due[0].id)?.lastError, '421 4.4.2 try later');
  await store.markNotice(due[0].id, { ok: true });
  await store.markNotice(due[1].id, { ok: false, error: '550 5.1.1 no such user', final: true });
  assert.deepEqual(await store.dueNotices(10), []);
  assert.equal((await store.getIncident('PV-20261129-AAAAAA'))?.notice, 'sent');
  assert.equal((await store.getIncident('PV-20261129-BBBBBB'))?.notice, 'failed');
  await store.close();
});

test('dashboard users: created, read, refused twice, replaced on request', async () => {
  const store = await openStore(await tempConfig());
  assert.equal(await store.addUser({ name: 'anna', passwordHash: 'scrypt$1', createdAt: T0 }), 'created');
  await assert.rejects(store.addUser({ name: 'anna', passwordHash: 'scrypt$2', createdAt: T1 }), /already exists/);
  assert.equal((await store.getUser('anna'))?.passwordHash, 'scrypt$1');
  assert.equal(await store.addUser({ name: 'anna', passwordHash: 'scrypt$3', createdAt: T1 }, { replace: true }), 'replaced');
  assert.equal((await store.getUser('anna'))?.passwordHash, 'scrypt$3');
  assert.equal(await store.getUser('bo'), null);
  await store.close();
});

test('a closed store answers PV_STORE_UNAVAILABLE on every call (the gateway turns it into 4xx)', async () => {
  const store = await openStore(await tempConfig());
  await store.close();
  const calls: [string, () => Promise<unknown>][] = [
    ['ping', () => store.ping()],
    ['recordDecision', () => store.recordDecision(decision('tx-1', T0))],
    ['recordIncident', () => store.recordIncident(incident('PV-20261129-AAAAAA', T0), decision('tx-2', T0))],
    ['quarantine', () => store.quarantine(incident('PV-20261129-BBBBBB', T0), decision('tx-3', T0), Buffer.from('x'))],
    ['dueNotices', () => store.dueNotices(1)],
    ['capture', () => store.capture({ sender: 'a@b', recipients: ['c@d'], raw: Buffer.from('x') })],
    ['listIncidents', () => store.listIncidents({})],
  ];
  for (const [name, call] of calls) {
    await assert.rejects(call(), (e: unknown) => e instanceof PvError && e.code === 'PV_STORE_UNAVAILABLE', name);
  }
});

test('a database locked by another writer (a maintenance script) is PV_STORE_UNAVAILABLE, then works again', async () => {
  const c = await tempConfig();
  const store = await openStore(c, { busyTimeoutMs: 50 });
  await store.recordDecision(decision('tx-1', T0));
  const other = new Database(join(c.config.data_dir, 'postvagt.sqlite'));
  other.exec('BEGIN IMMEDIATE');
  await assert.rejects(
    store.recordIncident(incident('PV-20261129-LOCK01', T0), decision('tx-2', T0)),
    (e: unknown) => e instanceof PvError && e.code === 'PV_STORE_UNAVAILABLE' && /SQLITE_BUSY/.test(e.message),
  );
  other.exec('ROLLBACK');
  other.close();
  await store.recordIncident(incident('PV-20261129-LOCK01', T0), decision('tx-2', T0));
  assert.deepEqual((await store.listDecisions({})).map((d) => d.id), ['tx-1', 'tx-2']);
  await store.close();
});

test('a data dir that cannot be created is PV_STORE_UNAVAILABLE at open', async () => {
  const c = await tempConfig();
  mkdirSync(c.config.data_dir, { recursive: true });
  const blocker = join(c.config.data_dir, 'not-a-dir');
  writeFileSync(blocker, 'x');
  const bad = { ...c, config: { ...c.config, store: { kind: 'sqlite' as const, path: join(blocker, 'db.sqlite') } } };
  await assert.rejects(openStore(bad), (e: unknown) => e instanceof PvError && e.code === 'PV_STORE_UNAVAILABLE');
});

test('postgres is refused with a clear message, not silently replaced by SQLite', async () => {
  const c = await tempConfig({ POSTVAGT_STORE: 'postgres://pv@db/pv' });
  await assert.rejects(openStore(c), /postgres is not available yet/);
});

test('migrations run once: reopening keeps the data and the migration table has one row per version', async () => {
  const c = await tempConfig();
  const a = await openStore(c);
  await a.recordDecision(decision('tx-1', T0));
  await a.close();
  const b = await openStore(c);
  assert.equal((await b.listDecisions({})).length, 1);
  await b.close();
  const db = new Database(join(c.config.data_dir, 'postvagt.sqlite'), { readonly: true });
  assert.deepEqual(db.prepare('SELECT version FROM schema_migrations ORDER BY version').all(), MIGRATIONS.map((m) => ({ version: m.version })));
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
});

test('crash safety: what resolved before a SIGKILL (no close, no cleanup) is there after reopening', async () => {
  const c = await tempConfig();
  const child = spawnSync(process.execPath, ['--import', 'tsx', new URL('./crash-writer.ts', import.meta.url).pathname, dirname(c.config.data_dir)], {
    encoding: 'utf8',
    env: { ...process.env, POSTVAGT_HMAC_KEY: H_KEY, POSTVAGT_QUARANTINE_KEY: Q_KEY },
  });
  assert.equal(child.stdout.trim(), 'written', child.stderr);
  assert.equal(child.signal, 'SIGKILL');
  const store = await openStore(c);
  assert.deepEqual((await store.listDecisions({})).map((d) => d.id), ['tx-crash-1', 'tx-crash-2']);
  assert.equal((await store.getIncident('PV-20261129-CRASH1'))?.action, 'quarantine');
  assert.deepEqual(await store.readQuarantined('PV-20261129-CRASH1'), Buffer.alloc(400_000, 'q'));
  await store.close();
});

test('group commit: concurrent writes share transactions, a failing one fails alone, all others are durable', async () => {
  const c = await tempConfig();
  const store = await openStore(c);
  await store.recordDecision(decision('tx-taken', T0));
  const writes = Array.from({ length: 300 }, (_, i) => store.recordDecision(decision(i === 150 ? 'tx-taken' : `tx-${i}`, T0)));
  const results = await Promise.allSettled(writes);
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
  assert.deepEqual(failed, [150]);
  assert.ok((results[150] as PromiseRejectedResult).reason instanceof PvError);
  // queued but not yet committed when close() is called: close lets them commit first
  const late = store.recordIncident(incident('PV-20261129-LATE01', T1), decision('tx-late', T1));
  await store.close();
  await late;
  const again = await openStore(c);
  assert.equal((await again.listDecisions({})).length, 1 + 299 + 1);
  assert.equal((await again.getIncident('PV-20261129-LATE01'))?.id, 'PV-20261129-LATE01');
  await again.close();
});

test('listIncidents returns each incident with its own findings in order (several, one, none)', async () => {
  const store = await openStore(await tempConfig());
  const two = [
    { header: 'Subject', masked: 'XXXXXX-XXXX', fingerprint: 'a'.repeat(64), kind: 'cpr' as const },
    { header: 'To', masked: 'XXXXXX-XXXX', fingerprint: 'b'.repeat(64), kind: 'replacement' as const },
  ];
  await store.recordIncident(incident('PV-20261129-TWO001', T1, { findings: two }), decision('tx-1', T1));
  await store.recordIncident(incident('PV-20261129-ONE001', T0), decision('tx-2', T0));
  await store.recordIncident(incident('PV-20261129-NONE01', T2, { findings: [], action: 'upstream-fail' }), decision('tx-3', T2));
  const list = await store.listIncidents({});
  assert.deepEqual(list.map((i) => [i.id, i.findings.map((f) => f.fingerprint[0])]), [
    ['PV-20261129-NONE01', []],
    ['PV-20261129-TWO001', ['a', 'b']],
    ['PV-20261129-ONE001', ['f']],
  ]);
  assert.deepEqual((await store.listIncidents({ limit: 1, since: T0, direction: 'outbound' }))[0].findings, []);
  await store.close();
});

test('a database from an older version is migrated forward, keeping its rows', async () => {
  const c = await tempConfig();
  mkdirSync(c.config.data_dir, { recursive: true });
  const db = new Database(join(c.config.data_dir, 'postvagt.sqlite'));
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  db.exec(MIGRATIONS[0].sql);
  db.prepare('INSERT INTO schema_migrations VALUES (1, ?, ?)').run(MIGRATIONS[0].name, T0);
  db.prepare('INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, ?)').run('anna', 'scrypt$old', T0);
  db.close();
  const store = await openStore(c);
  assert.deepEqual(await store.getUser('anna'), { name: 'anna', passwordHash: 'scrypt$old', createdAt: T0, kind: 'dashboard' });
  assert.equal(await store.addUser({ name: 'relay', passwordHash: 'scrypt$x', createdAt: T1, kind: 'smtp' }), 'created');
  assert.equal((await store.getUser('relay'))?.kind, 'smtp');
  await store.close();
});
