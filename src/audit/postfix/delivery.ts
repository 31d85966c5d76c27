// A delivery agent's `to=<…>, …, status=…` line, read by bytes: the status word and the recipient with
// its reason. Pure, no I/O. Protects the fate contract: verify(8) probe answers are not lost mail, and
// the first final status of a recipient wins.
import { Lit, findByte, wordEnd } from './bytes.ts';
import { FIELDS } from './intern.ts';
import { W } from './words.ts';
import { D_DISCARD, type Head } from './parse.ts';
import type { Msg, RcptState } from './fate.ts';

const L = {
  sent: W.sent, deferred: new Lit('deferred'), bounced: new Lit('bounced'), expired: new Lit('expired'),
  deliverable: new Lit('deliverable'), undeliverable: new Lit('undeliverable'),
  status: W.status, dsn: new Lit(', dsn='),
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

/** the last "dsn detail" made: consecutive delivery lines usually say the same (cached pieces compare by identity first) */
const last = { dsn: '', detail: '', reason: '' };

function joined(dsn: string, detail: string): string {
  if (dsn !== last.dsn || detail !== last.detail) {
    last.dsn = dsn;
    last.detail = detail;
    last.reason = `${dsn} ${detail}`;
  }
  return last.reason;
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
  // each piece decoded on its own through the field cache: recipients, DSN codes and status texts
  // repeat, so the usual delivery line makes no new string (the same text as decoding [x, y) each time)
  const to = close < 0 ? '' : FIELDS.text(b, t + 4, close);
  const key = to.toLowerCase();
  const prev = m.rcpts.get(key);
  // the first final status wins; a later deferral must not undo a delivery (duplicate lines)
  if (prev && prev.st !== 'pending' && prev.st !== 'deferred') return;
  m.rcpts.set(key, { to, st, reason: deliveryReason(b, h.daemon, from, si, se, e) });
}

/**
 * The reason text of a delivery line whose status word ends at `se` (", status=" at `si`, searched
 * from `from`): "dsn detail", the discard transport's text, or a verification probe's answer.
 * The fast lane (fast.ts) calls it later for a line it kept by position: the same text either way.
 */
export function deliveryReason(b: Buffer, daemon: number, from: number, si: number, se: number, e: number): string {
  const s = si + 9;
  const open = findByte(b, 40, se, e);
  const detail = open < 0 ? '' : FIELDS.text(b, open + 1, b[e - 1] === 41 ? e - 1 : e);
  if (daemon === D_DISCARD) return detail;
  if (isProbeAnswer(b, s, se)) return `address verification probe: ${FIELDS.text(b, s, se)}`;
  const di = L.dsn.find(b, from, si + 1);
  const dsn = di < 0 ? '' : FIELDS.text(b, di + 6, wordEnd(b, di + 6, e));
  // the text in parentheses rarely ends in blanks: trim (a copy) only then
  const blank = detail.length > 0 && detail.charCodeAt(detail.length - 1) <= 32;
  return dsn === '' ? detail.trim() : detail === '' ? dsn : blank ? `${dsn} ${detail}`.trim() : joined(dsn, detail);
}
