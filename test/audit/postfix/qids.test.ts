// The queue-id table on its own: entries stay findable across growth, finished ones are kept for
// late lines until 256 more of their shard finish, reused slots are not mistaken for old ones. No I/O.
// Protects "memory bounded by open queue ids" and the late-line rule the state machine relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Head, parseHead } from '../../../src/audit/postfix/parse.ts';
import { QidTable, SHARDS, FAST, SLOW, CLOSED, FREE } from '../../../src/audit/postfix/qids.ts';

/** a parsed line naming queue id `qid` */
function head(qid: string): Head {
  const h = new Head();
  const b = Buffer.from(`Nov 29 10:00:00 mx postfix/qmgr[1]: ${qid}: removed`);
  assert.ok(parseHead(b, 0, b.length, h));
  return h;
}
const qid = (i: number) => (0x1000000000 + i).toString(16).toUpperCase();

test('thousands of open ids stay findable while the table grows; each keeps its own text and first line', () => {
  const t = new QidTable(4);
  const ids: number[] = [];
  for (let i = 0; i < 5000; i++) ids.push(t.add(head(qid(i)), i % 2 === 0 ? FAST : SLOW, i + 1));
  assert.equal(t.size, 5000);
  assert.ok(t.capacity >= 5000);
  for (let i = 0; i < 5000; i++) {
    const id = t.find(head(qid(i)));
    assert.equal(id, ids[i], qid(i));
    assert.equal(t.qid(id), qid(i));
    assert.equal(t.seq[id], i + 1);
  }
  assert.equal(t.find(head(qid(5000))), -1);
  assert.deepEqual(t.openIds(), ids);
});

test('a finished id stays findable (closed) until 256 more of its shard have finished, then its slot is reused', () => {
  const t = new QidTable(8);
  const first = t.add(head(qid(0)), SLOW, 1);
  const shard = t.hash[first] % SHARDS;
  t.close(first);
  assert.equal(t.kind[t.find(head(qid(0)))], CLOSED);
  assert.equal(t.size, 0);
  // finish 256 more messages of the same shard: the first one leaves the table
  let n = 0;
  for (let i = 1; n < 256; i++) {
    const id = t.add(head(qid(i)), FAST, i + 1);
    if (t.hash[id] % SHARDS !== shard) continue;
    t.close(id);
    n++;
    assert.equal(t.find(head(qid(0))) >= 0, n < 256, `after ${n}`);
  }
  assert.equal(t.kind[first], FREE);
});

test('an id removed early (reused by a new message) is not removed again when its ring slot comes round', () => {
  const t = new QidTable(8);
  const a = t.add(head(qid(1)), SLOW, 1);
  t.close(a);
  t.remove(a); // the same queue id started a new message: the old entry goes at once
  const b = t.add(head(qid(1)), FAST, 2); // takes the freed slot
  assert.equal(b, a);
  t.close(b); // … and finished right after: its own place in the ring is one after the old one's
  const shard = t.hash[b] % SHARDS;
  for (let i = 2, n = 0; n < 255; i++) {
    const id = t.add(head(qid(i)), FAST, i + 1);
    t.close(id);
    if (t.hash[id] % SHARDS === shard) n++;
  }
  // 257 finished in the shard: the old entry's ring slot came round (stale: skipped), b's has not
  assert.equal(t.find(head(qid(1))), b);
  assert.equal(t.kind[b], CLOSED);
});
