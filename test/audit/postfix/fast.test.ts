// The fast lane (fast.ts: ordinary messages in typed arrays, fields by position) against the slow
// state machine alone, on logs written by a real Postfix and on seeded interleavings of them, fed in
// small pieces of ONE reused buffer (as readChunks reuses its buffers). No I/O beyond reading fixtures.
// Protects "the fast lane changes no fate, row or text", including after the bytes are overwritten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { PostfixState } from '../../../src/audit/postfix/state.ts';
import { SyslogClock } from '../../../src/audit/postfix/clock.ts';
import { scanLines, type ScanStats } from '../../../src/audit/postfix/scan.ts';
import type { MessageFate } from '../../../src/audit/types.ts';
import { FastLane } from '../../../src/audit/postfix/fast.ts';
import { QidTable } from '../../../src/audit/postfix/qids.ts';
import { Sessions } from '../../../src/audit/postfix/session.ts';
import { Head, parseHead } from '../../../src/audit/postfix/parse.ts';

const FIXTURES = ['real-postfix-3.7.log', 'e2e-postfix-3.7.log', 'iso-long-ids.log', 'rollover-a.log'].map((f) => `fixtures/postfix/${f}`);
const lines = (f: string): string[] => readFileSync(f, 'utf8').split('\n').filter((l) => l !== '');

