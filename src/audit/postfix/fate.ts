// What one Postfix queue id's log lines add up to: the per-recipient and per-message fate
// (DESIGN "audit postfix"). Pure, no I/O. Protects "a notice counts only when the log shows it
// was made" (a `sender non-delivery notification: QID` line); mask.ts masks what leaves.
import { worseFate, type Fate, type MessageFate, type RecipientFate } from '../types.ts';
import { stampText, type Stamp } from './clock.ts';
import { Rcpts } from './rcpts.ts';

export type RcptState = 'pending' | 'sent' | 'discarded' | 'bounced' | 'deferred' | 'expired' | 'rejected';

export interface Rcpt { to: string; st: RcptState; reason: string }

/** Everything the log told us about one queue id while it is open. */
export interface Msg {
  qid: string;
  /** when its first line was logged; formatted only if the message is reported */
  stamp: Stamp;
  from?: string;
  subject?: string;
  rcpts: Rcpts;
  /** qmgr's nrcpt=, or the smtpd session's accepted RCPT count (single-transaction sessions) */
  nrcpt?: number;
  /** the message as a whole was discarded (header/body_checks, milter, smtpd access DISCARD) */
  silent?: string;
  /** the client was told 5xx for the whole message (cleanup/milter reject at end of DATA) */
  rejected?: string;
  /** on hold, with the rule that put it there; cleared when qmgr picks it up again */
  held?: string;
  expired?: boolean;
  /** the log shows `sender non-delivery notification` for this id */
  notice?: boolean;
  /** waiting for its smtpd session to end (to learn the RCPT count) before it is emitted */
  parked?: boolean;
  sessionKey?: number;
  /** its entry in the queue-id table (qids.ts) */
  slot: number;
  /** finished and emitted; kept a while so its late lines are recognised */
  closed: boolean;
}

export type Ending = 'removed' | 'deleted' | 'eof';

export function newMsg(qid: string, stamp: Stamp): Msg {
  // every field up front: one hidden class for all messages keeps the state machine's property
  // accesses monomorphic and the fields in-object (no property-array growth per message)
  return {
    qid, stamp, from: undefined, subject: undefined, rcpts: new Rcpts(), nrcpt: undefined, silent: undefined,
    rejected: undefined, held: undefined, expired: undefined, notice: undefined, parked: undefined,
    sessionKey: undefined, slot: -1, closed: false,
  };
}

/** all recipients handed over (`status=sent`, or a verification probe's answer): nothing to report */
export function plainlyDelivered(m: Msg): boolean {
  if (m.silent !== undefined || m.rejected !== undefined || m.rcpts.size === 0 || (m.nrcpt ?? 0) > m.rcpts.size) return false;
  for (let i = 0; i < m.rcpts.size; i++) if (m.rcpts.at(i).st !== 'sent') return false;
  return true;
}

function failedFate(m: Msg, kind: 'bounced' | 'expired'): Fate {
  // a null sender cannot be notified (RFC 5321 §4.5.5); for others only the log line is proof
  const withNotice = m.notice === true && m.from !== '';
  if (kind === 'bounced') return withNotice ? 'bounced_with_notice' : 'bounced_no_notice';
  return withNotice ? 'expired_with_notice' : 'expired_no_notice';
}

/** Fate of a recipient whose own log lines say nothing final, by how the message ended. */
function openFate(m: Msg, r: Rcpt | undefined, ending: Ending): [Fate, string] {
  const was = m.held !== undefined ? `while on hold (${m.held})` : r?.st === 'deferred' ? `while deferred (${r.reason})` : 'before delivery';
  if (ending === 'deleted') return ['silently_dropped', `postsuper -d ${was}`];
  if (m.expired) return [failedFate(m, 'expired'), `expired${r?.reason ? `: ${r.reason}` : ''}`];
  if (ending === 'eof' && m.held !== undefined) return ['held_pending', `on hold: ${m.held}`];
  if (ending === 'eof' && r?.st === 'deferred') return ['deferred_pending', `deferred: ${r.reason}`];
  return ['unknown', ending === 'eof' ? 'no final status in the logs' : 'removed without a delivery status'];
}

function recipientFate(m: Msg, r: Rcpt | undefined, ending: Ending): [Fate, string] {
  if (m.silent !== undefined) return ['silently_dropped', m.silent];
  if (r?.st === 'rejected') return ['rejected_in_smtp', r.reason];
  if (m.rejected !== undefined) return ['rejected_in_smtp', m.rejected];
  switch (r?.st) {
    case 'sent': return ['delivered', r.reason];
    case 'discarded': return ['silently_dropped', `discard transport: ${r.reason}`];
    case 'bounced': return [failedFate(m, 'bounced'), r.reason];
    case 'expired': return [failedFate(m, 'expired'), r.reason];
    default: return openFate(m, r, ending);
  }
}

interface Acc { recipients: RecipientFate[]; fate?: Fate; reason: string }

// module level, not a closure in finish(): tsx/esbuild wraps inner functions in a per-call __name()
function add(acc: Acc, to: string, f: Fate, why: string): void {
  acc.recipients.push({ to, fate: f, reason: why });
  if (acc.fate === undefined || worseFate(f, acc.fate) !== acc.fate) { acc.fate = f; acc.reason = why; }
}

/** The final word on a message. Recipients the log never names (only counted) get to ''. */
export function finish(m: Msg, ending: Ending): MessageFate {
  const acc: Acc = { recipients: [], reason: '' };
  for (let i = 0; i < m.rcpts.size; i++) {
    const r = m.rcpts.at(i);
    const [f, why] = recipientFate(m, r, ending);
    add(acc, r.to, f, why);
  }
  const unnamed = Math.max((m.nrcpt ?? 0) - m.rcpts.size, m.rcpts.size === 0 ? 1 : 0);
  for (let i = 0; i < unnamed; i++) {
    const [f, why] = recipientFate(m, undefined, ending);
    add(acc, '', f, why);
  }
  const out: MessageFate = {
    queue_id: m.qid,
    time: stampText(m.stamp),
    from: m.from ?? '',
    recipients: acc.recipients,
    fate: acc.fate ?? 'unknown',
    reason: acc.reason,
  };
  if (m.subject !== undefined) out.subject = m.subject;
  return out;
}
