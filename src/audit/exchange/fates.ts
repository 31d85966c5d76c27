// Fate state machine for Exchange tracking rows: per message (keyed by Message-ID, which
// survives hops and forks; internal-message-id as fallback) and per recipient. Pure, no I/O.
// Protects "no silent loss" in audits: a notice counts only when a DSN event proves it.
import { type AuditResult, type Fate, type MessageFate, type SilentItem, emptyCounts, worseFate } from '../types.ts';
import type { TrackingRow } from './parser.ts';

type State = 'open' | 'deferred' | 'delivered' | 'failed' | 'expired' | 'dropped';

interface Rcpt {
  to: string;
  state: State;
  at: number;
  reason: string;
  /** the failure came from the SMTP receive side (FAIL with source SMTP) */
  smtpSide: boolean;
  /** delivered into a mailbox (DELIVER): nothing after it changes the fate */
  final: boolean;
}

interface Msg {
  key: string;
  messageId: string;
  internalId: string;
  first: number;
  from: string;
  nullSender: boolean | undefined;
  subject: string;
  received: boolean;
  rcpts: Map<string, Rcpt>;
  /** FAIL events' reference field: the Message-ID of the DSN Exchange made for it */
  failRefs: Set<string>;
}

// Events that move a recipient's state. Others (AGENTINFO, HADISCARD, NOTIFYMAPI, PROCESS,
// HAREDIRECTFAIL, TRANSFER …) are informational: TRANSFER forks keep the Message-ID.
const RECEIVING = new Set(['RECEIVE', 'SUBMIT', 'RESUBMIT', 'HARECEIVE']);
const DELIVERING = new Set(['DELIVER', 'SEND', 'DUPLICATEDELIVER']);
const DROPPING = new Set(['DROP', 'BADMAIL', 'POISONMESSAGE']);
const READDRESSING = new Set(['REDIRECT', 'RESOLVE', 'EXPAND']);

const DSN_SLACK_MS = 60_000;

export interface MaskFn {
  (text: string): string;
}

export class ExchangeTracker {
  private readonly msgs = new Map<string, Msg>();
  /** server|internal-message-id → message key, for rows that omit the Message-ID */
  private readonly byInternal = new Map<string, string>();
  /** Message-IDs some DSN event refers to (the DSN's reference = the failed message) */
  private readonly noticed = new Map<string, number[]>();
  /** Message-IDs of the DSNs themselves */
  private readonly dsnIds = new Map<string, number>();
  rowsSeen = 0;

  constructor(private readonly mask: MaskFn) {}

  add(r: TrackingRow): void {
    this.rowsSeen++;
    if (r.event === 'DSN') return this.dsn(r);
    const moves = RECEIVING.has(r.event) || DELIVERING.has(r.event) || DROPPING.has(r.event) ||
      READDRESSING.has(r.event) || r.event === 'FAIL' || r.event === 'DEFER';
    if (!moves) return;
    const m = this.message(r);
    if (RECEIVING.has(r.event)) {
      m.received = true;
      for (const to of r.recipients) this.rcpt(m, to, r.at);
    } else if (DELIVERING.has(r.event)) this.set(m, r, 'delivered', (i) => `${r.event} ${r.statuses[i] ?? ''}`.trim());
    else if (r.event === 'DEFER') this.set(m, r, 'deferred', (i) => `DEFER ${r.statuses[i] ?? ''}`.trim());
    else if (r.event === 'FAIL') this.fail(m, r);
    else if (DROPPING.has(r.event)) this.drop(m, r);
    else this.readdress(m, r);
  }

  private message(r: TrackingRow): Msg {
    const internalKey = r.internalId ? `${r.server}|${r.internalId}` : '';
    const key = r.messageId || this.byInternal.get(internalKey) || `internal:${internalKey || `${r.file}:${r.line}`}`;
    if (internalKey && !this.byInternal.has(internalKey)) this.byInternal.set(internalKey, key);
    let m = this.msgs.get(key);
    if (!m) {
      m = {
        key, messageId: r.messageId, internalId: r.internalId, first: r.at, from: '', nullSender: undefined,
        subject: '', received: false, rcpts: new Map(), failRefs: new Set(),
      };
      this.msgs.set(key, m);
    }
    m.first = Math.min(m.first, r.at);
    // one line: a subject may hold quoted line breaks (RFC 4180), a report row may not
    if (!m.subject && r.subject) m.subject = this.mask(r.subject.replace(/\s*[\r\n]+\s*/g, ' '));
    this.sender(m, r);
    return m;
  }

