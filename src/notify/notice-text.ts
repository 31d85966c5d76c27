// The words of a notice, Danish first then English, for a case worker who is not technical:
// what happened, why (which header, masked number), what to do, the case number, whom to contact.
// Pure, no I/O (dates are passed in). Protects invariant 4; every value shown is already masked.
import type { Incident, StoredFinding } from '../store/types.ts';
import { FIX, FIX_NEXT_TIME, headerWords, type HeaderKind } from './headers-da.ts';
import { wrapText } from './mime.ts';
import { DANISH_TIME_ZONE } from '../time/danish.ts';

/** What happened to the mail, as the sender experiences it. */
export type Outcome = 'not-sent' | 'not-delivered' | 'held' | 'changed' | 'marked' | 'delivered' | 'delayed';

export function outcomeOf(action: Incident['action'], direction: Incident['direction'] = 'outbound'): Outcome {
  switch (action) {
    case 'reject':
      // our own staff's mail was "not sent"; another organisation's mail to us was "not delivered"
      return direction === 'inbound' ? 'not-delivered' : 'not-sent';
    case 'quarantine':
      return 'held';
    case 'redact':
      return 'changed';
    case 'tag':
      return 'marked';
    case 'pass':
      return 'delivered'; // monitoring-only policy: nothing was added to the mail
    case 'upstream-fail':
    case 'tempfail':
      return 'delayed';
  }
}

type Lang = 'da' | 'en';
interface Words {
  subject: (where: string) => string;
  headline: string;
  why: (where: string, masked: string) => string;
  after?: string;
}

// One table per language, so the two versions are read (and reviewed) side by side.
const WORDS: Record<Lang, Record<Outcome, Words>> = {
  da: {
    'not-sent': {
      subject: (w) => `Ikke afsendt: CPR-nummer i ${w}`,
      headline: 'Din mail er IKKE sendt.',
      why: (w, m) => `Postvagt har stoppet mailen, fordi ${w} indeholder et CPR-nummer (${m}).`,
    },
    'not-delivered': {
      subject: (w) => `Ikke leveret: CPR-nummer i ${w}`,
      headline: 'Din mail er IKKE leveret.',
      why: (w, m) => `Postvagt hos modtageren har stoppet mailen, fordi ${w} indeholder et CPR-nummer (${m}).`,
    },
    held: {
      subject: (w) => `Tilbageholdt: CPR-nummer i ${w}`,
      headline: 'Din mail er tilbageholdt og er IKKE leveret.',
      why: (w, m) => `Postvagt har tilbageholdt mailen, fordi ${w} indeholder et CPR-nummer (${m}). Mailen ligger krypteret hos Postvagt.`,
      after: 'IT-support beslutter, om den tilbageholdte mail frigives eller slettes. Når du har sendt mailen igen uden nummeret, så giv IT-support besked med sagsnummeret, så modtageren ikke får den to gange.',
    },
    changed: {
      subject: (w) => `Leveret, men ${w} er ændret`,
      headline: 'Din mail er leveret, men den er ændret undervejs.',
      why: (w, m) => `${cap(w)} indeholdt et CPR-nummer. Postvagt har erstattet nummeret med ${m}, før mailen blev sendt videre. Resten af mailen er ikke ændret, og du skal ikke sende den igen.`,
    },
    marked: {
      subject: (w) => `Leveret med CPR-nummer i ${w}`,
      headline: 'Din mail er leveret uændret, men den er markeret.',
      why: (w, m) => `${cap(w)} indeholder et CPR-nummer (${m}). Mailen er leveret med en markering, så modtageren og IT-support kan se det.`,
    },
    delivered: {
      subject: (w) => `Leveret med CPR-nummer i ${w}`,
      headline: 'Din mail er leveret uændret.',
      why: (w, m) => `${cap(w)} indeholder et CPR-nummer (${m}). Postvagt har kun registreret det; mailen er ikke ændret.`,
    },
    delayed: {
      subject: () => 'Forsinket: teknisk fejl',
      headline: 'Din mail er forsinket.',
      why: () => 'Postvagt kunne ikke tage imod mailen på grund af en teknisk fejl. Dit mailsystem prøver automatisk igen.',
    },
  },
  en: {
    'not-sent': {
      subject: (w) => `Not sent: CPR number in the ${w}`,
      headline: 'Your mail was NOT sent.',
      why: (w, m) => `Postvagt stopped the mail because the ${w} contains a CPR number (${m}).`,
    },
    'not-delivered': {
      subject: (w) => `Not delivered: CPR number in the ${w}`,
      headline: 'Your mail was NOT delivered.',
      why: (w, m) => `Postvagt at the receiving end stopped the mail because the ${w} contains a CPR number (${m}).`,
    },
    held: {
      subject: (w) => `Held: CPR number in the ${w}`,
      headline: 'Your mail is held and has NOT been delivered.',
      why: (w, m) => `Postvagt is holding the mail because the ${w} contains a CPR number (${m}). The mail is stored encrypted by Postvagt.`,
      after: 'IT support decides whether the held mail is released or deleted. Once you have sent the mail again without the number, tell IT support the case number, so the recipient does not get it twice.',
    },
    changed: {
      subject: (w) => `Delivered, but the ${w} was changed`,
      headline: 'Your mail was delivered, but it was changed on the way.',
      why: (w, m) => `The ${w} contained a CPR number. Postvagt replaced the number with ${m} before passing the mail on. Nothing else in the mail was changed, and you do not need to send it again.`,
    },
    marked: {
      subject: (w) => `Delivered with a CPR number in the ${w}`,
      headline: 'Your mail was delivered unchanged, but it was marked.',
      why: (w, m) => `The ${w} contains a CPR number (${m}). The mail was delivered with a marker so the recipient and IT support can see this.`,
    },
    delivered: {
      subject: (w) => `Delivered with a CPR number in the ${w}`,
      headline: 'Your mail was delivered unchanged.',
      why: (w, m) => `The ${w} contains a CPR number (${m}). Postvagt only recorded this; the mail was not changed.`,
    },
    delayed: {
      subject: () => 'Delayed: technical fault',
      headline: 'Your mail is delayed.',
      why: () => 'Postvagt could not accept the mail because of a technical fault. Your mail system will try again automatically.',
    },
  },
};

