// The pipelined audit (a worker reads and parses, this thread runs the state machine) against the
// single-threaded one: the same JSON, CSV and text reports, the same kept messages in the same order.
// I/O: temp files, a worker thread. Protects "the same report however the audit is run".
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, truncateSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { auditPostfix, usePipeline } from '../../../src/audit/postfix/index.ts';
import { runPipelined, startPipeline, type PipeStart, type PipedResult } from '../../../src/audit/postfix/pipeline.ts';
import { runPart, type PartJob, type PartResult } from '../../../src/audit/postfix/part.ts';
import { Head, parseHead } from '../../../src/audit/postfix/parse.ts';
import { packHead, unpackHead, SLOTS, STRIDE } from '../../../src/audit/postfix/pipe-format.ts';
import { formatAudit } from '../../../src/audit/report/index.ts';
import { REAL, writeReplay } from '../../support/replay.ts';
import type { InputProgress } from '../../../src/audit/input.ts';
import type { MessageFate } from '../../../src/audit/types.ts';
import type { EmitKey } from '../../../src/audit/postfix/state.ts';

const ALL = [...REAL, 'fixtures/postfix/iso-long-ids.log', 'fixtures/postfix/rollover-a.log', 'fixtures/postfix/rollover-b.log.gz'];

const dir = mkdtempSync(join(tmpdir(), 'pv-pipeline-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const replay = (n: number, name: string): string => writeReplay(join(dir, name), n);

test('a packed record gives back every field of the Head parseHead made, at any place in the batch', () => {
  const lines = [
    ...ALL.slice(0, 3).flatMap((f) => readFileSync(f, 'utf8').split('\n')),
    'Nov  1 00:00:01 mx postfix-out/smtp: 4F2C91A3B: to=<a@b.dk>, status=sent (no pid)',
    'Nov 29 17:55:00 pv-test postfix/smtpd[x]: NOQUEUE: reject: RCPT from x[1.2.3.4]: 554 5.7.1 no',
  ];
  const fields = Object.keys(new Head()).filter((k) => k !== 'buf') as (keyof Head)[];
  const sentinel = (k: keyof Head, h: Head): boolean => ((k === 'pidS' || k === 'pidE') && h.pidS < 0)
    || ((k === 'qidS' || k === 'qidE') && h.qidS === h.qidE);
  const positions = new Set(['s', 'e', 'stampS', 'stampE', 'hostS', 'hostE', 'nameS', 'nameE', 'pidS', 'pidE', 'qidS', 'qidE', 'textS']);
  let parsed = 0;
  for (const base of [0, 37]) {
    for (const line of lines) {
      // the line starts 3 bytes after where its batch's bytes begin (a line before it)
      const b = Buffer.concat([Buffer.alloc(base + 3, 120), Buffer.from(line)]);
      const h = new Head();
      if (!parseHead(b, base + 3, b.length, h)) continue;
      parsed++;
      const recs = new Int32Array(2 * STRIDE).fill(-7);
      packHead(h, base, recs, STRIDE);
      const back = new Head();
      back.buf = b.subarray(base);
      unpackHead(recs, STRIDE, back);
      for (const k of fields) {
        const want = positions.has(k) && !sentinel(k, h) ? (h[k] as number) - base : h[k];
        assert.equal(back[k], want, `${k} of ${line}`);
      }
    }
  }
  assert.ok(parsed > 400);
});

interface Run { r: PartResult; kept: [MessageFate, EmitKey][]; progress: InputProgress[] }

async function single(job: PartJob): Promise<Run> {
  const kept: [MessageFate, EmitKey][] = [];
  const progress: InputProgress[] = [];
  const r = await runPart(job, (m, k) => { kept.push([m, k]); }, (p) => progress.push({ ...p }));
  return { r, kept, progress };
}

async function piped(job: PartJob, pipe?: PipeStart): Promise<Run & { r: PipedResult }> {
  const kept: [MessageFate, EmitKey][] = [];
  const progress: InputProgress[] = [];
  const r = await runPipelined(job, (m, k) => { kept.push([m, k]); }, (p) => progress.push({ ...p }), pipe);
  return { r, kept, progress };
}

/** the same counts, lines, warnings (in order), and kept messages with the same emission keys in the same order */
function assertSame(got: Run, want: Run, what: string): void {
  assert.equal(got.r.lines, want.r.lines, `${what}: lines`);
  assert.deepEqual(got.r.warnings, want.r.warnings, `${what}: warnings`);
  assert.deepEqual(got.r.messages, want.r.messages, `${what}: message counts`);
  assert.deepEqual(got.r.recipients, want.r.recipients, `${what}: recipient counts`);
  assert.equal(got.kept.length, want.kept.length, `${what}: kept messages`);
  assert.deepEqual(got.kept, want.kept, `${what}: kept messages and their order`);
}

test('pipelined and single-threaded audits give byte-identical JSON, CSV and text on the real Postfix fixtures', async () => {
  for (const rows of ['all', 'problems', 'none'] as const) {
    const one = await auditPostfix(ALL, { year: 2026, rows, threads: 1, pipeline: false });
    const two = await auditPostfix(ALL, { year: 2026, rows, threads: 1, pipeline: true });
    for (const format of ['json', 'csv', 'text'] as const) {
      assert.equal(formatAudit(two, format), formatAudit(one, format), `rows ${rows}, ${format}`);
    }
    assert.ok(one.rows.length > 0 || rows === 'none', 'the fixtures have rows to compare');
  }
});

test('a replay of many batches: the worker really ran, and every count, warning and kept message is the same', async () => {
  const file = replay(800, 'big.log'); // ~214,000 lines: 20+ batches
  const size = readFileSync(file).length;
  for (const keep of ['all', 'problems'] as const) {
    const job: PartJob = { files: [file], year: 2026, keep };
    const one = await single(job);
    const two = await piped(job);
    assert.equal(two.r.fallback, undefined, `the pipeline fell back: ${two.r.fallback}`);
    assert.ok(two.r.batches > 20, `only ${two.r.batches} batches from the worker`);
    assert.ok(two.r.slots >= 2 && two.r.slots <= SLOTS, `${two.r.slots} batch buffers: in flight is bounded`);
    assertSame(two, one, `keep ${keep}`);
    assert.ok(one.r.lines > 210_000);
    assert.match(two.r.warnings.join('\n'), /big\.log:\d+: 400 damaged Postfix line\(s\) skipped/);
    // progress comes from the worker's reads and reaches the end of the file
    assert.deepEqual(two.progress.at(-1), { file, bytesRead: size, totalBytes: size });
  }
  const one = await auditPostfix([file], { year: 2026, rows: 'all', pipeline: false });
  const two = await auditPostfix([file], { year: 2026, rows: 'all', pipeline: true });
  for (const format of ['json', 'csv', 'text'] as const) assert.equal(formatAudit(two, format), formatAudit(one, format), format);
});

test('a damaged mix (truncated lines, random bytes, CRLF, other daemons, gzip, unreadable, empty, corrupt gzip): the same result', async () => {
  const base = replay(40, 'mix-base.log');
  const lines = readFileSync(base, 'utf8').split('\n');
  const crlf = join(dir, 'crlf.log');
  writeFileSync(crlf, lines.slice(0, 3000).map((l, i) => (i % 3 === 0 ? `${l}\r` : l)).join('\n'));
  const noisy = join(dir, 'noisy.log');
  const random = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919 + (i >> 5) * 31) & 0xff));
  writeFileSync(noisy, Buffer.concat([
    Buffer.from(lines.slice(3000, 6000).flatMap((l, i) => (i % 50 === 0 ? [l, 'Nov 29 17:55:01 pv-test dovecot[77]: imap-login: Login: user=<x>', l.slice(0, 30)] : [l])).join('\n')),
    Buffer.from('\n'), random, Buffer.from(`\n${lines.slice(6000, 9000).join('\n')}\n`),
  ]));
  // two hosts logging to one file with the same smtpd pids: sessions are told apart by host
  const hosts = join(dir, 'two-hosts.log');
  writeFileSync(hosts, `${lines.slice(0, 4000).flatMap((l) => [l, l.replace(' pv-test ', ' mx2 ').replace(/\b0([0-9A-F]{9})\b/g, 'F$1')]).join('\n')}\n`);
  const gz = join(dir, 'part.log.gz');
  writeFileSync(gz, gzipSync(`${lines.slice(9000).join('\n')}\n`));
  const corrupt = join(dir, 'corrupt.log.gz');
  const whole = gzipSync(`${lines.slice(0, 4000).join('\n')}\n`);
  writeFileSync(corrupt, whole.subarray(0, whole.length >> 1));
  const empty = join(dir, 'empty.log');
  writeFileSync(empty, '');
  const folder = join(dir, 'a-folder');
  mkdirSync(folder);
  const job: PartJob = { files: [crlf, join(dir, 'missing.log'), noisy, hosts, empty, gz, folder, corrupt, ...REAL], year: 2026, keep: 'all' };
  const one = await single(job);
  const two = await piped(job);
  assert.equal(two.r.fallback, undefined);
  assertSame(two, one, 'damaged mix');
  assert.equal(one.r.warnings.length >= 5, true, one.r.warnings.join('\n'));
  assert.match(two.r.warnings.join('\n'), /missing\.log: no such file/);
  assert.match(two.r.warnings.join('\n'), /corrupt\.log\.gz: gzip data is corrupt or truncated after line \d+/);
  const a = await auditPostfix(job.files, { year: 2026, rows: 'problems', pipeline: false });
  const b = await auditPostfix(job.files, { year: 2026, rows: 'problems', pipeline: true });
  for (const format of ['json', 'csv', 'text'] as const) assert.equal(formatAudit(b, format), formatAudit(a, format), format);
});