  /** RFC 5321 §4.5.5: a null reverse-path (<>) cannot be notified; Exchange logs it as `<>` or empty */
  private sender(m: Msg, r: TrackingRow): void {
    const rp = r.returnPath;
    if (rp !== undefined && rp !== '' && rp !== '<>') {
      m.from = rp;
      m.nullSender = false;
    } else if (m.nullSender === undefined && RECEIVING.has(r.event)) {
      const known = rp !== undefined ? rp : r.sender;
      if (known === '' || known === '<>') m.nullSender = true;
      else if (rp === undefined) m.nullSender = false;
    }
    if (!m.from && r.sender && r.sender !== '<>') m.from = r.sender;
  }

  private rcpt(m: Msg, to: string, at: number): Rcpt {
    const k = to.toLowerCase();
    let x = m.rcpts.get(k);
    if (!x) {
      x = { to, state: 'open', at, reason: '', smtpSide: false, final: false };
      m.rcpts.set(k, x);
    }
    return x;
  }

  /**
   * Files (and servers) may come in any order: a mailbox delivery is final; otherwise the later
   * event wins. A SEND is only a hand-over — to the Internet, or to the next Exchange server,
   * whose own log may later show a FAIL or DROP for the same Message-ID.
   */
  private set(m: Msg, r: TrackingRow, state: State, why: (i: number) => string, smtpSide = false): void {
    const final = state === 'delivered' && r.event !== 'SEND';
    let targets = r.recipients.length > 0 ? r.recipients : [...m.rcpts.values()].map((x) => x.to);
    // a message dropped before any row named its recipients must still be counted
    if (targets.length === 0) targets = ['(recipients not logged)'];
    targets.forEach((to, i) => {
      const x = this.rcpt(m, to, r.at);
      if (x.final) return;
      if (!final && x.state !== 'open' && r.at < x.at) return;
      x.state = state;
      x.at = r.at;
      x.final = final;
      x.reason = this.mask(why(i));
      x.smtpSide = smtpSide;
    });
  }

  private fail(m: Msg, r: TrackingRow): void {
    if (r.reference) m.failRefs.add(r.reference);
    const st = r.statuses.join(';');
    // A transport rule or agent deleting the message is logged as FAIL "…deleted by the transport
    // agent"; no NDR is made for it, so it is a silent drop, not a bounce.
    if (r.source === 'AGENT' && /deleted|TransportAgent/i.test(st)) {
      return this.set(m, r, 'dropped', (i) => `FAIL by transport agent/rule: ${r.statuses[i] ?? st}`);
    }
    const expired = /4\.4\.7|expired/i.test(st);
    this.set(m, r, expired ? 'expired' : 'failed', (i) => `FAIL ${r.statuses[i] ?? ''}`.trim(), r.source === 'SMTP');
  }

  private drop(m: Msg, r: TrackingRow): void {
    const what = r.event === 'DROP' ? 'DROP (dropped without an NDR)' : r.event === 'BADMAIL' ? 'BADMAIL (cannot be delivered or returned)' : 'POISONMESSAGE (moved to the poison message queue)';
    this.set(m, r, 'dropped', (i) => `${what}${r.statuses[i] ? `: ${r.statuses[i]}` : ''}`);
  }

  /** REDIRECT/RESOLVE/EXPAND: related-recipient-address was replaced by recipient-address */
  private readdress(m: Msg, r: TrackingRow): void {
    for (const old of r.related) {
      const x = m.rcpts.get(old.toLowerCase());
      if (x && x.state === 'open') m.rcpts.delete(old.toLowerCase());
    }
    for (const to of r.recipients) this.rcpt(m, to, r.at);
  }

