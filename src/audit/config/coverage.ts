// "Would any rule catch a CPR in the Subject?" — runs the probe subjects through a header_checks
// rule list the way cleanup(8) does (first match wins) and turns the outcome into findings.
// Pure. Protects against the municipality's failure: a rule that catches the number and DISCARDs.
import { firstMatch, type Rule } from './tables.ts';
import { PROBES, CONTROL } from './probes.ts';
import type { ConfigFinding } from './types.ts';

/** header_checks(5) actions by what the sender experiences */
const STOPS = new Set(['REJECT', 'DEFER', 'IGNORE', 'REPLACE']); // told (5xx/4xx), or the header is removed/replaced
const SILENT = new Set(['DISCARD', 'HOLD', 'REDIRECT']);

const DONE: Record<string, string> = { DISCARD: 'thrown away', HOLD: 'put on hold', REDIRECT: 'redirected', FILTER: 'sent to the discard transport' };

export function isSilentAction(rule: Rule): boolean {
  return SILENT.has(rule.action) || (rule.action === 'FILTER' && /^discard:/i.test(rule.text));
}

export interface Scope {
  /** "main.cf" or "master.cf service submission" */
  label: string;
  rules: Rule[];
  /** where to point when no rule is involved: the header_checks setting */
  where: { file: string; line: number };
  /** a milter or content_filter that may do its own (decoded) check: named, never assumed */
  otherFilter: string | null;
}

export function coverage(scope: Scope, warn: (msg: string) => void): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const silentBy = new Map<Rule, string[]>();
  const leaks: string[] = [];
  const catchAll = firstMatch(scope.rules, CONTROL.header).rule;
  let cprRule: Rule | null = null;
  for (const p of PROBES) {
    const { rule, unsure } = firstMatch(scope.rules, p.header);
    // a rule we cannot evaluate stands before the verdict: say so rather than guess
    if (unsure) warn(`${unsure.file}:${unsure.line}: cannot tell whether this rule catches a CPR subject: ${unsure.problem ?? 'pattern not evaluated'}`);
    if (rule && rule !== catchAll) cprRule ??= rule;
    if (rule && isSilentAction(rule)) silentBy.set(rule, [...(silentBy.get(rule) ?? []), p.label]);
    else if (!rule || !STOPS.has(rule.action)) leaks.push(rule ? `${p.label} (only ${rule.action || 'matched'} at ${rule.file}:${rule.line})` : p.label);
  }
  for (const [rule, forms] of silentBy) {
    out.push({
      file: rule.file, line: rule.line, severity: 'silent-loss', rule: 'cpr-silently-dropped',
      message: `${scope.label}: a Subject carrying a CPR number is ${DONE[rule.action] ?? rule.action} by this rule (${rule.action}; forms: ${forms.join('; ')}). ` +
        'The sending server is told 250 OK, nobody is notified, and the mail is gone; Postfix also copies the matched header, CPR included, into its log. Reject with a reason instead (REJECT text), or let Postvagt handle it.',
    });
  }
  if (leaks.length > 0) {
    const at = cprRule ?? null;
    const none = scope.rules.length === 0;
    out.push({
      file: at?.file ?? scope.where.file, line: at?.line ?? scope.where.line,
      severity: 'leak', rule: none ? 'no-cpr-check' : 'cpr-not-caught',
      message: `${scope.label}: ${none ? `${scope.where.line > 0 && scope.where.file.endsWith('master.cf') ? 'header_checks is switched off for this service' : 'no header_checks at all'}, so ` : ''}a CPR number in the Subject gets through as: ${leaks.join('; ')}. ` +
        'Postfix header_checks see the header as received, still RFC 2047-encoded, so a pattern for the plain number misses the encoded forms.' +
        (scope.otherFilter ? ` Also configured: ${scope.otherFilter}: this is covered only if it checks the decoded headers (Postvagt does); a DKIM or virus milter does not.` : ''),
    });
  }
  return out;
}
