// The daily digest to the central mailbox (DESIGN "Incidents and review"): yesterday's incidents,
// systemic alerts, and incidents still unresolved after 24 h (they may have harmed a citizen).
// Pure: the caller reads the incidents from the store and passes the clock; builds bytes, no I/O.
import type { Incident, NoticeDraft } from '../store/types.ts';
import { maskText } from '../detect/index.ts';
import { buildCentralMail } from '../notify/central-mail.ts';
import { danishMinute } from '../time/danish.ts';
import { dashboardUrl, incidentUrl } from '../notify/escalation.ts';

export interface DigestInput {
  /** the day reported, YYYY-MM-DD */
  day: string;
  /** incidents created that day */
  incidents: readonly Incident[];
  /** incidents not resolved, older than 24 h at `now` (any day) */
  unresolved: readonly Incident[];
  centralMailbox: string;
  postmaster: string;
  reportingMta: string;
  now: Date;
  /** web.public_url: with it, a link to the incident list and one under each listed incident */
  publicUrl?: string;
}

const LIST_LIMIT = 200;

// "uløste > 24 t": the count is of incidents open for more than a day, not of all open ones
export function digestSubject(p: Pick<DigestInput, 'day' | 'incidents' | 'unresolved'>): string {
  const systemic = p.incidents.filter((i) => i.classification === 'systemic').length;
  const alert = systemic > 0 ? ` - ${systemic} SYSTEMISK/SYSTEMIC` : '';
  const n = p.incidents.length;
  const u = p.unresolved.length;
  return `[Postvagt] Døgnrapport ${p.day}: ${n} ${n === 1 ? 'hændelse' : 'hændelser'}, ${u} ${u === 1 ? 'uløst' : 'uløste'} > 24 t${alert} / Daily digest`;
}

/** The digest body (LF line ends): counts, systemic alerts first, then the unresolved, then the day's list. */
export function digestText(p: DigestInput): string {
  const out: string[] = [`Postvagt daily digest for ${p.day} (generated ${danishClock(p.now)}; all times Danish time, as on the dashboard)`, ''];
  // first, so the reviewer sees where to act before scrolling; never a guessed address (unset = none)
  if (p.publicUrl) out.push(`Dashboard: ${dashboardUrl(p.publicUrl)}`, '');
  const link = p.publicUrl ? linkTo(p.publicUrl) : undefined;
  out.push(`Incidents: ${p.incidents.length}`, `  by action:    ${countBy(p.incidents, (i) => i.action)}`);
  out.push(`  by direction: ${countBy(p.incidents, (i) => i.direction)}`, `  by class:     ${countBy(p.incidents, (i) => i.classification)}`);
  out.push(`  notices:      ${countBy(p.incidents, (i) => i.notice)}`, '');
  const systemic = p.incidents.filter((i) => i.classification === 'systemic');
  out.push(`SYSTEMIC ALERTS (${systemic.length}) - causes outside one person's mistake:`);
  out.push(...(systemic.length ? listed(systemic, link, (i) => `    ${line(i.classificationReason)}`) : ['  none']), '');
  out.push(`UNRESOLVED FOR MORE THAN 24 H (${p.unresolved.length}) - a citizen's case may be waiting:`);
  out.push(...(p.unresolved.length ? listed(p.unresolved, link) : ['  none']), '');
  out.push(`ALL INCIDENTS ON ${p.day}:`, ...(p.incidents.length ? listed(p.incidents, link) : ['  none']));
  return maskText(out.join('\n')) + '\n';
}

/** The digest as a mail to the central mailbox, null envelope sender, Auto-Submitted: auto-generated. */
export function buildDigest(p: DigestInput): NoticeDraft {
  return buildCentralMail({
    centralMailbox: p.centralMailbox,
    postmaster: p.postmaster,
    reportingMta: p.reportingMta,
    now: p.now,
    subject: digestSubject(p),
    id: `digest-${p.day.replace(/[^0-9-]/g, '')}`,
    text: digestText(p),
  });
}

/** the line under each listed incident: its own page, where it is resolved */
function linkTo(publicUrl: string): (i: Incident) => string {
  return (i) => `    ${incidentUrl(publicUrl, i.id)}`;
}

function listed(incidents: readonly Incident[], link?: (i: Incident) => string, extra?: (i: Incident) => string): string[] {
  const sorted = [...incidents].sort((a, b) => a.time.localeCompare(b.time));
  const rows = sorted.slice(0, LIST_LIMIT).flatMap((i) => {
    const row = `  ${i.id}  ${danishClock(new Date(i.time))}  ${i.direction.padEnd(8)} ${i.action.padEnd(13)} ${i.status.padEnd(8)} ${line(i.sender) || '<>'} -> ${i.recipients.slice(0, 3).map(line).join(', ')}${i.recipients.length > 3 ? ', ...' : ''}`;
    const subject = `    "${line(i.subjectMasked).slice(0, 120)}"`;
    return [row, subject, ...(extra ? [extra(i)] : []), ...(link ? [link(i)] : [])];
  });
  if (sorted.length > LIST_LIMIT) rows.push(`  ... and ${sorted.length - LIST_LIMIT} more (see the dashboard)`);
  return rows;
}

/**
 * "2026-11-28 09:14" in Danish time: the day reported is a Danish calendar day, and the dashboard,
 * the notices and the escalations all state Danish time — a UTC time here sent the reader looking
 * an hour or two off on the incident list (user review, 29 Nov).
 */
function danishClock(d: Date): string {
  return Number.isNaN(d.getTime()) ? '????-??-?? ??:??' : danishMinute(d);
}

function countBy(items: readonly Incident[], key: (i: Incident) => string): string {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(key(i), (counts.get(key(i)) ?? 0) + 1);
  return counts.size === 0 ? '-' : [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k, n]) => `${k} ${n}`).join(', ');
}

function line(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
}

