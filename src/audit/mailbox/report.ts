// Output shapes of `postvagt scan`: JSON lines exactly as DESIGN's command-line contract, CSV
// (RFC 4180) and text for people, and the summary line. Pure: builds strings, writes nothing.
// Protects invariant 2: the raw number appears only when `reveal` is set.
import type { Finding, HeaderFinding } from '../../detect/index.ts';
import type { MailboxSummary, MessageResult } from '../mailbox.ts';

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
  return `file,header,start,end,masked,kind,mod11${reveal ? ',cpr' : ''}\r\n`;
}

export function csvRows(r: MessageResult, reveal: boolean): string {
  return r.findings
    .map((f) => {
      const cells = [r.file, f.header, f.start, f.end, f.masked, f.kind, f.mod11];
      if (reveal) cells.push(f.digits);
      return `${cells.map(csvCell).join(',')}\r\n`;
    })
    .join('');
}

/** For people: `FILE: Subject: XXXXXX-XXXX (cpr, mod-11)`, one line per finding. */
export function textLines(r: MessageResult, reveal: boolean): string {
  return r.findings
    .map((f) => {
      const flags = [f.kind === 'replacement' ? 'replacement number' : 'cpr', f.mod11 ? 'mod-11 holds' : ''].filter(Boolean);
      return `${r.file}: ${f.header}: ${reveal ? f.digits : f.masked} (${flags.join(', ')})\n`;
    })
    .join('');
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
