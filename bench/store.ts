// Store benchmark. (1) One pass decision per transaction, as one SMTP session writes them: the
// current decisions layout against the layout before migration 3 (a separate id index, a time
// index, an incident index every row entered), same store code, same run, both databases holding
// PV_BENCH_ROWS earlier decisions (default 100000): µs and write syscalls (pwrite of WAL frames,
// from /proc/self/io) per decision. (2) Decisions per second, 1 writer against 32 concurrent ones
// sharing commits (group commit). (3) Peak RSS quarantining a 50 MB stream against a Buffer.
// Run: node --import tsx bench/store.ts   [PV_BENCH_MB=200 for a larger message]
// fcntl (SQLite's WAL locks: 6 per commit in both layouts) is only visible with strace -f.
// I/O: a temp data dir, removed at the end.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config/load.ts';
import { openStore } from '../src/store/open.ts';
import { MIGRATIONS } from '../src/store/migrations.ts';
import { decisionToRow } from '../src/store/rows.ts';
import type { DecisionRecord, Incident, Store } from '../src/store/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'pv-bench-store-'));
const loaded = await loadConfig({ env: { POSTVAGT_HMAC_KEY: 'ab'.repeat(32), POSTVAGT_QUARANTINE_KEY: 'cd'.repeat(32) }, cwd: dir });
const store = await openStore(loaded);
let seq = 0;
let clock = Date.parse('2026-11-01T06:00:00.000Z');

/** a pass decision like the gateway's: transaction id `<random session id>-<n>`, time moving on */
function decision(): DecisionRecord {
  seq++;
  const id = `${Math.random().toString(36).slice(2, 12)}-${1 + (seq % 5)}`;
  return { id, time: new Date((clock += 7)).toISOString(), listener: 'outbound', direction: 'outbound', sender: 'sagsbehandler@kommune.example', recipients: ['borger@example.dk'], action: 'pass', reply: '250 2.0.0 Ok: queued as 4dXyZ1234', findings: [], incidentId: null, size: 2048, subjectMasked: 'Mødeindkaldelse vedr. sag 2026-01234' };
}

const writeSyscalls = (): number => Number(/^syscw: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN);
const ROWS = Number(process.env.PV_BENCH_ROWS ?? 100_000);
const INSERT = `INSERT INTO decisions (id, time, listener, direction, sender, recipients, action, reply, findings, incident_id, size, subject_masked)
  VALUES (@id, @time, @listener, @direction, @sender, @recipients, @action, @reply, @findings, @incident_id, @size, @subject_masked)`;

/**
 * A data dir whose database holds ROWS decisions. `beforeV3`: migration 3 is recorded as applied
 * without running, so the store writes into the older layout through exactly the same code.
 */
async function storeWithHistory(name: string, beforeV3: boolean): Promise<Store> {
  const data = join(dir, name);
  mkdirSync(data);
  const db = new Database(join(data, 'postvagt.sqlite'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  for (const m of MIGRATIONS) {
    if (!(beforeV3 && m.version === 3)) db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
  }
  const add = db.prepare(INSERT);
  const fill = db.transaction((n: number) => { for (let i = 0; i < n; i++) add.run(decisionToRow(decision())); });
  for (let done = 0; done < ROWS; done += 10_000) fill(Math.min(10_000, ROWS - done));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return openStore({ ...loaded, config: { ...loaded.config, data_dir: data } });
}

/** sequential awaited writes: nothing to group, every decision pays a whole commit */
async function oneAtATime(s: Store, n: number): Promise<{ us: number; writes: number }> {
  for (let i = 0; i < 200; i++) await s.recordDecision(decision()); // warm-up
  const w0 = writeSyscalls();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await s.recordDecision(decision());
  const us = Number(process.hrtime.bigint() - start) / 1e3 / n;
  return { us, writes: (writeSyscalls() - w0) / n };
}

{
  const n = 5000;
  const before = await storeWithHistory('before-v3', true);
  const after = await storeWithHistory('current', false);
  // alternate, so load from other processes on the machine hits both alike
  const b: { us: number; writes: number }[] = [];
  const a: { us: number; writes: number }[] = [];
  for (let round = 0; round < 3; round++) {
    b.push(await oneAtATime(before, n));
    a.push(await oneAtATime(after, n));
  }
  await before.close();
  await after.close();
  const best = (xs: { us: number; writes: number }[]) => ({ us: Math.min(...xs.map((x) => x.us)), writes: xs[xs.length - 1].writes });
  const [B, A] = [best(b), best(a)];
  console.log(`one pass decision per transaction (one SMTP session), ${ROWS} earlier decisions in the store, best of 3 x ${n}:`);
  console.log(`  layout before migration 3 (baseline): ${B.us.toFixed(1)} µs/decision, ${B.writes.toFixed(2)} write syscalls/decision`);
  console.log(`  current layout:                       ${A.us.toFixed(1)} µs/decision, ${A.writes.toFixed(2)} write syscalls/decision`);
  console.log(`  ratio current/baseline: time ${(A.us / B.us).toFixed(2)}, write syscalls ${(A.writes / B.writes).toFixed(2)}`);
}

async function perSecond(n: number, writers: number): Promise<number> {
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: writers }, async () => {
    for (let i = 0; i < n / writers; i++) await store.recordDecision(decision());
  }));
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

await perSecond(200, 1); // warm-up
const one = await perSecond(2000, 1);
const grouped = await perSecond(2000, 32);
console.log(`decisions/s, 1 writer (one commit per decision):         ${one.toFixed(0)}`);
console.log(`decisions/s, 32 concurrent writers (group commit):    ${grouped.toFixed(0)}`);
console.log(`ratio group/single: ${(grouped / one).toFixed(2)}x`);

const SIZE = Number(process.env.PV_BENCH_MB ?? 50) * 1024 * 1024;
function message(): Readable {
  const chunk = Buffer.alloc(64 * 1024, 'Lorem ipsum dolor sit amet 0123456789\r\n');
  let sent = 0;
  return new Readable({ read() { if (sent >= SIZE) this.push(null); else { sent += chunk.length; this.push(chunk); } } });
}

async function peakRss(work: () => Promise<unknown>): Promise<number> {
  globalThis.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  await work();
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(timer);
  return (peak - base) / 1024 / 1024;
}

function incident(id: string): Incident {
  return { id, time: new Date().toISOString(), direction: 'outbound', listener: 'outbound', sender: 'a@kommune.example', recipients: ['b@example.dk'], subjectMasked: 'Sag XXXXXX-XXXX', findings: [], action: 'quarantine', reply: '250 2.0.0 held', notice: 'none', classification: 'isolated', classificationReason: 'bench', status: 'new', resolution: null };
}

const streamed = await peakRss(() => store.quarantine(incident('PV-20261129-BENCH1'), decision(), message()));
let held: Buffer[] = [];
const buffered = await peakRss(async () => {
  for await (const c of message()) held.push(Buffer.from(c as Buffer));
  const whole = Buffer.concat(held);
  held = [];
  await (store as Store).quarantine(incident('PV-20261129-BENCH2'), decision(), whole);
});
console.log(`peak RSS growth quarantining ${SIZE / 1048576} MB as a stream: ${streamed.toFixed(1)} MB (flat: try PV_BENCH_MB=200)`);
console.log(`peak RSS growth with the message held in a Buffer: ${buffered.toFixed(1)} MB (baseline)`);
console.log(`ratio stream/buffer: ${(streamed / buffered).toFixed(2)}`);
await store.close();
rmSync(dir, { recursive: true, force: true });
