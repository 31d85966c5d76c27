// The fast lane: an ordinary message (client= or message-id=, qmgr from=, one `status=sent`, removed)
// is followed in typed arrays beside the queue-id table, its fields kept as positions in the current
// buffer and decoded only if it turns out to need a report. Pure, no I/O. Protects the audit's speed
// without changing a single fate: any other line makes the message a Msg first (promotion), and the
// slow state machine applies that line as it always did.
import { ascii, count, findByte, wordEnd } from './bytes.ts';
import { W } from './words.ts';
import { FIELDS } from './intern.ts';
import { D_AGENT, D_QMGR, D_SMTPD, type Head } from './parse.ts';
import { deliveryReason, statusOf } from './delivery.ts';
import { newMsg, type Msg } from './fate.ts';
import { FAST, SLOW, HANDLE_IDS, grown, type QidTable } from './qids.ts';
import { NO_MSGS, type Sessions } from './session.ts';

/** what a line did to a fast entry */
export const HANDLED = 0;
/** the line needs the slow state machine: promote the entry, then apply the line there */
export const PROMOTE = 1;
/** qmgr `removed` of a plainly delivered message: count it and close the entry */
export const DELIVERED = 2;
export type LineResult = typeof HANDLED | typeof PROMOTE | typeof DELIVERED;

const F_FROM = 1;
const F_FROM_LAZY = 2;
const F_RCPT = 4;
const F_RCPT_LAZY = 8;
/** the stamp is ISO text (kept by position until decoded), not a number */
const F_ISO = 16;
const F_ISO_LAZY = 32;
const F_DIRTY = 64;
const LAZY = F_FROM_LAZY | F_RCPT_LAZY | F_ISO_LAZY;

/** positions per entry: from [0,1), delivery line: text 2, '>' 3, ", status=" 4, status end 5, line end 6; ISO stamp [7,8) */
const P = 9;

export class FastLane {
  private flags: Uint8Array;
  private nrcpt: Int32Array;
  private skey: Float64Array;
  private stamp: Float64Array;
  private pos: Int32Array;
  private fromStr: (string | undefined)[] = [];
  private toStr: (string | undefined)[] = [];
  private reasonStr: (string | undefined)[] = [];
  private isoStr: (string | undefined)[] = [];
  /** entries with fields kept by position in `buf` */
  private dirty: number[] = [];
  /** the buffer those positions refer to */
  buf: Buffer | undefined = undefined;

  /**
   * `handleIds`: entries with ids below it can be named by a session handle (gen·handleIds + id, a
   * float up to 2^52); the fast lane takes new messages only while every id the table can hand out
   * stays below it (room()). Settable so tests can reach the limit.
   */
  constructor(private table: QidTable, private sessions: Sessions, private handleIds = HANDLE_IDS) {
    const cap = table.capacity;
    this.flags = new Uint8Array(cap);
    this.nrcpt = new Int32Array(cap);
    this.skey = new Float64Array(cap);
    this.stamp = new Float64Array(cap);
    this.pos = new Int32Array(cap * P);
    table.onGrow = (n) => this.grow(n);
  }

  /**
   * Whether a new message may take the fast lane: the table's next id, even after it grows once,
   * is still below handleIds. (At capacity == handleIds a full table would hand out id handleIds,
   * whose handle reads back as entry 0 of the next generation.)
   */
  room(): boolean {
    return this.table.capacity < this.handleIds;
  }

  /**
   * A new message whose first line the fast lane knows: cleanup's message-id=, or smtpd's client= in
   * a session with no NOQUEUE permit, reject or DISCARD waiting for it (the session then names it by
   * handle). False: it starts as a Msg. `stamp` as in start().
   */
  begin(h: Head, seq: number, stamp: number): boolean {
    const b = h.buf;
    if (W.msgid.at(b, h.textS, h.e)) {
      this.start(h, seq, stamp, Number.NaN);
      return true;
    }
    if (h.daemon !== D_SMTPD || !W.client.at(b, h.textS, h.e)) return false;
    const s = this.sessions.of(h);
    if (s.permits.length > 0 || s.rejects.length > 0 || s.discard !== undefined) return false;
    const handle = this.handle(this.start(h, seq, stamp, s.key));
    if (s.msgs === NO_MSGS) s.msgs = [handle];
    else s.msgs.push(handle);
    return true;
  }

