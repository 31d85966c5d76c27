// Self-contained HTML report: inline CSS, an inline SVG bar chart of silent losses per month,
// the counts, the silent list and the review list. No I/O, no external assets; every value escaped.
// Protects: a report mailed around or archived shows the same thing offline, with masked subjects only.
import { FATES, type AuditResult, type MessageFate, type SilentItem } from '../types.ts';
import { FATE_TEXT, REVIEW_FATES } from './fates.ts';
import { topReasons } from './text.ts';

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** silent losses per calendar month (YYYY-MM), every month between the first and last shown */
export function silentByMonth(silent: SilentItem[]): [string, number][] {
  const by = new Map<string, number>();
  for (const s of silent) {
    const m = s.time.slice(0, 7);
    if (/^\d{4}-\d{2}$/.test(m)) by.set(m, (by.get(m) ?? 0) + 1);
  }
  const keys = [...by.keys()].sort();
  if (keys.length === 0) return [];
  const out: [string, number][] = [];
  let [y, mo] = keys[0].split('-').map(Number);
  const last = keys[keys.length - 1];
  for (;;) {
    const k = `${y}-${String(mo).padStart(2, '0')}`;
    out.push([k, by.get(k) ?? 0]);
    if (k >= last || out.length > 1200) break;
    if (++mo > 12) { mo = 1; y++; }
  }
  return out;
}

function chart(data: [string, number][]): string {
  if (data.length === 0) return '<p>No silent losses found.</p>';
  const max = Math.max(...data.map(([, n]) => n));
  const bw = Math.max(4, Math.min(40, Math.floor(760 / data.length)));
  const h = 160;
  const bars = data.map(([k, n], i) => {
    const bh = Math.round((n / max) * h);
    return `<rect x="${40 + i * bw}" y="${10 + h - bh}" width="${bw - 2}" height="${bh}" fill="#b3261e"><title>${esc(k)}: ${n}</title></rect>`;
  });
  const labels = [...new Set([0, data.length - 1])].map((i) => `<text x="${40 + i * bw}" y="${h + 28}" font-size="11">${esc(data[i][0])}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="silent losses per month" width="${60 + data.length * bw}" height="${h + 40}">`
    + `<text x="0" y="20" font-size="11">${max}</text><line x1="38" y1="${10 + h}" x2="${44 + data.length * bw}" y2="${10 + h}" stroke="#333"/>`
    + `${bars.join('')}${labels.join('')}</svg>`;
}

const td = (s: string | number) => `<td>${esc(String(s))}</td>`;

function messageRow(m: MessageFate): string {
  const to = m.recipients.map((r) => r.to || '(not named in the log)').join(', ');
  return `<tr>${td(m.time)}${td(m.queue_id ?? m.message_id ?? '')}${td(m.fate)}${td(m.from)}${td(to)}${td(m.subject ?? '')}${td(m.reason)}</tr>`;
}

const CSS = 'body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}'
  + 'td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}th{background:#eee}'
  + '.bad{color:#b3261e;font-weight:bold}.num{text-align:right}';

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
<h2>Silent losses per month</h2>${chart(silentByMonth(r.silent))}
<h2>Top reasons (not delivered)</h2><table>${topReasons(r.rows).map(([k, n]) => `<tr><td class="num">${n}</td>${td(k)}</tr>`).join('')}</table>
<h2>Silently dropped (${r.silent.length})</h2><table>${head}${silentRows.map(messageRow).join('')}</table>
<h2>Needs review (${review.length})</h2><table>${head}${review.map(messageRow).join('')}</table>
${r.warnings.length ? `<h2>Warnings</h2><ul>${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
