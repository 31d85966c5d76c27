// State machine over Postfix queue ids, fed one parsed log line at a time. Memory is bounded by
// the open queue ids and smtpd sessions: a finished message is emitted and dropped at once.
// No I/O. Protects "every silent case is found": discards, postsuper -d, the discard transport.
import { parseAction, parseDelivery, angleField, wordField, type LogLine } from './parse.ts';
import { finish, newMsg, type Ending, type Msg } from './fate.ts';
import type { MessageFate } from '../types.ts';

/** One smtpd connection (by host + pid): what it said before and around its queue ids. */
interface Session {
  msgs: Msg[];
  /** NOQUEUE permit lines (smtpd_log_access_permit_actions) name recipients before the queue file exists */
  permits: string[];
  rejects: { time: string; from: string; to: string; reason: string }[];
  discard?: { reason: string; from?: string; to?: string };
}

const RECENT = 4096;
const DELIVERY_AGENTS = new Set(['smtp', 'lmtp', 'local', 'virtual', 'pipe', 'error', 'retry', 'discard', 'relay']);

export class PostfixState {
  private open = new Map<string, Msg>();
  private sessions = new Map<string, Session>();
  /** ids finished lately (a ring of RECENT): late lines for them must not open a zombie message */
  private recent = new Set<string>();
  private ring: string[] = new Array<string>(RECENT).fill('');
  private ringAt = 0;
  private noqueue = 0;

  /** `time` turns a line into an ISO timestamp; called only when a message or reject starts */
  constructor(private emit: (m: MessageFate) => void, private time: (l: LogLine) => string = (l) => l.stamp) {}

  get openCount(): number {
    return this.open.size;
  }

  feed(l: LogLine): void {
    if (l.qid === '') {
      if (l.daemon === 'smtpd') this.sessionLine(l);
      return;
    }
    if (l.qid === 'NOQUEUE') return this.noqueueLine(l);
    let m = this.open.get(l.qid);
    if (m === undefined) {
      // a recently finished id seen again is a late line, unless a new message starts with it
      // (short queue ids can be reused): smtpd client=, pickup uid=, cleanup message-id= (bounce notices)
      const starts = l.text.startsWith('client=') || l.text.startsWith('uid=') || l.text.startsWith('message-id=');
      if (this.recent.has(l.qid) && !starts) return;
      m = newMsg(l.qid, this.time(l));
      this.open.set(l.qid, m);
    }
    this.queueLine(m, l);
  }

  /** End of all input: sessions end, open messages get their pending/unknown fates. */
  end(): void {
    for (const key of [...this.sessions.keys()]) this.endSession(key);
    for (const m of [...this.open.values()]) this.done(m, 'eof');
  }

  private queueLine(m: Msg, l: LogLine): void {
    const t = l.text;
    if (l.daemon === 'smtpd' && t.startsWith('client=')) return this.attach(m, l);
    if (l.daemon === 'qmgr') return this.qmgrLine(m, t);
    if (l.daemon === 'postsuper') {
      if (t === 'removed') return this.done(m, 'deleted');
      if (t === 'placed on hold') m.held ??= 'postsuper -h';
      else if (t === 'released from hold') m.held = undefined;
      return;
    }
    if (l.daemon === 'bounce') {
      if (t.startsWith('sender non-delivery notification:')) m.notice = true;
      return;
    }
    if (t.startsWith('to=<') && DELIVERY_AGENTS.has(l.daemon)) return this.deliveryLine(m, l);
    if (t.startsWith('uid=') || t.startsWith('from=<')) m.from ??= angleField(t, 'from=<');
    else if (t.startsWith('message-id=')) return;
    else this.actionLine(m, l);
  }

  private qmgrLine(m: Msg, t: string): void {
    if (t === 'removed') return this.done(m, 'removed');
    if (!t.startsWith('from=<')) return;
    m.from = angleField(t, 'from=<');
    const n = wordField(t, 'nrcpt=');
    if (n !== undefined) m.nrcpt = Math.max(m.nrcpt ?? 0, Number.parseInt(n, 10) || 0);
    if (t.includes('status=expired')) {
      m.expired = true;
      for (const r of m.rcpts.values()) if (r.st === 'deferred' || r.st === 'pending') r.st = 'expired';
    } else if (t.endsWith('(queue active)')) {
      m.held = undefined; // released (postsuper -H) or never held
    }
  }