  /** A line needs the slow state machine: the entry becomes a Msg, in the table and in its session's list. */
  promote(id: number): Msg {
    const handle = this.handle(id);
    const m = this.toMsg(id);
    m.slot = id;
    this.table.kind[id] = SLOW;
    this.table.objs[id] = m;
    const s = m.sessionKey === undefined ? undefined : this.sessions.get(m.sessionKey);
    const at = s === undefined ? -1 : s.msgs.indexOf(handle);
    if (s !== undefined && at >= 0) s.msgs[at] = m;
    return m;
  }

  /** qmgr removed a plainly delivered entry (the caller counts it) */
  finish(id: number): void {
    this.clear(id);
    this.table.close(id);
  }

  /** a new fast entry for the line's queue id; `stamp` NaN for an ISO line; `skey` NaN without a session */
  start(h: Head, seq: number, stamp: number, skey: number): number {
    const id = this.table.add(h, FAST, seq);
    this.nrcpt[id] = -1;
    this.skey[id] = skey;
    this.stamp[id] = stamp;
    if (Number.isNaN(stamp)) {
      this.flags[id] = F_ISO | F_ISO_LAZY;
      this.pos[id * P + 7] = h.stampS;
      this.pos[id * P + 8] = h.stampE;
      this.mark(id);
    } else this.flags[id] = 0;
    return id;
  }

  /** Apply a line of a fast entry's queue id, if it is one the fast lane knows; nothing changes on PROMOTE. */
  line(id: number, h: Head): LineResult {
    const b = h.buf;
    const t = h.textS;
    const e = h.e;
    if (W.msgid.at(b, t, e)) return HANDLED; // no daemon's message-id= line changes a known message
    if (h.daemon === D_QMGR) {
      if (W.removed.is(b, t, e)) return (this.flags[id] & F_RCPT) !== 0 && this.nrcpt[id] <= 1 ? DELIVERED : PROMOTE;
      if (!W.from.at(b, t, e)) return HANDLED; // qmgr says nothing else the state machine reads
      const close = findByte(b, 62, t + 6, e);
      if (close < 0 || W.expired.find(b, close, e) >= 0) return PROMOTE;
      const n = W.nrcpt.find(b, close, e);
      const nrcpt = n < 0 ? -1 : count(b, n + 6, e);
      if (nrcpt >= 0) this.nrcpt[id] = Math.max(this.nrcpt[id], nrcpt);
      this.pos[id * P] = t + 6;
      this.pos[id * P + 1] = close;
      this.fromStr[id] = undefined;
      this.flags[id] |= F_FROM | F_FROM_LAZY;
      this.mark(id);
      return HANDLED;
    }
    if (h.daemon !== D_AGENT || !W.to.at(b, t, e)) return PROMOTE;
    const close = findByte(b, 62, t + 4, e);
    if (close < 0) return PROMOTE;
    const si = W.status.find(b, close, e);
    if (si < 0) return HANDLED; // no status: the state machine skips the line too
    const se = wordEnd(b, si + 9, e);
    if (!W.sent.is(b, si + 9, se)) return statusOf(b, si + 9, se, D_AGENT) === undefined ? HANDLED : PROMOTE;
    if ((this.flags[id] & F_RCPT) !== 0) return PROMOTE; // a second recipient line: the Msg sorts them out
    const o = id * P;
    this.pos[o + 2] = t;
    this.pos[o + 3] = close;
    this.pos[o + 4] = si;
    this.pos[o + 5] = se;
    this.pos[o + 6] = e;
    this.flags[id] |= F_RCPT | F_RCPT_LAZY;
    this.mark(id);
    return HANDLED;
  }

