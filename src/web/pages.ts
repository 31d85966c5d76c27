// Server-rendered dashboard pages: login, incidents, the capture mailbox. Pure string building;
// every interpolated value goes through esc() (no template engine, nothing unescaped).
// The store holds no raw CPR (invariant 2); captured mail is masked before it is shown.
import type { CapturedMessage, Incident } from '../store/types.ts';
import { RESOLUTIONS } from './api.ts';
import { danishSecond } from '../time/danish.ts';

export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const CSS = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2329;background:#f6f7f9}
header{background:#1f3b57;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.5rem;align-items:center}
header a{color:#fff}header form{margin-left:auto}main{padding:1rem 1.2rem}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.92em}th,td{border-bottom:1px solid #dde1e6;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:600}tr.stale td{background:#fff1e6}tr.stale td:first-child{border-left:4px solid #c4561a}
.tag{display:inline-block;padding:0 .4rem;border-radius:3px;background:#e6ecf2}.bad{background:#fbe3e3}.note{color:#5a6570;font-size:.9em}
form.filters{display:flex;gap:.8rem;align-items:end;margin:.6rem 0 1rem}label{display:flex;flex-direction:column;font-size:.85em}
.login{max-width:22rem;margin:4rem auto;background:#fff;padding:1.5rem;border-radius:6px}.login input{width:100%;box-sizing:border-box;margin:.2rem 0 .8rem;padding:.4rem}
.wide{overflow-x:auto}.nowrap{white-space:nowrap}summary{cursor:pointer}
.error{color:#a3261b}td form{margin:.3rem 0 0}button.small{font-size:.8em}pre{background:#fff;padding:1rem;overflow:auto;white-space:pre-wrap}
form.filters{flex-wrap:wrap}td select{max-width:9rem}
@media (max-width:40rem){
header{flex-wrap:wrap;gap:.3rem 1rem}header form{margin-left:0}main{padding:.8rem}h1{font-size:1.4rem}
table.cards thead{display:none}table.cards tr{display:block;border-bottom:3px solid #c9d0d8}
table.cards td{display:block;padding-left:8.5rem;overflow-wrap:anywhere}table.cards td::after{content:"";display:block;clear:both}
table.cards td::before{content:attr(data-label);float:left;width:7.5rem;margin-left:-8rem;font-size:.8em;font-weight:600;color:#5a6570}
tr.stale td:first-child{border-left:0}tr.stale{border-left:4px solid #c4561a}
button.small,td select{font-size:.95em;padding:.35rem .6rem}
}
`;

function layout(title: string, user: string | null, body: string): string {
  const nav = user
    ? `<header><strong>Postvagt</strong><a href="/incidents">Hændelser · Incidents</a><a href="/captured">Leveret (test) · Delivered (test)</a>
<form method="post" action="/logout"><span class="note">${esc(user)}</span> <button>Log ud · Sign out</button></form></header>`
    : '';
  return `<!doctype html><html lang="da"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} — Postvagt</title><link rel="stylesheet" href="/static/style.css"></head><body>${nav}<main>${body}</main></body></html>`;
}

export function loginPage(p: { next: string; error?: string }): string {
  const err = p.error ? `<p class="error">${esc(p.error)}</p>` : '';
  return layout('Log ind · Sign in', null, `<form class="login" method="post" action="/login">
<h1>Postvagt</h1>${err}<input type="hidden" name="next" value="${esc(p.next)}">
<label>Bruger · User<input name="user" autocomplete="username" required autofocus></label>
<label>Adgangskode · Password<input name="password" type="password" autocomplete="current-password" required></label>
<button>Log ind · Sign in</button></form>`);
}

export interface IncidentView {
  incidents: Incident[];
  now: Date;
  filter: Record<string, string | undefined>;
  user: string;
  /** a filter that could not be read: shown instead of the list (not as "no incidents") */
  error?: string;
  /** the page of one incident (a link from a mail): headed by its case number, no list filters */
  single?: boolean;
}

const DAY_MS = 24 * 3600 * 1000;

/** The incident table's columns; on a phone each cell shows its column's name instead (data-label). */
const COLUMNS = ['Tid (dansk) · Time (Danish)', 'Sag · Incident', 'Emne (maskeret) · Subject (masked)', 'Fund · Findings', 'Handling · Action', 'Status',
  'Besked · Notice', 'Klassifikation · Classification', 'Afsender · Sender', 'Modtagere · Recipients', 'Svar · Reply'];

/** Unresolved for more than 24 h: the mail may never have reached a citizen (DESIGN "Incidents"). */
export function isStale(i: Incident, now: Date): boolean {
  return i.status !== 'resolved' && now.getTime() - Date.parse(i.time) > DAY_MS;
}

export function incidentsPage(v: IncidentView): string {
  const stale = v.incidents.filter((i) => isStale(i, v.now)).length;
  const rows = v.incidents.map((i) => incidentRow(i, v.now)).join('\n');
  const summary = stale
    ? `<p class="error">${stale} uløst(e) over 24 timer — kan have ramt en borger · ${stale} unresolved for more than 24 h</p>`
    : '';
  if (v.error) {
    return layout('Hændelser · Incidents', v.user, `<h1>Hændelser · Incidents</h1>${filters({})}<p class="error">Filteret kan ikke bruges · The filter cannot be used: ${esc(v.error)}</p>`);
  }
  const empty = v.incidents.length === 0 ? '<p class="note">Ingen hændelser · No incidents.</p>' : '';
  const one = v.single === true && v.incidents.length === 1 ? v.incidents[0].id : undefined;
  const title = one === undefined ? 'Hændelser · Incidents' : `Sag · Incident ${one}`;
  // one incident (from a mail's link): its case number on top, a way back to the list instead of the filters
  const top = one === undefined ? filters(v.filter) : '<p><a href="/incidents">← Alle hændelser · All incidents</a></p>';
  return layout(title, v.user, `<h1>${esc(title)}</h1>${top}${summary}${empty}
<div class="wide"><table class="cards"><thead><tr>${COLUMNS.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead>
<tbody>${rows}</tbody></table></div>`);
}

/**
 * Times as the notice states them (Danish local time): a case worker who phones in "20:40" from
 * the notice must find the row. Stored times stay UTC ISO.
 */
export function danishTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : danishSecond(d);
}

/** "2026-11-29 21:45:51" breaks between date and time only, never inside the date ("2026-11-" / "29") */
function clock(iso: string): string {
  return danishTime(iso).split(' ').map((part) => `<span class="nowrap">${esc(part)}</span>`).join(' ');
}

/** A masked number never breaks across lines at its dash (U+2011 is a non-breaking hyphen). */
function keepMasked(html: string): string {
  return html.replace(/([0-9X]{6})-(XXXX)/g, '$1\u2011$2');
}

function incidentRow(i: Incident, now: Date): string {
  const findings = i.findings.map((f) => `${esc(f.header)}: <span class="nowrap">${esc(f.masked)}</span> <span class="note" title="fingerprint">${esc(f.fingerprint.slice(0, 12))}</span>`).join('<br>');
  const stale = isStale(i, now);
  const cells = [
    `${clock(i.time)}${stale ? '<br><span class="note">uløst &gt; 24 t</span>' : ''}`,
    `<span class="nowrap">${esc(i.id)}</span>`,
    keepMasked(esc(i.subjectMasked)),
    findings,
    `<span class="tag${i.action === 'tempfail' || i.action === 'upstream-fail' ? ' bad' : ''}">${esc(i.action)}</span><br><span class="note">${esc(i.direction)}</span>`,
    `${esc(i.status)}${i.resolution ? `<br><span class="note">${esc(i.resolution)}</span>` : ''}${statusForm(i)}`,
    esc(NOTICE_LABELS[i.notice] ?? i.notice),
    `${esc(i.classification)}<br><span class="note">${keepMasked(esc(i.classificationReason))}</span>`,
    address(i.sender || '<>'),
    i.recipients.map(address).join('<br>'),
    replyCell(i.reply),
  ];
  return `<tr${stale ? ' class="stale"' : ''}>${cells.map((c, n) => `<td data-label="${esc(COLUMNS[n])}">${c}</td>`).join('\n')}</tr>`;
}

/** A mail address may wrap before its @ (a long one otherwise pushes the last columns off the screen). */
function address(a: string): string {
  return esc(a).replace('@', '<wbr>@');
}

/** The reply's code up front; its long bilingual text folded away, so rows stay readable. */
function replyCell(reply: string): string {
  const m = /^(\d{3}(?: \d\.\d{1,3}\.\d{1,3})?) (.*)$/s.exec(reply);
  if (!m) return `<span class="note">${esc(reply)}</span>`;
  return `<details><summary class="nowrap">${esc(m[1])}</summary><span class="note">${keepMasked(esc(m[2]))}</span></details>`;
}

/** What the notice status means for the reviewer: was the sender (or the central mailbox) told? */
const NOTICE_LABELS: Record<string, string> = {
  none: 'ingen · none',
  queued: 'i kø · queued',
  sent: 'sendt · sent',
  failed: 'fejlet · FAILED',
  escalated: 'eskaleret · escalated',
  'in-reply': 'i SMTP-svaret · in the reply',
};

/** Small forms to move an incident along: new → reviewed → resolved (with a resolution). */
function statusForm(i: Incident): string {
  const action = `/incidents/${encodeURIComponent(i.id)}/status`;
  if (i.status === 'resolved') {
    return `<form method="post" action="${esc(action)}"><input type="hidden" name="status" value="new"><button class="small">Genåbn · Reopen</button></form>`;
  }
  const reviewed = i.status === 'new'
    ? `<form method="post" action="${esc(action)}"><input type="hidden" name="status" value="reviewed"><button class="small">Gennemset · Reviewed</button></form>`
    : '';
  return `${reviewed}<form method="post" action="${esc(action)}"><input type="hidden" name="status" value="resolved">
<select name="resolution" required><option value="">vælg · choose…</option>${RESOLUTIONS.map((r) => `<option>${esc(r)}</option>`).join('')}</select><button class="small">Løst · Resolve</button></form>`;
}

/** The filter labels in both languages, like every other label; the values are the API's words. */
function filters(f: Record<string, string | undefined>): string {
  const select = (name: string, label: string, values: string[]) =>
    `<label>${label}<select name="${name}"><option value="">alle · all</option>${values
      .map((v) => `<option${f[name] === v ? ' selected' : ''}>${esc(v)}</option>`)
      .join('')}</select></label>`;
  return `<form class="filters" method="get" action="/incidents">${select('status', 'Status', ['new', 'reviewed', 'resolved'])}
${select('classification', 'Klassifikation · Classification', ['isolated', 'systemic', 'unclassified'])}${select('direction', 'Retning · Direction', ['outbound', 'inbound'])}
<label>Fra dato · Since<input type="date" name="since" value="${esc(f.since?.slice(0, 10))}"></label><button>Vis · Show</button>
<label>Sagsnummer · Case number<input name="id" placeholder="PV-…" size="20"></label><button>Find</button></form>`;
}

export function capturedPage(p: { messages: CapturedMessage[]; subjects?: ReadonlyMap<number, string>; user: string }): string {
  const rows = p.messages
    .map((m) => `<tr><td>${clock(m.time)}</td><td><a href="/captured/${esc(m.id)}">#${esc(m.id)}</a></td>
<td>${esc(m.sender || '<>')}</td><td>${m.recipients.map(esc).join('<br>')}</td><td>${keepMasked(esc(p.subjects?.get(m.id) ?? ''))}</td><td class="nowrap">${esc(m.size)} B</td></tr>`)
    .join('\n');
  return layout('Leveret · Delivered', p.user, `<h1>Leveret (testpostkasse) · Delivered (test mailbox)</h1>
<p class="note">Mail som Postvagt har leveret til sin indbyggede testpostkasse (capture, standard i udvikling): videresendte mails, besked til afsendere, eskaleringer og døgnrapporter. CPR-numre vises maskeret. · Mail Postvagt delivered to its embedded capture mailbox (the default upstream in development): relayed mail, notices to senders, escalations and digests. CPR numbers are masked here.</p>
<div class="wide"><table><thead><tr><th>Tid (dansk) · Time (Danish)</th><th>#</th><th>Afsender · Sender</th><th>Modtagere · Recipients</th><th>Emne (maskeret) · Subject (masked)</th><th>Størrelse · Size</th></tr></thead><tbody>${rows}</tbody></table></div>`);
}

export function capturedMessagePage(p: { message: CapturedMessage; maskedText: string; truncated: boolean; user: string }): string {
  const m = p.message;
  return layout(`#${m.id}`, p.user, `<h1>Leveret · Delivered #${esc(m.id)}</h1>
<p>${esc(m.sender || '<>')} → ${m.recipients.map(esc).join(', ')} · ${esc(m.size)} B${p.truncated ? ' · <span class="note">vist afkortet · shown truncated</span>' : ''}</p>
<pre>${esc(p.maskedText)}</pre>`);
}

export function notFoundPage(user: string | null, detail?: string): string {
  const why = detail ? `<p>${esc(detail)}</p>` : '';
  return layout('Ikke fundet · Not found', user, `<h1>Ikke fundet · Not found</h1>${why}<p><a href="/incidents">Hændelser · Incidents</a></p>`);
}

/** A change that did not come from the dashboard's own page (another site's form): refused, and said so. */
export function forbiddenPage(user: string | null): string {
  return layout('Afvist · Forbidden', user, `<h1>Afvist · Forbidden</h1><p>Ændringen kom ikke fra Postvagts egen side og er ikke gemt. Åbn hændelsen i Postvagt og prøv igen. · The change did not come from Postvagt's own page and was not saved. Open the incident in Postvagt and try again.</p><p><a href="/incidents">Hændelser · Incidents</a></p>`);
}

/** A case number no incident has: say so, in words a reviewer can repeat to the caller. */
export function unknownIncidentPage(user: string, id: string): string {
  return notFoundPage(user, `Ingen hændelse har sagsnummeret ${id}. Tjek nummeret i beskeden (PV-ÅÅÅÅMMDD-XXXXXX). · No incident has the case number ${id}. Check the number in the notice (PV-YYYYMMDD-XXXXXX).`);
}
