// The recipient list (rcpts.ts) against a Map, the structure it replaces: same answers for get/has,
// the same order, a known key keeping its place, also past the point where it builds an index. Pure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rcpts } from '../../../src/audit/postfix/rcpts.ts';
import type { Rcpt } from '../../../src/audit/postfix/fate.ts';

test('behaves as a Map for 0, 1, a few and many recipients, with repeated keys', () => {
  for (const n of [0, 1, 2, 5, 16, 17, 40]) {
    const list = new Rcpts();
    const map = new Map<string, Rcpt>();
    const keys = Array.from({ length: n }, (_, i) => `r${i}@example.dk`);
    // every key named twice, the second time out of order and with a new state (set keeps the place)
    const order = [...keys, ...[...keys].reverse()];
    order.forEach((k, i) => {
      const r: Rcpt = { to: k.toUpperCase(), st: i < n ? 'pending' : 'sent', reason: String(i) };
      assert.equal(list.has(k), map.has(k));
      list.set(k, r);
      map.set(k, r);
      assert.equal(list.get(k), map.get(k));
      assert.equal(list.size, map.size);
    });
    assert.deepEqual(Array.from({ length: list.size }, (_, i) => list.at(i)), [...map.values()], `${n} recipients`);
    assert.equal(list.get('nobody@example.dk'), undefined);
    assert.equal(list.has('nobody@example.dk'), false);
  }
});
