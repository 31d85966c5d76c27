// auditExchange over real files: several files in any order, gzip, and inputs that cannot be
// read (0-byte, a directory, missing) — each named in a warning while the rest is audited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditExchange } from '../../../src/audit/exchange/index.ts';
import { log, receive, internalId } from './rows.ts';

const GOLDEN = 'fixtures/exchange/MSGTRK2026110207-1.LOG';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'pv-exch-'));
}

test('a message split over two hourly files, given in reverse order and one gzipped, is joined', async (t) => {
  const dir = tmp();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const id = '<split@kommune.dk>';
  const a = join(dir, 'MSGTRK2026110207-1.LOG');
  const b = join(dir, 'MSGTRK2026110208-1.LOG.gz');
  writeFileSync(a, log([receive(id, '2026-11-02T07:59:59.000Z', 'a@kommune.dk', 'b@region.dk', 'Sag 010190-1234')]));
  writeFileSync(b, gzipSync(log([{ 'date-time': '2026-11-02T08:00:03.000Z', 'event-id': 'DROP', 'message-id': id, 'internal-message-id': internalId(id), 'recipient-address': 'b@region.dk' }])));
  const r = await auditExchange([b, a]);
  assert.deepEqual(r.warnings, []);
  assert.equal(r.source, 'exchange');
  assert.deepEqual(r.files, [b, a]);
  assert.equal(r.messages.silently_dropped, 1);
  assert.deepEqual(r.silent, [{ message_id: id, time: '2026-11-02T07:59:59.000Z', from: 'a@kommune.dk', to: ['b@region.dk'], reason: 'DROP (dropped without an NDR)', subject: 'Sag XXXXXX-XXXX' }]);
});

test('bad inputs (0-byte file, a directory, a missing file) are named; the good file is still audited', async (t) => {
  const dir = tmp();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const empty = join(dir, 'MSGTRK-empty.LOG');
  writeFileSync(empty, '');
  const folder = join(dir, 'a-folder');
  mkdirSync(folder);
  const missing = join(dir, 'missing.LOG');
  const r = await auditExchange([empty, folder, GOLDEN, missing]);
  assert.equal(r.messages.silently_dropped, 4, 'the golden file is fully audited');
  for (const f of [empty, folder, missing]) assert.ok(r.warnings.some((w) => w.includes(f)), `${f} named in ${r.warnings.join(' | ')}`);
});

test('a file that is not a tracking log (a Postfix log) gets a warning that says so', async (t) => {
  const dir = tmp();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, 'mail.log');
  writeFileSync(f, 'Nov  2 07:00:01 mx postfix/smtpd[123]: connect from unknown[10.0.0.5]\n');
  const r = await auditExchange([f]);
  assert.ok(r.warnings.some((w) => w.includes(f) && /no Exchange message-tracking rows found in .* — is this a MSGTRK log\?/.test(w)), r.warnings.join('\n'));
});

test('progress is reported by bytes through the shared reader', async () => {
  const seen: number[] = [];
  await auditExchange([GOLDEN], { onProgress: (p) => seen.push(p.bytesRead) });
  assert.ok(seen.length > 0);
  assert.equal(seen[seen.length - 1], readFileSync(GOLDEN).length);
});
