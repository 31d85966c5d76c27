// The text scanner: finds CPR numbers by the DESIGN "Detection rule" (digit runs, one separator,
// boundaries, keyword exception, date check), reading code units from where the skip step
// (units.ts) says a number may start. Pure, no I/O, no regex on the hot path. Offsets are
// UTF-16 offsets into the input string (a Latin-1 copy has the same offsets).
import { createHmac } from 'node:crypto';
import {
  ASCII_CLASS, C_DASH, C_DIGIT, C_GLUE, C_INVISIBLE, C_SPACE, classOf, codePointAt, codePointBefore, type Units,
} from './chars.ts';
import { cprKindOfDigits, mod11OfDigits } from './cpr.ts';
import { isGlue, keywordBefore, keywordNear } from './keywords.ts';
import type { Finding, ScanOptions } from './types.ts';
import { load, loadWide, nextRunLatin1, nextRunUtf16, unload, wide } from './units.ts';

const digits = new Uint8Array(10);
let runEnd = 0; // index after the last digit of the run just read
let peekClass = 0; // class of the next visible character (C_OTHER at the end)
let peekIdx = 0;
let peekWidth = 0;

/** Read a digit run from i (invisible characters inside it are skipped); store values at base. */
function readRun(a: Units, n: number, i: number, base: number): number {
  let count = 0;
  let end = i;
  while (i < n && count <= 10) {
    const c = a[i];
    let k: number;
    let w = 1;
    if (c < 128) k = ASCII_CLASS[c];
    else {
      const cp = codePointAt(a, n, i);
      k = classOf(cp);
      if (cp > 0xffff) w = 2;
    }
    if (k >= C_DIGIT) {
      if (base + count < 10) digits[base + count] = k - C_DIGIT;
      count++;
      end = i += w;
    } else if (k === C_INVISIBLE) i += w;
    else break;
  }
  runEnd = end;
  return count;
}

