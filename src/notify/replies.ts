// SMTP reply texts (STYLE 4): every reply the gateway gives that Postvagt words itself, and the one
// function that maps an SmtpReply to the wire. Pure, no I/O. Invariant 5: one printable-ASCII line
// of at most 512 octets including CRLF (RFC 5321 §4.5.3.1.5), Danish first, the incident id always kept.
import type { HeaderFinding } from '../detect/types.ts';
import type { Direction, SmtpReply } from '../policy/types.ts';
import { PvError } from '../errors.ts';
import { headerWords, REPLY_FIX } from './headers-da.ts';
import { hideDigitRuns, toAsciiLine } from './ascii.ts';

/** RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets *including* the CRLF. */
export const MAX_REPLY_OCTETS = 510;
const ID_PATTERN = /PV-\d{8}-[0-9A-HJKMNP-TV-Z]{6}/g;

/** 550 5.7.1 after DATA (RFC 3463 §3.8 X.7.1: delivery not authorized, message refused). */
export function rejectReply(p: { incidentId: string; findings: HeaderFinding[]; direction?: Direction }): SmtpReply {
  const first = p.findings[0];
  const words = first ? headerWords(first.header) : { da: 'et brevhoved', en: 'a header', kind: 'field' as const };
  const masked = first ? safeMasked(first.masked) : 'XXXXXX-XXXX';
  const more = p.findings.length - 1;
  const moreDa = more > 0 ? `, og ${more} fund mere` : '';
  const moreEn = more > 0 ? `, and ${more} more` : '';
  // From the sender's point of view an outbound stop is "not sent"; inbound mail was sent but not delivered.
  const [stateDa, stateEn] = p.direction === 'inbound' ? ['Ikke leveret', 'Not delivered'] : ['Ikke afsendt', 'Not sent'];
  const fix = REPLY_FIX[words.kind];
  const da = `${stateDa}: ${words.da} indeholder et CPR-nummer (${masked})${moreDa}. ${fix.da}. Sag ${p.incidentId}`;
  const en = `${stateEn}: CPR number in ${words.en} (${masked})${moreEn}. ${fix.en}. Case ${p.incidentId}`;
  return { code: 550, enhanced: '5.7.1', text: `${da} / ${en}` };
}

/** 451 4.3.0: an internal fault, store down or deadline passed; the client retries (invariant 5). */
export function tempfailReply(incidentId: string): SmtpReply {
  return {
    code: 451,
    enhanced: '4.3.0',
    text: `Midlertidig fejl i Postvagt, mailen er ikke modtaget; proev igen senere. Sag ${incidentId} / Temporary failure in Postvagt, mail not accepted; try again later. Case ${incidentId}`,
  };
}

/**
 * 451 when the next hop is down, slow or said 4xx. RFC 3463 §3.5 X.4.1 "no answer from host";
 * TLS problems use §3.8 X.7.5 "cryptographic failure" for a failed handshake or certificate, and X.7.10
 * "encryption needed" (RFC 5248 registry) when the next hop offers no STARTTLS — under require_tls we never
 * fall back to plaintext and the operator must see why. (X.7.10's registry text is about AUTH; Postfix
 * answers 4.7.4 "security features not supported" here. Gateway e2e tests pin 4.7.10; change both together.)
 * `detail` is free text from the upstream or the TLS layer; it is sanitised and shortened here.
 */
export function upstreamTempfailReply(incidentId: string, detail?: string): SmtpReply {
  const d = detail ? hideDigitRuns(toAsciiLine(detail)).slice(0, 160) : '';
  const tls = /\b(tls|ssl|starttls|certificate|cert|handshake|x509|self[- ]signed)\b/i.test(d);
  const enhanced = !tls ? '4.4.1' : /starttls|not (offered|supported|advertised)|require/i.test(d) ? '4.7.10' : '4.7.5';
  const why = tls
    ? ['krypteret forbindelse (TLS) til naeste server mislykkedes', 'encrypted connection (TLS) to the next mail server failed']
    : ['naeste mailserver svarer ikke eller afviser midlertidigt', 'the next mail server is unavailable or deferred the mail'];
  const tail = d ? ` (${d})` : '';
  return {
    code: 451,
    enhanced,
    text: `Ikke modtaget: ${why[0]}; proev igen senere. Sag ${incidentId} / Not accepted: ${why[1]}${tail}; try again later. Case ${incidentId}`,
  };
}

