// A floor for any audit written in JavaScript (bench only, not product code): read the log as the
// audit does, parse every line's prefix with the audit's own parseHead, and count delivered messages
// in a typed-array table — no smtpd sessions, no recipients, no strings, no fates. Whatever the real
// state machine does comes on top of this. No I/O beyond reading the file.
import { readChunks } from '../src/audit/input.ts';
import { Head, parseHead, D_QMGR, D_AGENT } from '../src/audit/postfix/parse.ts';
import { Lit, digits, findByte } from '../src/audit/postfix/bytes.ts';

const REMOVED = new Lit('removed');
const FROM = new Lit('from=<');
const NRCPT = new Lit('nrcpt=');
const STATUS = new Lit(', status=');
const SENT = new Lit('sent');
const SIZE = 1 << 16; // open-addressing table; the replayed log never has more than a few hundred open ids
const MASK = SIZE - 1;

/** queue ids by hash and bytes (linear probing, backward-shift delete), with what a count needs */
class Counter {
  keys = new Int32Array(SIZE).fill(-1);
  qb = new Uint8Array(SIZE * 24);
  ql = new Uint8Array(SIZE);
  nrcpt = new Int32Array(SIZE);
  sent = new Int32Array(SIZE);
  delivered = 0;
  other = 0;

  slot(h: Head): number {
    const b = h.buf;
    const n = h.qidE - h.qidS;
    for (let i = h.qidHash & MASK; ; i = (i + 1) & MASK) {
      const k = this.keys[i];
      if (k === -1) {
        this.keys[i] = h.qidHash;
        this.ql[i] = n;
        for (let j = 0; j < n; j++) this.qb[i * 24 + j] = b[h.qidS + j];
        this.nrcpt[i] = 0;
        this.sent[i] = 0;
        return i;
      }
      if (k === h.qidHash && this.ql[i] === n) {
        let j = 0;
        while (j < n && this.qb[i * 24 + j] === b[h.qidS + j]) j++;
        if (j === n) return i;
      }
    }
  }

  finish(i: number): void {
    if (this.sent[i] > 0 && this.sent[i] >= this.nrcpt[i]) this.delivered++;
    else this.other++;
    let hole = i;
    for (let j = (i + 1) & MASK; this.keys[j] !== -1; j = (j + 1) & MASK) {
      const home = this.keys[j] & MASK;
      // move j back into the hole unless its home lies cyclically in (hole, j]
      if ((j > hole && (home <= hole || home > j)) || (j < hole && home <= hole && home > j)) {
        this.keys[hole] = this.keys[j];
        this.ql[hole] = this.ql[j];
        this.qb.copyWithin(hole * 24, j * 24, j * 24 + 24);
        this.nrcpt[hole] = this.nrcpt[j];
        this.sent[hole] = this.sent[j];
        hole = j;
      }
    }
    this.keys[hole] = -1;
  }
}

function countChunk(b: Buffer, h: Head, c: Counter): number {
  let lines = 0;
  for (let s = 0; s < b.length;) {
    let lf = b.indexOf(10, s);
    if (lf < 0) lf = b.length;
    lines++;
    if (parseHead(b, s, lf, h) && h.qidE > h.qidS && !h.noqueue) {
      const t = h.textS;
      if (h.daemon === D_QMGR) {
        const i = c.slot(h);
        if (REMOVED.is(b, t, lf)) c.finish(i);
        else if (FROM.at(b, t, lf)) {
          const n = NRCPT.find(b, findByte(b, 62, t, lf), lf);
          if (n >= 0) c.nrcpt[i] = digits(b, n + 6, lf);
        }
      } else if (h.daemon === D_AGENT) {
        const si = STATUS.find(b, t, lf);
        if (si >= 0 && SENT.at(b, si + 9, lf)) c.sent[c.slot(h)]++;
      }
    }
    s = lf + 1;
  }
  return lines;
}

/** One pass over `file`: seconds, CPU seconds, lines and delivered messages counted. */
export async function countFloor(file: string): Promise<{ seconds: number; cpuSeconds: number; lines: number; delivered: number }> {
  const t = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const h = new Head();
  const c = new Counter();
  let lines = 0;
  for await (const chunk of readChunks(file)) lines += countChunk(chunk, h, c);
  const cpu = process.cpuUsage(cpu0);
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6, lines, delivered: c.delivered };
}