test('a worker that stops half-way: this thread reads on from the last batch it fed, and the result is the same', async () => {
  const file = replay(400, 'stop.log');
  const job: PartJob = { files: [REAL[0], file, REAL[1]], year: 2026, keep: 'problems' };
  const one = await single(job);
  const pipe = startPipeline();
  let seen = 0;
  const w = await pipe.worker;
  w.on('message', () => { if (++seen === 4) void w.terminate(); }); // as if the worker thread died
  const two = await piped(job, pipe);
  assert.match(two.r.fallback ?? '', /audit worker exited/);
  assert.ok(two.r.batches >= 3, `${two.r.batches} batches fed before the stop`);
  assertSame(two, one, 'stopped worker');
});

test('a worker that stops just after a file ended: this thread goes on with the next file', async () => {
  const job: PartJob = { files: [...REAL, 'fixtures/postfix/iso-long-ids.log'], year: 2026, keep: 'all' };
  const one = await single(job);
  const pipe = startPipeline();
  const w = await pipe.worker;
  let ended = false;
  // registered before runPipelined's own listener, so it sees each message first: the worker "exits"
  // when the message after the first file's end arrives, before that message is fed
  w.on('message', (m: { t: string }) => {
    if (ended) w.emit('exit', 1);
    ended ||= m.t === 'file';
  });
  const two = await piped(job, pipe);
  assert.match(two.r.fallback ?? '', /audit worker exited \(1\)/);
  assertSame(two, one, 'stopped after a file');
});