  private deliveryLine(m: Msg, l: LogLine): void {
    const d = parseDelivery(l.text);
    if (!d) return;
    const why = `${d.dsn ? `${d.dsn} ` : ''}${d.detail}`.trim();
    // deliverable/undeliverable answer address-verification probes (verify(8)): no one's mail
    // was lost there, so they count as handed over, with the probe's answer as the reason
    const st = l.daemon === 'discard' && d.status === 'sent' ? 'discarded'
      : d.status === 'sent' || d.status === 'deliverable' || d.status === 'undeliverable' ? 'sent'
      : d.status === 'bounced' ? 'bounced'
      : d.status === 'expired' ? 'expired'
      : d.status === 'deferred' ? 'deferred' : undefined;
    if (st === undefined) return;
    const key = d.to.toLowerCase();
    const prev = m.rcpts.get(key);
    // the first final status wins; a later deferral must not undo a delivery (duplicate lines)
    if (prev && prev.st !== 'pending' && prev.st !== 'deferred') return;
    const reason = l.daemon === 'discard' ? d.detail : d.status.endsWith('deliverable') ? `address verification probe: ${d.status}` : why;
    m.rcpts.set(key, { to: d.to, st, reason });
  }

  /** discard/reject/hold/warning… lines from cleanup and smtpd (checks, access maps, milters). */
  private actionLine(m: Msg, l: LogLine): void {
    const a = parseAction(l.text);
    if (!a) return;
    if (a.subject !== undefined) m.subject ??= a.subject;
    if (a.from !== undefined) m.from ??= a.from;
    const rule = `${a.what} ${a.action.replace(/^milter-/, '').toUpperCase()}${a.reason ? `: ${a.reason}` : ''}`;
    const named = a.to !== undefined ? a.to.toLowerCase() : undefined;
    if (named !== undefined && !m.rcpts.has(named)) m.rcpts.set(named, { to: a.to ?? '', st: 'pending', reason: '' });
    switch (a.action) {
      case 'discard':
      case 'milter-discard':
        m.silent ??= a.action === 'milter-discard' ? `milter DISCARD${a.reason ? `: ${a.reason}` : ''}` : rule;
        return this.park(m);
      case 'reject':
      case 'milter-reject':
        if (l.daemon === 'smtpd' && a.what === 'RCPT' && named !== undefined) {
          m.rcpts.set(named, { to: a.to ?? '', st: 'rejected', reason: a.reason });
          return;
        }
        m.rejected ??= `${rule}`;
        return this.park(m);
      case 'hold':
      case 'milter-hold':
        m.held = rule;
        return;
      default:
        return; // warning/info/permit/redirect: the message goes on
    }
  }

  /** Emit now, or when its smtpd session ends (then the session's RCPT count is known). */
  private park(m: Msg): void {
    if (m.sessionKey !== undefined && this.sessions.has(m.sessionKey)) m.parked = true;
    else this.done(m, 'removed');
  }

  private done(m: Msg, ending: Ending): void {
    if (!this.open.delete(m.qid)) return;
    // a ring, not Set-iteration order: deleting a Set's oldest entry rescans its holes each time
    const old = this.ring[this.ringAt];
    if (old !== '') this.recent.delete(old);
    this.ring[this.ringAt] = m.qid;
    this.ringAt = (this.ringAt + 1) % RECENT;
    this.recent.add(m.qid);
    this.emit(finish(m, ending));
  }

  /** smtpd session key: the pid, qualified by host for all but the first host (merged logs) */
  private firstHost?: string;
  private sessionKey(l: LogLine): string {
    this.firstHost ??= l.host;
    return l.host === this.firstHost ? l.pid : `${l.host}/${l.pid}`;
  }

