// smtpd sessions (one client connection, keyed by host and pid as numbers): what the session said
// around its queue ids — NOQUEUE permits and rejects, a smtpd DISCARD, the accepted RCPT count.
// Pure, no I/O. A session exists only once something needs it, so plain connects cost no object.
import type { Msg } from './fate.ts';
import type { Head } from './parse.ts';
import { Lit, count, digits, sameText, text, wordEnd } from './bytes.ts';

export interface Session {
  key: number;
  /** order of its connect line (or of its creation when the connect was not logged) */
  seq: number;
  /**
   * its messages in `QID: client=` order; a number names a fast-lane entry (fast.ts handle), undefined
   * one another part follows (state.ts Part)
   */
  msgs: (Msg | number | undefined)[];
  /** NOQUEUE permit lines (smtpd_log_access_permit_actions) name recipients before the queue file exists */
  permits: string[];
  rejects: { time: string; from: string; to: string; reason: string }[];
  discard?: { reason: string; from?: string; to?: string };
}

/** shared empty lists: most sessions never get a NOQUEUE line, so they allocate none (copy before adding) */
export const NO_PERMITS = Object.freeze([]) as unknown as string[];
export const NO_REJECTS = Object.freeze([]) as unknown as Session['rejects'];
export const NO_MSGS = Object.freeze([]) as unknown as (Msg | number | undefined)[];

const CONNECT = new Lit('connect from ');
const DISCONNECT = new Lit('disconnect from ');
const MAIL = new Lit(' mail=');
const RCPT = new Lit(' rcpt=');
/** keys: host index · 2^32 + pid key (pid digits + 1; 0 for no pid; interned above 2^31 for odd pids) */
const HOST_STEP = 2 ** 32;
const ODD_PID = 2 ** 31;

export class Sessions {
  /** sessions by key; a number is the connect order of one not created yet (a connect alone needs no object) */
  private open = new Map<number, Session | number>();
  private seq = 0;
  private firstHost?: string;
  private hosts = new Map<string, number>();
  private pids = new Map<string, number>();

  /** smtpd session key: the pid, qualified by host for all but the first host (merged logs) */
  key(h: Head): number {
    const b = h.buf;
    let host = 0;
    if (this.firstHost === undefined) this.firstHost = text(b, h.hostS, h.hostE);
    else if (!sameText(b, h.hostS, h.hostE, this.firstHost)) {
      const name = text(b, h.hostS, h.hostE);
      host = this.hosts.get(name) ?? this.hosts.size + 1;
      this.hosts.set(name, host);
    }
    return host * HOST_STEP + this.pidKey(h);
  }

  private pidKey(h: Head): number {
    if (h.pidS < 0) return 0;
    const b = h.buf;
    const n = h.pidE - h.pidS;
    let plain = n > 0 && n <= 9 && (b[h.pidS] !== 48 || n === 1);
    for (let i = h.pidS; plain && i < h.pidE; i++) plain = b[i] >= 48 && b[i] <= 57;
    if (plain) return digits(b, h.pidS, h.pidE) + 1;
    const name = text(b, h.pidS, h.pidE);
    const k = this.pids.get(name) ?? ODD_PID + this.pids.size;
    this.pids.set(name, k);
    return k;
  }

  /** 1: connect, 2: disconnect, 0: any other session line */
  static kind(h: Head): number {
    return CONNECT.at(h.buf, h.textS, h.e) ? 1 : DISCONNECT.at(h.buf, h.textS, h.e) ? 2 : 0;
  }

  get(key: number): Session | undefined {
    const v = this.open.get(key);
    return typeof v === 'number' ? undefined : v;
  }

  has(key: number): boolean {
    return this.get(key) !== undefined;
  }

  /** a connect line: remembered (by order only) until something needs the session */
  connect(key: number): void {
    this.open.set(key, ++this.seq);
  }

  /** a disconnect line for a session that was never created */
  forget(key: number): void {
    this.open.delete(key);
  }

  /** the line's session, created on first need */
  of(h: Head): Session {
    const key = this.key(h);
    const v = this.open.get(key);
    if (v !== undefined && typeof v !== 'number') return v;
    const s: Session = { key, seq: v ?? ++this.seq, msgs: NO_MSGS, permits: NO_PERMITS, rejects: NO_REJECTS, discard: undefined };
    this.open.set(key, s);
    return s;
  }

  delete(s: Session): void {
    this.open.delete(s.key);
  }

  /** open sessions in connect order (end of input) */
  all(): Session[] {
    const out: Session[] = [];
    for (const v of this.open.values()) if (typeof v !== 'number') out.push(v);
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** disconnect line's "rcpt=3" or "rcpt=2/3" (accepted/total), for a one-transaction session (mail=1) only */
  rcptCount(h: Head): number | undefined {
    const b = h.buf;
    const m = MAIL.find(b, h.textS, h.e);
    const r = RCPT.find(b, h.textS, h.e);
    if (m < 0 || r < 0) return undefined;
    const mailEnd = wordEnd(b, m + 6, h.e);
    if (!(b[m + 6] === 49 && (m + 7 === mailEnd || b[m + 7] === 47))) return undefined;
    const n = count(b, r + 6, wordEnd(b, r + 6, h.e));
    return n < 0 ? undefined : n;
  }
}

/** `QID: client=` — what the session said before the message existed now belongs to it */
export function adopt(m: Msg, s: Session): void {
  m.sessionKey = s.key;
  for (const to of s.permits) m.rcpts.set(to.toLowerCase(), { to, st: 'pending', reason: '' });
  for (const r of s.rejects) m.rcpts.set(r.to.toLowerCase(), { to: r.to, st: 'rejected', reason: r.reason });
  if (s.discard !== undefined) {
    m.silent ??= s.discard.reason;
    m.from ??= s.discard.from;
    const to = s.discard.to;
    if (to !== undefined && !m.rcpts.has(to.toLowerCase())) m.rcpts.set(to.toLowerCase(), { to, st: 'pending', reason: '' });
  }
}
