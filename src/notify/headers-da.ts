// Danish and English names for the headers a CPR number can hide in, as a case worker would say them,
// plus which kind of fix applies (the subject is the sender's to change; a display name is not).
// Pure, no I/O. Protects invariant 4: the notice names the header in words a person understands.

/** What the person can do about it differs by where the number sits. */
export type HeaderKind = 'subject' | 'own-name' | 'recipient-name' | 'field' | 'technical';

export interface HeaderWords {
  /** Danish, definite form, Unicode (transliterate for SMTP replies): "emnefeltet" */
  da: string;
  /** English, short, for a reply line: "subject" */
  en: string;
  kind: HeaderKind;
}

// Keys are lower-case header names. RFC 5322 §3.6 names the fields; Thread-Topic is Exchange's
// copy of the subject, which Outlook shows as the conversation title.
const TABLE: Record<string, HeaderWords> = {
  subject: { da: 'emnefeltet', en: 'subject', kind: 'subject' },
  'thread-topic': { da: 'samtaleemnet (Thread-Topic)', en: 'thread topic', kind: 'subject' },
  from: { da: 'afsendernavnet (Fra)', en: 'sender name (From)', kind: 'own-name' },
  sender: { da: 'afsenderfeltet (Sender)', en: 'Sender field', kind: 'own-name' },
  'reply-to': { da: 'svaradressen (Reply-To)', en: 'reply-to address', kind: 'own-name' },
  to: { da: 'modtagernavnet (Til)', en: 'recipient name (To)', kind: 'recipient-name' },
  cc: { da: 'modtagernavnet (Cc)', en: 'recipient name (Cc)', kind: 'recipient-name' },
  bcc: { da: 'modtagernavnet (Bcc)', en: 'recipient name (Bcc)', kind: 'recipient-name' },
  comments: { da: 'kommentarfeltet', en: 'comments field', kind: 'field' },
  keywords: { da: 'nøgleordsfeltet', en: 'keywords field', kind: 'field' },
};

/** Header names come from the wire; keep only what RFC 5322 §2.2 allows in a field name, and not too much of it. */
export function safeHeaderName(name: string): string {
  const clean = name.replace(/[^\x21-\x39\x3b-\x7e]/g, '');
  const short = clean.length > 40 ? `${clean.slice(0, 37)}...` : clean;
  return short === '' ? '?' : short;
}

export function headerWords(name: string): HeaderWords {
  const known = TABLE[name.toLowerCase()];
  if (known) return known;
  const safe = safeHeaderName(name);
  // X- headers are set by programs (case systems, scanners), not typed by the case worker.
  if (/^x-/i.test(safe)) return { da: `det tekniske felt ${safe}`, en: `${safe} header`, kind: 'technical' };
  return { da: `feltet ${safe}`, en: `${safe} header`, kind: 'field' };
}

/**
 * What to do, per kind, in the one-line SMTP reply (ASCII, a few words): it must agree with the
 * notice's FIX below — the sender's own name and program-filled fields are not theirs to edit.
 */
export const REPLY_FIX: Record<HeaderKind, { da: string; en: string }> = {
  subject: { da: 'Fjern det og send igen', en: 'Remove it and send again' },
  'own-name': { da: 'Kontakt IT-support', en: 'Contact IT support' },
  'recipient-name': { da: 'Fjern det og send igen', en: 'Remove it and send again' },
  field: { da: 'Fjern det og send igen', en: 'Remove it and send again' },
  technical: { da: 'Kontakt IT-support', en: 'Contact IT support' },
};

/** What to do, per kind, Danish then English, for the notice (one sentence each). */
export const FIX: Record<HeaderKind, { da: string; en: string }> = {
  subject: {
    da: 'Fjern CPR-nummeret fra emnefeltet. Skriv det i stedet inde i selve mailen (brødteksten), som krypteres, når du sender sikker mail. Send så mailen igen.',
    en: 'Remove the CPR number from the subject. Write it in the body of the mail instead, which is encrypted when you send secure mail. Then send the mail again.',
  },
  'own-name': {
    da: 'Dit eget navn eller din afsenderadresse indeholder et CPR-nummer. Det kan du ikke selv rette: kontakt IT-support.',
    en: 'Your own name or sender address contains a CPR number. You cannot fix that yourself: contact IT support.',
  },
  'recipient-name': {
    da: 'Modtagerens navn, som det står i din adressebog, indeholder et CPR-nummer. Skriv modtagerens mailadresse uden navnet (eller ret kontakten), og send igen.',
    en: "The recipient's name, as it appears in your address book, contains a CPR number. Type the recipient's address without the name (or correct the contact) and send again.",
  },
  field: {
    da: 'Fjern CPR-nummeret fra feltet, skriv det i stedet inde i selve mailen (brødteksten), og send mailen igen.',
    en: 'Remove the CPR number from that field, write it in the body of the mail instead, and send the mail again.',
  },
  technical: {
    da: 'Feltet udfyldes af et program (fx et fagsystem), ikke af dig. Kontakt IT-support, så programmet bliver rettet.',
    en: 'That field is filled in by a program (such as a case management system), not by you. Contact IT support so the program is corrected.',
  },
};

/** Advice for next time, when the mail has already arrived (changed or marked): nothing to resend. */
export const FIX_NEXT_TIME: Record<HeaderKind, { da: string; en: string }> = {
  subject: {
    da: 'Skriv ikke CPR-numre i emnefeltet. Skriv dem inde i selve mailen (brødteksten), som krypteres, når du sender sikker mail.',
    en: 'Do not put CPR numbers in the subject. Write them in the body of the mail, which is encrypted when you send secure mail.',
  },
  'own-name': {
    da: 'Dit eget navn eller din afsenderadresse indeholder et CPR-nummer. Kontakt IT-support, så det bliver rettet.',
    en: 'Your own name or sender address contains a CPR number. Contact IT support to have it corrected.',
  },
  'recipient-name': {
    da: 'Ret modtagerens navn i din adressebog, så det ikke indeholder et CPR-nummer.',
    en: "Correct the recipient's name in your address book so it does not contain a CPR number.",
  },
  field: {
    da: 'Skriv ikke CPR-numre i det felt. Skriv dem inde i selve mailen (brødteksten).',
    en: 'Do not put CPR numbers in that field. Write them in the body of the mail.',
  },
  technical: FIX.technical,
};
