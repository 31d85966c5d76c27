// Resend tracking (DESIGN "Incidents and review"): a later mail that passes with the same sender, the
// same recipients and the same subject without the number resolves a stopped mail's incident as `resent`.
// Pure, no I/O: the caller passes the open incidents it read from the store. Protects the review loop:
// an unresolved incident after 24 h may mean a citizen's case stalled, so false "resent" must be rare.
import type { Incident } from '../store/types.ts';

export interface PassedMail {
  sender: string;
  recipients: readonly string[];
  /** the passing mail's subject, masked (it has no number, or it would not have passed) */
  subjectMasked: string;
  direction: Incident['direction'];
  /** ISO time of the passing mail */
  time: string;
}

/** Only stopped mail needs resending; redacted or tagged mail has already arrived. */
const RESENDABLE: ReadonlySet<Incident['action']> = new Set(['reject', 'quarantine']);
/** a resend days later is still a resend; weeks later it is more likely a new case with a similar title */
export const RESEND_WINDOW_MS = 7 * 86_400_000;
/** words a person adds when moving the number out, e.g. "vedr. borger", "se brødtekst" */
const MAX_ADDED_WORDS = 3;

/** The open incidents this passing mail resolves as `resent`, oldest first. */
export function findResent(mail: PassedMail, open: readonly Incident[]): Incident[] {
  const t = Date.parse(mail.time);
  const sender = mail.sender.toLowerCase();
  const rcpts = new Set(mail.recipients.map((r) => r.toLowerCase()));
  const words = subjectWords(mail.subjectMasked);
  return open
    .filter((i) => i.status !== 'resolved' && RESENDABLE.has(i.action) && i.direction === mail.direction)
    .filter((i) => i.sender !== '' && i.sender.toLowerCase() === sender)
    .filter((i) => {
      const it = Date.parse(i.time);
      return it <= t && t - it <= RESEND_WINDOW_MS;
    })
    .filter((i) => i.recipients.length > 0 && i.recipients.every((r) => rcpts.has(r.toLowerCase())))
    .filter((i) => sameSubject(subjectWords(i.subjectMasked), words))
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

/**
 * The subject's words without the masked number, CPR keywords, reply prefixes and punctuation, lower-case.
 * "SV: Partshøring XXXXXX-XXXX – bevilling" → ["partshøring", "bevilling"].
 */
export function subjectWords(subject: string): string[] {
  return subject
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[0-9x]{6}-x{4}/g, ' ') // the masked number (full or date style)
    .replace(/^(\s*(re|sv|aw|fw|fwd|vs|videresend)\s*:)+/, ' ')
    .replace(/\b(personnummer|person-nr|personnr|cpr-?nr|cpr)\b\.?/g, ' ')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
}

/** Same subject: the stopped mail's words all still there, with at most a few words added. */
function sameSubject(stopped: readonly string[], resent: readonly string[]): boolean {
  if (stopped.length === 0) return resent.length === 0;
  const have = new Set(resent);
  return stopped.every((w) => have.has(w)) && resent.length - stopped.length <= MAX_ADDED_WORDS;
}
