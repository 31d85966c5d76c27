// Test input: the real Postfix logs in fixtures/ replayed many times with fresh queue ids, for the
// audit's multi-threaded modes. I/O: writes one file. Protects nothing itself; the tests that use
// it hold the sharded and pipelined audits to the single-threaded report on many interleaved messages.
import { readFileSync, writeFileSync } from 'node:fs';

export const REAL = ['fixtures/postfix/real-postfix-3.7.log', 'fixtures/postfix/e2e-postfix-3.7.log'];

/**
 * The real logs replayed `n` times with fresh queue ids, two replays interleaved line by line (the
 * second's smtpd pids moved), so sessions, queue ids and NOQUEUE rejects of both overlap and many
 * messages share a timestamp, with a truncated line and a damaged Postfix line after each pair.
 */
export function writeReplay(file: string, n: number): string {
  const src = REAL.map((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l !== '')).flat();
  let seq = 0;
  const copy = (k: number): string[] => {
    const ids = new Map<string, string>();
    const fresh = (q: string): string => {
      let id = ids.get(q);
      if (id === undefined) ids.set(q, (id = (0x10000000000 + ++seq).toString(16).toUpperCase().slice(1)));
      return id;
    };
    return src.map((l) => l.replace(/\b[0-9A-F]{10,11}\b/g, fresh)
      .replace(/smtpd\[(\d+)\]/g, (_, pid: string) => `smtpd[${Number(pid) + (k % 2) * 50000}]`));
  };
  const out: string[] = [];
  for (let k = 0; k < n; k += 2) {
    const a = copy(k);
    const b = copy(k + 1);
    for (let i = 0; i < a.length; i++) out.push(a[i], b[i]);
    out.push(a[7].slice(0, 40), 'Nov 29 17:55:00 pv-test postfix/smtpd[1]: \u0000\u00ff garbage');
  }
  writeFileSync(file, `${out.join('\n')}\n`);
  return file;
}
