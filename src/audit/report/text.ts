// Text report for people: counts by fate (messages and recipients), top reasons, every silently
// dropped message with its masked subject, the messages that need review, and warnings. No I/O.
// Protects "never lose mail silently": the silent cases come first and are listed one by one.
import { FATES, type AuditResult, type MessageFate, type SilentItem } from '../types.ts';
import { FATE_TEXT, REVIEW_FATES } from './fates.ts';

const MAX_LISTED = 200;

function id(x: { queue_id?: string; message_id?: string }): string {
  return x.queue_id ?? x.message_id ?? '-';
}

function counts(r: AuditResult): string[] {
  const w = Math.max(...FATES.map((f) => f.length));
  const out = [`  ${'fate'.padEnd(w)}  ${'messages'.padStart(8)}  ${'recipients'.padStart(10)}  meaning`];
  for (const f of FATES) {
    out.push(`  ${f.padEnd(w)}  ${String(r.messages[f]).padStart(8)}  ${String(r.recipients[f]).padStart(10)}  ${FATE_TEXT[f]}`);
  }
  return out;
}

export function topReasons(rows: MessageFate[], n = 10): [string, number][] {
  const by = new Map<string, number>();
  for (const m of rows) if (m.fate !== 'delivered') by.set(`${m.fate}: ${m.reason}`, (by.get(`${m.fate}: ${m.reason}`) ?? 0) + 1);
  return [...by.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n);
}

function silentLines(s: SilentItem, unnamed: number): string[] {
  const to = s.to.join(', ') + (unnamed > 0 ? `${s.to.length ? ' ' : ''}(+${unnamed} not named in the log)` : '');
  const out = [`  ${s.time}  ${id(s)}  from <${s.from}>  to ${to || '(not named in the log)'}`, `      rule: ${s.reason}`];
  if (s.subject !== undefined) out.push(`      subject: ${s.subject}`);
  return out;
}

export function formatText(r: AuditResult): string {
  const total = FATES.reduce((a, f) => a + r.messages[f], 0);
  const out = [
    `Postvagt audit (${r.source}): ${r.files.length} file(s), ${r.lines} lines, ${total} messages`, '',
  ];
  // an input that was not audited must not look like a clean result: say so before any count
  if (r.warnings.length > 0) out.push(`NOTE: ${r.warnings.length} input problem(s) — see Warnings at the end; what could not be read was not audited.`, '');
  out.push('Fates, worst first:', ...counts(r), '');
  const reasons = topReasons(r.rows, Infinity);
  if (reasons.length > 0) {
    out.push('Top reasons (not delivered):', ...reasons.slice(0, 10).map(([k, n]) => `  ${String(n).padStart(6)}  ${k}`));
    if (reasons.length > 10) out.push(`  … and ${reasons.length - 10} more reason(s) (use --format csv or json for all)`);
    out.push('');
  }
  const rowsById = new Map(r.rows.map((m) => [id(m), m]));
  out.push(`Silently dropped: ${r.silent.length} message(s)${r.silent.length ? '' : ' — none found'}`);
  for (const s of r.silent.slice(0, MAX_LISTED)) {
    const m = rowsById.get(id(s));
    out.push(...silentLines(s, m ? m.recipients.filter((x) => x.to === '').length : 0));
  }
  if (r.silent.length > MAX_LISTED) out.push(`  … and ${r.silent.length - MAX_LISTED} more (use --format csv or json for all)`);
  const review = r.rows.filter((m) => REVIEW_FATES.includes(m.fate) && m.fate !== 'silently_dropped');
  if (review.length > 0) {
    out.push('', `Needs review: ${review.length} message(s)`);
    for (const m of review.slice(0, MAX_LISTED)) {
      out.push(`  ${m.time}  ${id(m)}  ${m.fate}  from <${m.from}>  to ${m.recipients.map((x) => x.to || '?').join(', ')}`, `      ${m.reason}`);
    }
    if (review.length > MAX_LISTED) out.push(`  … and ${review.length - MAX_LISTED} more`);
  }
  if (r.warnings.length > 0) out.push('', 'Warnings (input problems; the rest was audited):', ...r.warnings.map((w) => `  ${w}`));
  return `${out.join('\n')}\n`;
}
