// Text and JSON output of `postvagt audit config`. Pure. JSON is the DESIGN contract
// {"findings":[{file,line,severity,rule,message}]} plus "warnings" (extra keys are allowed).
import type { ConfigAudit, Severity } from './types.ts';

const ORDER: Severity[] = ['silent-loss', 'leak', 'warning'];
const TITLE: Record<Severity, string> = {
  'silent-loss': 'Mail lost without notice',
  leak: 'CPR numbers that get through',
  warning: 'Warnings',
};

export function formatConfigAudit(r: ConfigAudit, format: 'text' | 'json'): string {
  const findings = [...r.findings].sort((a, b) => ORDER.indexOf(a.severity) - ORDER.indexOf(b.severity) || a.file.localeCompare(b.file) || a.line - b.line);
  if (format === 'json') return JSON.stringify({ findings, warnings: r.warnings }, null, 2) + '\n';
  const out: string[] = [];
  const counts = ORDER.map((s) => `${findings.filter((f) => f.severity === s).length} ${s}`);
  out.push(`Postvagt config audit: ${counts.join(', ')}`);
  for (const sev of ORDER) {
    const list = findings.filter((f) => f.severity === sev);
    if (list.length === 0) continue;
    out.push('', `${TITLE[sev]} (${list.length})`);
    for (const f of list) out.push(`  ${f.file}:${f.line === 0 ? '-' : f.line}  [${f.rule}]`, `      ${f.message}`);
  }
  if (r.warnings.length > 0) {
    out.push('', `Could not check (${r.warnings.length})`);
    for (const w of r.warnings) out.push(`  ${w}`);
  }
  if (findings.length === 0) out.push('', 'No rule that loses mail silently or lets a CPR number through was found.');
  return out.join('\n') + '\n';
}
