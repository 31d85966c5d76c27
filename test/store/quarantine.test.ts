// Quarantine and capture at rest: AES-256-GCM, inline or streamed to a file, tampering detected,
// and no raw CPR anywhere on disk after a run (every column of every table, every file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/open.ts';
import { PvError } from '../../src/errors.ts';
import { decision, incident, tempConfig, RAW } from './helpers.ts';

const T0 = '2026-11-29T08:00:00.000Z';
const T1 = '2026-11-29T09:00:00.000Z';
const MAIL = Buffer.from(`From: a@kommune.dk\r\nSubject: Sag ${RAW}\r\n\r\nBorgerens CPR: 251284-1237\r\n`);

function dbOf(dataDir: string): Database.Database {
  return new Database(join(dataDir, 'postvagt.sqlite'));
}

/** 3 MiB in 64 KiB chunks, generated lazily: never one big buffer on the producing side. */
function bigStream(): { stream: Readable; sha: string; size: number } {
  const chunk = Buffer.alloc(64 * 1024, `X-Line: ${RAW}\r\n`);
  const hash = createHash('sha256');
  for (let i = 0; i < 48; i++) hash.update(chunk);
  let n = 0;
  const stream = new Readable({
    read() {
      this.push(n++ < 48 ? chunk : null);
    },
  });
  return { stream, sha: hash.digest('hex'), size: 48 * chunk.length };
}

test('a small message is sealed inline and reads back byte-identical', async () => {
  const c = await tempConfig();
  const store = await openStore(c);
  await store.quarantine(incident('PV-20261129-QQQQQ1', T0, { action: 'quarantine' }), decision('tx-1', T0, { action: 'quarantine' }), MAIL);
  assert.deepEqual(await store.readQuarantined('PV-20261129-QQQQQ1'), MAIL);
  assert.equal(await store.readQuarantined('PV-20261129-NONE00'), null);
  await store.close();
  const row = dbOf(c.config.data_dir).prepare('SELECT * FROM quarantine').get() as Record<string, unknown>;
  assert.equal(row.file, null);
  assert.equal((row.nonce as Buffer).length, 12);
  assert.equal((row.tag as Buffer).length, 16);
  assert.match(String(row.key_id), /^[0-9a-f]{16}$/);
  assert.equal(row.size, MAIL.length);
});

test('a streamed message goes to an encrypted file with only metadata in SQLite', async () => {
  const c = await tempConfig();
  const store = await openStore(c);
  const big = bigStream();
  await store.quarantine(incident('PV-20261129-QQQQQ2', T0, { action: 'quarantine' }), decision('tx-1', T0, { action: 'quarantine' }), big.stream);
  const back = await store.readQuarantined('PV-20261129-QQQQQ2');
  assert.equal(back?.length, big.size);
  assert.equal(createHash('sha256').update(back!).digest('hex'), big.sha);
  await store.close();
  const row = dbOf(c.config.data_dir).prepare('SELECT file, ciphertext, size FROM quarantine').get() as Record<string, unknown>;
  assert.equal(row.ciphertext, null);
  assert.equal(row.size, big.size);
  const files = readdirSync(join(c.config.data_dir, 'quarantine'));
  assert.deepEqual(files, [row.file]);
  assert.equal(statSync(join(c.config.data_dir, 'quarantine', String(row.file))).mode & 0o777, 0o600);
});

