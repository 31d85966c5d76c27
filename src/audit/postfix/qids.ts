// The queue-id table: every open queue id, and the last RECENT finished ones of each shard so late
// lines for them open no zombie. An entry is "fast" (an ordinary message so far, kept in typed arrays,
// fast.ts) or "slow" (a Msg object). Pure, no I/O. Protects "memory bounded by open queue ids".
import type { Msg } from './fate.ts';
import type { Head } from './parse.ts';

/**
 * Queue ids fall into SHARDS shards by hash; a parallel audit gives each thread whole shards. The
 * recently finished ones are counted per shard, so which late lines are recognised does not depend
 * on how many threads there are.
 */
export const SHARDS = 16;
const RECENT = 256;
/** longest queue id parse.ts accepts */
const QMAX = 24;

export const FREE = 0;
export const FAST = 1;
export const SLOW = 2;
export const CLOSED = 3;

/** entry ids above this cannot be named by a session handle (fast.ts): such entries start slow */
export const HANDLE_IDS = 1 << 22;

/** a typed array of `n` elements starting with `a`'s (the table and the fast lane's fields grow together) */
export function grown<T extends Uint8Array | Int32Array | Float64Array>(a: T, n: number): T {
  const c = new (a.constructor as new (n: number) => T)(n);
  c.set(a);
  return c;
}

export class QidTable {
  /** entries: FREE/FAST/SLOW/CLOSED, queue id hash and bytes, bucket chain, reuse generation, first line */
  kind: Uint8Array;
  hash: Int32Array;
  next: Int32Array;
  gen: Int32Array;
  seq: Float64Array;
  private qlen: Uint8Array;
  private qb: Uint8Array;
  /** the Msg of a SLOW entry */
  objs: (Msg | undefined)[] = [];
  private heads: Int32Array;
  private free: Int32Array;
  private nfree = 0;
  private used = 0;
  /** per shard: finished entries (id and generation), oldest at ringAt[shard] */
  private ringId = new Int32Array(SHARDS * RECENT).fill(-1);
  private ringGen = new Int32Array(SHARDS * RECENT);
  private ringAt = new Int32Array(SHARDS);
  /** open (FAST or SLOW) entries */
  size = 0;
  /** called when the table grows, so fields kept beside it (fast.ts) grow too */
  onGrow: (cap: number) => void = () => {};

  constructor(private cap = 1024) {
    this.kind = new Uint8Array(cap);
    this.hash = new Int32Array(cap);
    this.next = new Int32Array(cap);
    this.gen = new Int32Array(cap);
    this.seq = new Float64Array(cap);
    this.qlen = new Uint8Array(cap);
    this.qb = new Uint8Array(cap * QMAX);
    this.heads = new Int32Array(cap).fill(-1);
    this.free = new Int32Array(cap);
  }

  get capacity(): number {
    return this.cap;
  }

  /** the open or recently finished (CLOSED) entry the line's queue id names, or -1 */
  find(h: Head): number {
    const b = h.buf;
    const s = h.qidS;
    const n = h.qidE - s;
    for (let id = this.heads[h.qidHash & (this.cap - 1)]; id >= 0; id = this.next[id]) {
      if (this.hash[id] !== h.qidHash || this.qlen[id] !== n) continue;
      const o = id * QMAX;
      let k = 0;
      while (k < n && this.qb[o + k] === b[s + k]) k++;
      if (k === n) return id;
    }
    return -1;
  }

  /** a new entry for the line's queue id, first seen on line `seq` */
  add(h: Head, kind: number, seq: number): number {
    if (this.nfree === 0 && this.used === this.cap) this.grow();
    const id = this.nfree > 0 ? this.free[--this.nfree] : this.used++;
    const n = h.qidE - h.qidS;
    this.kind[id] = kind;
    this.hash[id] = h.qidHash;
    this.seq[id] = seq;
    this.qlen[id] = n;
    const o = id * QMAX;
    for (let k = 0; k < n; k++) this.qb[o + k] = h.buf[h.qidS + k];
    const bucket = h.qidHash & (this.cap - 1);
    this.next[id] = this.heads[bucket];
    this.heads[bucket] = id;
    this.size++;
    return id;
  }

  /** the queue id of an entry as text (ids are ASCII letters and digits) */
  qid(id: number): string {
    const o = id * QMAX;
    let q = '';
    for (let k = 0; k < this.qlen[id]; k++) q += String.fromCharCode(this.qb[o + k]);
    return q;
  }

  /** `id` has finished: it stays findable (CLOSED) until RECENT more of its shard have finished */
  close(id: number): void {
    this.kind[id] = CLOSED;
    this.objs[id] = undefined;
    this.size--;
    const shard = this.hash[id] % SHARDS;
    const at = shard * RECENT + this.ringAt[shard];
    const old = this.ringId[at];
    if (old >= 0 && this.gen[old] === this.ringGen[at] && this.kind[old] === CLOSED) this.remove(old);
    this.ringId[at] = id;
    this.ringGen[at] = this.gen[id];
    this.ringAt[shard] = (this.ringAt[shard] + 1) % RECENT;
  }

  /** forget a finished entry (its id is reused by a new message, or it left the ring) */
  remove(id: number): void {
    const bucket = this.hash[id] & (this.cap - 1);
    if (this.heads[bucket] === id) this.heads[bucket] = this.next[id];
    else {
      let p = this.heads[bucket];
      while (p >= 0 && this.next[p] !== id) p = this.next[p];
      if (p < 0) throw new Error(`queue-id table: entry ${id} is not in its bucket`); // an invariant broke: say so, never spin
      this.next[p] = this.next[id];
    }
    this.kind[id] = FREE;
    this.gen[id] = (this.gen[id] + 1) & 0x3fffffff;
    this.free[this.nfree++] = id;
  }

  /** open entries in the order they were first seen */
  openIds(): number[] {
    const out: number[] = [];
    for (let id = 0; id < this.used; id++) if (this.kind[id] === FAST || this.kind[id] === SLOW) out.push(id);
    return out.sort((a, b) => this.seq[a] - this.seq[b]);
  }

  /** twice the entries (and buckets: chains stay short), rehashed */
  private grow(): void {
    const cap = this.cap * 2;
    this.kind = grown(this.kind, cap);
    this.hash = grown(this.hash, cap);
    this.next = grown(this.next, cap);
    this.gen = grown(this.gen, cap);
    this.seq = grown(this.seq, cap);
    this.qlen = grown(this.qlen, cap);
    this.qb = grown(this.qb, cap * QMAX);
    this.free = grown(this.free, cap);
    this.heads = new Int32Array(cap).fill(-1);
    this.cap = cap;
    // chains are rebuilt in id order; only FREE entries (none while growing: the free list is empty) are left out
    for (let id = this.used - 1; id >= 0; id--) {
      if (this.kind[id] === FREE) continue;
      const bucket = this.hash[id] & (cap - 1);
      this.next[id] = this.heads[bucket];
      this.heads[bucket] = id;
    }
    this.onGrow(cap);
  }
}
