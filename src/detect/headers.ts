// RFC 5322 header block → fields in three forms (raw, unfolded, decoded), and the choice of
// which fields are scanned. Pure, no I/O: callers pass the bytes up to the blank line.
// Protects STYLE 7: scan the decoded form a person reads; say which headers count.
import { isAscii, isUtf8 } from 'node:buffer';
import { decodeHeaderValue } from './rfc2047.ts';
import { scanText } from './scanner.ts';
import type { HeaderField, HeaderFinding, ScanOptions } from './types.ts';
import { DEFAULT_SCANNED_HEADERS } from '../config/schema.ts';

/**
 * Octets of a header value → text. RFC 6532 allows raw UTF-8 in headers; older software
 * writes raw Latin-1/Windows-1252. Valid UTF-8 is read as UTF-8, anything else as Latin-1.
 */
function octetsToText(latin1: string): string {
  if (!NON_ASCII.test(latin1) || /[^\x00-\xff]/.test(latin1)) return latin1;
  const bytes = Buffer.from(latin1, 'latin1');
  return isUtf8(bytes) ? bytes.toString('utf8') : latin1;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Strip leading and trailing WSP/CR/LF without a regex (this runs for every field). */
function trimWsp(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 0x20 || s.charCodeAt(a) === 0x09)) a++;
  for (let c = s.charCodeAt(b - 1); b > a && (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a); c = s.charCodeAt(b - 1)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** One field; `ascii`: the whole block is ASCII, so its octets need no charset guess. */
function field(name: string, raw: string, ascii: boolean): HeaderField {
  let value = raw.slice(raw.indexOf(':') + 1);
  // Unfolding (RFC 5322 §2.2.3): remove each CRLF (or bare LF) that precedes whitespace.
  if (value.includes('\n')) value = value.replace(/\r?\n(?=[ \t])/g, '');
  const unfolded = trimWsp(value);
  return { name, raw, unfolded, decoded: decodeHeaderValue(ascii ? unfolded : octetsToText(unfolded)) };
}

/**
 * Split a header block (everything before the blank line; a blank line inside ends it) into
 * fields. Lines that are neither a field nor a continuation (an mbox `From ` line, junk) are
 * skipped, never fatal. A continuation before any field is ignored.
 */
const FIELD_NAME = /([\x21-\x39\x3b-\x7e]+)[ \t]*:/y;

export function parseHeaderBlock(raw: Buffer | string): HeaderField[] {
  const text = typeof raw === 'string' ? raw : raw.toString('latin1');
  const ascii = typeof raw === 'string' ? !NON_ASCII.test(raw) : isAscii(raw); // one pass for the block
  const fields: HeaderField[] = [];
  let name = '';
  let start = -1;
  let pos = 0;
  let lineEnd = 0;
  const flush = (end: number): void => {
    if (start >= 0) fields.push(field(name, text.slice(start, end > start && text.charCodeAt(end - 1) === 0x0d ? end - 1 : end), ascii));
    start = -1;
  };
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const lineEndsCr = nl > pos && text.charCodeAt(nl - 1) === 0x0d;
    if (nl === pos || (lineEndsCr && nl - 1 === pos)) break; // RFC 5322 §2.1: the empty line ends the header section
    const c = text.charCodeAt(pos);
    if (c === 0x20 || c === 0x09) {
      if (start >= 0) lineEnd = nl;
    } else {
      flush(lineEnd);
      // field-name = 1*ftext (printable ASCII except ':'); obsolete WSP before ':' allowed (§4.5.3)
      FIELD_NAME.lastIndex = pos;
      const m = FIELD_NAME.exec(text);
      if (m) {
        name = m[1];
        start = pos;
        lineEnd = nl;
      }
    }
    pos = nl + 1;
  }
  flush(lineEnd);
  return fields;
}

interface Matcher {
  exact: Set<string>;
  prefixes: string[];
}

// Lower-cased lists, built once per list (the gateway and the mailbox reader pass the same
// configured array for every message); a list is readonly, so it cannot change under the cache.
const matchers = new WeakMap<readonly string[], Matcher>();

function matcherFor(headers: readonly string[]): Matcher {
  let m = matchers.get(headers);
  if (m === undefined) {
    m = { exact: new Set(), prefixes: [] };
    for (const h of headers) {
      const pattern = h.toLowerCase();
      if (pattern.endsWith('*')) m.prefixes.push(pattern.slice(0, -1));
      else m.exact.add(pattern);
    }
    matchers.set(headers, m);
  }
  return m;
}

/** Does `name` match the configured list? Case-insensitive; `X-*` style entries are prefixes. */
export function isScannedHeader(name: string, headers: readonly string[]): boolean {
  const m = matcherFor(headers);
  const lower = name.toLowerCase();
  if (m.exact.has(lower)) return true;
  for (const p of m.prefixes) if (lower.startsWith(p)) return true;
  return false;
}

/** Scan the decoded form of the selected fields; offsets are into each field's `decoded`. */
export function scanHeaders(
  fields: HeaderField[],
  opts?: ScanOptions & { headers?: readonly string[] },
): HeaderFinding[] {
  const headers = opts?.headers ?? DEFAULT_SCANNED_HEADERS;
  const out: HeaderFinding[] = [];
  for (let fieldIndex = 0; fieldIndex < fields.length; fieldIndex++) {
    const f = fields[fieldIndex];
    if (!isScannedHeader(f.name, headers)) continue;
    for (const finding of scanText(f.decoded, opts)) out.push({ ...finding, header: f.name, fieldIndex });
  }
  return out;
}
