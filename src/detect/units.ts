// The scanner's copy of the text and its skip step: where the next run of six units that may
// be digits starts. Pure (reused scratch buffers, no I/O). Protects exactness: a skip passes
// over only units that can be in no CPR number, so the rule itself sees every candidate.
import { C_DASH, C_DIGIT, C_GLUE, C_INVISIBLE, C_OTHER, C_SPACE, classOf, type Units } from './chars.ts';
import { computeFlags, kernelCopy, Latin1Copy } from './flags.ts';

// A text whose code units are all below 256 (V8 keeps such strings one byte per character:
// Danish subjects with æ ø å are) is copied as Latin-1, one byte per unit, by a native memcpy;
// offsets are unchanged. A few wider units get stand-in bytes (standIns); other text is copied
// as UTF-16. Scans are synchronous and never re-entered, so one scratch buffer of each kind
// suffices; buffers up to 4 MiB are kept.
const KEEP_MAX = 1 << 22;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
// Matches nothing in a one-byte string: V8 compiles it to fail at once there, so the test is
// O(1) for the common case, not a pass over the text (a two-byte string is read up to its
// first wide unit).
const WIDE_UNIT = /[^\x00-\xff]/;

/** A buffer (for native writes) and a UTF-16 view of the same memory. */
class Scratch {
  buf: Buffer;
  u16: Uint16Array;
  constructor(size: number) {
    // allocUnsafeSlow: an ArrayBuffer of its own at offset 0, so the view is aligned
    this.buf = Buffer.allocUnsafeSlow(size);
    this.u16 = new Uint16Array(this.buf.buffer, 0, size >> 1);
  }
}

let keptUnits = new Scratch(4096);
let units = keptUnits;
let keptBytes = new Latin1Copy(4096);
let bytes = keptBytes;
let current = '';
let wideReady = false;

/** A scratch buffer of at least `size` bytes: the kept one, grown up to KEEP_MAX, else a temporary one. */
function scratch(kept: Scratch, size: number): Scratch {
  if (size <= kept.buf.length) return kept;
  return new Scratch(size <= KEEP_MAX ? Math.min(KEEP_MAX, Math.max(size, 2 * kept.buf.length)) : size);
}

/** Room for a Latin-1 copy of `size` bytes: in the SIMD kernel's memory, else kept or temporary. */
function latin1Copy(size: number): Latin1Copy {
  const k = kernelCopy(size, KEEP_MAX);
  if (k !== null) return k;
  if (size <= keptBytes.u8.length) return keptBytes;
  const copy = new Latin1Copy((size <= KEEP_MAX ? Math.min(KEEP_MAX, Math.max(size, 2 * keptBytes.u8.length)) : size + 15) & ~15);
  if (size <= KEEP_MAX) keptBytes = copy;
  return copy;
}

/** Texts shorter than this (most header values) are copied by hand: below it, native calls cost more. */
const SHORT = 64;

/**
 * Copy `text` for scanning: a Uint8Array (Latin-1, with flag bits for nextRunLatin1) when every
 * unit is below 256, else a Uint16Array. Null for a short Latin-1 text with no unit that may be
 * in a digit run: it holds no number.
 */
export function load(text: string): Units | null {
  const n = text.length;
  current = text;
  wideReady = false;
  if (!LITTLE_ENDIAN) return wide();
  if (n < SHORT) {
    bytes = keptBytes; // 4096 bytes and more: room for SHORT + padding
    const runs = latin1Short(text);
    return runs < 0 ? wide() : runs === 0 ? null : bytes.u8;
  }
  bytes = latin1Copy(n + 16);
  bytes.buf.write(text, 0, 'latin1'); // a unit of 256 or above keeps only its low byte here
  if (WIDE_UNIT.test(text) && !standIns(text)) return wide();
  const u8 = bytes.u8;
  for (let i = n, end = (n + 16) & ~15; i < end; i++) u8[i] = 0; // no flags past the end
  computeFlags(bytes, n);
  return bytes.u8;
}

