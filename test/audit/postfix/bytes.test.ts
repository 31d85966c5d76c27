// The byte-level scanner: line splitting, CR/LF, damaged lines, random bytes, hash collisions between
// queue ids, and the chunked reader it is fed from. I/O: temp files (reader tests only).
// Protects: no crash and an exact line count on any input; two ids with one hash never mix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { scanLines, type ScanStats } from '../../../src/audit/postfix/scan.ts';
import { PostfixState } from '../../../src/audit/postfix/state.ts';
import { Head, parseHead } from '../../../src/audit/postfix/parse.ts';
import { Lit, count, digits, MAX_COUNT } from '../../../src/audit/postfix/bytes.ts';
import { readChunks } from '../../../src/audit/input.ts';
import { PvError } from '../../../src/errors.ts';
import type { MessageFate } from '../../../src/audit/types.ts';

function scan(text: string | Buffer): { st: ScanStats; out: MessageFate[] } {
  const out: MessageFate[] = [];
  const state = new PostfixState((m) => out.push(m));
  const st: ScanStats = { lines: 0, garbled: 0, firstGarbled: 0 };
  scanLines(Buffer.isBuffer(text) ? text : Buffer.from(text), state, st);
  state.end();
  return { st, out };
}

const L1 = 'Nov 29 10:00:00 mx postfix/qmgr[1]: AAAA1111: from=<a@x.example>, size=1, nrcpt=1 (queue active)';
const L2 = 'Nov 29 10:00:01 mx postfix/smtp[2]: AAAA1111: to=<b@y.example>, relay=r[1.2.3.4]:25, delay=1, delays=0/0/1/0, dsn=2.0.0, status=sent (250 ok)';
const L3 = 'Nov 29 10:00:01 mx postfix/qmgr[1]: AAAA1111: removed';

test('scanLines: CRLF, a last line without LF, a damaged Postfix line counted with its line number', () => {
  const { st, out } = scan(`${L1}\r\nNov 29 10:00:00 mx sshd[9]: not ours\n${L2}\nNov 29 10:0 postfix/smtp[2\n${L3}`);
  assert.deepEqual(st, { lines: 5, garbled: 1, firstGarbled: 4 });
  assert.deepEqual(out.map((m) => [m.queue_id, m.fate, m.recipients[0].reason]), [['AAAA1111', 'delivered', '2.0.0 250 ok']]);
});

test('random bytes never throw, and every LF counts one line', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom('', L1, L2), (bytes, prefix) => {
    const b = Buffer.concat([Buffer.from(prefix), Buffer.from(bytes)]);
    const { st } = scan(b);
    const lf = b.filter((c) => c === 10).length;
    assert.equal(st.lines, lf + (b.length > 0 && b[b.length - 1] !== 10 ? 1 : 0));
  }), { numRuns: 300 });
});

test('truncated prefixes are not Postfix lines (no read past the line end)', () => {
  const h = new Head();
  for (let n = 0; n < L1.length; n++) {
    // the next line's bytes follow in the same buffer, as in a chunk
    const b = Buffer.from(`${L1.slice(0, n)}\n${L1}`);
    const ok = parseHead(b, 0, n, h);
    if (ok) assert.ok(h.textS <= n && h.qidE <= n, `cut at ${n}`);
  }
});

test('two queue ids with the same hash stay two messages', () => {
  // "Aa" and "BB" hash alike under ·31+c: these long-style ids collide
  const a = 'Aa3xYz9';
  const b = 'BB3xYz9';
  const line = (id: string, rest: string) => `Nov 29 10:00:00 mx postfix/${rest.startsWith('to=') ? 'smtp[2]' : 'qmgr[1]'}: ${id}: ${rest}`;
  const hashOf = (id: string) => {
    const h = new Head();
    const buf = Buffer.from(line(id, 'removed'));
    assert.ok(parseHead(buf, 0, buf.length, h));
    return h.qidHash;
  };
  assert.equal(hashOf(a), hashOf(b), 'the two ids really collide');
  const { out } = scan([
    line(a, 'from=<a@x.example>, size=1, nrcpt=1 (queue active)'),
    line(b, 'from=<b@x.example>, size=1, nrcpt=1 (queue active)'),
    line(a, 'to=<c@y.example>, relay=r[1.2.3.4]:25, delay=1, delays=0/0/1/0, dsn=5.1.1, status=bounced (gone)'),
    line(b, 'to=<d@y.example>, relay=r[1.2.3.4]:25, delay=1, delays=0/0/1/0, dsn=2.0.0, status=sent (ok)'),
    line(a, 'removed'),
    line(b, 'removed'),
  ].join('\n'));
  assert.deepEqual(out.map((m) => [m.queue_id, m.from, m.fate]), [[a, 'a@x.example', 'bounced_no_notice'], [b, 'b@x.example', 'delivered']]);
});

