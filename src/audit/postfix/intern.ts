// A fixed-size cache of decoded log fields by their bytes: senders, recipients, DSN codes and status
// texts repeat across messages, so each distinct one is decoded once instead of once per message.
// Pure, no I/O. Protects the audit's speed and its memory bound (a fixed number of short strings).
import { sameText, text } from './bytes.ts';

/** longest field worth caching (longer ones are decoded every time) */
const MAX = 96;

export class Interner {
  private strs: (string | undefined)[];
  private hashes: Int32Array;
  private mask: number;

  constructor(bits = 12) {
    this.strs = new Array<string | undefined>(1 << bits).fill(undefined);
    this.hashes = new Int32Array(1 << bits);
    this.mask = (1 << bits) - 1;
  }

  /**
   * The UTF-8 text of [s, e), the same string as `text(b, s, e)`. ASCII fields are looked up by a hash
   * of their bytes (one slot each; a newer field takes the slot); others are decoded every time.
   */
  text(b: Buffer, s: number, e: number): string {
    if (e - s > MAX || s >= e) return text(b, s, e);
    let h = 0;
    let high = 0;
    for (let i = s; i < e; i++) {
      const c = b[i];
      high |= c;
      h = (Math.imul(h, 31) + c) | 0;
    }
    if (high >= 128) return text(b, s, e);
    const slot = (h ^ (h >>> 13)) & this.mask;
    const v = this.strs[slot];
    if (v !== undefined && this.hashes[slot] === h && sameText(b, s, e, v)) return v;
    const t = text(b, s, e);
    this.strs[slot] = t;
    this.hashes[slot] = h;
    return t;
  }
}

/** one cache for the audit's fields (one thread runs one audit at a time: its state is only a cache) */
export const FIELDS = new Interner();
