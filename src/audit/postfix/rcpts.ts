// A message's recipients by lower-cased address, in the order first named: the subset of Map the
// state machine uses, with the first recipient held in the object itself (most messages have one),
// so an ordinary message allocates no hash table. Pure, no I/O. Protects "first final status wins".
import type { Rcpt } from './fate.ts';

/** above this many recipients a Map indexes them (a list searched in full would be quadratic) */
const INDEX_FROM = 16;

export class Rcpts {
  size = 0;
  private k0 = '';
  private v0: Rcpt | undefined = undefined;
  /** recipients 2…n, and their index once there are many */
  private keys: string[] | undefined = undefined;
  private vals: Rcpt[] | undefined = undefined;
  private index: Map<string, number> | undefined = undefined;

  /** place of `key` (0…size-1), or -1 */
  private find(key: string): number {
    if (this.size === 0) return -1;
    if (this.k0 === key) return 0;
    const keys = this.keys;
    if (keys === undefined) return -1;
    if (this.index !== undefined) return this.index.get(key) ?? -1;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i + 1;
    return -1;
  }

  get(key: string): Rcpt | undefined {
    const i = this.find(key);
    return i < 0 ? undefined : this.at(i);
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  /** the i-th recipient in the order first named, 0 ≤ i < size */
  at(i: number): Rcpt {
    return (i === 0 ? this.v0 : (this.vals as Rcpt[])[i - 1]) as Rcpt;
  }

  /** as Map#set: a known key keeps its place */
  set(key: string, r: Rcpt): void {
    const i = this.find(key);
    if (i === 0) this.v0 = r;
    else if (i > 0) (this.vals as Rcpt[])[i - 1] = r;
    else if (this.size === 0) { this.k0 = key; this.v0 = r; this.size = 1; }
    else {
      if (this.keys === undefined || this.vals === undefined) { this.keys = []; this.vals = []; }
      this.keys.push(key);
      this.vals.push(r);
      this.size++;
      if (this.index !== undefined) this.index.set(key, this.size - 1);
      else if (this.size > INDEX_FROM) this.index = new Map(this.keys.map((k, j) => [k, j + 1]));
    }
  }
}