/** Set peekClass/peekIdx/peekWidth to the next visible character at or after i. */
function peek(a: Units, n: number, i: number): void {
  while (i < n) {
    const c = a[i];
    const cp = c < 128 ? c : codePointAt(a, n, i);
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

/** Is the number starting at `start` free on the left (or preceded by a CPR keyword)? */
function freeBefore(a: Units, start: number): boolean {
  let j = start - 1;
  while (j >= 0) {
    const cp = codePointBefore(a, j);
    const k = classOf(cp);
    if (k !== C_INVISIBLE) return !isGlue(k) || (k === C_GLUE && keywordBefore(wide(), j + 1));
    j -= cp > 0xffff ? 2 : 1;
  }
  return true;
}

function emit(a: Units, start: number, end: number, out: Finding[], opts: ScanOptions | undefined, variant = false): boolean {
  const kind = cprKindOfDigits(digits);
  if (kind === null || !freeBefore(a, start)) return false;
  // human-readable variants (`140432 - 2464`, `180714/8932`) only with mod-11 or a keyword
  if (variant && !mod11OfDigits(digits) && !keywordNear(wide(), start)) return false;
  const d = String.fromCharCode(
    48 + digits[0], 48 + digits[1], 48 + digits[2], 48 + digits[3], 48 + digits[4],
    48 + digits[5], 48 + digits[6], 48 + digits[7], 48 + digits[8], 48 + digits[9],
  );
  out.push({
    start,
    end,
    digits: d,
    kind,
    mod11: mod11OfDigits(digits),
    masked: opts?.maskStyle === 'date' ? `${d.slice(0, 6)}-XXXX` : 'XXXXXX-XXXX',
    fingerprint: opts?.fingerprintKey !== undefined ? fingerprint(d, opts.fingerprintKey) : '',
  });
  return true;
}

const SLASH = 47;

/**
 * Human-readable variant after a 6-digit run ending at end1: optional space, one dash or `/`,
 * optional space, four digits (`140432 - 2464`, `180714/8932`, `140432 -2464`). Returns the
 * end of the number, or -1. The plain forms (one dash or one space) never reach here.
 */
function variantEnd(a: Units, n: number, end1: number): number {
  peek(a, n, end1);
  let spaces = 0;
  if (peekClass === C_SPACE) {
    spaces++;
    peek(a, n, peekIdx + peekWidth);
  }
  if (peekClass !== C_DASH && a[peekIdx] !== SLASH) return -1;
  const slash = a[peekIdx] === SLASH;
  peek(a, n, peekIdx + peekWidth);
  if (peekClass === C_SPACE) {
    spaces++;
    peek(a, n, peekIdx + peekWidth);
  }
  if (peekClass < C_DIGIT || (spaces === 0 && !slash)) return -1;
  if (readRun(a, n, peekIdx, 6) !== 4) return -1;
  const end = runEnd;
  peek(a, n, end);
  return isGlue(peekClass) ? -1 : end;
}

/** Cheap pre-check on ASCII digits at i: day 01–31 or 61–91, month 01–12 (rejects ~90 %). */
function plausibleDate(a: Units, i: number): boolean {
  const day = (a[i] - 48) * 10 + a[i + 1] - 48;
  const month = (a[i + 2] - 48) * 10 + a[i + 3] - 48;
  return month >= 1 && month <= 12 && ((day >= 1 && day <= 31) || (day >= 61 && day <= 91));
}

/** Try a number starting at the digit at `start`; returns where scanning resumes. */
function candidate(a: Units, n: number, start: number, out: Finding[], opts: ScanOptions | undefined): number {
  const n1 = readRun(a, n, start, 0);
  const end1 = runEnd;
  peek(a, n, end1);
  if (n1 === 10) {
    if (!isGlue(peekClass)) emit(a, start, end1, out, opts);
    return end1;
  }
  if (n1 !== 6) return end1;
  const standard = peekClass === C_DASH || peekClass === C_SPACE;
  if (standard) peek(a, n, peekIdx + peekWidth); // exactly one separator, then digits
  if (!standard || peekClass < C_DIGIT) {
    const end = variantEnd(a, n, end1);
    return end >= 0 && emit(a, start, end, out, opts, true) ? end : end1;
  }
  const second = peekIdx;
  const n2 = readRun(a, n, second, 6);
  const end2 = runEnd;
  if (n2 !== 4) return second; // the second run may be a number of its own
  peek(a, n, end2);
  if (!isGlue(peekClass)) emit(a, start, end2, out, opts);
  return end2;
}

/**
 * The rule unit by unit from i (where no number is under way). With `stop`, returns the index
 * after the first unit that cannot be in a digit run: the caller may skip from there.
 */
function linear(a: Units, n: number, i: number, out: Finding[], opts: ScanOptions | undefined, stop: boolean): number {
  while (i < n) {
    const c = a[i];
    if (c >= 48 && c <= 57) {
      // fast reject: a run of plain ASCII digits followed by plain ASCII, of a length that can
      // be neither the whole number (10) nor its first part (6), is passed over at once
      let j = i + 1;
      while (j < n && a[j] >= 48 && a[j] <= 57) j++;
      if ((j < n && a[j] >= 128) || ((j - i === 6 || j - i === 10) && plausibleDate(a, i))) i = candidate(a, n, i, out, opts);
      else i = j;
      continue;
    }
    if (c < 128) {
      i++;
      if (stop) return i;
      continue;
    }
    const cp = codePointAt(a, n, i); // a lone surrogate is itself: a boundary, one unit wide
    const k = classOf(cp);
    if (k >= C_DIGIT) {
      i = candidate(a, n, i, out, opts);
      continue;
    }
    i += cp > 0xffff ? 2 : 1;
    if (stop && k !== C_INVISIBLE) return i;
  }
  return n;
}

/**
 * Every CPR number a person reads in `text`, in order. Never throws on any string. A skip step
 * (units.ts) finds each place where six units in a row may be digits; the rule runs from there
 * until the next unit that cannot be in a number. A number has a run of six, so none is missed.
 */
export function scanText(text: string, opts?: ScanOptions): Finding[] {
  const out: Finding[] = [];
  const n = text.length;
  if (n < 10) return out; // ten digits at least
  try {
    const a = load(text);
    if (a === null) return out; // a short text with no six run units in a row
    let i = 0;
    while (i < n) {
      const s = a instanceof Uint16Array ? nextRunUtf16(a, n, i) : nextRunLatin1(n, i);
      if (s < 0) break;
      i = linear(a, n, s, out, opts, true);
    }
  } finally {
    unload();
  }
  return out;
}

/** The same findings without the skip step or the Latin-1 copy, reading every UTF-16 unit: the reference tests compare against. */
export function scanTextEveryUnit(text: string, opts?: ScanOptions): Finding[] {
  const out: Finding[] = [];
  try {
    linear(loadWide(text), text.length, 0, out, opts, false);
  } finally {
    unload();
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
