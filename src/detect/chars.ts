// Character classes for the scanner: what a person reads, after NFKC, for each code point
// (digit value, dash, space, letter-like glue, invisible, other). Pure; tables filled lazily.
// Protects the detection rule: fullwidth and other Unicode decimal digits count, invisible
// format characters are ignored, punctuation is a boundary.

export const C_OTHER = 0; // punctuation, symbols, controls: a boundary
export const C_GLUE = 1; // letters, marks, non-decimal numbers: glue a number to its neighbours
export const C_INVISIBLE = 2; // zero-width and soft-hyphen characters: ignored entirely
export const C_DASH = 3; // any Unicode dash or the minus sign: a separator
export const C_SPACE = 4; // one space (incl. no-break, thin, tab): a separator
export const C_DIGIT = 16; // 16 + value for decimal digits 0–9
const UNKNOWN = 255;

/** ASCII classes, precomputed: the hot path never leaves this table for plain text. */
export const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (c >= 48 && c <= 57) ASCII_CLASS[c] = C_DIGIT + (c - 48);
  else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) ASCII_CLASS[c] = C_GLUE;
  else if (c === 45) ASCII_CLASS[c] = C_DASH;
  // TAB: an unfolded header (RFC 5322 §2.2.3) keeps the folding WSP, which may be a tab
  else if (c === 32 || c === 9) ASCII_CLASS[c] = C_SPACE;
  else ASCII_CLASS[c] = C_OTHER;
}

// One byte per code point (1.1 MiB), filled on first sight: input with many distinct rare
// characters cannot make the scanner recompute classes (no cache that can overflow).
const table = new Uint8Array(0x110000).fill(UNKNOWN);
table.set(ASCII_CLASS, 0);

// Zero-width space/non-joiner/joiner, word joiner, invisible operators, BOM/ZWNBSP, soft
// hyphen, Mongolian vowel separator: a reader does not see them, so `140432\u200B2464` reads
// as one number.
const INVISIBLE = new Set([0x200b, 0x200c, 0x200d, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xfeff, 0x00ad, 0x180e]);

const RE_ND = /^\p{Nd}$/u;
const RE_DASH = /^[\p{Pd}\u2212]$/u;
const RE_ZS = /^\p{Zs}$/u;
const RE_GLUE = /[\p{L}\p{M}\p{N}]/u;

/**
 * Value of a Unicode decimal digit. Unicode encodes every Nd digit set as a contiguous run of
 * ten code points from 0 to 9; adjacent sets (the mathematical digits) are whole runs of ten,
 * so the distance to the start of the run, modulo 10, is the value.
 */
function ndValue(cp: number): number {
  let v = 0;
  while (cp - v - 1 >= 0 && RE_ND.test(String.fromCodePoint(cp - v - 1))) v++;
  return v % 10;
}

function computeClass(cp: number): number {
  if (INVISIBLE.has(cp)) return C_INVISIBLE;
  if (cp >= 0xd800 && cp <= 0xdfff) return C_OTHER; // lone surrogate
  const ch = String.fromCodePoint(cp);
  const nf = ch.normalize('NFKC');
  if (nf.length === 1 && nf.charCodeAt(0) < 128) return ASCII_CLASS[nf.charCodeAt(0)];
  const one = nf.length === 1 || (nf.length === 2 && nf.codePointAt(0)! > 0xffff) ? nf : ch;
  if (RE_ND.test(one)) return C_DIGIT + ndValue(one.codePointAt(0)!);
  if (RE_DASH.test(one)) return C_DASH;
  if (RE_ZS.test(one)) return C_SPACE;
  // multi-character expansions (½ → 1⁄2, ⑴ → (1)) read as one symbol: glue, not digits
  if (RE_GLUE.test(nf)) return C_GLUE;
  return C_OTHER;
}

/** Class of a code point (cached). */
export function classOf(cp: number): number {
  const k = table[cp];
  return k !== UNKNOWN ? k : (table[cp] = computeClass(cp));
}

/** The scanner's copy of a text: Latin-1 bytes when every unit is below 256, else UTF-16 units. */
export type Units = Uint8Array | Uint16Array;

/** Code point at UTF-16 index i of `a` (length n); a lone surrogate is returned as itself. */
export function codePointAt(a: Units, n: number, i: number): number {
  const c = a[i];
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
    const d = a[i + 1];
    if (d >= 0xdc00 && d <= 0xdfff) return (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
  }
  return c;
}

/** Code point ending at UTF-16 index i (inclusive), for walking backwards. */
export function codePointBefore(a: Units, i: number): number {
  const c = a[i];
  if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
    const h = a[i - 1];
    if (h >= 0xd800 && h <= 0xdbff) return (h - 0xd800) * 0x400 + (c - 0xdc00) + 0x10000;
  }
  return c;
}

/** Lower-case ASCII letter, `.` or `-` a person reads for a code point (fullwidth `Ｃ` → `c`), else empty. */
export function keywordChar(cp: number): string {
  const ch = cp < 128 ? String.fromCharCode(cp) : String.fromCodePoint(cp).normalize('NFKC');
  return ch.length === 1 && /^[A-Za-z.\-]$/.test(ch) ? ch.toLowerCase() : '';
}
