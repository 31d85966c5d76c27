// `postvagt audit exchange` through the real dispatcher (engineer A's CLI loads this module
// lazily): JSON contract, --fail-on-find, and a corrupt .gz named with exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli.ts';
import { FATES } from '../../../src/audit/types.ts';
import { fakeIO } from '../../support/cli-io.ts';


const LOG = 'fixtures/exchange/MSGTRK2026110207-1.LOG';

test('--format json: the DESIGN contract (all ten fates in order, silent items with message_id)', async () => {
  const io = fakeIO();
  assert.equal(await main(['audit', 'exchange', LOG, '--format', 'json'], io), 0, io.err());
  const j = JSON.parse(io.out());
  assert.deepEqual(Object.keys(j.messages), [...FATES]);
  assert.deepEqual(Object.keys(j.recipients), [...FATES]);
  assert.equal(j.messages.silently_dropped, 4);
  for (const s of j.silent) {
    assert.equal(typeof s.message_id, 'string');
    assert.equal(s.queue_id, undefined);
    for (const k of ['time', 'from', 'to', 'reason']) assert.ok(k in s, k);
  }
  assert.doesNotMatch(io.out(), /010190-?1234/);
});

test('--fail-on-find exits 1 when mail was lost without notice', async () => {
  const io = fakeIO();
  assert.equal(await main(['audit', 'exchange', LOG, '--fail-on-find'], io), 1);
  assert.match(io.out(), /Silently dropped: 4 message/);
});

test('a truncated .gz is named on stderr with exit 2; the other file is still audited', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pv-exch-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const gz = gzipSync(readFileSync(LOG));
  const bad = join(dir, 'MSGTRK2026110208-1.LOG.gz');
  writeFileSync(bad, gz.subarray(0, Math.floor(gz.length / 2)));
  const io = fakeIO();
  assert.equal(await main(['audit', 'exchange', bad, LOG, '--format', 'json'], io), 2);
  assert.match(io.err(), new RegExp(`${bad.replaceAll('.', '\\.')}.*PV_INPUT_UNREADABLE`));
  assert.ok(JSON.parse(io.out()).messages.silently_dropped >= 4);
});

test('a file that is no message-tracking log at all is bad input: named, exit 2', async () => {
  const io = fakeIO();
  assert.equal(await main(['audit', 'exchange', 'package.json'], io), 2);
  assert.match(io.err(), /no Exchange message-tracking rows found in package\.json — is this a MSGTRK log\? .*\[PV_INPUT_FORMAT\]/);
  assert.equal(io.out(), '', 'no report of zeros when nothing was audited');
  assert.equal(io.err().split('\n').filter(Boolean).length, 2, 'one line for the file (not one per skipped row) and the verdict');
  assert.match(io.err(), /error: nothing was audited \(no input was a readable Exchange message-tracking log\), so there is no report/);
});

test('nothing readable (a missing file, a directory): only the error lines, no report, exit 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pv-exch-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const input of [join(dir, 'missing.LOG'), dir]) {
    for (const format of ['text', 'json', 'html']) {
      const io = fakeIO();
      assert.equal(await main(['audit', 'exchange', input, '--format', format], io), 2);
      assert.equal(io.out(), '');
      assert.match(io.err(), /PV_INPUT_UNREADABLE\]\n.*error: nothing was audited/);
    }
  }
  const mixed = fakeIO();
  assert.equal(await main(['audit', 'exchange', 'package.json', LOG, '--format', 'json'], mixed), 2);
  assert.deepEqual(JSON.parse(mixed.out()).files, [LOG], 'the report names only the audited file');
});