test('no worker at all (no esbuild): the same result from this thread alone', async () => {
  const job: PartJob = { files: ALL, year: 2026, keep: 'all' };
  const one = await single(job);
  const nothing: PipeStart = { worker: Promise.reject(new Error('Cannot find package esbuild')) };
  nothing.worker.catch(() => undefined);
  const two = await piped(job, nothing);
  assert.equal(two.r.batches, 0);
  assert.match(two.r.fallback ?? '', /no audit worker \(Cannot find package esbuild\)/);
  assertSame(two, one, 'no worker');
});

test('the pipeline is the default for large inputs on a machine with a second CPU; asked or POSTVAGT_AUDIT_PIPELINE wins', (t) => {
  const small = join(dir, 'small.log');
  writeFileSync(small, 'x\n');
  const large = join(dir, 'large.log');
  writeFileSync(large, '');
  truncateSync(large, 64 << 20); // sparse: 64 MiB by size, no disk
  const env = process.env.POSTVAGT_AUDIT_PIPELINE;
  t.after(() => { if (env === undefined) delete process.env.POSTVAGT_AUDIT_PIPELINE; else process.env.POSTVAGT_AUDIT_PIPELINE = env; });
  delete process.env.POSTVAGT_AUDIT_PIPELINE;
  assert.equal(usePipeline(undefined, [small]), false);
  assert.equal(usePipeline(undefined, [small, join(dir, 'missing.log')]), false);
  assert.equal(usePipeline(undefined, [large]), availableParallelism() >= 2);
  assert.equal(usePipeline(false, [large]), false);
  assert.equal(usePipeline(true, [small]), true);
  process.env.POSTVAGT_AUDIT_PIPELINE = '0';
  assert.equal(usePipeline(undefined, [large]), false);
  process.env.POSTVAGT_AUDIT_PIPELINE = '1';
  assert.equal(usePipeline(undefined, [small]), true);
});
