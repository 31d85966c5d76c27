// The open messages, keyed by a hash of the queue id's bytes so a line is matched to its message
// without decoding the id (collisions are chained and checked byte by byte), and the last RECENT
// finished ones, so late lines for them open no zombie. Pure, no I/O. Protects "memory bounded by
// open queue ids": a finished message stays only until RECENT more have finished.
import type { Msg } from './fate.ts';
import type { Head } from './parse.ts';
import { sameText } from './bytes.ts';

const RECENT = 4096;

export class OpenMessages {
  private heads = new Map<number, Msg>();
  private seq = 0;
  /** finished messages, oldest first at ringAt */
  private ring: (Msg | undefined)[] = new Array<Msg | undefined>(RECENT).fill(undefined);
  private ringAt = 0;
  size = 0;

  /** the open or recently finished (m.closed) message the line's queue id names, or undefined */
  find(h: Head): Msg | undefined {
    let m = this.heads.get(h.qidHash);
    while (m !== undefined && !sameText(h.buf, h.qidS, h.qidE, m.qid)) m = m.next;
    return m;
  }

  add(hash: number, m: Msg): void {
    m.hash = hash;
    m.seq = ++this.seq;
    m.next = this.heads.get(hash);
    this.heads.set(hash, m);
    this.size++;
  }

  /** `m` has finished: it stays findable (closed) until RECENT more have finished */
  close(m: Msg): void {
    m.closed = true;
    this.size--;
    const old = this.ring[this.ringAt];
    if (old !== undefined && old.closed) this.delete(old);
    this.ring[this.ringAt] = m;
    this.ringAt = (this.ringAt + 1) % RECENT;
  }

  /** forget a finished message (its id is reused by a new one, or it left the ring) */
  delete(m: Msg): boolean {
    let p = this.heads.get(m.hash);
    if (p === m) {
      if (m.next === undefined) this.heads.delete(m.hash);
      else this.heads.set(m.hash, m.next);
    } else {
      while (p !== undefined && p.next !== m) p = p.next;
      if (p === undefined) return false;
      p.next = m.next;
    }
    m.next = undefined;
    return true;
  }

  /** open messages in the order they were first seen */
  values(): Msg[] {
    const out: Msg[] = [];
    for (let m of this.heads.values()) for (; m !== undefined; m = m.next as Msg) if (!m.closed) out.push(m);
    return out.sort((a, b) => a.seq - b.seq);
  }
}
