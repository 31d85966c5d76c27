// The field cache (intern.ts): it must give exactly the text a plain decode gives, for repeated,
// colliding, non-ASCII and long fields. Pure. Protects byte-identical reports with the cache in use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Interner } from '../../../src/audit/postfix/intern.ts';
import { text } from '../../../src/audit/postfix/bytes.ts';

test('cached fields read as a plain decode, and repeats are the same string', () => {
  const cache = new Interner(2); // 4 slots: most fields below collide
  const fields = ['c@example.dk', 'sag@kommune.example', '2.0.0', '250 2.0.0 Ok', 'Ålborg@kommune.dk', 'x'.repeat(97), 'a', 'C@Example.dk', ''];
  const line = Buffer.from(`pad ${fields.join('|')} end`, 'utf8');
  for (let round = 0; round < 3; round++) {
    let at = 4;
    for (const f of fields) {
      const n = Buffer.byteLength(f);
      assert.equal(cache.text(line, at, at + n), f);
      assert.equal(cache.text(line, at, at + n), text(line, at, at + n));
      at += n + 1;
    }
  }
});

test('a slot taken by another field is not mistaken for it (same length, different bytes)', () => {
  const cache = new Interner(0); // one slot: every field collides
  const b = Buffer.from('abcde abcdf abcde', 'latin1');
  assert.equal(cache.text(b, 0, 5), 'abcde');
  assert.equal(cache.text(b, 6, 11), 'abcdf');
  assert.equal(cache.text(b, 12, 17), 'abcde');
});
