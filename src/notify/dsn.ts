// The sender notice as an RFC 3464 delivery status notification: multipart/report with a Danish/English
// text part, message/delivery-status and the original headers with every CPR number masked.
// Pure: builds bytes, no I/O. Invariants 2 (nothing raw leaves memory), 4 (a notice a person can act on), 6 (no loops).
import type { HeaderField } from '../detect/types.ts';
import type { Incident, NoticeDraft } from '../store/types.ts';
import { maskText } from '../detect/index.ts';
import { PvError } from '../errors.ts';
import { toAsciiLine } from './ascii.ts';
import { CRLF, encodeHeaderText, foldHeader, pickBoundary, quotedPrintable, rfc5322Date } from './mime.ts';
import { noticeText, outcomeOf, type Outcome } from './notice-text.ts';
import { bareAddress, isSafeAddress } from './recipient.ts';

export { noticeRecipient } from './recipient.ts';

export interface NoticeInput {
  /** from src/store/types.ts: masked subject, findings, action, reply */
  incident: Incident;
  /** the original header block; part 3 shows it with every number masked */
  originalHeaders: HeaderField[];
  /** notify.postmaster: From: of the notice */
  postmaster: string;
  /** notify.contact: whom the case worker contacts */
  contact: string;
  /** our host name, for Reporting-MTA and Message-ID */
  reportingMta: string;
  arrivalDate: Date;
  now: Date;
  /** RFC 3461 ENVID of the original transaction, when the client gave one */
  envelopeId?: string;
}

/** RFC 3464 §2.3.3 Action and §2.3.4 Status per outcome. */
const DSN_ACTION: Record<Outcome, { action: string; status: string }> = {
  'not-sent': { action: 'failed', status: '5.7.1' },
  'not-delivered': { action: 'failed', status: '5.7.1' },
  // Held mail has not reached the recipient and will not unless a person releases it: failed, not delayed
  // (delayed promises automatic retries, RFC 3464 §2.3.3).
  held: { action: 'failed', status: '5.7.1' },
  // We passed it to the next hop, which takes over DSN duties; "delivered" would claim more than we know.
  changed: { action: 'relayed', status: '2.0.0' },
  marked: { action: 'relayed', status: '2.0.0' },
  delivered: { action: 'relayed', status: '2.0.0' },
  delayed: { action: 'delayed', status: '4.3.0' },
};

/** Per RFC 3464 §2 / RFC 5321 §4.5.5 the notice goes out with a null envelope sender, so it can never loop. */
export function buildNotice(p: NoticeInput): NoticeDraft {
  const to = bareAddress(p.incident.sender);
  const from = bareAddress(p.postmaster);
  if (!isSafeAddress(to)) {
    throw new PvError('PV_INTERNAL', `notice for ${p.incident.id}: the sender cannot get a notice (use noticeRecipient first)`);
  }
  if (!isSafeAddress(from)) throw new PvError('PV_CONFIG_INVALID', 'notify.postmaster is not a plain e-mail address');
  const mta = safeHostName(p.reportingMta);
  const text = noticeText({ incident: p.incident, contact: p.contact, arrivalDate: p.arrivalDate });
  const parts = [
    humanPart(text.body),
    deliveryStatusPart(p, mta),
    `Content-Type: text/rfc822-headers${CRLF}${CRLF}${maskedHeaders(p.originalHeaders)}`,
  ];
  const boundary = pickBoundary(p.incident.id, parts);
  const head = [
    foldHeader('From', `Postvagt <${from}>`),
    foldHeader('To', `<${to}>`),
    foldHeader('Subject', encodeHeaderText(maskText(text.subject))),
    `Date: ${rfc5322Date(p.now)}`,
    `Message-ID: <${p.incident.id}.${p.now.getTime().toString(36)}.notice@${mta}>`,
    // RFC 3834 §5: an automatic response; well-behaved responders will not answer it.
    'Auto-Submitted: auto-replied',
    `X-Postvagt-Incident: ${p.incident.id}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status;${CRLF} boundary="${boundary}"`,
  ].join(CRLF);
  const body = parts.map((part) => `--${boundary}${CRLF}${part}`).join(CRLF) + `${CRLF}--${boundary}--${CRLF}`;
  const raw = `${head}${CRLF}${CRLF}This is a delivery status notification (RFC 3464).${CRLF}${CRLF}${body}`;
  return { incidentId: p.incident.id, envelopeFrom: '', to, raw: Buffer.from(raw, 'utf8') };
}