// A Latin-1 byte of each class, to stand in for a wider unit of that class (digits by value).
// '/' is never one: the rule reads it by identity (`180714/8932`).
const STAND_IN = new Uint8Array(C_DIGIT + 10);
STAND_IN[C_OTHER] = 0x21; // '!'
STAND_IN[C_GLUE] = 0x61; // 'a'
STAND_IN[C_INVISIBLE] = 0xad; // soft hyphen
STAND_IN[C_DASH] = 0x2d; // '-'
STAND_IN[C_SPACE] = 0x20; // ' '
for (let v = 0; v < 10; v++) STAND_IN[C_DIGIT + v] = 0x30 + v;
const WIDE_UNITS = /[^\x00-\xff]/g;

/**
 * In the Latin-1 copy of a text with a few units of 256 or above (`€`, `–`, curly quotes),
 * put in each one's place a byte of the same class: the rule reads classes (and ASCII digits,
 * `/` and the keyword letters, which it reads from the UTF-16 copy), so it decides the same,
 * at the same offsets. A surrogate pair gets two stand-ins; false (read as UTF-16 instead)
 * when a pair is a digit or invisible (it would be one unit of the run where the text has two),
 * or when wide units are more than one in 16.
 */
function standIns(text: string): boolean {
  const u8 = bytes.u8;
  const n = text.length;
  let left = (n >> 4) + 8;
  WIDE_UNITS.lastIndex = 0;
  for (let m = WIDE_UNITS.exec(text); m !== null; m = WIDE_UNITS.exec(text)) {
    const i = m.index;
    const c = text.charCodeAt(i);
    const d = i + 1 < n ? text.charCodeAt(i + 1) : 0;
    const pair = c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff;
    const k = classOf(pair ? (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000 : c); // lone surrogate: itself
    if (--left < 0 || (pair && (k >= C_DIGIT || k === C_INVISIBLE))) {
      WIDE_UNITS.lastIndex = 0;
      return false;
    }
    u8[i] = STAND_IN[k];
    if (pair) {
      u8[i + 1] = STAND_IN[k];
      WIDE_UNITS.lastIndex = i + 2;
    }
  }
  return true;
}

/** `text` as UTF-16 units, for the reference scan that reads every unit. */
export function loadWide(text: string): Uint16Array {
  current = text;
  wideReady = false;
  return wide();
}

/**
 * Copy a short text as Latin-1 by hand (cheaper than native calls for a header value), with its
 * flag bits taken exactly from the class table: -1 when a unit is 256 or above, else 1 when
 * some unit may be in a digit run, else 0.
 */
function latin1Short(text: string): number {
  const b = bytes.u8;
  const masks = bytes.masks;
  const n = text.length;
  let all = 0;
  let any = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    b[i] = c;
    all |= c;
    m |= FX[c & 0xff] << (i & 15); // wrong above 255, but then all >= 256 and the bits are not used
    if ((i & 15) === 15) {
      masks[i >> 4] = m;
      any |= m;
      m = 0;
    }
  }
  masks[n >> 4] = m;
  return all >= 256 ? -1 : (any | m) === 0 ? 0 : 1;
}

/**
 * The text being scanned as UTF-16, copied on first use (the keyword checks read UTF-16;
 * a Latin-1 scan needs them only for a number glued to a word or a spaced-out variant).
 */
export function wide(): Uint16Array {
  if (wideReady) return units.u16;
  const n = current.length;
  units = scratch(keptUnits, 2 * n + 2);
  if (units.buf.length <= KEEP_MAX) keptUnits = units;
  const a = units.u16;
  if (n < 64 || !LITTLE_ENDIAN) for (let i = 0; i < n; i++) a[i] = current.charCodeAt(i);
  else units.buf.write(current, 0, 'utf16le');
  wideReady = true;
  return a;
}

