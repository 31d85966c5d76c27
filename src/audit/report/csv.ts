// CSV report: one row per message (RFC 4180: CRLF records, fields with , " CR LF quoted, quotes
// doubled). No I/O. Protects spreadsheet users: cells starting = + - @ get a leading ' (formula injection).
import type { AuditResult, MessageFate } from '../types.ts';

const HEADER = ['queue_id', 'message_id', 'time', 'fate', 'from', 'to', 'unnamed_recipients', 'subject', 'reason'];

export function csvField(v: string): string {
  let s = v;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function row(m: MessageFate): string[] {
  const named = m.recipients.filter((r) => r.to !== '').map((r) => r.to);
  return [
    m.queue_id ?? '', m.message_id ?? '', m.time, m.fate, m.from, named.join(' '),
    String(m.recipients.length - named.length), m.subject ?? '', m.reason,
  ];
}

export function formatCsv(r: AuditResult): string {
  const lines = [HEADER, ...r.rows.map(row)].map((f) => f.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