const WHY_IT_MATTERS = {
  da: 'Emnefeltet og navnene på afsender og modtagere sendes ukrypteret, også når du sender sikker mail, så andre kan læse dem undervejs.',
  en: 'The subject and the names of sender and recipients travel unencrypted, even when you send secure mail, so others can read them on the way.',
};

export interface NoticeTextInput {
  incident: Incident;
  contact: string;
  arrivalDate: Date;
}

/** The notice's Subject (Unicode) and its plain-text body (LF line ends). */
export function noticeText(input: NoticeTextInput): { subject: string; body: string } {
  const p = cleanInput(input);
  const outcome = outcomeOf(p.incident.action, p.incident.direction);
  const first = p.incident.findings[0];
  const da = WORDS.da[outcome].subject(first ? headerWords(first.header).da : 'et brevhoved');
  const en = WORDS.en[outcome].subject(first ? headerWords(first.header).en : 'a header');
  const subject = `${da} [${p.incident.id}] / ${en}`;
  const body = [section('da', outcome, p), '', '---- English ----', '', section('en', outcome, p)].join('\n');
  return { subject, body };
}

function section(lang: Lang, outcome: Outcome, p: NoticeTextInput): string {
  const w = WORDS[lang][outcome];
  const { incident } = p;
  const where = incident.findings.length > 0 ? headerWords(incident.findings[0].header)[lang] : lang === 'da' ? 'et brevhoved' : 'a header';
  const masked = incident.findings[0]?.masked ?? 'XXXXXX-XXXX';
  const blocks = [w.headline, w.why(where, masked)].map((t) => wrapText(t));
  if (incident.findings.length > 1) blocks.push(foundList(lang, incident.findings));
  if (outcome !== 'delayed') blocks.push(wrapText(WHY_IT_MATTERS[lang]));
  blocks.push(aboutMail(lang, incident, p.arrivalDate));
  if (outcome !== 'delayed') blocks.push(todo(lang, outcome, incident.findings));
  if (w.after) blocks.push(wrapText(w.after));
  blocks.push(contact(lang, incident.id, p.contact));
  return blocks.join('\n\n');
}

