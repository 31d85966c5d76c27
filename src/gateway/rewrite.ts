// Header rewriting for the redact and tag verdicts: only the affected fields change, every other
// byte of the header block is kept as received. No I/O. Protects invariant 2 on the wire: a
// redacted field carries the masked form, re-encoded per RFC 2047 when it is not plain ASCII.
import libmime from 'libmime';
import type { HeaderField } from '../detect/types.ts';

/** `Name: value` with RFC 2047 encoded words for non-ASCII (RFC 2047 §5), folded by libmime */
export function encodeField(name: string, value: string): string {
  // eslint-disable-next-line no-control-regex
  const ascii = /^[\x20-\x7e]*$/.test(value);
  const encoded = ascii ? value : libmime.encodeWords(value, 'Q', 52);
  return `${name}: ${encoded}`;
}

/**
 * Replace fields `indexes` with `replace(field)`; the rest of the header block is untouched.
 * Fields are located in order by their raw bytes, so junk lines the parser skipped stay in place.
 */
export function rewriteFields(header: Buffer, fields: HeaderField[], indexes: Set<number>, replace: (f: HeaderField) => string): Buffer {
  const text = header.toString('latin1');
  let out = '';
  let cursor = 0;
  fields.forEach((f, i) => {
    const at = text.indexOf(f.raw, cursor);
    if (at === -1) return;
    if (indexes.has(i)) {
      out += text.slice(cursor, at) + Buffer.from(replace(f), 'utf8').toString('latin1');
      cursor = at + f.raw.length;
    }
  });
  out += text.slice(cursor);
  return Buffer.from(out, 'latin1');
}

/** the tag action: one header field added at the top (RFC 5322 §3.6 allows any order for X- fields) */
export function prependField(header: Buffer, name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from(`${name}: ${value}\r\n`, 'latin1'), header]);
}
