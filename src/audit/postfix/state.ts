// State machine over Postfix queue ids, fed one line's parsed prefix (bytes, see parse.ts) at a time.
// Only the fields it keeps are decoded. Memory is bounded by the open queue ids and smtpd sessions:
// a finished message is emitted and dropped at once. No I/O. Protects "every silent case is found".
import { parseHead, Head, D_SMTPD, D_QMGR, D_POSTSUPER, D_BOUNCE, D_DISCARD, D_AGENT } from './parse.ts';
import { Lit, angle, ascii, text } from './bytes.ts';
import { W } from './words.ts';
import { finish, newMsg, plainlyDelivered, type Ending, type Msg } from './fate.ts';
import { SyslogClock, stampText } from './clock.ts';
import { QidTable, SHARDS, FAST, SLOW } from './qids.ts';
import { FastLane, HANDLED, DELIVERED } from './fast.ts';
import { deliveryLine } from './delivery.ts';
import { Rcpts } from './rcpts.ts';
import { parseAction } from './fields.ts';
import { actionLine } from './action.ts';
import { Sessions, adopt, NO_MSGS, NO_PERMITS, NO_REJECTS, type Session } from './session.ts';
import { qmgrLine } from './qmgr.ts';
import type { MessageFate } from '../types.ts';

const L = {
  ...W, onHold: new Lit('placed on hold'), released: new Lit('released from hold'),
  notice: new Lit('sender non-delivery notification:'),
};

const CLOSED = new Rcpts();

/**
 * Which queue ids this state machine follows (parallel.ts): the shards with `shard % of === index`.
 * Every part still reads every line: the clock, the smtpd sessions and the NOQUEUE count are kept
 * alike in all parts, and the lines no queue id owns are reported by part 0 alone.
 */
export interface Part { index: number; of: number }
export const WHOLE: Part = { index: 0, of: 1 };

/**
 * Where an emission falls in the order a single state machine would emit: the line (parsed lines
 * counted from 1; end of input after the last), then the place within that line's emissions.
 */
export type EmitKey = [line: number, group: number, item: number];

export class PostfixState {
  private open = new QidTable();
  private sessions = new Sessions();
  private fast = new FastLane(this.open, this.sessions);
  /** ordinary messages take the fast lane when delivered ones need only counting */
  private fastOn: boolean;
  private noqueue = 0;
  private line = new Head();
  /** parsed lines seen, and the place within the current line's emissions (EmitKey) */
  private tick = 0;
  private group = 0;
  private item = 0;
  /** shard → followed by this part */
  private mine: boolean[];
  private shared: boolean;

  /**
   * `delivered`, when given, receives plainly delivered messages as a recipient count instead of a
   * MessageFate (nothing about them is reported, so nothing is formatted).
   */
  constructor(private emit: (m: MessageFate, at: EmitKey) => void, readonly clock = new SyslogClock(new Date().getFullYear()),
    private delivered?: (recipients: number) => void, part: Part = WHOLE) {
    this.mine = Array.from({ length: SHARDS }, (_, i) => i % part.of === part.index);
    this.shared = part.index === 0;
    this.fastOn = delivered !== undefined;
  }

  get openCount(): number {
    return this.open.size;
  }

  /** One line as text (tests, small inputs); false when it is not a Postfix line. */
  feedLine(line: string): boolean {
    const b = Buffer.from(line, 'utf8');
    if (!parseHead(b, 0, b.length, this.line)) return false;
    this.feed(this.line);
    return true;
  }

