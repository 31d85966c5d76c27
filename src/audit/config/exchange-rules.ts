// Exchange transport rules exported with `Get-TransportRule | ConvertTo-Json`: rules that delete
// mail (silent loss), CPR rules that let mail through or reject without telling the sender why.
// Pure: text in, findings out. `line` is the rule's 1-based position in the export (DESIGN).
import { PROBES, CONTROL } from './probes.ts';
import type { ConfigAudit, ConfigFinding } from './types.ts';

type Json = Record<string, unknown>;

/** ConvertTo-Json output as written by PowerShell 5.1 (`>` writes UTF-16LE with a BOM) or 7 (UTF-8) */
export function decodeExport(buf: Buffer): string {
  if (buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.subarray(3).toString('utf8');
  return buf.toString('utf8');
}

/** MultiValuedProperty values arrive as a string, a list, or {"value":[…]} depending on depth */
function strings(v: unknown): string[] {
  if (v === null || v === undefined || v === '') return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (typeof v === 'object') {
    const o = v as Json;
    if ('value' in o) return strings(o.value);
    if ('Value' in o) return strings(o.Value); // a deserialized enum over remote PowerShell
    if ('Name' in o) return strings(o.Name);
    return [JSON.stringify(o)];
  }
  return [String(v)];
}

const PLAIN = PROBES.slice(0, 2).map((p) => p.header.replace(/^Subject: /, ''));
const CONTROL_TEXT = CONTROL.header.replace(/^Subject: /, '');

/** .NET regex → JS for the common subset: a leading (?i) becomes a flag */
function dotnetRegex(p: string): RegExp | null {
  const m = /^\(\?([imsx]+)\)/.exec(p);
  try {
    return new RegExp(m ? p.slice(m[0].length) : p, m?.[1].includes('i') ? 'i' : '');
  } catch {
    return null;
  }
}

function isCprRule(rule: Json, warn: (msg: string) => void): boolean {
  for (const [key, val] of Object.entries(rule)) {
    if (/^ExceptIf/.test(key)) continue;
    if (key === 'MessageContainsDataClassifications' && strings(val).some((s) => /denmark|danish|cpr/i.test(s))) return true;
    if (!/MatchesPatterns$/.test(key) || /Address/.test(key)) continue;
    for (const p of strings(val)) {
      const re = dotnetRegex(p);
      if (!re) {
        warn(`${key} pattern ${JSON.stringify(p)} cannot be evaluated`);
        continue;
      }
      if (PLAIN.some((s) => re.test(s)) && !re.test(CONTROL_TEXT)) return true;
    }
  }
  return false;
}

const truthy = (v: unknown): boolean => v === true || v === 'True' || v === 'true';
const present = (v: unknown): boolean => strings(v).length > 0;

export function auditTransportRules(file: string, text: string): ConfigAudit {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { findings: [], warnings: [`${file}: not valid JSON (${(err as Error).message}); expected Get-TransportRule | ConvertTo-Json output`] };
  }
  const rules = (Array.isArray(data) ? data : [data]).filter((r): r is Json => typeof r === 'object' && r !== null);
  const findings: ConfigFinding[] = [];
  const warnings: string[] = [];
  rules.forEach((r, i) => findings.push(...ruleFindings(file, i + 1, r, (msg) => warnings.push(`${file}: rule ${i + 1}: ${msg}`))));
  if (rules.length === 0) warnings.push(`${file}: no transport rules in the export`);
  return { findings, warnings };
}

function ruleFindings(file: string, line: number, r: Json, warn: (m: string) => void): ConfigFinding[] {
  const name = strings(r.Name)[0] ?? strings(r.Identity)[0] ?? `#${line}`;
  // enums arrive as names, as numbers (RuleState Disabled = 1; RuleMode Audit = 0,
  // AuditAndNotify = 1, Enforce = 2) or as {"Value": …}, depending on the shell
  const state = typeof r.State === 'number' ? r.State : strings(r.State)[0];
  const mode = typeof r.Mode === 'number' ? r.Mode : strings(r.Mode)[0];
  const disabled = state === 'Disabled' || state === 1;
  const auditMode = mode === 'Audit' || mode === 'AuditAndNotify' || mode === 0 || mode === 1;
  const cpr = isCprRule(r, warn);
  const f = (severity: ConfigFinding['severity'], rule: string, message: string): ConfigFinding => ({ file, line, severity, rule, message: `transport rule "${name}": ${message}` });
  if (disabled) return cpr ? [f('warning', 'exchange-cpr-rule-disabled', 'matches CPR numbers but is disabled.')] : [];
  const out: ConfigFinding[] = [];
  const cprNote = cpr ? ' It matches CPR numbers: the case worker never learns the mail with the citizen\'s number did not arrive.' : '';
  if (truthy(r.DeleteMessage)) out.push(f('silent-loss', 'exchange-delete-message', `DeleteMessage deletes the mail without an NDR; the sender believes it was sent.${cprNote}`));
  if (cpr && auditMode) out.push(f('leak', 'exchange-cpr-audit-mode', `matches CPR numbers but runs in ${typeof mode === 'number' ? ['Audit', 'AuditAndNotify'][mode] : mode} mode (test mode): its actions are not enforced and the mail goes out.`));
  else if (cpr && !present(r.RejectMessageReasonText) && !truthy(r.DeleteMessage)) {
    if (present(r.RejectMessageEnhancedStatusCode)) out.push(f('warning', 'exchange-cpr-reject-no-reason', 'rejects CPR mail without RejectMessageReasonText: the NDR does not tell the sender what to fix.'));
    else out.push(f('leak', 'exchange-cpr-no-reject', 'matches CPR numbers but has no RejectMessageReasonText (no reject): the mail still goes out with the number in clear, or is handled without telling the sender.'));
  }
  if (present(r.RedirectMessageTo)) out.push(f('warning', 'exchange-redirect', `RedirectMessageTo ${strings(r.RedirectMessageTo).join(', ')}: the intended recipient never gets the mail and the sender is not told; make sure that mailbox is watched.`));
  if (truthy(r.Quarantine)) out.push(f('warning', 'exchange-quarantine', 'Quarantine holds matching mail in the hosted quarantine; the sender is not told. Make sure someone releases or answers it.'));
  if (present(r.ModerateMessageByUser)) out.push(f('warning', 'exchange-moderation', 'moderation: mail waits for approval and is dropped when it expires unless the moderator acts.'));
  if (present(r.SetAuditSeverity) && !cpr && out.length === 0 && !present(r.RejectMessageReasonText)) {
    out.push(f('warning', 'exchange-audit-only', `SetAuditSeverity ${strings(r.SetAuditSeverity).join('')} only records the match; the mail is delivered.`));
  }
  return out;
}
