// Renders a captured message for the dashboard as masked plain text: headers unfolded, RFC 2047
// decoded and masked; text parts (text/*, message/delivery-status) decoded from quoted-printable or
// base64 and their charset FIRST, then masked — a mask applied to the encoded form could miss a
// number, so the decoded text is what gets masked (invariant 2). Other parts are summarised.
// I/O: none (mailsplit parses from memory).
import { createRequire } from 'node:module';
import type { Transform } from 'node:stream';
import iconv from 'iconv-lite';
import { maskText, parseHeaderBlock } from '../detect/index.ts';

// mailsplit (the MIME splitter behind ZoneMTA) ships no type declarations: its surface stays here
const { Splitter } = createRequire(import.meta.url)('mailsplit') as { Splitter: new () => Transform };
interface SplitData {
  type: 'node' | 'body' | 'data';
  value?: Buffer;
  contentType?: string | false;
  encoding?: string | false;
  charset?: string | false;
  multipart?: string | false;
}
interface Leaf { contentType: string; encoding: string; charset: string; chunks: Buffer[] }

const SHOW_LIMIT = 64 * 1024;

export async function showMail(raw: Buffer): Promise<{ text: string; truncated: boolean }> {
  const latin = raw.subarray(0, 2 * 1024 * 1024).toString('latin1');
  const m = /\r?\n\r?\n/.exec(latin);
  const fields = parseHeaderBlock(latin.slice(0, m ? m.index : latin.length));
  const out = [fields.map((f) => `${f.name}: ${maskText(f.decoded)}`).join('\n'), ''];
  let budget = SHOW_LIMIT;
  let truncated = false;
  const leaves = await leavesOf(raw);
  for (const leaf of leaves) {
    const size = leaf.chunks.reduce((a, c) => a + c.length, 0);
    if (leaves.length > 1) out.push(`--- ${leaf.contentType} ---`);
    if (!isText(leaf.contentType)) {
      out.push(`[ikke vist · not shown: ${size} bytes, ${leaf.contentType}${leaf.encoding ? `, ${leaf.encoding}` : ''}]`);
      continue;
    }
    const text = decodeText(Buffer.concat(leaf.chunks), leaf.encoding, leaf.charset);
    if (text.length > budget) truncated = true;
    out.push(maskText(text.slice(0, Math.max(0, budget))));
    budget -= text.length;
  }
  return { text: out.join('\n'), truncated };
}

function isText(type: string): boolean {
  return type.startsWith('text/') || type === 'message/delivery-status';
}

async function leavesOf(raw: Buffer): Promise<Leaf[]> {
  const splitter = new Splitter();
  const leaves: Leaf[] = [];
  splitter.on('data', (d: SplitData) => {
    if (d.type === 'node' && !d.multipart) {
      leaves.push({ contentType: d.contentType || 'text/plain', encoding: (d.encoding || '').toLowerCase(), charset: d.charset || 'utf-8', chunks: [] });
    } else if (d.type === 'body' && d.value && leaves.length > 0) leaves[leaves.length - 1].chunks.push(d.value);
  });
  const done = new Promise<void>((resolve, reject) => {
    splitter.on('end', resolve);
    splitter.on('error', reject);
  });
  splitter.end(raw);
  await done.catch(() => undefined); // broken MIME: show what was split before the fault
  return leaves;
}

/**
 * The Subject of a stored mail, unfolded, RFC 2047-decoded and masked, for the list of delivered
 * mail: a notice or an escalation is found by its subject ("[PV-…]"), not by opening each one.
 */
export function maskedSubject(raw: Buffer): string {
  const head = raw.subarray(0, 64 * 1024).toString('latin1');
  const end = /\r?\n\r?\n/.exec(head);
  const subject = parseHeaderBlock(head.slice(0, end ? end.index : head.length)).find((f) => f.name.toLowerCase() === 'subject');
  return subject ? maskText(subject.decoded).replace(/[\x00-\x1f\x7f]+/g, ' ').trim().slice(0, 200) : '';
}

/** Content-Transfer-Encoding (RFC 2045 §6) then charset; unknown charsets read as UTF-8. */
export function decodeText(body: Buffer, encoding: string, charset: string): string {
  let bytes = body;
  if (encoding === 'base64') bytes = Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  else if (encoding === 'quoted-printable') bytes = decodeQp(body.toString('latin1'));
  return iconv.encodingExists(charset) ? iconv.decode(bytes, charset) : bytes.toString('utf8');
}

/** RFC 2045 §6.7: soft line breaks removed, =XX octets restored; malformed escapes kept as they are. */
function decodeQp(s: string): Buffer {
  const text = s.replace(/=\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text[i] === '=' ? text.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else out.push(text.charCodeAt(i) & 0xff);
  }
  return Buffer.from(out);
}
