// Measurement (not a test; belongs with bench/ — engineer A owns bench/audit.ts): builds N messages
// of Exchange tracking log in memory, audits them, prints rows/s, heap growth per message, and the
// ratio against a naive baseline (split lines and commas only) run in the same process.
// Run: node --expose-gc --import tsx test/audit/exchange/measure.ts [MESSAGES]
import { auditExchangeText } from '../../../src/audit/exchange/text.ts';
import { log, receive, internalId, type Row } from './rows.ts';

const N = Number(process.argv[2] ?? 100_000);
const rows: Row[] = [];
for (let i = 0; i < N; i++) {
  const id = `<m${i}@kommune.dk>`;
  const at = new Date(Date.UTC(2026, 10, 2) + i * 1000).toISOString();
  rows.push(receive(id, at, 'sb@kommune.dk', `r${i % 500}@region.dk`, `Sag ${i}, "vedr." borger`));
  rows.push({ 'date-time': at, 'event-id': 'DELIVER', 'message-id': id, 'internal-message-id': internalId(id), 'recipient-address': `r${i % 500}@region.dk`, source: 'STOREDRIVER' });
}
const text = log(rows);
const gc = (globalThis as { gc?: () => void }).gc;

const t0 = process.hrtime.bigint();
let cells = 0;
for (const line of text.split('\n')) cells += line.split(',').length;
const baseMs = Number(process.hrtime.bigint() - t0) / 1e6;

gc?.();
const heap0 = process.memoryUsage().heapUsed;
const t1 = process.hrtime.bigint();
const r = auditExchangeText(text);
const auditMs = Number(process.hrtime.bigint() - t1) / 1e6;
gc?.();
const heap1 = process.memoryUsage().heapUsed;

console.log(`messages ${N}, rows ${2 * N}, delivered ${r.messages.delivered} (baseline cells ${cells})`);
console.log(`audit:    ${auditMs.toFixed(0)} ms, ${Math.round((2 * N) / (auditMs / 1000))} rows/s`);
console.log(`baseline: ${baseMs.toFixed(0)} ms (split lines and commas only); audit/baseline = ${(auditMs / baseMs).toFixed(1)}x`);
console.log(`heap held by the result: ${((heap1 - heap0) / 1e6).toFixed(0)} MB, ${((heap1 - heap0) / N).toFixed(0)} bytes/message${gc ? '' : ' (run with --expose-gc for a stable figure)'}`);