function humanPart(body: string): string {
  return [
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    'Content-Language: da, en', // RFC 3282: Danish first, then English
    '',
    quotedPrintable(maskText(body)),
  ].join(CRLF);
}

/** RFC 3464 §2.2 per-message fields, a blank line, then §2.3 per-recipient fields for each recipient. */
function deliveryStatusPart(p: NoticeInput, mta: string): string {
  const { action, status } = DSN_ACTION[outcomeOf(p.incident.action, p.incident.direction)];
  const perMessage = [`Reporting-MTA: dns; ${mta}`];
  if (p.envelopeId) perMessage.push(`Original-Envelope-Id: ${xtextSafe(p.envelopeId)}`);
  perMessage.push(`Arrival-Date: ${rfc5322Date(p.arrivalDate)}`);
  // Diagnostic-Code is the answer that decided this recipient's fate (RFC 3464 §2.3.6); the 250 a client
  // got for a quarantined mail is not one, so only a reply of the same class as Status is quoted.
  const diagnostic = diagnosticOf(p.incident.reply, status);
  const perRecipient = p.incident.recipients.map((rcpt) => {
    const fields = [`Final-Recipient: rfc822; ${toAsciiLine(bareAddress(rcpt)) || 'unknown'}`, `Action: ${action}`, `Status: ${statusOf(p.incident.reply, status)}`];
    if (diagnostic) fields.push(foldHeader('Diagnostic-Code', `smtp; ${diagnostic}`));
    return fields.join(CRLF);
  });
  const blocks = [perMessage.join(CRLF), ...perRecipient].join(CRLF + CRLF);
  return `Content-Type: message/delivery-status${CRLF}${CRLF}${blocks}${CRLF}`;
}

/** The reply we (or the upstream) gave, masked and ASCII; only real SMTP replies count (RFC 3464 §2.3.6). */
function diagnosticOf(reply: string, status: string): string | null {
  const line = toAsciiLine(maskText(reply));
  return /^[2-5]\d\d[ -]/.test(line) && line[0] === status[0] ? line : null;
}

/** Prefer the enhanced code the reply carried (e.g. 5.7.1), so Status and Diagnostic-Code agree. */
function statusOf(reply: string, fallback: string): string {
  const m = /^([2-5])\d\d ([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply.trim());
  return m && m[2][0] === fallback[0] ? m[2] : fallback;
}

const MAX_HEADERS_PART = 64 * 1024;

/**
 * text/rfc822-headers (RFC 6522 §4) of the original, every CPR number masked. A field is kept byte-for-byte
 * only when neither its raw nor its decoded form holds a number and it is plain ASCII; otherwise it is
 * rebuilt from the masked decoded value (a number inside an encoded word is invisible in the raw form).
 */
export function maskedHeaders(fields: readonly HeaderField[]): string {
  const out: string[] = [];
  let size = 0;
  for (const f of fields) {
    if (!/^[\x21-\x39\x3b-\x7e]{1,76}$/.test(f.name)) continue; // not a legal field name: leave it out
    const line = maskedField(f);
    if (size + line.length > MAX_HEADERS_PART) {
      out.push(`X-Postvagt-Omitted: ${fields.length - out.length} more header fields not shown`);
      break;
    }
    out.push(line);
    size += line.length + 2;
  }
  return out.join(CRLF) + CRLF;
}

function maskedField(f: HeaderField): string {
  const asciiRaw = /^[\x09\x0d\x0a\x20-\x7e]*$/.test(f.raw) && !/\r(?!\n)|(?<!\r)\n/.test(f.raw);
  const clean = maskText(f.decoded) === f.decoded && maskText(f.raw) === f.raw;
  const shortLines = f.raw.split('\r\n').every((l) => l.length <= 998); // RFC 5322 §2.1.1
  if (clean && asciiRaw && shortLines && f.raw.length <= 4096) return f.raw;
  const value = toLine(maskText(f.decoded)).slice(0, 2000);
  return foldHeader(f.name, encodeHeaderText(value));
}

/** Decoded values may hold controls from hostile input; a header line must not. */
function toLine(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}


function safeHostName(h: string): string {
  const clean = h.replace(/[^A-Za-z0-9.-]/g, '').replace(/^[.-]+|[.-]+$/g, '');
  return clean === '' ? 'postvagt.invalid' : clean.slice(0, 253);
}

/** ENVID is xtext (RFC 3461 §4); keep it printable and free of CPR numbers. */
function xtextSafe(envid: string): string {
  return toAsciiLine(maskText(envid)).replace(/[^\x21-\x7e]/g, '').slice(0, 100) || 'unknown';
}
