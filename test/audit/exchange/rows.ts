// Test helper: builds Exchange message-tracking log text from partial rows, using the
// documented field list and RFC 4180 quoting, so each test states only what matters.
import { DEFAULT_FIELDS } from '../../../src/audit/exchange/parser.ts';

export type Row = Partial<Record<(typeof DEFAULT_FIELDS)[number], string>>;

export const HEADER = [
  '#Software: Microsoft Exchange Server',
  '#Version: 15.02.1544.004',
  '#Log-type: Message Tracking Log',
  '#Date: 2026-11-29T08:00:00.000Z',
  `#Fields: ${DEFAULT_FIELDS.join(',')}`,
];

function quote(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

export function csvRow(r: Row, fields: readonly string[] = DEFAULT_FIELDS): string {
  const base: Row = { 'server-hostname': 'EXCH01', 'source': 'SMTP', 'schema-version': '15.02.1544.004' };
  const all = { ...base, ...r } as Record<string, string | undefined>;
  return fields.map((f) => quote(all[f] ?? '')).join(',');
}

export function log(rows: Row[]): string {
  return [...HEADER, ...rows.map((r) => csvRow(r))].join('\r\n') + '\r\n';
}

/** a RECEIVE row for a message from `from` to `to` (`;`-separated) */
export function receive(id: string, at: string, from: string, to: string, subject = 'Mødeindkaldelse'): Row {
  return {
    'date-time': at, 'event-id': 'RECEIVE', 'source': 'SMTP', 'internal-message-id': internalId(id),
    'message-id': id, 'recipient-address': to, 'recipient-count': String(to.split(';').length),
    'message-subject': subject, 'sender-address': from, 'return-path': from, 'directionality': 'Originating',
  };
}

/** a stable per-message number, as Exchange's internal-message-id is */
export function internalId(id: string): string {
  let h = 7;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) % 1_000_000_007;
  return String(h);
}
