// The HTML report's bar chart of silent losses per month, as inline SVG: one bar for EVERY month of
// the period the report covers, months without a loss included, so the time axis is true. No I/O.
// Protects: two losses a year apart never look like neighbours; a month with none shows as a zero.
import type { AuditResult } from '../types.ts';

const MONTH = /^(\d{4})-(\d{2})/;

function monthKey(time: string): string | undefined {
  const m = MONTH.exec(time);
  return m ? `${m[1]}-${m[2]}` : undefined;
}

/** every month from `first` to `last` (YYYY-MM, inclusive), at most 1200 (a hundred years) */
function monthsBetween(first: string, last: string): string[] {
  const out: string[] = [];
  let [y, mo] = first.split('-').map(Number);
  for (;;) {
    const k = `${y}-${String(mo).padStart(2, '0')}`;
    out.push(k);
    if (k >= last || out.length >= 1200) return out;
    if (++mo > 12) { mo = 1; y++; }
  }
}

/**
 * Silent losses per calendar month (YYYY-MM). The months run over the whole period the report
 * shows — from its earliest to its latest listed message (silent or for review), not only from
 * the first to the last loss — with 0 for a month without losses.
 */
export function silentByMonth(r: Pick<AuditResult, 'silent' | 'rows'>): [string, number][] {
  const by = new Map<string, number>();
  for (const s of r.silent) {
    const k = monthKey(s.time);
    if (k) by.set(k, (by.get(k) ?? 0) + 1);
  }
  const keys = [...by.keys(), ...r.rows.map((m) => monthKey(m.time))].filter((k): k is string => k !== undefined).sort();
  if (keys.length === 0) return [];
  return monthsBetween(keys[0], keys[keys.length - 1]).map((k) => [k, by.get(k) ?? 0]);
}

const H = 160; // bar area height
const X0 = 40; // left margin for the scale
const T = 20; // top margin: room for the count above the tallest bar

/** labels under the bars: the month number when there is room, the year at its first month */
function axis(data: [string, number][], bw: number): string {
  const out: string[] = [];
  data.forEach(([k], i) => {
    const x = X0 + i * bw;
    const [y, mo] = k.split('-');
    if (bw >= 18) out.push(`<text x="${x + (bw - 2) / 2}" y="${T + H + 14}" font-size="10" text-anchor="middle">${mo}</text>`);
    if (i === 0 || mo === '01') {
      if (i > 0) out.push(`<line x1="${x - 1}" y1="${T}" x2="${x - 1}" y2="${T + H + 30}" stroke="#999" stroke-dasharray="2,2"/>`);
      out.push(`<text x="${x}" y="${T + H + 30}" font-size="11" font-weight="bold">${y}</text>`);
    }
  });
  return out.join('');
}

export function chartSvg(data: [string, number][]): string {
  if (data.length === 0) return '<p>No messages listed, so no months to show.</p>';
  const max = Math.max(1, ...data.map(([, n]) => n));
  const bw = Math.max(4, Math.min(40, Math.floor(760 / data.length)));
  const bars = data.map(([k, n], i) => {
    const x = X0 + i * bw;
    const title = `<title>${k}: ${n} silently dropped</title>`;
    // a month without losses is a grey mark on the axis, so it is seen to be there (and to be zero)
    if (n === 0) return `<rect x="${x}" y="${T + H - 2}" width="${bw - 2}" height="2" fill="#aaa">${title}</rect>`;
    const bh = Math.max(2, Math.round((n / max) * H));
    const count = bw >= 16 ? `<text x="${x + (bw - 2) / 2}" y="${T + H - bh - 4}" font-size="10" text-anchor="middle">${n}</text>` : '';
    return `<rect x="${x}" y="${T + H - bh}" width="${bw - 2}" height="${bh}" fill="#b3261e">${title}</rect>${count}`;
  });
  const w = X0 + 20 + data.length * bw;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="silent losses per month, ${data[0][0]} to ${data[data.length - 1][0]}" width="${w}" height="${T + H + 40}">`
    + `<text x="0" y="${T + 4}" font-size="11">${max}</text><text x="0" y="${T + H}" font-size="11">0</text>`
    + `<line x1="${X0 - 2}" y1="${T + H}" x2="${X0 + 4 + data.length * bw}" y2="${T + H}" stroke="#333"/>`
    + `${bars.join('')}${axis(data, bw)}</svg>`;
  const losses = data.filter(([, n]) => n > 0).length;
  return `${svg}<p class="note">Every month from ${data[0][0]} to ${data[data.length - 1][0]} is shown (${data.length}); `
    + `${losses} of them had silent losses. A grey mark is a month with none.</p>`;
}
