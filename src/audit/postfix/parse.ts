// Pure parser for Postfix log lines, in the classic syslog form ("Nov 29 17:53:49 host
// postfix/smtpd[123]: …", no year — Postfix 3.7's own maillog_file writes this too) and the RFC 3339
// form rsyslog/journald write; the prefix is found by bytes. No I/O. Garbage gives false/null, never throws.
import { Lit, text } from './bytes.ts';


/** Daemon codes: the last part of the syslog tag, as far as the state machine tells them apart. */
export const D_OTHER = 0;
export const D_SMTPD = 1;
export const D_QMGR = 2;
export const D_POSTSUPER = 3;
export const D_BOUNCE = 4;
export const D_DISCARD = 5;
/** smtp, lmtp, local, virtual, pipe, error, retry, relay: agents that log `to=<…>, status=` */
export const D_AGENT = 6;

/**
 * One line's prefix, found by bytes: positions into `buf`, no strings. Reused for every line
 * (one hidden class, no allocation per line); valid until the next parseHead call.
 */
export class Head {
  buf: Buffer = Buffer.alloc(0);
  s = 0;
  e = 0;
  /** classic syslog: month 0–11, day, HH:MM:SS at [stampS, stampE); ISO lines: month -1, stamp at [stampS, stampE) */
  month = -1;
  day = 0;
  stampS = 0;
  stampE = 0;
  hostS = 0;
  hostE = 0;
  daemon = D_OTHER;
  nameS = 0;
  nameE = 0;
  /** pid digits at [pidS, pidE); pidS = -1 when the tag has no [pid] */
  pidS = -1;
  pidE = -1;
  /** queue id at [qidS, qidE) (empty: none); NOQUEUE is flagged, not an id */
  qidS = 0;
  qidE = 0;
  noqueue = false;
  /** 31-bit hash of the queue id's bytes (keys the open-message table) */
  qidHash = 0;
  /** message text after "qid: " (or after "tag: ") up to e */
  textS = 0;
}