  private dsn(r: TrackingRow): void {
    if (r.reference) {
      for (const ref of r.reference.split(';')) this.notice(ref.trim(), r.at);
      if (r.messageId) this.dsnIds.set(r.messageId, r.at);
      // the DSN itself is a message (null sender, to the original sender); follow its fate
      if (r.messageId && r.recipients.length > 0) {
        const m = this.message(r);
        m.nullSender = true;
        m.from = '';
        m.received = true;
        for (const to of r.recipients) this.rcpt(m, to, r.at);
      }
    } else if (r.messageId) this.notice(r.messageId, r.at); // older logs: the DSN row carries the original's id
  }

  private notice(id: string, at: number): void {
    const list = this.noticed.get(id);
    if (list) list.push(at);
    else this.noticed.set(id, [at]);
  }

  /**
   * DSN times that can report on this message. A DSN made long before the failure (a delay
   * notice after a DEFER, RFC 3464 Action: delayed) does not tell the sender the mail failed.
   */
  private noticeTimes(m: Msg): number[] {
    const t = [...(this.noticed.get(m.key) ?? []), ...(m.messageId !== m.key ? this.noticed.get(m.messageId) ?? [] : [])];
    for (const id of m.failRefs) {
      const at = this.dsnIds.get(id);
      if (at !== undefined) t.push(at);
    }
    return t;
  }

  result(files: string[], lines: number, warnings: string[]): AuditResult {
    const res: AuditResult = {
      source: 'exchange', files, lines, messages: emptyCounts(), recipients: emptyCounts(), silent: [], rows: [], warnings,
    };
    const sorted = [...this.msgs.values()].sort((a, b) => a.first - b.first);
    for (const m of sorted) {
      const row = this.finish(m);
      res.rows.push(row);
      res.messages[row.fate]++;
      for (const rc of row.recipients) res.recipients[rc.fate]++;
      if (row.fate === 'silently_dropped') res.silent.push(silentItem(row));
    }
    return res;
  }

  private finish(m: Msg): MessageFate {
    const dsns = this.noticeTimes(m);
    // the DSN row is often written in the same second as the FAIL, sometimes just before it
    const recipients = [...m.rcpts.values()].map((x) => ({ to: this.mask(x.to), fate: fateOf(x, m, dsns.some((t) => t >= x.at - DSN_SLACK_MS)), reason: x.reason || 'no terminal event in the logs' }));
    let fate: Fate = recipients.length === 0 ? 'unknown' : 'delivered';
    for (const rc of recipients) fate = worseFate(fate, rc.fate);
    const worst = recipients.find((rc) => rc.fate === fate);
    const nullNote = m.nullSender && (fate === 'bounced_no_notice' || fate === 'expired_no_notice') ? ' (null sender: no notice possible)' : '';
    // no queue_id: internal-message-id is per server and means nothing to a reader; the
    // Message-ID is what the sender's Sent Items and the recipient's mailbox can be searched by
    return {
      message_id: m.messageId || (m.internalId ? `internal-message-id ${m.internalId}` : undefined),
      time: new Date(m.first).toISOString(),
      from: m.nullSender ? '' : this.mask(m.from), // '' = null sender, as the Postfix audit writes it
      recipients,
      fate,
      subject: m.subject || undefined,
      reason: (worst?.reason ?? 'no recipients in the logs') + nullNote,
    };
  }
}

function fateOf(x: Rcpt, m: Msg, notice: boolean): Fate {
  const noticed = notice && m.nullSender !== true;
  switch (x.state) {
    case 'delivered':
      return 'delivered';
    case 'deferred':
      return 'deferred_pending';
    case 'open':
      return 'unknown';
    case 'dropped':
      return noticed ? 'bounced_with_notice' : 'silently_dropped';
    case 'expired':
      return noticed ? 'expired_with_notice' : 'expired_no_notice';
    case 'failed':
      // refused while the client was still connected (never committed): the client was told
      if (x.smtpSide && !m.received) return 'rejected_in_smtp';
      return noticed ? 'bounced_with_notice' : 'bounced_no_notice';
  }
}

function silentItem(row: MessageFate): SilentItem {
  return {
    message_id: row.message_id ?? row.queue_id ?? '',
    time: row.time,
    from: row.from,
    to: row.recipients.filter((r) => r.fate === 'silently_dropped').map((r) => r.to),
    reason: row.reason,
    ...(row.subject ? { subject: row.subject } : {}),
  };
}
