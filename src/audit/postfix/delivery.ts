// A delivery agent's `to=<…>, …, status=…` line, read by bytes: the status word and the recipient with
// its reason. Pure, no I/O. Protects the fate contract: verify(8) probe answers are not lost mail, and
// the first final status of a recipient wins.
import { Lit, findByte, text, wordEnd } from './bytes.ts';
import { D_DISCARD, type Head } from './parse.ts';
import type { Msg, RcptState } from './fate.ts';

const L = {
  sent: new Lit('sent'), deferred: new Lit('deferred'), bounced: new Lit('bounced'), expired: new Lit('expired'),
  deliverable: new Lit('deliverable'), undeliverable: new Lit('undeliverable'),
  status: new Lit(', status='), dsn: new Lit(', dsn='),
};

/** deliverable/undeliverable: the answer to an address-verification probe (verify(8)) */
export function isProbeAnswer(b: Buffer, s: number, e: number): boolean {
  return L.deliverable.is(b, s, e) || L.undeliverable.is(b, s, e);
}

/** status word → recipient state; deliverable/undeliverable answer address-verification probes (verify(8)) */
export function statusOf(b: Buffer, s: number, e: number, daemon: number): RcptState | undefined {
  if (L.sent.is(b, s, e)) return daemon === D_DISCARD ? 'discarded' : 'sent';
  if (L.deferred.is(b, s, e)) return 'deferred';
  if (L.bounced.is(b, s, e)) return 'bounced';
  if (L.expired.is(b, s, e)) return 'expired';
  if (isProbeAnswer(b, s, e)) return 'sent';
  return undefined;
}

/** [x, y) of a line whose text (from t) is `line`: a substring when the line is ASCII, else decoded */
export function piece(b: Buffer, line: string, asc: boolean, t: number, x: number, y: number): string {
  return asc ? line.slice(x - t, y - t) : text(b, x, y);
}

/** `to=<x>, relay=…, dsn=5.1.1, status=bounced (text)`: positions first, strings for what is kept */
export function deliveryLine(m: Msg, h: Head): void {
  const b = h.buf;
  const t = h.textS;
  const e = h.e;
  const close = findByte(b, 62, t + 4, e);
  const from = close < 0 ? t : close;
  const si = L.status.find(b, from, e);
  if (si < 0) return;
  const s = si + 9;
  const se = wordEnd(b, s, e);
  const st = statusOf(b, s, se, h.daemon);
  if (st === undefined) return;
  // one decode for the line; an all-ASCII line (the usual) is then cut by byte offsets
  const line = text(b, t, e);
  const asc = line.length === e - t;
  const to = close < 0 ? '' : piece(b, line, asc, t, t + 4, close);
  const key = to.toLowerCase();
  const prev = m.rcpts.get(key);
  // the first final status wins; a later deferral must not undo a delivery (duplicate lines)
  if (prev && prev.st !== 'pending' && prev.st !== 'deferred') return;
  const open = findByte(b, 40, se, e);
  const detail = open < 0 ? '' : piece(b, line, asc, t, open + 1, b[e - 1] === 41 ? e - 1 : e);
  let reason: string;
  if (h.daemon === D_DISCARD) reason = detail;
  else if (isProbeAnswer(b, s, se)) reason = `address verification probe: ${piece(b, line, asc, t, s, se)}`;
  else {
    const di = L.dsn.find(b, from, si + 1);
    const dsn = di < 0 ? '' : piece(b, line, asc, t, di + 6, wordEnd(b, di + 6, e));
    // the text in parentheses rarely ends in blanks: trim (a copy) only then
    const blank = detail.length > 0 && detail.charCodeAt(detail.length - 1) <= 32;
    reason = dsn === '' ? detail.trim() : detail === '' ? dsn : blank ? `${dsn} ${detail}`.trim() : `${dsn} ${detail}`;
  }
  m.rcpts.set(key, { to, st, reason });
}
