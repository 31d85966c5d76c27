// Pure parser for one Postfix log line, in the classic syslog form ("Nov 29 17:53:49 host
// postfix/smtpd[123]: …", no year — Postfix 3.7's own maillog_file writes this too) and the
// RFC 3339 form rsyslog/journald write. No I/O. Unrelated daemons and garbage give null, never throw.

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

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** month by its three char codes packed in one number: no substring per line (hot path) */
const MONTHS = new Map<number, number>(MONTH_NAMES.map((m, i) => [(m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2), i]));

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Short ids are hex, long ids (enable_long_queue_ids) base-52ish; both carry digits. */
function isQueueId(s: string): boolean {
  if (s.length < 5 || s.length > 24) return false;
  let digit = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) digit = true;
    else if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
  }
  return digit;
}

/** Timestamp + host; returns the index after the host's trailing space, or -1. */
function parseHead(line: string, out: LogLine): number {
  let i: number;
  if (isDigit(line.charCodeAt(0)) && line.charCodeAt(4) === 45 /* - */ && line.charCodeAt(10) === 84 /* T */) {
    i = line.indexOf(' ');
    if (i < 0) return -1;
    out.stamp = line.slice(0, i);
  } else {
    const month = MONTHS.get((line.charCodeAt(0) << 16) | (line.charCodeAt(1) << 8) | line.charCodeAt(2));
    if (month === undefined || line.charCodeAt(3) !== 32) return -1;
    let j = 4;
    if (line.charCodeAt(j) === 32) j++; // "Nov  1"
    const day = line.charCodeAt(j + 1) === 32 ? line.charCodeAt(j) - 48 : (line.charCodeAt(j) - 48) * 10 + line.charCodeAt(j + 1) - 48;
    j = line.indexOf(' ', j);
    if (j < 0 || !(day >= 1 && day <= 31)) return -1;
    i = line.indexOf(' ', j + 1);
    if (i < 0 || line.charCodeAt(j + 3) !== 58 /* : */) return -1;
    out.month = month;
    out.day = day;
    out.stamp = line.slice(j + 1, j + 9);
  }
  const h = line.indexOf(' ', i + 1);
  return h < 0 ? -1 : h + 1;
}

/** Parse one line; null for non-Postfix or malformed lines. */
export function parseLine(line: string): LogLine | null {
  // every field up front: one hidden class for all lines keeps the state machine's accesses monomorphic
  const out: LogLine = { month: undefined, day: undefined, stamp: '', host: '', daemon: '', pid: '', qid: '', text: '' };
  const at = parseHead(line, out);
  if (at < 0) return null;
  const hostAt = line.lastIndexOf(' ', at - 2) + 1;
  // tag: postfix/smtpd[123] or postfix-out/smtp[9] (syslog_name); other programs are not ours
  if (!line.startsWith('postfix', at)) return null;
  const colon = line.indexOf(': ', at);
  if (colon < 0) return null;
  const slash = line.lastIndexOf('/', colon);
  const bracket = line.indexOf('[', at);
  const tagEnd = bracket > 0 && bracket < colon ? bracket : colon;
  if (slash < at || slash > tagEnd) return null;
  out.daemon = line.slice(slash + 1, tagEnd);
  // host and pid only key smtpd sessions; other daemons skip the two slices (hot path)
  if (out.daemon === 'smtpd') {
    out.host = line.slice(hostAt, at - 1);
    out.pid = tagEnd === bracket ? line.slice(bracket + 1, colon - 1) : '';
  }
  const rest = colon + 2;
  const c2 = line.indexOf(': ', rest);
  if (c2 > rest && c2 - rest <= 24) {
    const id = line.slice(rest, c2);
    if (id === 'NOQUEUE' || isQueueId(id)) {
      out.qid = id;
      out.text = line.slice(c2 + 2);
      return out;
    }
  }
  out.text = line.slice(rest);
  return out;
}

/** value of `from=<…>` (addresses) given the needle 'from=<', or undefined. Needles are constants: no per-line concatenation */
export function angleField(text: string, needle: string, from = 0): string | undefined {
  const i = text.indexOf(needle, from);
  if (i < 0) return undefined;
  const s = i + needle.length;
  const e = text.indexOf('>', s);
  return e < 0 ? undefined : text.slice(s, e);
}

/** value of `nrcpt=word` up to ',' or space given the needle 'nrcpt=', or undefined */
export function wordField(text: string, needle: string): string | undefined {
  const i = text.indexOf(needle);
  if (i < 0) return undefined;
  const s = i + needle.length;
  let e = s;
  while (e < text.length && text.charCodeAt(e) !== 44 && text.charCodeAt(e) !== 32) e++;
  return text.slice(s, e);
}

/** The delivery agent's status line: `to=<x>, relay=…, dsn=5.1.1, status=bounced (text)` */
export interface Delivery { to: string; status: string; dsn: string; detail: string }

export function parseDelivery(text: string): Delivery | null {
  if (!text.startsWith('to=<')) return null;
  const to = angleField(text, 'to=<') ?? '';
  const si = text.indexOf(', status=');
  if (si < 0) return null;
  const s = si + 9;
  let e = s;
  while (e < text.length && text.charCodeAt(e) !== 32 && text.charCodeAt(e) !== 44) e++;
  const status = text.slice(s, e);
  const open = text.indexOf('(', e);
  const detail = open >= 0 ? text.slice(open + 1, text.endsWith(')') ? -1 : undefined) : '';
  return { to, status, dsn: wordField(text, ', dsn=') ?? '', detail };
}

/**
 * An action line from cleanup/smtpd (header/body checks, access restrictions, milters):
 * `discard: header Subject: X from host[ip]; from=<a> to=<b> proto=ESMTP helo=<h>: reason`.
 */
export interface ActionLine { action: string; what: string; subject?: string; from?: string; to?: string; reason: string }

function headReason(head: string): string {
  const i = head.indexOf(']: ');
  return i >= 0 ? head.slice(i + 3) : head;
}

export function parseAction(text: string): ActionLine | null {
  const c = text.indexOf(': ');
  if (c < 0 || c > 20) return null;
  const action = text.slice(0, c);
  const env = text.lastIndexOf('; from=<');
  if (env < 0) return null;
  const head = text.slice(c + 2, env);
  const after = text.indexOf('>: ', text.lastIndexOf('=<'));
  const reason = after >= 0 ? text.slice(after + 3) : headReason(text.slice(c + 2, env));
  let subject: string | undefined;
  if (head.startsWith('header Subject: ')) {
    const f = head.lastIndexOf(' from ');
    subject = head.slice(16, f > 16 ? f : undefined);
  }
  const what = head.startsWith('header ') ? 'header_checks' : head.startsWith('body ') ? 'body_checks' : head.split(' ')[0];
  return { action, what, subject, from: angleField(text, 'from=<', env), to: angleField(text, ' to=<', env), reason };
}