  feed(h: Head): void {
    this.tick++;
    this.group = this.item = 0;
    if (h.month >= 0) this.clock.observe(h.month);
    // the fast lane keeps fields by position in one buffer; a new buffer means the old one is done
    // (feedLine makes one per line and never calls release()). A caller that refills the SAME buffer
    // must call release() first: scanLines and the pipeline do.
    if (h.buf !== this.fast.buf) {
      this.fast.release();
      this.fast.buf = h.buf;
    }
    if (h.qidE === h.qidS) {
      if (h.daemon === D_SMTPD) this.sessionLine(h);
      return;
    }
    if (h.noqueue) return this.noqueueLine(h);
    const b = h.buf;
    if (!this.mine[h.qidHash % SHARDS]) {
      // another part's message; what its smtpd session said is used up here in every part
      if (h.daemon === D_SMTPD && L.client.at(b, h.textS, h.e)) this.attach(undefined, h);
      return;
    }
    const id = this.open.find(h);
    const kind = id < 0 ? -1 : this.open.kind[id];
    if (kind === FAST) {
      const r = this.fast.line(id, h);
      if (r === HANDLED) return;
      if (r === DELIVERED) {
        this.fast.finish(id);
        return (this.delivered as (n: number) => void)(1);
      }
      return this.queueLine(this.fast.promote(id), h);
    }
    if (kind === SLOW) return this.queueLine(this.open.objs[id] as Msg, h);
    if (id >= 0) {
      // a recently finished id seen again is a late line, unless a new message starts with it
      // (short queue ids can be reused): smtpd client=, pickup uid=, cleanup message-id= (bounce notices)
      if (!(L.client.at(b, h.textS, h.e) || L.uid.at(b, h.textS, h.e) || L.msgid.at(b, h.textS, h.e))) return;
      this.open.remove(id);
    }
    // a classic stamp is a number, made once; an ISO one is text the fast lane keeps by position
    const classic = h.month < 0 ? Number.NaN : this.clock.stamp(h) as number;
    if (this.fastOn && this.fast.room() && this.fast.begin(h, this.tick, classic)) return;
    const m = newMsg(ascii(b, h.qidS, h.qidE), h.month < 0 ? this.clock.stamp(h) : classic);
    m.slot = this.open.add(h, SLOW, this.tick);
    this.open.objs[m.slot] = m;
    this.queueLine(m, h);
  }

  /**
   * The bytes of the lines fed so far may now be reused or dropped (end of a chunk): anything kept
   * only as a position in them is decoded now. Call after the last line of every buffer.
   */
  release(): void {
    this.fast.release();
  }

  /** End of all input: sessions end, open messages get their pending/unknown fates. */
  end(): void {
    this.tick++;
    this.group = 0;
    for (const s of this.sessions.all()) {
      this.endSession(s);
      this.group++;
    }
    // open messages in the order they were first seen (seq is that line)
    for (const id of this.open.openIds()) {
      this.item = this.open.seq[id];
      this.done(this.open.kind[id] === FAST ? this.fast.promote(id) : this.open.objs[id] as Msg, 'eof');
    }
  }

  private queueLine(m: Msg, h: Head): void {
    const b = h.buf;
    const t = h.textS;
    const e = h.e;
    const d = h.daemon;
    if (d === D_SMTPD && L.client.at(b, t, e)) return this.attach(m, h);
    if (d === D_QMGR) {
      if (qmgrLine(m, h)) this.done(m, 'removed');
      return;
    }
    if (d === D_POSTSUPER) {
      if (L.removed.is(b, t, e)) return this.done(m, 'deleted');
      if (L.onHold.is(b, t, e)) m.held ??= 'postsuper -h';
      else if (L.released.is(b, t, e)) m.held = undefined;
      return;
    }
    if (d === D_BOUNCE) {
      if (L.notice.at(b, t, e)) m.notice = true;
      return;
    }
    if ((d === D_AGENT || d === D_DISCARD) && L.to.at(b, t, e)) return deliveryLine(m, h);
    if (L.uid.at(b, t, e) || L.from.at(b, t, e)) {
      if (m.from === undefined) m.from = angle(b, L.from, t, e);
    } else if (!L.msgid.at(b, t, e)) this.actionLine(m, h);
  }

  /** discard/reject/hold/warning… lines from cleanup and smtpd (checks, access maps, milters). */
  private actionLine(m: Msg, h: Head): void {
    if (actionLine(m, h)) this.park(m);
  }

  /** Emit now, or when its smtpd session ends (then the session's RCPT count is known). */
  private park(m: Msg): void {
    if (m.sessionKey !== undefined && this.sessions.has(m.sessionKey)) m.parked = true;
    else this.done(m, 'removed');
  }

  private done(m: Msg, ending: Ending): void {
    if (m.closed) return;
    m.closed = true;
    this.open.close(m.slot);
    if (this.delivered !== undefined && plainlyDelivered(m)) this.delivered(m.rcpts.size);
    else this.emit(finish(m, ending), [this.tick, this.group, this.item]);
    // a closed message is kept only to recognise late lines by its id: let go of the rest now,
    // so the young generation can free it rather than promote it (GC time)
    m.rcpts = CLOSED;
    m.from = m.subject = m.silent = m.rejected = m.held = undefined;
  }

