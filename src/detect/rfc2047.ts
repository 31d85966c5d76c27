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
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5f) out.push(0x20);
    else if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c & 0xff);
  }
  return Buffer.from(out);
}

/** B encoding (RFC 2047 §4.1): base64; missing padding and stray characters are tolerated. */
function decodeB(text: string): Buffer {
  return Buffer.from(text.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
}

/** Bytes in a charset → text. Unknown charsets fall back to UTF-8 if valid, else Latin-1. */
export function decodeCharset(bytes: Buffer, charset: string): string {
  const cs = charset.toLowerCase();
  if (cs !== 'utf-8' && cs !== 'utf8' && iconv.encodingExists(cs)) return iconv.decode(bytes, cs);
  if (cs === 'utf-8' || cs === 'utf8' || isUtf8(bytes)) return bytes.toString('utf8');
  return iconv.decode(bytes, 'windows-1252');
}

function split(value: string): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  for (const m of value.matchAll(ENCODED_WORD)) {
    const idx = m.index ?? 0;
    if (idx > at) pieces.push({ text: value.slice(at, idx), charset: '', bytes: Buffer.alloc(0) });
    const charset = m[1].split('*')[0];
    const bytes = m[2] === 'B' || m[2] === 'b' ? decodeB(m[3]) : decodeQ(m[3]);
    pieces.push({ text: null, charset, bytes });
    at = idx + m[0].length;
  }
  if (at < value.length) pieces.push({ text: value.slice(at), charset: '', bytes: Buffer.alloc(0) });
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
    out += decodeCharset(Buffer.concat(run), p.charset);
    i = j - 1;
  }
  return out;
}

/** Unfolded header value → what a person reads: encoded words decoded, then NFKC. */
export function decodeHeaderValue(value: string): string {
  const decoded = decodeWords(value);
  // NFKC (UAX #15) only where it can change something: ASCII is already normal
  return /[^\x00-\x7f]/.test(decoded) ? decoded.normalize('NFKC') : decoded;
}