function foundList(lang: Lang, findings: readonly StoredFinding[]): string {
  const head = lang === 'da' ? 'CPR-numre fundet i:' : 'CPR numbers found in:';
  return [head, ...findings.slice(0, 20).map((f) => `  - ${headerWords(f.header)[lang]}: ${f.masked}`)].join('\n');
}

function aboutMail(lang: Lang, incident: Incident, arrival: Date): string {
  const [s, t, r] = lang === 'da' ? ['Emne:', 'Til:', 'Modtaget:'] : ['Subject:', 'To:', 'Received:'];
  const to = incident.recipients.slice(0, 10).join(', ') + (incident.recipients.length > 10 ? ', ...' : '');
  const subject = incident.subjectMasked.length > 200 ? `${incident.subjectMasked.slice(0, 200)}...` : incident.subjectMasked;
  const head = lang === 'da' ? 'Mailen:' : 'The mail:';
  return [head, `  ${s.padEnd(10)}${subject}`, `  ${t.padEnd(10)}${to}`, `  ${r.padEnd(10)}${localTime(lang, arrival)}`].join('\n');
}

function todo(lang: Lang, outcome: Outcome, findings: readonly StoredFinding[]): string {
  const kinds = [...new Set(findings.map((f) => headerWords(f.header).kind))];
  // After a change or a marker the mail has arrived: the advice is for next time.
  const nextTime = outcome === 'changed' || outcome === 'marked' || outcome === 'delivered';
  const table = nextTime ? FIX_NEXT_TIME : FIX;
  const head = nextTime ? (lang === 'da' ? 'Næste gang:' : 'Next time:') : lang === 'da' ? 'Sådan gør du:' : 'What to do:';
  return [head, ...kinds.map((k: HeaderKind) => `  - ${wrapText(table[k][lang], 68, '    ')}`)].join('\n');
}

function contact(lang: Lang, id: string, who: string): string {
  const ask = lang === 'da' ? `Spørgsmål? Kontakt ${who} og oplys sagsnummeret.` : `Questions? Contact ${who} and give the case number.`;
  const footer = lang === 'da'
    ? 'Denne besked er sendt automatisk af Postvagt, som holder CPR-numre ude af de ukrypterede felter i mails.'
    : 'This notice was sent automatically by Postvagt, which keeps CPR numbers out of the unencrypted fields of mail.';
  return `${lang === 'da' ? 'Sagsnummer' : 'Case number'}: ${id}\n${wrapText(ask)}\n\n${wrapText(footer)}`;
}

/** Danish local time, as the case worker's clock shows it. Intl is pure computation over the given date. */
function localTime(lang: Lang, d: Date): string {
  return LONG_TIME[lang].format(d) + (lang === 'da' ? ' (dansk tid)' : ' (Danish time)');
}

const LONG_TIME: Record<Lang, Intl.DateTimeFormat> = {
  da: new Intl.DateTimeFormat('da-DK', { timeZone: DANISH_TIME_ZONE, dateStyle: 'long', timeStyle: 'short' }),
  en: new Intl.DateTimeFormat('en-GB', { timeZone: DANISH_TIME_ZONE, dateStyle: 'long', timeStyle: 'short' }),
};

/** Values from mail and config are shown inline: no control characters may break the layout. */
function cleanInput(p: NoticeTextInput): NoticeTextInput {
  const i = p.incident;
  return {
    ...p,
    contact: oneLine(p.contact),
    incident: { ...i, subjectMasked: oneLine(i.subjectMasked), recipients: i.recipients.map(oneLine), findings: i.findings.map((f) => ({ ...f, masked: oneLine(f.masked) })) },
  };
}

function oneLine(s: string): string {
  return s.replace(/[\x00-\x1f\x7f\u2028\u2029]+/g, ' ').trim();
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