test('tampering is detected: a flipped ciphertext byte, a flipped tag, a swapped row, an edited file', async () => {
  const c = await tempConfig();
  const store = await openStore(c);
  for (const id of ['PV-20261129-TAMP01', 'PV-20261129-TAMP02', 'PV-20261129-TAMP03']) {
    await store.quarantine(incident(id, T0, { action: 'quarantine' }), decision(`tx-${id}`, T0, { action: 'quarantine' }), MAIL);
  }
  const big = bigStream();
  await store.quarantine(incident('PV-20261129-TAMP04', T0, { action: 'quarantine' }), decision('tx-4', T0, { action: 'quarantine' }), big.stream);
  const db = dbOf(c.config.data_dir);
  const flip = (b: Buffer) => Buffer.from(b.map((x, i) => (i === 5 ? x ^ 1 : x)));
  const ct = db.prepare("SELECT ciphertext, tag FROM quarantine WHERE incident_id = 'PV-20261129-TAMP01'").get() as { ciphertext: Buffer; tag: Buffer };
  db.prepare("UPDATE quarantine SET ciphertext = ? WHERE incident_id = 'PV-20261129-TAMP01'").run(flip(ct.ciphertext));
  db.prepare("UPDATE quarantine SET tag = ? WHERE incident_id = 'PV-20261129-TAMP02'").run(flip(ct.tag));
  // copy row 1's original sealed bytes onto row 3: the AAD (incident id) no longer matches
  db.prepare("UPDATE quarantine SET (nonce, tag, ciphertext) = (SELECT nonce, tag, ? FROM quarantine WHERE incident_id = 'PV-20261129-TAMP01') WHERE incident_id = 'PV-20261129-TAMP03'").run(ct.ciphertext);
  const file = (db.prepare("SELECT file FROM quarantine WHERE incident_id = 'PV-20261129-TAMP04'").get() as { file: string }).file;
  db.close();
  const path = join(c.config.data_dir, 'quarantine', file);
  writeFileSync(path, flip(readFileSync(path)));
  for (const id of ['PV-20261129-TAMP01', 'PV-20261129-TAMP02', 'PV-20261129-TAMP03', 'PV-20261129-TAMP04']) {
    await assert.rejects(store.readQuarantined(id), (e: unknown) => e instanceof PvError && /integrity check/.test(e.message), id);
  }
  await store.close();
});

test('a different quarantine key is refused by key id, before any decryption attempt', async () => {
  const c = await tempConfig();
  const store = await openStore(c);
  await store.quarantine(incident('PV-20261129-KEY001', T0, { action: 'quarantine' }), decision('tx-1', T0), MAIL);
  await store.close();
  const other = await openStore({ ...c, quarantineKey: Buffer.alloc(32, 7) });
  await assert.rejects(other.readQuarantined('PV-20261129-KEY001'), /sealed with key id [0-9a-f]{16}, but the configured quarantine key has id/);
  await other.close();
});

test('key rotation: old messages stay readable with the old key listed as previous; new ones use the new key', async () => {
  const c = await tempConfig();
  const store = await openStore(c);
  await store.quarantine(incident('PV-20261129-ROT001', T0, { action: 'quarantine' }), decision('tx-1', T0), MAIL);
  const oldId = await store.capture({ sender: 'a@b', recipients: ['c@d'], raw: MAIL });
  await store.close();
  const newKey = Buffer.alloc(32, 0x5a);
  const rotated = await openStore({ ...c, quarantineKey: newKey, previousQuarantineKeys: [c.quarantineKey] });
  assert.deepEqual(await rotated.readQuarantined('PV-20261129-ROT001'), MAIL);
  assert.deepEqual(await rotated.readCaptured(oldId), MAIL);
  await rotated.quarantine(incident('PV-20261129-ROT002', T1, { action: 'quarantine' }), decision('tx-2', T1), MAIL);
  await rotated.close();
  const db = dbOf(c.config.data_dir);
  const ids = db.prepare('SELECT incident_id, key_id FROM quarantine ORDER BY incident_id').all() as { key_id: string }[];
  db.close();
  assert.notEqual(ids[0].key_id, ids[1].key_id, 'the new message is sealed with the new key');
  const newOnly = await openStore({ ...c, quarantineKey: newKey });
  await assert.rejects(newOnly.readQuarantined('PV-20261129-ROT001'), /list the old key under secrets\.previous_quarantine_key_files/);
  assert.deepEqual(await newOnly.readQuarantined('PV-20261129-ROT002'), MAIL);
  await newOnly.close();
});

test('if the rows cannot be written, the sealed file is removed and nothing is half-stored', async () => {
  const c = await tempConfig();
  const store = await openStore(c);
  await store.quarantine(incident('PV-20261129-DUP001', T0, { action: 'quarantine' }), decision('tx-1', T0), bigStream().stream);
  await assert.rejects(
    store.quarantine(incident('PV-20261129-DUP001', T0, { action: 'quarantine' }), decision('tx-2', T0), bigStream().stream),
    (e: unknown) => e instanceof PvError && e.code === 'PV_STORE_UNAVAILABLE',
  );
  assert.equal(readdirSync(join(c.config.data_dir, 'quarantine')).length, 1);
  assert.deepEqual((await store.listDecisions({})).map((d) => d.id), ['tx-1']);
  await store.close();
});

