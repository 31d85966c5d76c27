// Renders a captured message for the dashboard as masked plain text: headers unfolded, RFC 2047
// decoded and masked; the body only when it is plain text on the wire. An encoded body (base64,
// quoted-printable, multipart) could hide a number from a text mask, so it is summarised instead
// (invariant 2: no page shows a CPR number, not even in encoded form). Pure.
import { maskText, parseHeaderBlock } from '../detect/index.ts';

const SHOW_LIMIT = 64 * 1024;

export function showMail(raw: Buffer): { text: string; truncated: boolean } {
  const latin = raw.subarray(0, 2 * 1024 * 1024).toString('latin1');
  const m = /\r?\n\r?\n/.exec(latin);
  const headerEnd = m ? m.index : latin.length;
  const fields = parseHeaderBlock(latin.slice(0, headerEnd));
  const headers = fields.map((f) => `${f.name}: ${maskText(f.decoded)}`).join('\n');
  const bodyStart = m ? m.index + m[0].length : raw.length;
  const body = raw.subarray(bodyStart);
  const value = (name: string) => fields.find((f) => f.name.toLowerCase() === name)?.decoded.toLowerCase() ?? '';
  const cte = value('content-transfer-encoding').trim();
  const type = value('content-type');
  const plain = (cte === '' || cte === '7bit' || cte === '8bit') && (type === '' || type.startsWith('text/plain'));
  if (!plain) {
    const why = `${type.split(';')[0] || 'text/plain'}${cte ? `, ${cte}` : ''}`;
    return { text: `${headers}\n\n[brødtekst ikke vist · body not shown: ${body.length} bytes, ${why}]`, truncated: false };
  }
  const shown = maskText(body.subarray(0, SHOW_LIMIT).toString('utf8'));
  return { text: `${headers}\n\n${shown}`, truncated: body.length > SHOW_LIMIT };
}
