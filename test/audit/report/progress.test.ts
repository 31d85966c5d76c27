// The progress bar (src/audit/progress.ts): drawn on a terminal only, throttled, cleared at the end.
// No I/O beyond a fake stream. Protects clean stderr/stdout in pipes and cron jobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { progressBar } from '../../../src/audit/progress.ts';

function stream(isTTY: boolean) {
  const s = Object.assign(new PassThrough(), { isTTY });
  let out = '';
  s.on('data', (c) => (out += c));
  return { s, out: () => out };
}

test('not a terminal: no progress output at all', async () => {
  const { s, out } = stream(false);
  const bar = progressBar(s);
  assert.equal(bar.onProgress, undefined);
  bar.done();
  await new Promise((r) => setImmediate(r));
  assert.equal(out(), '');
});

test('terminal: draws percent and file, at most every 200 ms, always the final 100 %, then clears', async () => {
  const { s, out } = stream(true);
  let now = 0;
  const bar = progressBar(s, () => now);
  bar.onProgress?.({ file: 'mail.log', bytesRead: 10, totalBytes: 100 });
  now = 50;
  bar.onProgress?.({ file: 'mail.log', bytesRead: 20, totalBytes: 100 }); // throttled
  now = 100;
  bar.onProgress?.({ file: 'mail.log', bytesRead: 100, totalBytes: 100 }); // final: always drawn
  bar.done();
  await new Promise((r) => setImmediate(r)); // the stream delivers on the next tick
  const frames = out().split('\r').filter(Boolean);
  assert.equal(frames.length, 3);
  assert.match(frames[0], /\[###\.{27}\] {2}10% mail\.log/);
  assert.match(frames[1], /100% mail\.log/);
  assert.equal(frames[2], '\x1b[K');
});
