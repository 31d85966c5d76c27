// The parallel audit (worker threads, each following the queue ids of its shards) against the
// single-threaded one on logs written by a real Postfix 3.7: the full JSON and CSV must be the same.
// I/O: temp files, worker threads. Protects "the same report whatever the number of threads".
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditPostfix } from '../../../src/audit/postfix/index.ts';
import { runParallel } from '../../../src/audit/postfix/parallel.ts';
import { runPart, type PartJob } from '../../../src/audit/postfix/part.ts';
import { formatAudit } from '../../../src/audit/report/index.ts';
import { REAL, writeReplay } from '../../support/replay.ts';
import type { MessageFate } from '../../../src/audit/types.ts';
import type { EmitKey } from '../../../src/audit/postfix/state.ts';

const ALL = [...REAL, 'fixtures/postfix/iso-long-ids.log', 'fixtures/postfix/rollover-a.log', 'fixtures/postfix/rollover-b.log.gz'];

const dir = mkdtempSync(join(tmpdir(), 'pv-parallel-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const replay = (n: number): string => writeReplay(join(dir, `mail-${n}.log`), n);

test('threads 1, 2 and 3 give the same JSON and CSV on the real Postfix fixture logs', async () => {
  for (const rows of ['all', 'problems', 'none'] as const) {
    const one = await auditPostfix(ALL, { year: 2026, rows, threads: 1 });
    for (const threads of [2, 3]) {
      const many = await auditPostfix(ALL, { year: 2026, rows, threads });
      assert.equal(formatAudit(many, 'json'), formatAudit(one, 'json'), `rows ${rows}, ${threads} threads`);
      assert.equal(formatAudit(many, 'csv'), formatAudit(one, 'csv'), `rows ${rows}, ${threads} threads`);
    }
  }
});

test('a replay of 40 interleaved copies: the same report with 1 and 2 threads, and the silent cases all found', async () => {
  const file = replay(40);
  const one = await auditPostfix([file], { year: 2026, rows: 'all', threads: 1 });
  const two = await auditPostfix([file], { year: 2026, rows: 'all', threads: 2 });
  assert.equal(formatAudit(two, 'json'), formatAudit(one, 'json'));
  assert.equal(formatAudit(two, 'text'), formatAudit(one, 'text'));
  // 40 copies of the fixtures' silent losses (5 + the e2e log's), not deduplicated or lost across threads
  const single = await auditPostfix(REAL, { year: 2026, rows: 'all', threads: 1 });
  assert.equal(two.silent.length, 40 * single.silent.length);
  assert.equal(two.messages.rejected_in_smtp, 40 * single.messages.rejected_in_smtp);
  assert.match(two.warnings.join('\n'), /damaged Postfix line/);
});

test('the parallel path really runs in worker threads and merges into single-threaded emission order', async () => {
  const job: PartJob = { files: [replay(40)], year: 2026, keep: 'all' }; // more than one batch per worker
  const prepared = new Set<MessageFate>();
  const whole: [MessageFate, EmitKey][] = [];
  const single = await runPart(job, (m, k) => { whole.push([m, k]); });
  const seen: [MessageFate, EmitKey][] = [];
  const par = await runParallel(job, 2, (m) => { prepared.add(m); return m; }, (m) => { seen.push([m, [0, 0, 0]]); });
  assert.ok(par, 'runParallel fell back instead of running two parts');
  assert.equal(prepared.size, whole.length);
  assert.deepEqual(seen.map(([m]) => m), whole.map(([m]) => m));
  assert.deepEqual(par.messages, single.messages);
  assert.deepEqual(par.recipients, single.recipients);
  assert.equal(par.lines, single.lines);
  // keys ascend strictly in single-threaded emission: no two emissions share a place
  for (let i = 1; i < whole.length; i++) {
    const [a, b] = [whole[i - 1][1], whole[i][1]];
    assert.ok(a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2]))), `${a} before ${b}`);
  }
});
