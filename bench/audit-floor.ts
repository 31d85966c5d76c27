// A floor for any audit written in JavaScript (bench only, not product code): read the log as the
// audit does, parse every line's prefix with the audit's own parseHead, and count delivered messages
// in the audit's queue-id table — no smtpd sessions, no recipients, no strings, no fates. Whatever the real
// state machine does comes on top of this. No I/O beyond reading the file.
import { readChunks } from '../src/audit/input.ts';
import { D_QMGR, D_AGENT, type Head } from '../src/audit/postfix/parse.ts';
import { eachHead, type ScanStats } from '../src/audit/postfix/scan.ts';
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

/** one Postfix line's prefix (scan.ts eachHead: the audit's own line loop) into the count */
function countLine(h: Head, c: Counter): boolean {
  if (h.qidE === h.qidS || h.noqueue) return true;
  const b = h.buf;
  const t = h.textS;
  const e = h.e;
  if (h.daemon === D_QMGR) {
    const i = c.slot(h);
    if (REMOVED.is(b, t, e)) c.finish(i);
    else if (FROM.at(b, t, e)) {
      const n = NRCPT.find(b, findByte(b, 62, t, e), e);
      if (n >= 0) c.nrcpt[i] = digits(b, n + 6, e);
    }
  } else if (h.daemon === D_AGENT) {
    const si = STATUS.find(b, t, e);
    if (si >= 0 && SENT.at(b, si + 9, e)) c.sent[c.slot(h)]++;
  }
  return true;
}

/** One pass over `file`: seconds, CPU seconds, lines and delivered messages counted. */
export async function countFloor(file: string): Promise<{ seconds: number; cpuSeconds: number; lines: number; delivered: number }> {
  const t = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const c = new Counter();
  const st: ScanStats = { lines: 0, garbled: 0, firstGarbled: 0 };
  for await (const chunk of readChunks(file)) eachHead(chunk, 0, st, (h) => countLine(h, c));
  const cpu = process.cpuUsage(cpu0);
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6, lines: st.lines, delivered: c.delivered };
}