test('abandoned quarantine files (crash between sealing and commit) are swept at open; recent and referenced ones stay', async () => {
  const c = await tempConfig();
  const store = await openStore(c);
  await store.quarantine(incident('PV-20261129-KEEP01', T0, { action: 'quarantine' }), decision('tx-1', T0), bigStream().stream);
  await store.close();
  const qdir = join(c.config.data_dir, 'quarantine');
  const [kept] = readdirSync(qdir);
  const old = Date.now() / 1000 - 2 * 3600;
  for (const name of ['orphan.pvq', 'half.pvq.tmp-0a1b2c3d', 'fresh.pvq', 'notes.txt']) writeFileSync(join(qdir, name), 'x');
  for (const name of ['orphan.pvq', 'half.pvq.tmp-0a1b2c3d', 'notes.txt', kept]) utimesSync(join(qdir, name), old, old);
  const again = await openStore(c);
  assert.deepEqual(readdirSync(qdir).sort(), [kept, 'fresh.pvq', 'notes.txt'].sort());
  assert.equal((await again.readQuarantined('PV-20261129-KEEP01'))?.length, 48 * 64 * 1024);
  await again.close();
});

test('a message stream that breaks off (client gone mid-DATA) stores nothing and leaves no file', async () => {
  const c = await tempConfig();
  const store = await openStore(c);
  let n = 0;
  const broken = new Readable({
    read() {
      if (n++ < 10) this.push(Buffer.alloc(64 * 1024, 'x'));
      else this.destroy(new Error('ECONNRESET: client went away'));
    },
  });
  await assert.rejects(
    store.quarantine(incident('PV-20261129-BROKE1', T0, { action: 'quarantine' }), decision('tx-1', T0), broken),
    (e: unknown) => e instanceof PvError && e.code === 'PV_STORE_UNAVAILABLE' && /ECONNRESET/.test(e.message),
  );
  assert.deepEqual(readdirSync(join(c.config.data_dir, 'quarantine')), []);
  assert.equal(await store.getIncident('PV-20261129-BROKE1'), null);
  assert.deepEqual(await store.listDecisions({}), []);
  await store.close();
});

test('capture mailbox: sealed at rest, listed newest first, read back byte-identical', async () => {
  const store = await openStore(await tempConfig());
  const a = await store.capture({ sender: 'a@kommune.dk', recipients: ['b@example.dk'], raw: MAIL });
  const b = await store.capture({ sender: '', recipients: ['c@example.dk', 'd@example.dk'], raw: Buffer.from('Subject: hej\r\n\r\n.\r\n') });
  const list = await store.listCaptured(10);
  assert.deepEqual(list.map((m) => m.id), [b, a]);
  assert.deepEqual(list[0].recipients, ['c@example.dk', 'd@example.dk']);
  assert.equal(list[1].size, MAIL.length);
  assert.deepEqual(await store.readCaptured(a), MAIL);
  assert.equal(await store.readCaptured(999), null);
  await store.close();
});

test('no raw CPR at rest: every column of every table and every file under data_dir is free of the number', async () => {
  const c = await tempConfig();
  const store = await openStore(c);
  const inc = incident('PV-20261129-SCAN01', T0, { action: 'quarantine', notice: 'queued' });
  // decisions get HeaderFindings straight from the detector (with .digits): they must be stripped
  await store.recordDecision(decision('tx-0', T0, { findings: inc.findings }));
  await store.quarantine(inc, decision('tx-1', T0, { action: 'quarantine', findings: inc.findings }), MAIL, {
    incidentId: inc.id, envelopeFrom: '', to: 'a@kommune.dk', raw: Buffer.from('Subject: Sag XXXXXX-XXXX\r\n\r\n'),
  });
  await store.quarantine(incident('PV-20261129-SCAN02', T0), decision('tx-2', T0), bigStream().stream);
  await store.capture({ sender: 'a@kommune.dk', recipients: ['b@example.dk'], raw: MAIL });
  await store.close();
  const needles = [RAW, '251284-1237'].map((s) => Buffer.from(s));
  const db = dbOf(c.config.data_dir);
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
  assert.ok(tables.includes('decisions') && tables.includes('captured') && tables.includes('notices'));
  for (const table of tables) {
    for (const row of db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[]) {
      for (const [col, v] of Object.entries(row)) {
        const bytes = Buffer.isBuffer(v) ? v : Buffer.from(String(v));
        for (const n of needles) assert.equal(bytes.indexOf(n), -1, `${table}.${col} holds a raw CPR`);
      }
    }
  }
  db.close();
  for (const f of walk(c.config.data_dir)) {
    const bytes = readFileSync(f);
    for (const n of needles) assert.equal(bytes.indexOf(n), -1, `${f} holds a raw CPR`);
  }
});

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}