/** month 0–11 from its three bytes (Jan…Dec), or -1: a switch, no lookup per line */
function monthOf(a: number, b: number, c: number): number {
  switch (a) {
    case 74: return b === 97 && c === 110 ? 0 : b === 117 ? (c === 110 ? 5 : c === 108 ? 6 : -1) : -1; // Jan Jun Jul
    case 70: return b === 101 && c === 98 ? 1 : -1; // Feb
    case 77: return b === 97 ? (c === 114 ? 2 : c === 121 ? 4 : -1) : -1; // Mar May
    case 65: return b === 112 && c === 114 ? 3 : b === 117 && c === 103 ? 7 : -1; // Apr Aug
    case 83: return b === 101 && c === 112 ? 8 : -1; // Sep
    case 79: return b === 99 && c === 116 ? 9 : -1; // Oct
    case 78: return b === 111 && c === 118 ? 10 : -1; // Nov
    case 68: return b === 101 && c === 99 ? 11 : -1; // Dec
    default: return -1;
  }
}
const NOQUEUE = new Lit('NOQUEUE');
const [SMTP, QMGR, LMTP, PIPE, SMTPD, LOCAL, ERROR, RETRY, RELAY, BOUNCE, DISCARD, VIRTUAL, POSTSUPER] = ['smtp', 'qmgr', 'lmtp', 'pipe',
  'smtpd', 'local', 'error', 'retry', 'relay', 'bounce', 'discard', 'virtual', 'postsuper'].map((n) => new Lit(n));

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** byte classes for queue ids: 1 letter, 2 digit (short ids are hex, long ids base-52ish) */
const QCLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) QCLASS[c] = isDigit(c) ? 2 : (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ? 1 : 0;

/** "Nov 29 17:53:49" or "Nov  1 …"; the time's digits are read only when a stamp is needed (clock.ts) */
function classicStamp(b: Uint8Array, s: number, e: number, h: Head): number {
  const month = monthOf(b[s], b[s + 1], b[s + 2]);
  if (month < 0 || b[s + 3] !== 32) return -1;
  let j = s + 4;
  if (b[j] === 32) j++; // "Nov  1"
  const d0 = b[j] - 48;
  let day: number;
  if (d0 >= 0 && d0 <= 9 && b[j + 1] === 32) day = d0;
  else {
    const d1 = b[j + 1] - 48;
    if (!(d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9 && b[j + 2] === 32)) return -1;
    day = d0 * 10 + d1;
    j++;
  }
  // HH:MM:SS (RFC 3164 §4.1.2); anything up to the next space (fractions) is tolerated
  const t = j + 2;
  if (day < 1 || day > 31 || t + 8 > e || b[t + 2] !== 58 || b[t + 5] !== 58) return -1;
  h.month = month;
  h.day = day;
  h.stampS = t;
  h.stampE = t + 8;
  if (b[t + 8] === 32) return t + 8;
  for (let k = t + 8; k < e; k++) if (b[k] === 32) return k;
  return -1;
}

/** the tag's last part (after the last '/') as a daemon code: candidates by length and first byte */
function daemonCode(b: Uint8Array, s: number, e: number): number {
  const c = b[s];
  let lit: Lit | undefined;
  let code = D_AGENT;
  switch (e - s) {
    case 4: lit = c === 115 ? SMTP : c === 113 ? QMGR : c === 108 ? LMTP : c === 112 ? PIPE : undefined;
      if (lit === QMGR) code = D_QMGR;
      break;
    case 5: lit = c === 115 ? SMTPD : c === 108 ? LOCAL : c === 101 ? ERROR : c === 114 ? (b[s + 2] === 116 ? RETRY : RELAY) : undefined;
      if (lit === SMTPD) code = D_SMTPD;
      break;
    case 6: lit = c === 98 ? BOUNCE : undefined; code = D_BOUNCE; break;
    case 7: lit = c === 100 ? DISCARD : c === 118 ? VIRTUAL : undefined;
      if (lit === DISCARD) code = D_DISCARD;
      break;
    case 9: lit = c === 112 ? POSTSUPER : undefined; code = D_POSTSUPER; break;
    default: return D_OTHER;
  }
  return lit !== undefined && lit.at(b, s, e) ? code : D_OTHER;
}

/** the queue id after "tag: ": 5–24 letters/digits with at least one digit, then ": " (or NOQUEUE) */
function queueId(b: Uint8Array, rest: number, e: number, h: Head): void {
  let i = rest;
  let digit = 0;
  let hash = 0;
  const max = e < rest + 25 ? e : rest + 25;
  for (; i < max; i++) {
    const c = b[i];
    const k = QCLASS[c];
    if (k === 0) break;
    digit |= k;
    hash = (Math.imul(hash, 31) + c) | 0;
  }
  if (i + 1 >= e || b[i] !== 58 || b[i + 1] !== 32) return;
  const n = i - rest;
  if (n === 7 && NOQUEUE.at(b, rest, i)) h.noqueue = true;
  else if (n < 5 || n > 24 || (digit & 2) === 0) return;
  h.qidS = rest;
  h.qidE = i;
  h.qidHash = hash & 0x3fffffff;
  h.textS = i + 2;
}

/** either stamp form; the index of the space after it, or -1 */
function stamp(b: Uint8Array, s: number, e: number, h: Head): number {
  if (!(isDigit(b[s]) && b[s + 4] === 45 /* - */ && b[s + 10] === 84 /* T */)) return classicStamp(b, s, e, h);
  let i = s + 11;
  while (i < e && b[i] !== 32) i++;
  if (i >= e) return -1;
  h.month = -1;
  h.stampS = s;
  h.stampE = i;
  return i;
}

/** Parse a line's prefix at [s, e) into `h`; false for non-Postfix or malformed lines. */
export function parseHead(b: Buffer, s: number, e: number, h: Head): boolean {
  if (e - s < 16) return false;
  const i = stamp(b, s, e, h);
  if (i < 0) return false;
  let at = i + 1;
  while (at < e && b[at] !== 32) at++;
  h.hostS = i + 1;
  h.hostE = at;
  at++;
  // tag: postfix/smtpd[123] or postfix-out/smtp[9] (syslog_name); other programs are not ours
  if (at + 9 > e || b[at] !== 112 || b[at + 1] !== 111 || b[at + 2] !== 115 || b[at + 3] !== 116
    || b[at + 4] !== 102 || b[at + 5] !== 105 || b[at + 6] !== 120) return false;
  let slash = -1;
  let bracket = -1;
  let k = at + 7;
  for (; k + 1 < e; k++) {
    const c = b[k];
    if (c === 58) { if (b[k + 1] === 32) break; }
    else if (c === 47) slash = k;
    else if (c === 91 && bracket < 0) bracket = k;
  }
  if (k + 1 >= e || slash < 0) return false;
  const colon = k;
  const tagEnd = bracket > 0 ? bracket : colon;
  if (slash > tagEnd) return false;
  h.buf = b;
  h.s = s;
  h.e = e;
  h.nameS = slash + 1;
  h.nameE = tagEnd;
  h.daemon = daemonCode(b, slash + 1, tagEnd);
  h.pidS = bracket > 0 ? bracket + 1 : -1;
  h.pidE = bracket > 0 ? colon - 1 : -1;
  h.qidS = 0;
  h.qidE = 0;
  h.noqueue = false;
  h.textS = colon + 2;
  queueId(b, colon + 2, e, h);
  return true;
}

/** The prefix as strings (tests, file ordering): the same parse as the scanner's. */
export interface LogLine {
  /** classic syslog: month 0–11 and day; ISO lines: undefined */
  month?: number;
  day?: number;
  /** ISO lines: the timestamp as written; classic: HH:MM:SS */
  stamp: string;
  /** host and pid: set for smtpd lines only (they key the SMTP session), '' otherwise */
  host: string;
  /** last part of the syslog tag: smtpd, cleanup, qmgr, smtp, bounce, postsuper, discard, … */
  daemon: string;
  pid: string;
  /** queue id, 'NOQUEUE', or '' when the message does not start with one */
  qid: string;
  /** message text after "qid: " (or after "tag: " when there is no queue id) */
  text: string;
}

const ONE = new Head();

/** Parse one line given as a string; null for non-Postfix or malformed lines. */
export function parseLine(line: string): LogLine | null {
  const b = Buffer.from(line, 'utf8');
  const h = ONE;
  if (!parseHead(b, 0, b.length, h)) return null;
  const smtpd = h.daemon === D_SMTPD;
  return {
    month: h.month < 0 ? undefined : h.month,
    day: h.month < 0 ? undefined : h.day,
    stamp: text(b, h.stampS, h.stampE),
    host: smtpd ? text(b, h.hostS, h.hostE) : '',
    daemon: text(b, h.nameS, h.nameE),
    pid: smtpd && h.pidS >= 0 ? text(b, h.pidS, h.pidE) : '',
    qid: h.noqueue ? 'NOQUEUE' : text(b, h.qidS, h.qidE),
    text: text(b, h.textS, h.e),
  };
}

export { angleField, wordField, parseDelivery, parseAction, type Delivery, type ActionLine } from './fields.ts';
