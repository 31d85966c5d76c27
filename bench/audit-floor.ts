// A floor for any audit written in JavaScript (bench only, not product code): read the log as the
// audit does, parse every line's prefix with the audit's own parseHead, and count delivered messages
// in the audit's queue-id table — no smtpd sessions, no recipients, no strings, no fates. Whatever the real
// state machine does comes on top of this. No I/O beyond reading the file.
import { readChunks } from '../src/audit/input.ts';
import { Head, parseHead, D_QMGR, D_AGENT } from '../src/audit/postfix/parse.ts';
import { Lit, digits, findByte } from '../src/audit/postfix/bytes.ts';
import { QidTable, FAST, grown } from '../src/audit/postfix/qids.ts';

const REMOVED = new Lit('removed');
const FROM = new Lit('from=<');
const NRCPT = new Lit('nrcpt=');
const STATUS = new Lit(', status=');
const SENT = new Lit('sent');

/** the audit's own queue-id table, with only what a count needs beside it */
class Counter {
  table = new QidTable();
  nrcpt = new Int32Array(this.table.capacity);
  sent = new Int32Array(this.table.capacity);
  delivered = 0;
  other = 0;

  constructor() {
    this.table.onGrow = (cap) => {
      this.nrcpt = grown(this.nrcpt, cap);
      this.sent = grown(this.sent, cap);
    };
  }

  slot(h: Head): number {
    const id = this.table.find(h);
    if (id >= 0) return id;
    const fresh = this.table.add(h, FAST, 0);
    this.nrcpt[fresh] = 0;
    this.sent[fresh] = 0;
    return fresh;
  }

  finish(i: number): void {
    if (this.sent[i] > 0 && this.sent[i] >= this.nrcpt[i]) this.delivered++;
    else this.other++;
    this.table.close(i);
    this.table.remove(i); // a count needs no memory of finished ids
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
