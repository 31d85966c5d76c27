// The streaming line reader (src/audit/input.ts): plain and gzip by magic bytes, CRLF, chunk
// boundaries, and clear errors. I/O: temp files. Protects "bad input → precise message naming the file".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readLines, type InputProgress } from '../../../src/audit/input.ts';
import { PvError } from '../../../src/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'pv-input-'));
async function collect(file: string, onProgress?: (p: InputProgress) => void): Promise<string[]> {
  const out: string[] = [];
  for await (const l of readLines(file, onProgress)) out.push(l);
  return out;
}

test('plain file: CRLF stripped, last line without LF kept, UTF-8 across chunk boundaries intact', async () => {
  // 5 lines of 600 KB: the multi-byte chars straddle the 1 MiB read chunks
  const long = Array.from({ length: 5 }, (_, i) => `${i}${'æøå'.repeat(100_000)}`);
  const f = join(dir, 'plain.log');
  writeFileSync(f, `one\r\ntwo\n${long.join('\n')}\nlast`);
  const got = await collect(f);
  assert.equal(got.length, 8);
  assert.deepEqual([got[0], got[1], got[7]], ['one', 'two', 'last']);
  assert.ok(got.slice(2, 7).every((l, i) => l === long[i]), 'long lines intact');
});

test('gzip is recognised by its magic bytes, not its name; progress reports bytes of the file', async () => {
  const f = join(dir, 'rotated.1'); // no .gz suffix
  const text = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n') + '\n';
  const gz = gzipSync(text);
  writeFileSync(f, gz);
  const seen: InputProgress[] = [];
  const lines = await collect(f, (p) => seen.push(p));
  assert.equal(lines.length, 5000);
  assert.equal(lines[4999], 'line 4999');
  assert.equal(seen.at(-1)?.bytesRead, gz.length);
  assert.equal(seen.at(-1)?.totalBytes, gz.length);
});

test('truncated gzip: PV_INPUT_UNREADABLE naming the file, after the lines that could be read', async () => {
  const f = join(dir, 'cut.gz');
  const gz = gzipSync(Buffer.alloc(3 << 20, 'abcdefgh\n'));
  writeFileSync(f, gz.subarray(0, gz.length >> 1));
  const got: string[] = [];
  await assert.rejects(async () => { for await (const l of readLines(f)) got.push(l); },
    (e: unknown) => e instanceof PvError && e.code === 'PV_INPUT_UNREADABLE' && e.file === f && /corrupt or truncated/.test(e.message));
  assert.ok(got.length > 0);
});

test('missing file and directory: PV_INPUT_UNREADABLE with a reason a person understands', async () => {
  await assert.rejects(collect(join(dir, 'nope.log')), (e: unknown) => e instanceof PvError && e.code === 'PV_INPUT_UNREADABLE' && /no such file/.test(e.message));
  mkdirSync(join(dir, 'sub'));
  await assert.rejects(collect(join(dir, 'sub')), (e: unknown) => e instanceof PvError && /is a directory/.test(e.message));
});

test('0-byte file yields no lines', async () => {
  const f = join(dir, 'empty.log');
  writeFileSync(f, '');
  assert.deepEqual(await collect(f), []);
});