/**
 * 250 2.0.0 for quarantine: only after the message and the notice are durable (invariant 1).
 * With the findings, the header is named as in the reject line ("emnefeltet", "subject"); without
 * them the reply says "a header" (brevhoved).
 */
export function quarantinedReply(incidentId: string, findings: readonly HeaderFinding[] = []): SmtpReply {
  const words = findings[0] ? headerWords(findings[0].header) : { da: 'et brevhoved', en: 'a header' };
  return {
    code: 250,
    enhanced: '2.0.0',
    text: `Modtaget og tilbageholdt i karantaene: CPR-nummer i ${words.da}. Sag ${incidentId} / Accepted and held in quarantine: CPR number in ${words.en}. Case ${incidentId}`,
  };
}

/** 421 4.3.2 (RFC 3463 §3.4 X.3.2 "system not accepting network messages") during graceful shutdown. */
export function shuttingDownReply(): SmtpReply {
  return {
    code: 421,
    enhanced: '4.3.2',
    text: 'Postvagt lukker ned; proev igen om lidt / Postvagt is shutting down; try again shortly',
  };
}

/** 554 5.7.1 at RCPT for a client outside the relay networks without AUTH (no open relay). */
export function relayDeniedReply(): SmtpReply {
  return { code: 554, enhanced: '5.7.1', text: 'Relay ikke tilladt fra denne afsender / Relaying denied' };
}

/** 552 5.3.4 (RFC 3463 §3.4 X.3.4 "message too big for system") for a header block over the limit. */
export function headerTooLargeReply(limitOctets: number): SmtpReply {
  return {
    code: 552,
    enhanced: '5.3.4',
    text: `Brevhovedet er for stort (over ${limitOctets} bytes) / Message header too large (over ${limitOctets} octets)`,
  };
}

/** The wire form "550 5.7.1 text" without CRLF, at most 510 octets. The one place replies meet the wire. */
export function formatReply(r: SmtpReply): string {
  return `${r.code} ${replyMessage(r)}`;
}

/** "5.7.1 text" (sanitised, fitted) for libraries that write the code themselves, e.g. smtp-server's err.responseCode. */
export function replyMessage(r: SmtpReply): string {
  checkCodes(r);
  const prefix = r.enhanced === '' ? '' : `${r.enhanced} `;
  const budget = MAX_REPLY_OCTETS - `${r.code} ${prefix}`.length;
  return prefix + fitText(toAsciiLine(r.text), budget);
}

const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3}$/;

// A wrong code is a bug in our code, not bad input: throw, and the adapter fails closed with 451.
function checkCodes(r: SmtpReply): void {
  if (!Number.isInteger(r.code) || r.code < 200 || r.code > 599) {
    throw new PvError('PV_INTERNAL', `invalid SMTP reply code ${String(r.code)}`);
  }
  const cls = String(r.code)[0];
  // RFC 3463 §2: the class of the enhanced code must agree with the basic code; 3xx has none.
  const ok = cls === '3' ? r.enhanced === '' : ENHANCED.test(r.enhanced) && r.enhanced[0] === cls;
  if (!ok) throw new PvError('PV_INTERNAL', `enhanced code '${r.enhanced}' does not fit reply code ${r.code}`);
}

/** Shorten at a word boundary; if the incident id would be cut off, keep it at the end (STYLE 8). */
export function fitText(text: string, budget: number): string {
  if (text.length <= budget) return text;
  const ids = text.match(ID_PATTERN);
  const id = ids ? ids[ids.length - 1] : null;
  const tail = id ? ` ... ${id}` : ' ...';
  if (budget < tail.length + 10) return cutAtWord(text, budget);
  const head = cutAtWord(text, budget - tail.length);
  return id && head.includes(id) ? cutAtWord(text, budget - 4) + ' ...' : head + tail;
}

function cutAtWord(s: string, n: number): string {
  if (n <= 0) return '';
  const cut = s.slice(0, n);
  const space = cut.lastIndexOf(' ');
  // Prefer a word boundary, but do not throw away more than a long word's worth.
  return (space > n - 40 && space > 0 ? cut.slice(0, space) : cut).trimEnd();
}

/** Masked forms are "XXXXXX-XXXX" or "251284-XXXX"; anything else is not shown. */
function safeMasked(m: string): string {
  return /^[0-9X]{6}-X{4}$/.test(m) ? m : 'XXXXXX-XXXX';
}
