// The escalation mail to the central failure mailbox, for incidents whose sender cannot be told
// (null sender, no-reply, web forms) or whose notice could not be delivered. Pure: builds bytes, no I/O.
// Invariant 6: nobody is left uninformed; invariant 2: only masked values; null envelope sender, no loops.
import type { Incident, NoticeDraft } from '../store/types.ts';
import { maskText } from '../detect/index.ts';
import { wrapText } from './mime.ts';
import { danishSecond } from '../time/danish.ts';
import { outcomeOf, type Outcome } from './notice-text.ts';
import { buildCentralMail } from './central-mail.ts';

export interface EscalationInput {
  incident: Incident;
  /** why the sender got no notice: noticeRecipient's reason, or the notice's last delivery error */
  reason: string;
  /** notify.central_mailbox */
  centralMailbox: string;
  /** notify.postmaster: From: */
  postmaster: string;
  reportingMta: string;
  now: Date;
  /** web.public_url: the dashboard's address; without it the mail has no link (never a guessed one) */
  publicUrl?: string;
}

const WHAT_HAPPENED: Record<Outcome, [string, string]> = {
  'not-sent': ['Mailen er IKKE sendt (afvist med 550).', 'The mail was NOT sent (rejected with 550).'],
  'not-delivered': ['Mailen udefra er IKKE leveret (afvist med 550).', 'The incoming mail was NOT delivered (rejected with 550).'],
  held: ['Mailen er tilbageholdt i karantæne og er IKKE leveret.', 'The mail is held in quarantine and has NOT been delivered.'],
  changed: ['Mailen er leveret med nummeret maskeret.', 'The mail was delivered with the number masked.'],
  marked: ['Mailen er leveret uændret med en markering.', 'The mail was delivered unchanged, with a marker header.'],
  delivered: ['Mailen er leveret uændret (kun registreret).', 'The mail was delivered unchanged (recorded only).'],
  delayed: ['Mailen er afvist midlertidigt (451); afsenderens server prøver igen.', "The mail was deferred (451); the sender's server will retry."],
};

/** One text/plain message to the central mailbox (RFC 3834 §5: auto-generated, not a reply). */
export function buildEscalation(p: EscalationInput): NoticeDraft {
  const inc = p.incident;
  return buildCentralMail({
    centralMailbox: p.centralMailbox,
    postmaster: p.postmaster,
    reportingMta: p.reportingMta,
    now: p.now,
    subject: `[Postvagt] Eskaleret ${inc.id}: afsenderen har ikke fået besked / Escalated: the sender was not told`,
    id: inc.id,
    headers: [`X-Postvagt-Incident: ${inc.id}`],
    text: maskText(escalationText(p)),
  });
}

/** The readable body: what to do first, then the facts an operator needs to act (LF line ends). */
export function escalationText(p: EscalationInput): string {
  const inc = p.incident;
  const [da, en] = WHAT_HAPPENED[outcomeOf(inc.action, inc.direction)];
  const reason = toLine(p.reason).slice(0, 300);
  const lines = [
    wrapText(`Afsenderen kan ikke få en automatisk besked, så en person skal tage sig af sagen. ${da} Kontakt afsenderen på anden vis, hvis mailen er vigtig.`),
    '',
    wrapText(`The sender cannot get an automatic notice, so a person must handle this. ${en} Contact the sender another way if the mail matters.`),
    '',
    `Why no notice:  ${reason}`,
    `Case:           ${inc.id}`,
    // the reviewer is not a programmer: one click to the incident, where it is resolved
    ...(p.publicUrl ? [`Dashboard:      ${incidentUrl(p.publicUrl, inc.id)}`] : []),
    `Time:           ${danishTime(inc.time)}`,
    `Direction:      ${inc.direction} (listener ${toLine(inc.listener)})`,
    `Sender:         ${inc.sender === '' ? '<> (null sender)' : toLine(inc.sender)}`,
    `Recipients:     ${inc.recipients.slice(0, 20).map(toLine).join(', ')}${inc.recipients.length > 20 ? ', ...' : ''}`,
    `Subject:        ${toLine(inc.subjectMasked).slice(0, 200)}`,
    `Action:         ${inc.action}`,
    `Reply given:    ${toLine(inc.reply)}`,
    `Classification: ${inc.classification}${inc.classificationReason ? ` (${toLine(inc.classificationReason)})` : ''}`,
    'Found:',
    ...inc.findings.slice(0, 20).map((f) => `  - ${toLine(f.header)}: ${f.masked}, fingerprint ${f.fingerprint.slice(0, 16)}`),
  ];
  return lines.join('\n') + '\n';
}

/** `<web.public_url>/incidents/PV-…`: the dashboard page of one incident (src/web/server.ts) */
export function incidentUrl(publicUrl: string, id: string): string {
  return `${dashboardUrl(publicUrl)}/${encodeURIComponent(toLine(id))}`;
}

/** `<web.public_url>/incidents`: the incident list (a login first, which returns to this page) */
export function dashboardUrl(publicUrl: string): string {
  return `${toLine(publicUrl).replace(/\/+$/, '')}/incidents`;
}

/**
 * The time as the dashboard and the sender's notice state it (Danish local time): the operator who
 * reads "21:45" here must find the same time on the incident list. UTC kept alongside for logs.
 */
export function danishTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return toLine(iso);
  return `${danishSecond(d)} dansk tid / Danish time (${d.toISOString().slice(0, 19)}Z)`;
}

function toLine(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
}

