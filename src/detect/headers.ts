// RFC 5322 header block → fields in three forms (raw, unfolded, decoded), and the choice of
// which fields are scanned. Pure, no I/O: callers pass the bytes up to the blank line.
// Protects STYLE 7: scan the decoded form a person reads; say which headers count.
import { isUtf8 } from 'node:buffer';
import { decodeHeaderValue } from './rfc2047.ts';
import { scanText } from './scanner.ts';
import type { HeaderField, HeaderFinding, ScanOptions } from './types.ts';
import { DEFAULT_SCANNED_HEADERS } from '../config/schema.ts';

/**
 * Octets of a header value → text. RFC 6532 allows raw UTF-8 in headers; older software
 * writes raw Latin-1/Windows-1252. Valid UTF-8 is read as UTF-8, anything else as Latin-1.
 */
function octetsToText(latin1: string): string {
  if (!/[\x80-\xff]/.test(latin1) || /[^\x00-\xff]/.test(latin1)) return latin1;
  const bytes = Buffer.from(latin1, 'latin1');
  return isUtf8(bytes) ? bytes.toString('utf8') : latin1;
}

function field(name: string, raw: string): HeaderField {
  const colon = raw.indexOf(':');
  // Unfolding (RFC 5322 §2.2.3): remove each CRLF (or bare LF) that precedes whitespace.
  const unfolded = raw
    .slice(colon + 1)
    .replace(/\r?\n(?=[ \t])/g, '')
    .replace(/^[ \t]+|[ \t\r\n]+$/g, '');
  return { name, raw, unfolded, decoded: decodeHeaderValue(octetsToText(unfolded)) };
}

/**
 * Split a header block (everything before the blank line; a blank line inside ends it) into
 * fields. Lines that are neither a field nor a continuation (an mbox `From ` line, junk) are
 * skipped, never fatal. A continuation before any field is ignored.
 */
export function parseHeaderBlock(raw: Buffer | string): HeaderField[] {
  const text = typeof raw === 'string' ? raw : raw.toString('latin1');
  const fields: HeaderField[] = [];
  let name = '';
  let start = -1;
  let pos = 0;
  let lineEnd = 0;
  const flush = (end: number): void => {
    if (start >= 0) fields.push(field(name, text.slice(start, end).replace(/\r$/, '')));
    start = -1;
  };
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const line = text.slice(pos, nl).replace(/\r$/, '');
    if (line === '') break; // RFC 5322 §2.1: the empty line ends the header section
    const c = line.charCodeAt(0);
    if (c === 0x20 || c === 0x09) {
      if (start >= 0) lineEnd = nl;
    } else {
      flush(lineEnd);
      // field-name = 1*ftext (printable ASCII except ':'); obsolete WSP before ':' allowed (§4.5.3)
      const m = /^([\x21-\x39\x3b-\x7e]+)[ \t]*:/.exec(line);
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

/** Does `name` match the configured list? Case-insensitive; `X-*` style entries are prefixes. */
export function isScannedHeader(name: string, headers: readonly string[]): boolean {
  const lower = name.toLowerCase();
  for (const h of headers) {
    const pattern = h.toLowerCase();
    if (pattern.endsWith('*') ? lower.startsWith(pattern.slice(0, -1)) : lower === pattern) return true;
  }
  return false;
}

/** Scan the decoded form of the selected fields; offsets are into each field's `decoded`. */
export function scanHeaders(
  fields: HeaderField[],
  opts?: ScanOptions & { headers?: readonly string[] },
): HeaderFinding[] {
  const headers = opts?.headers ?? DEFAULT_SCANNED_HEADERS;
  const out: HeaderFinding[] = [];
  fields.forEach((f, fieldIndex) => {
    if (!isScannedHeader(f.name, headers)) return;
    for (const finding of scanText(f.decoded, opts)) out.push({ ...finding, header: f.name, fieldIndex });
  });
  return out;
}
