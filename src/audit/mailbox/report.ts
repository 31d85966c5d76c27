// Output shapes of `postvagt scan`: JSON lines exactly as DESIGN's command-line contract, CSV
// (RFC 4180) and text for people, and the summary line. Pure: builds strings, writes nothing.
// Protects invariant 2: the raw number appears only when `reveal` is set.
import { maskText, type Finding, type HeaderFinding } from '../../detect/index.ts';
import type { MailboxSummary, MessageContext, MessageResult } from '../mailbox.ts';

export type OutputFormat = 'json' | 'text' | 'csv';

/** `{"start","end","masked","kind","mod11"[,"cpr"]}` in DESIGN's key order. */
export function findingJson(f: Finding, reveal: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = { start: f.start, end: f.end, masked: f.masked, kind: f.kind, mod11: f.mod11 };
  if (reveal) o.cpr = f.digits;
  return o;
}

export function headerFindingJson(f: HeaderFinding, reveal: boolean): Record<string, unknown> {
  return { header: f.header, ...findingJson(f, reveal) };
}

/** One JSON line for `scan message` / `scan mailbox --format json`. */
export function messageJsonLine(r: MessageResult, reveal: boolean): string {
  return `${JSON.stringify({ file: r.file, findings: r.findings.map((f) => headerFindingJson(f, reveal)) })}\n`;
}

function csvCell(v: string | number | boolean): string {
  const s = String(v);
  // RFC 4180 §2: quote fields holding commas, quotes or line breaks; double inner quotes.
  // A leading = + - @ is prefixed with ' so a spreadsheet does not run it as a formula.
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvHeader(reveal: boolean): string {
  return `file,header,start,end,masked,kind,mod11${reveal ? ',cpr' : ''},date,from,to,subject\r\n`;
}

/** The message's date, sender, recipients and subject, numbers masked unless revealed. */
function shown(c: MessageContext | undefined, reveal: boolean): MessageContext {
  const m = (s: string) => (reveal ? s : maskText(s));
  return { date: c?.date ?? '', from: m(c?.from ?? ''), to: m(c?.to ?? ''), subject: m(c?.subject ?? '') };
}

export function csvRows(r: MessageResult, reveal: boolean): string {
  const c = shown(r.context, reveal);
  return r.findings
    .map((f) => {
      const cells = [r.file, f.header, f.start, f.end, f.masked, f.kind, f.mod11];
      if (reveal) cells.push(f.digits);
      cells.push(c.date, c.from, c.to, c.subject);
      return `${cells.map(csvCell).join(',')}\r\n`;
    })
    .join('');
}

/**
 * For people: `FILE: Subject: XXXXXX-XXXX (cpr, mod-11)`, one line per finding, then one indented
 * line saying which mail it is (date, sender → recipients, subject), so affected cases can be found.
 */
export function textLines(r: MessageResult, reveal: boolean): string {
  const lines = r.findings.map((f) => {
    const flags = [f.kind === 'replacement' ? 'replacement number' : 'cpr', f.mod11 ? 'mod-11 holds' : ''].filter(Boolean);
    return `${r.file}: ${f.header}: ${reveal ? f.digits : f.masked} (${flags.join(', ')})\n`;
  });
  const c = shown(r.context, reveal);
  const who = [c.date, c.from && c.to ? `${c.from} -> ${c.to}` : c.from || c.to, c.subject && `"${c.subject}"`].filter(Boolean);
  if (who.length > 0) lines.push(`    ${who.join('  ')}\n`);
  return lines.join('');
}

export function formatResult(r: MessageResult, format: OutputFormat, reveal: boolean): string {
  if (r.error || r.findings.length === 0) return '';
  if (format === 'json') return messageJsonLine(r, reveal);
  if (format === 'csv') return csvRows(r, reveal);
  return textLines(r, reveal);
}

export function summaryLine(path: string, s: MailboxSummary): string {
  const kind = s.kind === 'eml-folder' ? 'folder of .eml files' : s.kind === 'maildir' ? 'Maildir' : s.kind ?? 'mailbox';
  const headers = [...s.byHeader.entries()].sort((a, b) => b[1] - a[1]).map(([h, n]) => `${h} ${n}`);
  const parts = [`${s.messages} messages read`, `${s.withFindings} with CPR numbers in clear headers${headers.length ? ` (by header: ${headers.join(', ')})` : ''}`];
  if (s.errors > 0) parts.push(`${s.errors} could not be read`);
  return `${path} (${kind}): ${parts.join('; ')}\n`;
}
