// Small MIME helpers for building notices byte-exactly: RFC 5322 dates, header folding, RFC 2047
// encoding of non-ASCII header text, quoted-printable bodies, a boundary that cannot collide.
// Pure, no I/O (the clock is passed in). Everything returned is 7-bit ASCII with CRLF line ends.
import libmime from 'libmime';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';

export const CRLF = '\r\n';
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date-time in UTC: "Sun, 29 Nov 2026 17:53:00 +0000". */
export function rfc5322Date(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
  );
}

/**
 * "Name: value" folded at spaces to lines of ≤ 76 characters where possible (RFC 5322 §2.2.3:
 * continuation lines start with whitespace). A single longer token stays whole (≤ 998 is still legal).
 */
export function foldHeader(name: string, value: string): string {
  // A word longer than a line may be (RFC 5322 §2.1.1: 998) is split; unfolding then shows a space there.
  const words = value.split(' ').filter((w) => w !== '').flatMap((w) => (w.length > 900 ? (w.match(/.{1,900}/gs) ?? []) : [w]));
  const lines: string[] = [];
  let line = `${name}:`;
  for (const w of words) {
    if (line.length + 1 + w.length > 76 && line.trim() !== `${name}:`) {
      lines.push(line);
      line = ` ${w}`;
    } else {
      line += ` ${w}`;
    }
  }
  lines.push(line);
  return lines.join(CRLF);
}

/** RFC 2047 Q-encoding of the non-ASCII words only, in encoded words short enough to fold (§2: ≤ 75). */
export function encodeHeaderText(text: string): string {
  return libmime.encodeWords(text, 'Q', 52);
}

/** UTF-8 text → quoted-printable (RFC 2045 §6.7) with CRLF line ends and soft breaks at 76. */
export function quotedPrintable(text: string): string {
  const crlf = text.replace(/\r\n|\r|\n/g, CRLF); // a bare CR or LF is not a line end on the wire (RFC 5322 §2.3)
  return qpWrap(qpEncode(Buffer.from(crlf, 'utf8')), 76);
}

/** A boundary no part contains (RFC 2046 §5.1.1), deterministic for a given incident and content. */
export function pickBoundary(seed: string, parts: readonly string[]): string {
  for (let n = 0; ; n++) {
    const b = `=_postvagt_${seed.replace(/[^A-Za-z0-9-]/g, '')}_${n}`;
    if (!parts.some((p) => p.includes(`--${b}`))) return b;
  }
}

/** Wrap a paragraph at `width` columns on spaces, for plain text a person reads. */
export function wrapText(paragraph: string, width = 72, indent = ''): string {
  const out: string[] = [];
  let line = '';
  for (const w of paragraph.split(/ +/)) {
    if (line !== '' && line.length + 1 + w.length > width) {
      out.push(line);
      line = indent + w;
    } else {
      line = line === '' ? w : `${line} ${w}`;
    }
  }
  if (line !== '') out.push(line);
  return out.join('\n');
}