/** Forget the scanned text and any temporary buffer, so neither is kept alive after a scan. */
export function unload(): void {
  current = '';
  wideReady = false;
  bytes = keptBytes;
  units = keptUnits;
}

// A unit may be part of a digit run when its class is a digit or invisible; surrogates count
// too, since a pair may be an astral digit. Below 256 a table answers.
const RUNISH = new Uint8Array(256);
for (let c = 0; c < 256; c++) RUNISH[c] = isRunClass(classOf(c)) ? 1 : 0;
// The same as flag bits for short texts: bit 0 F (may be in a run), bit 16 X (and not an ASCII digit).
const FX = new Int32Array(256);
for (let c = 0; c < 256; c++) FX[c] = RUNISH[c] | (RUNISH[c] & (c < 48 || c > 57 ? 1 : 0)) << 16;

function isRunClass(k: number): boolean {
  return k >= C_DIGIT || k === C_INVISIBLE;
}

function runish(c: number): boolean {
  return c < 256 ? RUNISH[c] === 1 : (c >= 0xd800 && c <= 0xdfff) || isRunClass(classOf(c));
}

/**
 * Start of the next six consecutive bytes from `from` on that may all be in a digit run, or
 * -1; bytes before `from` count as boundaries. Reads the flag bits (flags.ts: F, a superset of
 * the Latin-1 run units, and X, those that are not ASCII digits; 16 bytes per step) without a
 * branch until a run of six is seen: the flags of the last 32 bytes sit in `hist` in text
 * order, and three shifted ANDs find six in a row. A run of plain ASCII digits whose end is in
 * view and whose length is neither 6 nor 10 holds no number (the rule would pass over it
 * too: too long to start one, and not free on the left after its start), so it is skipped here.
 */
export function nextRunLatin1(n: number, from: number): number {
  const steps = (n + 15) >> 4;
  const masks = bytes.masks;
  let keep = (0xffff << (from & 15)) & 0xffff;
  let hist = 0; // F: bit 16 + k is byte 16p + k
  let histX = 0; // X, the same positions
  for (let p = from >> 4; p < steps; p++) {
    const m = masks[p];
    hist = (hist >>> 16) | ((m & keep) << 16);
    histX = (histX >>> 16) | (m & (keep << 16));
    keep = 0xffff;
    for (;;) {
      let r = hist & (hist >>> 1);
      r &= r >>> 2;
      r &= r >>> 2; // bit b set: bits b … b + 5 all set
      r &= 0x07fff800; // runs of six that end in this step start at bits 11–26
      if (r === 0) break;
      const b = 31 - Math.clz32(r & -r);
      const beyond = ~hist & (-1 << b); // the run ends at the lowest clear bit above b
      if (beyond === 0) return 16 * p + b - 16; // it goes on past this step: the rule reads it
      const len = 31 - Math.clz32(beyond & -beyond) - b;
      const run = ((1 << len) - 1) << b;
      if ((histX & run) !== 0 || len === 6 || len === 10) return 16 * p + b - 16;
      hist &= ~run; // passed over; look for another run in this step
    }
  }
  return -1;
}

/**
 * The same for UTF-16 units, by probing: if the unit five ahead cannot be in a run, no run of
 * six starts before it (Boyer–Moore style), so most text is read one unit in six.
 */
export function nextRunUtf16(a: Uint16Array, n: number, from: number): number {
  let i = from;
  let known = from - 1; // a[i .. known] are known to be run units
  for (;;) {
    const p = i + 5;
    if (p >= n) return -1;
    const c = a[p];
    if (c < 256 ? RUNISH[c] === 0 : !runish(c)) {
      i = p + 1;
      known = p;
      continue;
    }
    let q = p - 1;
    while (q > known && runish(a[q])) q--;
    if (q <= known) return i;
    i = q + 1;
    known = p;
  }
}
