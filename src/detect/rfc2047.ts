// RFC 2047 encoded-word decoding for header values: B and Q, any charset iconv-lite knows,
// adjacent words joined before decoding, malformed words tolerated, then NFKC. Pure, no I/O.
// Protects the detection rule: we scan what a person's mail client shows, not the wire form.
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

// encoded-word = "=?" charset ["*" language] "?" encoding "?" encoded-text "?=" (RFC 2047 §2,
// RFC 2231 §5). Tolerant on purpose: spaces inside the text (broken encoders) are accepted.
const ENCODED_WORD = /=\?([^?\s]{1,64})\?([BbQq])\?([^?]*)\?=/g;

interface Piece {
  /** plain text between words, or null for an encoded word */
  text: string | null;
  charset: string;
  bytes: Buffer;
}

/** Q encoding (RFC 2047 §4.2): `_` is a space, `=XX` an octet; a broken `=` stays literal. */
function decodeQ(text: string): Buffer {
  const out = Buffer.allocUnsafe(text.length);
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const h = c === 0x3d && i + 2 < text.length ? hex(text.charCodeAt(i + 1)) * 16 + hex(text.charCodeAt(i + 2)) : -1;
    if (c === 0x5f) out[o++] = 0x20;
    else if (h >= 0) {
      out[o++] = h;
      i += 2;
    } else out[o++] = c & 0xff;
  }
  return out.subarray(0, o);
}

/** Value of a hex digit, or a large negative number so any sum with it stays negative. */
function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1000;
}

/** B encoding (RFC 2047 §4.1): base64; missing padding and stray characters are tolerated. */
function decodeB(text: string): Buffer {
  return Buffer.from(/^[A-Za-z0-9+/]*=*$/.test(text) ? text : text.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
}

const known = new Map<string, boolean>();

/** Bytes in a charset → text. Unknown charsets fall back to UTF-8 if valid, else Windows-1252. */
export function decodeCharset(bytes: Buffer, charset: string): string {
  const cs = charset.toLowerCase();
  if (cs === 'utf-8' || cs === 'utf8' || cs === 'us-ascii') return bytes.toString('utf8');
  if (cs === 'iso-8859-1' || cs === 'latin1') return bytes.toString('latin1');
  let exists = known.get(cs);
  if (exists === undefined) {
    exists = iconv.encodingExists(cs);
    if (known.size < 256) known.set(cs, exists);
  }
  if (exists) return iconv.decode(bytes, cs);
  return isUtf8(bytes) ? bytes.toString('utf8') : iconv.decode(bytes, 'windows-1252');
}

const EMPTY = Buffer.alloc(0);

function split(value: string): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  // exec on the one global regex: matchAll would clone it (RegExp species) on every call
  ENCODED_WORD.lastIndex = 0;
  for (let m = ENCODED_WORD.exec(value); m !== null; m = ENCODED_WORD.exec(value)) {
    const idx = m.index;
    if (idx > at) pieces.push({ text: value.slice(at, idx), charset: '', bytes: EMPTY });
    const star = m[1].indexOf('*');
    const charset = star < 0 ? m[1] : m[1].slice(0, star);
    const bytes = m[2] === 'B' || m[2] === 'b' ? decodeB(m[3]) : decodeQ(m[3]);
    pieces.push({ text: null, charset, bytes });
    at = idx + m[0].length;
  }
  ENCODED_WORD.lastIndex = 0;
  if (at < value.length) pieces.push({ text: value.slice(at), charset: '', bytes: EMPTY });
  return pieces;
}

/**
 * Decode the encoded words of an unfolded header value. Whitespace between adjacent encoded
 * words is dropped (RFC 2047 §6.2), and adjacent words in the same charset are joined as bytes
 * before charset decoding, so a number or a multi-byte character split across words survives.
 */
export function decodeWords(value: string): string {
  if (!value.includes('=?')) return value;
  const pieces = split(value);
  let out = '';
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i];
    if (p.text !== null) {
      const between = /^[ \t\r\n]*$/.test(p.text) && i > 0 && i + 1 < pieces.length && pieces[i + 1].text === null;
      if (!between || pieces[i - 1].text !== null) out += p.text;
      continue;
    }
    const run = [p.bytes];
    let j = i + 1;
    while (j < pieces.length) {
      const gap = pieces[j];
      const next = gap.text !== null && /^[ \t\r\n]*$/.test(gap.text) ? pieces[j + 1] : gap;
      if (!next || next.text !== null || next.charset.toLowerCase() !== p.charset.toLowerCase()) break;
      run.push(next.bytes);
      j = next === gap ? j + 1 : j + 2;
    }
    out += decodeCharset(run.length === 1 ? run[0] : Buffer.concat(run), p.charset);
    i = j - 1;
  }
  return out;
}

/** Unfolded header value → what a person reads: encoded words decoded, then NFKC. */
export function decodeHeaderValue(value: string): string {
  const decoded = decodeWords(value);
  // NFKC (UAX #15) only where it can change something: U+0000–U+009F and U+00C0–U+00FF are
  // NFKC-stable, alone and next to each other (test/detect/headers.test.ts checks every pair)
  return NFKC_MAY_CHANGE.test(decoded) ? decoded.normalize('NFKC') : decoded;
}

const NFKC_MAY_CHANGE = /[^\x00-\x9f\xc0-\xff]/;