  /**
   * `QID: client=` — the message now exists; what the session said before belongs to it. Another
   * part's message (`m` undefined) still takes its place in the session and uses that up.
   */
  private attach(m: Msg | undefined, h: Head): void {
    const s = this.sessions.of(h);
    if (s.msgs === NO_MSGS) s.msgs = [m]; // sized for the usual one message, not push's 16
    else s.msgs.push(m);
    if (m !== undefined) adopt(m, s);
    s.permits = NO_PERMITS;
    s.rejects = NO_REJECTS;
    s.discard = undefined;
  }

  private noqueueLine(h: Head): void {
    const a = parseAction(text(h.buf, h.textS, h.e));
    if (!a) return;
    const time = stampText(this.clock.stamp(h));
    if (h.daemon !== D_SMTPD) {
      // postscreen and friends: no smtpd session to join; emit at once so memory stays bounded
      if (a.action === 'reject') this.emitRejects(a.from ?? '', [{ time, from: a.from ?? '', to: a.to ?? '', reason: a.reason }]);
      return;
    }
    const s = this.sessions.of(h);
    if (a.action === 'permit' && a.to !== undefined) {
      if (s.permits === NO_PERMITS) s.permits = [];
      s.permits.push(a.to);
    }
    else if (a.action === 'reject' || a.action === 'milter-reject') {
      if (s.rejects === NO_REJECTS) s.rejects = [];
      s.rejects.push({ time, from: a.from ?? '', to: a.to ?? '', reason: a.reason });
    } else if (a.action === 'discard') s.discard = { reason: `smtpd ${a.what} DISCARD: ${a.reason}`, from: a.from, to: a.to };
  }

  private sessionLine(h: Head): void {
    const kind = Sessions.kind(h);
    if (kind === 0) return;
    const key = this.sessions.key(h);
    const s = this.sessions.get(key);
    if (kind === 1) {
      // a connect for a known session means its disconnect was never logged
      if (s !== undefined) this.endSession(s);
      return this.sessions.connect(key);
    }
    if (s === undefined) return this.sessions.forget(key);
    // a one-transaction session's disconnect carries its accepted RCPT count
    const one = s.msgs.length === 1 ? s.msgs[0] : undefined;
    if (one !== undefined) {
      const rcpt = this.sessions.rcptCount(h);
      const fast = typeof one === 'number' ? this.fast.byHandle(one) : -1;
      if (rcpt !== undefined && typeof one !== 'number') one.nrcpt = Math.max(one.nrcpt ?? 0, rcpt);
      else if (rcpt !== undefined && fast >= 0) this.fast.sessionRcpts(fast, rcpt);
    }
    this.endSession(s);
  }

  private endSession(s: Session): void {
    this.sessions.delete(s);
    const n = s.msgs.length;
    for (let i = 0; i < n; i++) {
      const m = s.msgs[i];
      if (m === undefined) continue;
      if (typeof m === 'number') {
        const fast = this.fast.byHandle(m);
        if (fast >= 0) this.fast.leaveSession(fast);
        continue;
      }
      m.sessionKey = undefined;
      this.item = i;
      if (m.parked) this.done(m, 'removed');
    }
    if (s.rejects.length === 0) return;
    // rejects that never became part of a queued message: the client was told, per sender
    const byFrom = new Map<string, Session['rejects']>();
    for (const r of s.rejects) byFrom.set(r.from, [...(byFrom.get(r.from) ?? []), r]);
    this.item = n;
    for (const [from, rs] of byFrom) this.emitRejects(from, rs);
  }

  /** rejects that never became part of a queued message: the client was told (numbered in every part, told by part 0) */
  private emitRejects(from: string, rs: Session['rejects']): void {
    const queue_id = `NOQUEUE-${++this.noqueue}`;
    if (!this.shared) return;
    this.emit({
      queue_id, time: rs[0].time, from, fate: 'rejected_in_smtp', reason: rs[0].reason,
      recipients: rs.map((r) => ({ to: r.to, fate: 'rejected_in_smtp' as const, reason: r.reason })),
    }, [this.tick, this.group, this.item++]);
  }
}
