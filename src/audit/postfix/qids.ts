// The open messages, keyed by a hash of the queue id's bytes so a line is matched to its message
// without decoding the id (collisions are chained and checked byte by byte), and the last RECENT
// finished ones of each shard, so late lines for them open no zombie. Pure, no I/O. Protects "memory
// bounded by open queue ids": a finished message stays only until RECENT more of its shard have finished.
import type { Msg } from './fate.ts';
import type { Head } from './parse.ts';
import { sameText } from './bytes.ts';

/**
 * Queue ids fall into SHARDS shards by hash; a parallel audit gives each thread whole shards. The
 * recently finished ones are counted per shard, so which late lines are recognised does not depend
 * on how many threads there are.
 */
export const SHARDS = 16;
const RECENT = 256;

export class OpenMessages {
  private heads = new Map<number, Msg>();
  /** per shard: finished messages, oldest first at ringAt[shard] */
  private rings: (Msg | undefined)[][] = Array.from({ length: SHARDS }, () => new Array<Msg | undefined>(RECENT).fill(undefined));
  private ringAt = new Array<number>(SHARDS).fill(0);
  size = 0;

  /** the open or recently finished (m.closed) message the line's queue id names, or undefined */
  find(h: Head): Msg | undefined {
    let m = this.heads.get(h.qidHash);
    while (m !== undefined && !sameText(h.buf, h.qidS, h.qidE, m.qid)) m = m.next;
    return m;
  }

  /** `seq`: when it was first seen (the line count), for the order at the end of input */
  add(hash: number, m: Msg, seq: number): void {
    m.hash = hash;
    m.seq = seq;
    m.next = this.heads.get(hash);
    this.heads.set(hash, m);
    this.size++;
  }

  /** `m` has finished: it stays findable (closed) until RECENT more have finished */
  close(m: Msg): void {
    m.closed = true;
    this.size--;
    const shard = m.hash % SHARDS;
    const ring = this.rings[shard];
    const at = this.ringAt[shard];
    const old = ring[at];
    if (old !== undefined && old.closed) this.delete(old);
    ring[at] = m;
    this.ringAt[shard] = (at + 1) % RECENT;
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
