// JSON report: the DESIGN contract {"messages","recipients","silent"} plus source, files, lines,
// warnings and the messages that need review. No I/O. Protects the machine-readable contract.
import type { AuditResult } from '../types.ts';
import { REVIEW_FATES } from './fates.ts';

export function formatJson(r: AuditResult): string {
  const review = r.rows.filter((m) => REVIEW_FATES.includes(m.fate) && m.fate !== 'silently_dropped');
  const out = {
    source: r.source,
    files: r.files,
    lines: r.lines,
    messages: r.messages,
    recipients: r.recipients,
    silent: r.silent,
    review,
    warnings: r.warnings,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
