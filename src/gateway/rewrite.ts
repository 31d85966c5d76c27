// Header changes on the way through: redact and tag (only the affected fields change; every other
// byte of the header block stays as received) and our RFC 5321 Received trace field. No I/O.
// Protects invariant 2 on the wire: a redacted field carries the masked form, RFC 2047-encoded if needed.
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
  let emitted = 0; // text before this offset is in `out`
  let search = 0; // every field before this offset has been located
  fields.forEach((f, i) => {
    const at = fieldStart(text, f.raw, search);
    if (at === -1) {
      // a field to change that cannot be found must not be relayed unchanged: fail closed (451)
      if (indexes.has(i)) throw new Error(`rewrite: header field ${i} (${f.name}) not found in the header block`);
      return;
    }
    search = at + f.raw.length;
    if (indexes.has(i)) {
      out += text.slice(emitted, at) + Buffer.from(replace(f), 'utf8').toString('latin1');
      emitted = search;
    }
  });
  out += text.slice(emitted);
  return Buffer.from(out, 'latin1');
}

/**
 * Where the field `raw` starts, at or after `from`, at the start of a line: the same bytes inside
 * an earlier field's value (`References: … Subject: Sag 2512841234`) are not the field.
 */
function fieldStart(text: string, raw: string, from: number): number {
  for (let at = text.indexOf(raw, from); at !== -1; at = text.indexOf(raw, at + 1)) {
    if (at === 0 || text.charCodeAt(at - 1) === 10) return at;
  }
  return -1;
}

/** the tag action: one header field added at the top (RFC 5322 §3.6 allows any order for X- fields) */
export function prependField(header: Buffer, name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from(`${name}: ${value}\r\n`, 'latin1'), header]);
}

/**
 * RFC 5321 §4.4: a relay MUST add a Received trace field. The client's HELO name is reduced to
 * hostname characters (it is client-controlled text going into a header).
 */
export function receivedField(p: { helo: string; address: string; by: string; id: string; tls: boolean; authenticated: boolean; time: Date }): string {
  const helo = p.helo.replace(/[^A-Za-z0-9.\-[\]:]/g, '').slice(0, 255) || 'unknown';
  const proto = `ESMTP${p.tls ? 'S' : ''}${p.authenticated ? 'A' : ''}`; // RFC 3848 protocol types
  const date = p.time.toUTCString().replace(/GMT$/, '+0000'); // RFC 5322 §3.3 date-time
  return `Received: from ${helo} ([${p.address}])\r\n\tby ${p.by} (Postvagt) with ${proto} id ${p.id};\r\n\t${date}`;
}
