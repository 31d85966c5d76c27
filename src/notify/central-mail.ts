// The envelope and header block of a mail Postvagt writes to its own central mailbox (escalations,
// the daily digest): null envelope sender, Auto-Submitted (RFC 3834) so no auto-reply answers it,
// quoted-printable UTF-8 text in Danish and English. Pure. Invariant 6: the addresses come from the
// configuration, so a bad one is a configuration error here, never a header injection.
import type { NoticeDraft } from '../store/types.ts';
import { PvError } from '../errors.ts';
import { CRLF, encodeHeaderText, foldHeader, quotedPrintable, rfc5322Date } from './mime.ts';
import { bareAddress, isSafeAddress } from './recipient.ts';

export interface CentralMail {
  /** notify.central_mailbox */
  centralMailbox: string;
  /** notify.postmaster: From: */
  postmaster: string;
  reportingMta: string;
  now: Date;
  subject: string;
  /** what the Message-ID starts with and the notice row is filed under (an incident id, digest-DAY) */
  id: string;
  /** extra header lines after Auto-Submitted, already safe */
  headers?: string[];
  /** the plain text body (LF or CRLF line ends) */
  text: string;
}

export function buildCentralMail(m: CentralMail): NoticeDraft {
  const to = bareAddress(m.centralMailbox);
  const from = bareAddress(m.postmaster);
  if (!isSafeAddress(to)) throw new PvError('PV_CONFIG_INVALID', 'notify.central_mailbox is not a plain e-mail address');
  if (!isSafeAddress(from)) throw new PvError('PV_CONFIG_INVALID', 'notify.postmaster is not a plain e-mail address');
  const mta = m.reportingMta.replace(/[^A-Za-z0-9.-]/g, '') || 'postvagt.invalid';
  const head = [
    foldHeader('From', `Postvagt <${from}>`),
    foldHeader('To', `<${to}>`),
    foldHeader('Subject', encodeHeaderText(m.subject)),
    `Date: ${rfc5322Date(m.now)}`,
    `Message-ID: <${m.id}.${m.now.getTime().toString(36)}@${mta}>`,
    'Auto-Submitted: auto-generated',
    ...(m.headers ?? []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    'Content-Language: da, en',
  ].join(CRLF);
  return { incidentId: m.id, envelopeFrom: '', to, raw: Buffer.from(`${head}${CRLF}${CRLF}${quotedPrintable(m.text)}`, 'utf8') };
}