  private sessionFor(l: LogLine): [string, Session] {
    const key = this.sessionKey(l);
    let s = this.sessions.get(key);
    if (!s) {
      s = { msgs: [], permits: [], rejects: [] };
      this.sessions.set(key, s);
    }
    return [key, s];
  }

  /** `QID: client=` — the message now exists; what the session said before belongs to it. */
  private attach(m: Msg, l: LogLine): void {
    const [key, s] = this.sessionFor(l);
    m.sessionKey = key;
    s.msgs.push(m);
    for (const to of s.permits) m.rcpts.set(to.toLowerCase(), { to, st: 'pending', reason: '' });
    for (const r of s.rejects) m.rcpts.set(r.to.toLowerCase(), { to: r.to, st: 'rejected', reason: r.reason });
    if (s.discard !== undefined) {
      m.silent ??= s.discard.reason;
      m.from ??= s.discard.from;
      const to = s.discard.to;
      if (to !== undefined && !m.rcpts.has(to.toLowerCase())) m.rcpts.set(to.toLowerCase(), { to, st: 'pending', reason: '' });
    }
    s.permits = [];
    s.rejects = [];
    s.discard = undefined;
  }

  private noqueueLine(l: LogLine): void {
    const a = parseAction(l.text);
    if (!a) return;
    if (l.daemon !== 'smtpd') {
      // postscreen and friends: no smtpd session to join; emit at once so memory stays bounded
      if (a.action === 'reject') this.emitRejects(a.from ?? '', [{ time: this.time(l), from: a.from ?? '', to: a.to ?? '', reason: a.reason }]);
      return;
    }
    const [, s] = this.sessionFor(l);
    if (a.action === 'permit' && a.to !== undefined) s.permits.push(a.to);
    else if (a.action === 'reject' || a.action === 'milter-reject') {
      s.rejects.push({ time: this.time(l), from: a.from ?? '', to: a.to ?? '', reason: a.reason });
    } else if (a.action === 'discard') s.discard = { reason: `smtpd ${a.what} DISCARD: ${a.reason}`, from: a.from, to: a.to };
  }

  private sessionLine(l: LogLine): void {
    const key = this.sessionKey(l);
    if (l.text.startsWith('connect from ')) {
      if (this.sessions.has(key)) this.endSession(key);
      this.sessions.set(key, { msgs: [], permits: [], rejects: [] });
    } else if (l.text.startsWith('disconnect from ')) {
      const s = this.sessions.get(key);
      const mail = wordField(l.text, ' mail=');
      const rcpt = wordField(l.text, ' rcpt=');
      // "rcpt=3" or "rcpt=2/3" (accepted/total): only a one-transaction session can be apportioned
      if (s && s.msgs.length === 1 && mail !== undefined && mail.split('/')[0] === '1' && rcpt !== undefined) {
        const m = s.msgs[0];
        m.nrcpt = Math.max(m.nrcpt ?? 0, Number.parseInt(rcpt.split('/')[0], 10) || 0);
      }
      this.endSession(key);
    }
  }

  private endSession(key: string): void {
    const s = this.sessions.get(key);
    if (!s) return;
    this.sessions.delete(key);
    for (const m of s.msgs) {
      m.sessionKey = undefined;
      if (m.parked) this.done(m, 'removed');
    }
    if (s.rejects.length === 0) return;
    // rejects that never became part of a queued message: the client was told, per sender
    const byFrom = new Map<string, Session['rejects']>();
    for (const r of s.rejects) byFrom.set(r.from, [...(byFrom.get(r.from) ?? []), r]);
    for (const [from, rs] of byFrom) this.emitRejects(from, rs);
  }

  /** rejects that never became part of a queued message: the client was told */
  private emitRejects(from: string, rs: Session['rejects']): void {
    this.emit({
      queue_id: `NOQUEUE-${++this.noqueue}`, time: rs[0].time, from, fate: 'rejected_in_smtp', reason: rs[0].reason,
      recipients: rs.map((r) => ({ to: r.to, fate: 'rejected_in_smtp' as const, reason: r.reason })),
    });
  }
}
