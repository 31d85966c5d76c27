// The text scanner: one pass over UTF-16 code units finding CPR numbers by the DESIGN
// "Detection rule" (digit runs, one separator, boundaries, keyword exception, date check).
// Pure, no I/O, no regex on the hot path. Offsets are UTF-16 offsets into the input string.
import { createHmac } from 'node:crypto';
import {
  ASCII_CLASS, C_DASH, C_DIGIT, C_GLUE, C_INVISIBLE, C_SPACE, classOf, codePointAt, codePointBefore, keywordChar,
} from './chars.ts';
import { cprKindOfDigits, mod11OfDigits } from './cpr.ts';
import type { Finding, ScanOptions } from './types.ts';

// Scratch state for one synchronous scan (no allocation per candidate).
const digits = new Uint8Array(10);
let runEnd = 0; // UTF-16 index after the last digit of the run just read
let peekClass = 0; // class of the next visible character (or C_OTHER at the end)
let peekIdx = 0; // its index
let peekWidth = 0; // its width in code units

/** Read a digit run from i (invisible characters inside it are skipped); store values at base. */
function readRun(s: string, i: number, base: number): number {
  const n = s.length;
  let count = 0;
  runEnd = i;
  while (i < n) {
    const c = s.charCodeAt(i);
    let k: number;
    let w = 1;
    if (c < 128) k = ASCII_CLASS[c];
    else {
      const cp = codePointAt(s, i);
      k = classOf(cp);
      if (cp > 0xffff) w = 2;
    }
    if (k >= C_DIGIT) {
      if (base + count < 10) digits[base + count] = k - C_DIGIT;
      count++;
      i += w;
      runEnd = i;
    } else if (k === C_INVISIBLE) i += w;
    else break;
    if (count > 10) break; // too long already: the caller rejects it and skips the rest
  }
  return count;
}

/** Set peekClass/peekIdx/peekWidth to the next visible character at or after i. */
function peek(s: string, i: number): void {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    const cp = c < 128 ? c : codePointAt(s, i);
    const k = c < 128 ? ASCII_CLASS[c] : classOf(cp);
    const w = cp > 0xffff ? 2 : 1;
    if (k !== C_INVISIBLE) {
      peekClass = k;
      peekIdx = i;
      peekWidth = w;
      return;
    }
    i += w;
  }
  peekClass = 0;
  peekIdx = n;
  peekWidth = 0;
}

function isGlue(k: number): boolean {
  return k === C_GLUE || k >= C_DIGIT;
}

// CPR keywords that may be glued to the number (`CPR2512841234`, `cpr-nr160597-3825`).
// Keywords ending in `.`, `:`, `-` or `#` need no exception: punctuation is a boundary.
const KEYWORDS = ['cpr', 'cprnr', 'cpr-nr', 'cpr.nr', 'personnr', 'person-nr', 'personnummer', 'cprnummer', 'cpr-nummer'];
const KEYWORD_MAX = 12;

/** True when a CPR keyword, itself at a word boundary, ends right before index `end`. */
function keywordBefore(s: string, end: number): boolean {
  let word = '';
  let j = end - 1;
  while (j >= 0 && word.length <= KEYWORD_MAX) {
    const cp = codePointBefore(s, j);
    const w = cp > 0xffff ? 2 : 1;
    const k = classOf(cp);
    if (k !== C_INVISIBLE) {
      const ch = keywordChar(cp);
      if (ch === '') break;
      word = ch + word;
    }
    j -= w;
  }
  // the keyword must start at a boundary: `Xcpr1404322464` is a glued word, not a keyword
  for (const kw of KEYWORDS) {
    if (!word.endsWith(kw)) continue;
    if (word.length > kw.length && isGlue(classOf(word.charCodeAt(word.length - kw.length - 1)))) continue;
    if (word.length === kw.length && j >= 0 && isGlue(classOf(codePointBefore(s, j)))) continue;
    return true;
  }
  return false;
}

/** Is the number starting at `start` free on the left (or preceded by a CPR keyword)? */
function freeBefore(s: string, start: number): boolean {
  let j = start - 1;
  while (j >= 0) {
    const cp = codePointBefore(s, j);
    const k = classOf(cp);
    if (k !== C_INVISIBLE) return !isGlue(k) || (k === C_GLUE && keywordBefore(s, j + 1));
    j -= cp > 0xffff ? 2 : 1;
  }
  return true;
}

function digitString(): string {
  let out = '';
  for (let k = 0; k < 10; k++) out += String.fromCharCode(48 + digits[k]);
  return out;
}

function emit(s: string, start: number, end: number, out: Finding[], opts: ScanOptions | undefined): void {
  const kind = cprKindOfDigits(digits);
  if (kind === null || !freeBefore(s, start)) return;
  const d = digitString();
  out.push({
    start,
    end,
    digits: d,
    kind,
    mod11: mod11OfDigits(digits),
    masked: opts?.maskStyle === 'date' ? `${d.slice(0, 6)}-XXXX` : 'XXXXXX-XXXX',
    fingerprint: opts?.fingerprintKey !== undefined ? fingerprint(d, opts.fingerprintKey) : '',
  });
}

/** Try a number starting at the digit at `start`; returns where scanning resumes. */
function candidate(s: string, start: number, out: Finding[], opts: ScanOptions | undefined): number {
  const n1 = readRun(s, start, 0);
  const end1 = runEnd;
  peek(s, end1);
  if (n1 === 10) {
    if (!isGlue(peekClass)) emit(s, start, end1, out, opts);
    return end1;
  }
  if (n1 !== 6 || (peekClass !== C_DASH && peekClass !== C_SPACE)) return end1;
  peek(s, peekIdx + peekWidth); // exactly one separator, then digits
  if (peekClass < C_DIGIT) return end1;
  const second = peekIdx;
  const n2 = readRun(s, second, 6);
  const end2 = runEnd;
  if (n2 !== 4) return second; // the second run may be a number of its own
  peek(s, end2);
  if (!isGlue(peekClass)) emit(s, start, end2, out, opts);
  return end2;
}

/** Every CPR number a person reads in `text`, in order. Never throws on any string. */
export function scanText(text: string, opts?: ScanOptions): Finding[] {
  const out: Finding[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) {
      if (c < 128) {
        i++;
        continue;
      }
      const cp = codePointAt(text, i);
      if (classOf(cp) < C_DIGIT) {
        i += cp > 0xffff ? 2 : 1;
        continue;
      }
    }
    i = candidate(text, i, out, opts);
  }
  return out;
}

/** Keyed fingerprint for correlation without the number: HMAC-SHA-256(key, ten digits), hex. */
export function fingerprint(digits: string, key: Uint8Array | string): string {
  return createHmac('sha256', key).update(digits, 'ascii').digest('hex');
}

/** `text` with every finding replaced by its masked form. */
export function maskText(text: string, opts?: ScanOptions): string {
  const found = scanText(text, { maskStyle: opts?.maskStyle });
  if (found.length === 0) return text;
  let out = '';
  let at = 0;
  for (const f of found) {
    out += text.slice(at, f.start) + f.masked;
    at = f.end;
  }
  return out + text.slice(at);
}