/** seeded PRNG (mulberry32): the same interleaving on every run */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` copies of a log with their own queue ids, interleaved at random (each copy in order), some lines damaged */
function interleave(src: string[], n: number, seed: number): string[] {
  const rand = rng(seed);
  const copies = Array.from({ length: n }, (_, k) => src.map((l) => l
    .replace(/\b[0-9A-F]{10,11}\b/g, (q) => k.toString(16).toUpperCase().padStart(2, '0') + q.slice(2))
    .replace(/\b(\d[0-9B-Zb-z]{9,11}z[0-9B-Zb-z]{4,6})\b/g, (q) => q.slice(0, -2) + 'BCDFGHJKLMNP'[k % 12] + q.slice(-1))));
  const at = copies.map(() => 0);
  const out: string[] = [];
  for (;;) {
    const live = copies.map((_, k) => k).filter((k) => at[k] < copies[k].length);
    if (live.length === 0) return out;
    const k = live[Math.floor(rand() * live.length)];
    const l = copies[k][at[k]++];
    const r = rand();
    out.push(r < 0.01 ? l.slice(0, Math.floor(rand() * l.length)) : r < 0.015 ? `${l}\r` : l);
    if (r > 0.997) out.push(l); // a duplicated line
  }
}

interface Run { emitted: MessageFate[]; delivered: number; recipients: number }

/**
 * Feed `text` to a state machine in pieces of 1–`piece` lines, each copied into the same Buffer
 * (so bytes kept by position are overwritten unless release() decoded them). fast: delivered
 * messages counted (the fast lane on), else every message emitted (the slow state machine alone).
 */
function run(text: string[], fast: boolean, piece: number, seed: number): Run {
  const r: Run = { emitted: [], delivered: 0, recipients: 0 };
  const onDelivered = fast ? (n: number) => { r.delivered++; r.recipients += n; } : undefined;
  const state = new PostfixState((m) => r.emitted.push(m), new SyslogClock(2026), onDelivered);
  const st: ScanStats = { lines: 0, garbled: 0, firstGarbled: 0 };
  const shared = Buffer.alloc(1 << 20);
  const rand = rng(seed);
  for (let i = 0; i < text.length;) {
    const n = 1 + Math.floor(rand() * piece);
    const bytes = Buffer.from(`${text.slice(i, i + n).join('\n')}\n`);
    bytes.copy(shared);
    scanLines(shared.subarray(0, bytes.length), state, st);
    shared.fill(0x58); // what a reused buffer holds next: not these lines
    i += n;
  }
  state.end();
  return r;
}

/** what the fast lane must report: the slow machine's rows minus the plainly delivered ones, which it counts */
function agree(text: string[], piece: number, seed: number, what: string): void {
  const slow = run(text, false, piece, seed);
  const fast = run(text, true, piece, seed);
  const plain = (m: MessageFate) => m.fate === 'delivered' && m.recipients.length > 0 && m.recipients.every((x) => x.fate === 'delivered');
  assert.deepEqual(fast.emitted, slow.emitted.filter((m) => !plain(m)), `${what}: rows`);
  const plainRows = slow.emitted.filter(plain);
  assert.equal(fast.delivered, plainRows.length, `${what}: delivered messages`);
  assert.equal(fast.recipients, plainRows.reduce((a, m) => a + m.recipients.length, 0), `${what}: delivered recipients`);
}

test('the fast lane reports exactly what the slow state machine does on the real Postfix logs', () => {
  for (const f of FIXTURES) for (const piece of [1, 3, 1000]) agree(lines(f), piece, 7, `${f} in pieces of ≤${piece} lines`);
  const gz = gunzipSync(readFileSync('fixtures/postfix/rollover-b.log.gz')).toString('utf8').split('\n').filter((l) => l !== '');
  agree(gz, 2, 7, 'rollover-b');
});

test('… and on seeded interleavings of them (many messages open at once, damaged and duplicated lines)', () => {
  for (const f of FIXTURES.slice(0, 3)) {
    for (const seed of [1, 2, 3]) {
      const text = interleave(lines(f), 12, seed);
      agree(text, 5, seed, `${f} ×12 seed ${seed}`);
    }
  }
  // hundreds of messages open at once and thousands recently finished: the queue-id table and the
  // fast lane's arrays grow several times while fields are kept by position
  agree(interleave(lines(FIXTURES[1]), 120, 9), 40, 9, 'e2e ×120');
});

test('a message that leaves the fast lane after its bytes were overwritten keeps its sender, recipient and reason', () => {
  const text = [
    'Nov 29 10:00:00 mx postfix/smtpd[5]: connect from a[1.2.3.4]',
    'Nov 29 10:00:00 mx postfix/smtpd[5]: ABCD12345: client=a[1.2.3.4]',
    'Nov 29 10:00:00 mx postfix/cleanup[6]: ABCD12345: message-id=<1@a>',
    'Nov 29 10:00:00 mx postfix/qmgr[7]: ABCD12345: from=<Sag@Kommune.example>, size=10, nrcpt=2 (queue active)',
    'Nov 29 10:00:01 mx postfix/smtp[8]: ABCD12345: to=<Borger@Example.dk>, relay=r[5.6.7.8]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 77)',
    'Nov 29 10:00:01 mx postfix/smtpd[5]: disconnect from a[1.2.3.4] ehlo=1 mail=1 rcpt=2 data=1 quit=1 commands=6',
    'Nov 29 10:00:02 mx postfix/smtp[8]: ABCD12345: to=<x@y.example>, relay=r[5.6.7.8]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (550 no such user)',
    'Nov 29 10:00:02 mx postfix/qmgr[7]: ABCD12345: removed',
  ];
  const fast = run(text, true, 1, 1);
  assert.equal(fast.emitted.length, 1);
  const m = fast.emitted[0];
  assert.equal(m.from, 'Sag@Kommune.example');
  assert.deepEqual(m.recipients.map((x) => [x.to, x.fate, x.reason]), [
    ['Borger@Example.dk', 'delivered', '2.0.0 250 2.0.0 Ok: queued as 77'],
    ['x@y.example', 'bounced_no_notice', '5.1.1 550 no such user'],
  ]);
  agree(text, 1, 1, 'promotion after release');
});

test('a session that accepted more recipients than were delivered keeps a fast message out of "delivered"', () => {
  const text = [
    'Nov 29 10:00:00 mx postfix/smtpd[5]: connect from a[1.2.3.4]',
    'Nov 29 10:00:00 mx postfix/smtpd[5]: EFAB12345: client=a[1.2.3.4]',
    'Nov 29 10:00:00 mx postfix/qmgr[7]: EFAB12345: from=<a@b.example>, size=10, nrcpt=1 (queue active)',
    'Nov 29 10:00:00 mx postfix/smtpd[5]: disconnect from a[1.2.3.4] ehlo=1 mail=1 rcpt=3 data=1 quit=1 commands=7',
    'Nov 29 10:00:01 mx postfix/smtp[8]: EFAB12345: to=<c@d.example>, relay=r[5.6.7.8]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)',
    'Nov 29 10:00:01 mx postfix/qmgr[7]: EFAB12345: removed',
  ];
  const fast = run(text, true, 2, 1);
  assert.equal(fast.delivered, 0);
  assert.deepEqual(fast.emitted.map((m) => m.recipients.map((x) => x.fate)), [['delivered', 'unknown', 'unknown']]);
  agree(text, 2, 1, 'session RCPT count');
});

test('every line a fast message cannot take on its own makes it a Msg first, with the same result', () => {
  const head = [
    'Nov 29 10:00:00 mx postfix/smtpd[5]: connect from a[1.2.3.4]',
    'Nov 29 10:00:00 mx postfix/smtpd[5]: AB12CD345: client=a[1.2.3.4]',
    'Nov 29 10:00:00 mx postfix/cleanup[6]: AB12CD345: message-id=<1@a>',
    'Nov 29 10:00:00 mx postfix/qmgr[7]: AB12CD345: from=<a@b.example>, size=10, nrcpt=2 (queue active)',
  ];
  const sent = (to: string) => `Nov 29 10:00:01 mx postfix/smtp[8]: AB12CD345: to=<${to}>, relay=r[5.6.7.8]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)`;
  const removed = 'Nov 29 10:00:09 mx postfix/qmgr[7]: AB12CD345: removed';
  const cases: Record<string, string[]> = {
    'two recipients delivered': [sent('c@d.example'), sent('e@f.example'), removed],
    'the same recipient twice, in other case': [sent('c@d.example'), sent('C@D.example'), removed],
    'a verification probe answer': ['Nov 29 10:00:01 mx postfix/smtp[8]: AB12CD345: to=<c@d.example>, relay=r[5.6.7.8]:25, delay=1, delays=0/0/0/1, dsn=2.1.5, status=deliverable (250 ok)', removed],
    'a deferral, then expiry': ['Nov 29 10:00:01 mx postfix/smtp[8]: AB12CD345: to=<c@d.example>, relay=none, delay=1, delays=0/0/0/1, dsn=4.4.1, status=deferred (timeout)',
      'Nov 29 10:05:00 mx postfix/qmgr[7]: AB12CD345: from=<a@b.example>, status=expired, returned to sender', removed],
    'expiry with no deferral logged': ['Nov 29 10:05:00 mx postfix/qmgr[7]: AB12CD345: from=<a@b.example>, status=expired, returned to sender', removed],
    'held by postsuper, then deleted': ['Nov 29 10:00:01 mx postfix/postsuper[9]: AB12CD345: placed on hold', 'Nov 29 10:00:02 mx postfix/postsuper[9]: AB12CD345: removed'],
    'a header_checks discard': ['Nov 29 10:00:00 mx postfix/cleanup[6]: AB12CD345: discard: header Subject: CPR 010203-1234 from a[1.2.3.4]; from=<a@b.example> to=<c@d.example> proto=ESMTP helo=<a>: drop'],
    'a bounce notice line': [sent('c@d.example'), 'Nov 29 10:00:02 mx postfix/bounce[4]: AB12CD345: sender non-delivery notification: EF98AB765', removed],
    'removed with nothing delivered': [removed],
    'still open at the end': [sent('c@d.example')],
    'a second client= line': ['Nov 29 10:00:00 mx postfix/smtpd[5]: AB12CD345: client=a[1.2.3.4]', sent('c@d.example'), removed],
    'pickup from= after the start': ['Nov 29 10:00:00 mx postfix/pickup[3]: AB12CD345: uid=0 from=<root>', sent('c@d.example'), removed],
  };
  for (const [what, tail] of Object.entries(cases)) {
    for (const piece of [1, 2, 50]) agree([...head, ...tail], piece, 3, what);
  }
  // and the ordinary case stays in the fast lane: counted, not emitted
  const plain = run([...head.slice(0, 3), 'Nov 29 10:00:00 mx postfix/qmgr[7]: AB12CD345: from=<a@b.example>, size=10, nrcpt=1 (queue active)', sent('c@d.example'), removed], true, 1, 1);
  assert.deepEqual([plain.delivered, plain.recipients, plain.emitted.length], [1, 1, 0]);
});

test('the fast lane takes new messages only while every id can be named by a session handle', () => {
  const table = new QidTable(4);
  const lane = new FastLane(table, new Sessions(), 16); // a small limit instead of 2^22, to reach it
  const ids: number[] = [];
  for (let i = 0; lane.room(); i++) {
    const b = Buffer.from(`Nov 29 10:00:00 mx postfix/cleanup[1]: ${(0xa0000 + i).toString(16).toUpperCase()}: message-id=<x>`);
    const h = new Head();
    assert.ok(parseHead(b, 0, b.length, h));
    lane.buf = b;
    ids.push(lane.start(h, i + 1, 0, Number.NaN));
  }
  assert.equal(table.capacity, 16, 'no room once the table could hand out id 16');
  assert.equal(ids.length, 9, 'ids 0–8: the table grew 4 → 8 → 16 while there was room');
  for (const id of ids) assert.equal(lane.byHandle(lane.handle(id)), id, `handle of ${id}`);
});

test('a recipient count too large to be true is damage: no crash, no row per phantom recipient, the same either way', () => {
  const text = [
    'Nov 29 10:00:00 mx postfix/smtpd[5]: connect from a[1.2.3.4]',
    'Nov 29 10:00:00 mx postfix/smtpd[5]: BCDE12345: client=a[1.2.3.4]',
    'Nov 29 10:00:00 mx postfix/qmgr[7]: BCDE12345: from=<a@b.example>, size=10, nrcpt=4294967297 (queue active)',
    'Nov 29 10:00:00 mx postfix/smtpd[5]: disconnect from a[1.2.3.4] ehlo=1 mail=1 rcpt=99999999999 data=1 quit=1 commands=5',
    'Nov 29 10:00:01 mx postfix/smtp[8]: BCDE12345: to=<c@d.example>, relay=r[5.6.7.8]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)',
    'Nov 29 10:00:01 mx postfix/qmgr[7]: BCDE12345: removed',
    'Nov 29 10:00:02 mx postfix/qmgr[7]: CDEF12345: from=<a@b.example>, size=10, nrcpt=2147483648 (queue active)',
    'Nov 29 10:00:02 mx postfix/smtp[8]: CDEF12345: to=<c@d.example>, relay=none, delay=1, delays=0/0/0/1, dsn=4.4.1, status=deferred (timeout)',
  ];
  const fast = run(text, true, 1, 1);
  assert.deepEqual([fast.delivered, fast.recipients], [1, 1], 'the delivered one counts once, with its one named recipient');
  assert.deepEqual(fast.emitted.map((m) => [m.queue_id, m.fate, m.recipients.length]), [['CDEF12345', 'deferred_pending', 1]]);
  agree(text, 1, 1, 'huge counts');
});
