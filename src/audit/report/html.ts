// Self-contained HTML report: inline CSS, an inline SVG bar chart of silent losses per month (chart.ts),
// the counts, the silent list and the review list. No I/O, no external assets; every value escaped.
// Protects: a report mailed around or archived shows the same thing offline, with masked subjects only.
import { FATES, type AuditResult, type MessageFate } from '../types.ts';
import { FATE_TEXT, REVIEW_FATES } from './fates.ts';
import { topReasons } from './text.ts';
import { chartSvg, silentByMonth } from './chart.ts';

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export { silentByMonth } from './chart.ts';

const td = (s: string | number) => `<td>${esc(String(s))}</td>`;

function messageRow(m: MessageFate): string {
  const to = m.recipients.map((r) => r.to || '(not named in the log)').join(', ');
  // the null sender (bounces, notices) is <> as in the text report, not an empty cell
  return `<tr>${td(m.time)}${td(m.queue_id ?? m.message_id ?? '')}${td(m.fate)}${td(m.from === '' ? '<>' : m.from)}${td(to)}${td(m.subject ?? '')}${td(m.reason)}</tr>`;
}

const CSS = 'body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}'
  + 'td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}th{background:#eee}'
  + '.bad{color:#b3261e;font-weight:bold}.num{text-align:right}.note{color:#555;font-size:12px;margin-top:0}';

export function formatHtml(r: AuditResult): string {
  const counts = FATES.map((f) => `<tr${REVIEW_FATES.includes(f) && r.messages[f] > 0 ? ' class="bad"' : ''}>${td(f)}`
    + `<td class="num">${r.messages[f]}</td><td class="num">${r.recipients[f]}</td>${td(FATE_TEXT[f])}</tr>`);
  const silentRows = r.rows.filter((m) => m.fate === 'silently_dropped');
  const review = r.rows.filter((m) => REVIEW_FATES.includes(m.fate) && m.fate !== 'silently_dropped');
  const head = '<tr><th>time</th><th>id</th><th>fate</th><th>from</th><th>to</th><th>subject (masked)</th><th>reason</th></tr>';
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Postvagt audit (${esc(r.source)})</title><style>${CSS}</style></head><body>
<h1>Postvagt audit: ${esc(r.source)}</h1>
<p>${r.files.length} file(s), ${r.lines} lines: ${r.files.map(esc).join(', ')}</p>
<h2>Fates, worst first</h2>
<table><tr><th>fate</th><th>messages</th><th>recipients</th><th>meaning</th></tr>${counts.join('')}</table>
<h2>Silent losses per month</h2>${r.silent.length === 0 ? '<p>No silent losses found.</p>' : chartSvg(silentByMonth(r))}
<h2>Top reasons (not delivered)</h2><table>${topReasons(r.rows).map(([k, n]) => `<tr><td class="num">${n}</td>${td(k)}</tr>`).join('')}</table>
<h2>Silently dropped (${r.silent.length})</h2><table>${head}${silentRows.map(messageRow).join('')}</table>
<h2>Needs review (${review.length})</h2><table>${head}${review.map(messageRow).join('')}</table>
${r.warnings.length ? `<h2>Warnings</h2><ul>${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
