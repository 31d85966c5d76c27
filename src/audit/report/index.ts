// The audit reporters (text, JSON, CSV, HTML) for any AuditResult (Postfix or Exchange).
// No I/O: each returns a string; the CLI writes it. Protects the DESIGN JSON contract.
import type { AuditResult } from '../types.ts';
import { formatText } from './text.ts';
import { formatJson } from './json.ts';
import { formatCsv } from './csv.ts';
import { formatHtml } from './html.ts';

export type AuditFormat = 'text' | 'json' | 'csv' | 'html';
export const AUDIT_FORMATS: readonly AuditFormat[] = ['text', 'json', 'csv', 'html'];

export function formatAudit(result: AuditResult, format: AuditFormat): string {
  switch (format) {
    case 'json': return formatJson(result);
    case 'csv': return formatCsv(result);
    case 'html': return formatHtml(result);
    default: return formatText(result);
  }
}

export { FATE_TEXT, REVIEW_FATES } from './fates.ts';