  /** the entry's smtpd session (NaN: none or ended) */
  sessionOf(id: number): number {
    return this.skey[id];
  }

  /** its smtpd session ended */
  leaveSession(id: number): void {
    this.skey[id] = Number.NaN;
  }

  /** a one-transaction session's accepted RCPT count, as the state machine takes it (the larger one) */
  sessionRcpts(id: number, n: number): void {
    this.nrcpt[id] = Math.max(this.nrcpt[id] < 0 ? 0 : this.nrcpt[id], n);
  }

  /** names a fast entry for a session's message list: its id and generation, so a reused id is not mistaken */
  handle(id: number): number {
    return this.table.gen[id] * this.handleIds + id;
  }

  /** the fast entry a handle names, or -1 when it has finished or been promoted since */
  byHandle(handle: number): number {
    const id = handle % this.handleIds;
    return this.table.gen[id] === (handle - id) / this.handleIds && this.table.kind[id] === FAST ? id : -1;
  }

  /** The entry as a Msg, exactly as the slow state machine would hold it after the same lines. */
  private toMsg(id: number): Msg {
    this.decode(id);
    const f = this.flags[id];
    const m = newMsg(this.table.qid(id), (f & F_ISO) !== 0 ? this.isoStr[id] as string : this.stamp[id]);
    if ((f & F_FROM) !== 0) m.from = this.fromStr[id];
    if ((f & F_RCPT) !== 0) {
      const to = this.toStr[id] as string;
      m.rcpts.set(to.toLowerCase(), { to, st: 'sent', reason: this.reasonStr[id] as string });
    }
    if (this.nrcpt[id] >= 0) m.nrcpt = this.nrcpt[id];
    if (!Number.isNaN(this.skey[id])) m.sessionKey = this.skey[id];
    this.clear(id);
    return m;
  }

  /** the entry has finished or been promoted: let go of its strings */
  clear(id: number): void {
    this.flags[id] = 0;
    this.fromStr[id] = this.toStr[id] = this.reasonStr[id] = this.isoStr[id] = undefined;
  }

  /** `buf` may now be reused or dropped: decode every field still kept by position in it */
  release(): void {
    const d = this.dirty;
    for (let i = 0; i < d.length; i++) {
      const id = d[i];
      if (this.table.kind[id] === FAST) this.decode(id);
      this.flags[id] &= ~F_DIRTY;
    }
    d.length = 0;
  }

  private mark(id: number): void {
    if ((this.flags[id] & F_DIRTY) !== 0) return;
    this.flags[id] |= F_DIRTY;
    this.dirty.push(id);
  }

  /** the same strings the slow state machine makes from the same bytes (field cache, deliveryReason) */
  private decode(id: number): void {
    const f = this.flags[id];
    if ((f & LAZY) === 0) return;
    const b = this.buf as Buffer;
    const o = id * P;
    if ((f & F_FROM_LAZY) !== 0) this.fromStr[id] = FIELDS.text(b, this.pos[o], this.pos[o + 1]);
    if ((f & F_RCPT_LAZY) !== 0) {
      this.toStr[id] = FIELDS.text(b, this.pos[o + 2] + 4, this.pos[o + 3]);
      this.reasonStr[id] = deliveryReason(b, D_AGENT, this.pos[o + 3], this.pos[o + 4], this.pos[o + 5], this.pos[o + 6]);
    }
    if ((f & F_ISO_LAZY) !== 0) this.isoStr[id] = ascii(b, this.pos[o + 7], this.pos[o + 8]);
    this.flags[id] = f & ~LAZY;
  }

  private grow(cap: number): void {
    this.flags = grown(this.flags, cap);
    this.nrcpt = grown(this.nrcpt, cap);
    this.skey = grown(this.skey, cap);
    this.stamp = grown(this.stamp, cap);
    this.pos = grown(this.pos, cap * P);
  }
}