test('digits and count: the number up to the first non-digit; a count over MAX_COUNT is -1 (damage), not a huge number', () => {
  const b = (t: string) => Buffer.from(t);
  assert.equal(digits(b('123, x'), 0, 6), 123);
  assert.equal(digits(b('x'), 0, 1), 0);
  assert.equal(digits(b('4294967297'), 0, 10), 4294967297);
  assert.equal(count(b(`${MAX_COUNT}`), 0, 6), MAX_COUNT);
  assert.equal(count(b(`${MAX_COUNT + 1}`), 0, 6), -1);
  assert.equal(count(b('4294967297 (queue active)'), 0, 25), -1);
  assert.equal(count(b('2/3'), 0, 3), 2);
});

test('Lit.find: Horspool search finds the first match inside the bounds only', () => {
  const b = Buffer.from('xx, status=a, status=b');
  const lit = new Lit(', status=');
  assert.equal(lit.find(b, 0, b.length), 2);
  assert.equal(lit.find(b, 3, b.length), 12);
  assert.equal(lit.find(b, 0, 10), -1);
});

const dir = mkdtempSync(join(tmpdir(), 'pv-chunks-'));
async function chunks(file: string, lines = () => 0): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const c of readChunks(file, undefined, lines)) out.push(Buffer.from(c)); // copy: chunks are reused
  return out;
}

test('readChunks: whole lines per chunk across 1 MiB reads, plain and gzip give the same bytes', async () => {
  const text = Array.from({ length: 40_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 97)} æøå`).join('\n');
  const f = join(dir, 'plain.log');
  writeFileSync(f, text);
  const g = join(dir, 'rotated.1');
  writeFileSync(g, gzipSync(text));
  for (const file of [f, g]) {
    const cs = await chunks(file);
    assert.ok(cs.length > 1, 'more than one chunk');
    for (const c of cs.slice(0, -1)) assert.equal(c[c.length - 1], 10, 'a chunk ends with LF');
    assert.equal(Buffer.concat(cs).toString('utf8'), text);
  }
});

test('readChunks: a truncated gzip names the file and the line reached', async () => {
  const f = join(dir, 'cut.gz');
  const gz = gzipSync(Buffer.alloc(3 << 20, 'abcdefgh\n'));
  writeFileSync(f, gz.subarray(0, gz.length >> 1));
  await assert.rejects(chunks(f, () => 1234), (e: unknown) => e instanceof PvError && e.file === f
    && /gzip data is corrupt or truncated after line 1234/.test(e.message));
});

test('readChunks: a 3 MiB "line" without LF is handed on in bounded pieces', async () => {
  const f = join(dir, 'noise.bin');
  writeFileSync(f, Buffer.concat([Buffer.alloc(3 << 20, 'a'), Buffer.from('\nlast\n')]));
  const cs = await chunks(f);
  assert.ok(cs.every((c) => c.length <= 2 << 20));
  assert.equal(Buffer.concat(cs).length, (3 << 20) + 6);
});

test('classic stamps survive the compact number form, before and after the base year', async () => {
  const { SyslogClock, stampText } = await import('../../../src/audit/postfix/clock.ts');
  const h = new Head();
  for (const [year, line, want] of [[2026, L1, '2026-11-29T10:00:00'], [1999, L1, '1999-11-29T10:00:00'],
    [2061, 'Dec 31 23:59:59 mx postfix/qmgr[1]: AAAA1111: removed', '2061-12-31T23:59:59'],
    [1970, 'Jan  1 00:00:00 mx postfix/qmgr[1]: AAAA1111: removed', '1970-01-01T00:00:00']] as const) {
    const b = Buffer.from(line);
    assert.ok(parseHead(b, 0, b.length, h));
    assert.equal(stampText(new SyslogClock(year).stamp(h)), want);
  }
});
