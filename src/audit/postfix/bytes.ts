// Byte-level helpers for the Postfix log scanner: literal tests, bounded searches (Horspool skip
// tables, so a search touches a fraction of the bytes), and decoding of the few fields that are kept.
// Pure, no I/O. Protects the audit's speed: no per-line string decoding, no search past a line's end.

/** A literal to test or find in log bytes (ASCII). */
export class Lit {
  readonly bytes: Uint8Array;
  readonly n: number;
  /** Horspool (1980) shift per byte value: how far the search may jump when that byte ends the window */
  private readonly shift: Uint8Array;
  constructor(readonly text: string) {
    this.bytes = Uint8Array.from(Buffer.from(text, 'latin1'));
    this.n = this.bytes.length;
    this.shift = new Uint8Array(256).fill(this.n);
    for (let i = 0; i < this.n - 1; i++) this.shift[this.bytes[i]] = this.n - 1 - i;
  }

  /** bytes [i, e) start with this literal */
  at(b: Uint8Array, i: number, e: number): boolean {
    const n = this.n;
    if (e - i < n) return false;
    const p = this.bytes;
    for (let k = 0; k < n; k++) if (b[i + k] !== p[k]) return false;
    return true;
  }

  /** bytes [i, e) are exactly this literal */
  is(b: Uint8Array, i: number, e: number): boolean {
    return e - i === this.n && this.at(b, i, e);
  }

  /** bytes [s, e) end with this literal */
  ends(b: Uint8Array, s: number, e: number): boolean {
    return e - s >= this.n && this.at(b, e - this.n, e);
  }

  /** first position of the literal in [from, e), or -1 */
  find(b: Uint8Array, from: number, e: number): number {
    const n = this.n;
    const p = this.bytes;
    const last = p[n - 1];
    const shift = this.shift;
    let i = from + n - 1;
    while (i < e) {
      const c = b[i];
      if (c === last) {
        let k = n - 2;
        while (k >= 0 && b[i - n + 1 + k] === p[k]) k--;
        if (k < 0) return i - n + 1;
      }
      i += shift[c];
    }
    return -1;
  }
}

/** first position of byte `c` in [from, e), or -1 (short spans: a JS loop beats a native call) */
export function findByte(b: Uint8Array, c: number, from: number, e: number): number {
  for (let i = from; i < e; i++) if (b[i] === c) return i;
  return -1;
}

// Buffer#toString(enc, s, e) spends more time choosing the encoding than decoding a short field;
// the encoding-specific methods behind it are used directly when present (Node ≥ 0.x, untyped).
type Slicer = (this: Buffer, s: number, e: number) => string;
const proto = Buffer.prototype as unknown as { utf8Slice?: Slicer; latin1Slice?: Slicer };
const utf8Slice: Slicer = proto.utf8Slice ?? function (this: Buffer, s, e) { return this.toString('utf8', s, e); };
const latin1Slice: Slicer = proto.latin1Slice ?? function (this: Buffer, s, e) { return this.toString('latin1', s, e); };

/** UTF-8 text of [s, e); with `ascii` below, the only places the scanner makes strings */
export function text(b: Buffer, s: number, e: number): string {
  return s >= e ? '' : utf8Slice.call(b, s, e);
}

/** text of ASCII-only fields (queue ids, stamps) */
export function ascii(b: Buffer, s: number, e: number): string {
  return s >= e ? '' : latin1Slice.call(b, s, e);
}

/** end of a word starting at `s`: the first ',' or ' ' (or e) */
export function wordEnd(b: Uint8Array, s: number, e: number): number {
  let i = s;
  while (i < e && b[i] !== 44 && b[i] !== 32) i++;
  return i;
}

/**
 * decimal digits at [s, e) up to the first non-digit; NaN-free (0 when none), like parseInt(…) || 0;
 * -1 once the value passes `max`
 */
export function digits(b: Uint8Array, s: number, e: number, max = Number.MAX_SAFE_INTEGER): number {
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = b[i] - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    if (v > max) return -1;
  }
  return v;
}

/**
 * A recipient count from a log line (qmgr nrcpt=, smtpd rcpt=): its digits, or -1 when there are
 * more than MAX_COUNT — a damaged line, not a mailing: one reported row per unnamed recipient would
 * otherwise let one number in the file exhaust the memory.
 */
export const MAX_COUNT = 100_000;
export function count(b: Uint8Array, s: number, e: number): number {
  return digits(b, s, e, MAX_COUNT);
}

/** the value of `needle<…>` (an address) in [from, e): decoded, or undefined */
export function angle(b: Buffer, needle: Lit, from: number, e: number): string | undefined {
  const i = needle.find(b, from, e);
  if (i < 0) return undefined;
  const s = i + needle.n;
  const close = findByte(b, 62, s, e);
  return close < 0 ? undefined : text(b, s, close);
}

/** a line's bytes as a string equal to `s` (for ids kept as strings) */
export function sameText(b: Uint8Array, st: number, e: number, s: string): boolean {
  if (e - st !== s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[st + i] !== s.charCodeAt(i)) return false;
  return true;
}
