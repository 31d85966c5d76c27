// Store benchmark: (1) decisions per second written one at a time (one COMMIT + fsync each)
// against 32 concurrent writers sharing commits (group commit), same store, same run; (2) peak
// resident memory while quarantining a 50 MB message as a stream, against holding it in a Buffer.
// Run: node --import tsx bench/store.ts   [PV_BENCH_MB=200 for a larger message]
// I/O: a temp data dir, removed at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { loadConfig } from '../src/config/load.ts';
import { openStore } from '../src/store/open.ts';
import type { DecisionRecord, Incident, Store } from '../src/store/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'pv-bench-store-'));
const loaded = await loadConfig({ env: { POSTVAGT_HMAC_KEY: 'ab'.repeat(32), POSTVAGT_QUARANTINE_KEY: 'cd'.repeat(32) }, cwd: dir });
const store = await openStore(loaded);
let seq = 0;

function decision(): DecisionRecord {
  seq++;
  return { id: `tx-${seq}`, time: new Date().toISOString(), listener: 'outbound', direction: 'outbound', sender: 'a@kommune.example', recipients: ['b@example.dk'], action: 'pass', reply: '250 2.0.0 OK', findings: [], incidentId: null, size: 2048, subjectMasked: 'Mødeindkaldelse' };
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
console.log(`decisions/s, 1 writer (one commit+fsync per decision): ${one.toFixed(0)}`);
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
