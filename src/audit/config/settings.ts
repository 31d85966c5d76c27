// Single-setting checks of a Postfix configuration: soft_bounce, notify_classes,
// milter_default_action, discard transports, receive_override_options, and DISCARD/HOLD/REDIRECT
// entries in access and transport tables. Pure over the parsed config; reads tables via it.
import { splitList, type Setting } from './cf.ts';
import { parseSimpleTable } from './tables.ts';
import type { PostfixConfig } from './postfix.ts';
import type { ConfigFinding } from './types.ts';

interface Where {
  file: string;
  label: string;
  settings: Setting[];
  overrides: Setting[];
}

export function settingFindings(c: PostfixConfig): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const scopes: Where[] = [{ file: c.mainFile, label: 'main.cf', settings: [...c.main.values()], overrides: [] }];
  for (const s of c.services) scopes.push({ file: c.masterFile, label: `master.cf service ${s.name}`, settings: s.overrides, overrides: s.overrides });
  for (const w of scopes) {
    for (const s of w.settings) out.push(...checkSetting(c, w, s));
  }
  out.push(...notifyClasses(c));
  return out;
}

function checkSetting(c: PostfixConfig, w: Where, s: Setting): ConfigFinding[] {
  const v = (c.value(s.name, w.overrides) ?? '').trim();
  const f = (severity: ConfigFinding['severity'], rule: string, message: string): ConfigFinding => ({ file: w.file, line: s.line, severity, rule, message: `${w.label}: ${message}` });
  if (s.name === 'soft_bounce' && /^(yes|true|1)$/i.test(v)) {
    return [f('warning', 'soft-bounce', 'soft_bounce = yes turns every permanent failure into a retry: mail that should bounce sits in the queue for days (maximal_queue_lifetime) before the sender hears anything, and remote senders are only ever told "try later". Meant for testing; turn it off.')];
  }
  if (s.name === 'milter_default_action') {
    const milters = c.value('smtpd_milters', w.overrides) || c.value('non_smtpd_milters', w.overrides);
    if (/^accept$/i.test(v)) {
      return [f(milters ? 'leak' : 'warning', 'milter-default-accept', `milter_default_action = accept: when the milter${milters ? ` (${milters})` : ''} is down or times out, mail passes unchecked. A dead filter then lets every CPR number through. Use tempfail (the default).`)];
    }
    if (/^discard$/i.test(v)) {
      return [f('silent-loss', 'milter-default-discard', 'milter_default_action = discard: when the milter is down or times out, every mail is accepted and thrown away without notice. Use tempfail (the default).')];
    }
  }
  if (/_transport$/.test(s.name) && /^discard(:|$)/i.test(v)) {
    return [f('silent-loss', 'discard-transport', `${s.name} = ${v}: mail routed here is reported as delivered (status=sent) and thrown away.`)];
  }
  if (s.name === 'receive_override_options' && /no_header_body_checks/.test(v)) {
    const afterFilter = c.value('content_filter') !== '' && c.value('content_filter') !== undefined;
    return [f(afterFilter ? 'warning' : 'leak', 'checks-disabled', `receive_override_options = ${v}: header_checks and body_checks are skipped for mail arriving here${afterFilter ? ' (normal for the re-injection port after a content_filter, if the checks ran before it)' : ', so no CPR rule applies to it'}.`)];
  }
  if (s.name === 'transport_maps') return tableEntries(c, v, w.label, (val) => /^discard:/i.test(val), 'discard-transport', 'routes matching mail to the discard transport: reported as delivered (status=sent), thrown away');
  if (/_restrictions$/.test(s.name)) {
    const tables = [...v.matchAll(/check_\w+_access\s+(\S+)/g)].map((m) => m[1].replace(/,$/, ''));
    return tables.flatMap((t) => tableEntries(c, t, w.label, (val) => /^(DISCARD|HOLD|REDIRECT)\b/i.test(val), 'access-silent', 'is an access-table action that loses mail without notice (DISCARD accepts and drops; HOLD parks it until someone acts; REDIRECT sends it elsewhere)'));
  }
  return [];
}

function tableEntries(c: PostfixConfig, value: string, label: string, bad: (v: string) => boolean, rule: string, why: string): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  for (const spec of splitList(value)) {
    const t = c.readTable(spec);
    if (!t) continue;
    if (t.type === 'regexp' || t.type === 'pcre') {
      for (const r of c.rules(spec)) {
        const result = `${r.action} ${r.text}`.trim();
        if (bad(result)) out.push({ file: r.file, line: r.line, severity: 'silent-loss', rule, message: `${label}: "${result}" ${why}.` });
      }
      continue;
    }
    for (const e of parseSimpleTable(t.text)) {
      if (bad(e.value)) out.push({ file: t.file, line: e.line, severity: 'silent-loss', rule, message: `${label}: ${e.key} → "${e.value}" ${why}.` });
    }
  }
  return out;
}

/** postconf(5) notify_classes: without bounce/policy the postmaster never sees those failures */
function notifyClasses(c: PostfixConfig): ConfigFinding[] {
  const set = c.main.get('notify_classes');
  const classes = splitList(c.value('notify_classes') ?? '').map((x) => x.toLowerCase());
  const missing = ['bounce', 'policy'].filter((k) => !classes.includes(k));
  if (missing.length === 0) return [];
  return [{
    file: c.mainFile, line: set?.line ?? 0, severity: 'warning', rule: 'notify-classes',
    message: `notify_classes ${set ? `= ${set.value}` : 'is not set (default: resource, software)'}: missing ${missing.join(' and ')}, so the postmaster never gets a copy of ${missing.map((m) => (m === 'bounce' ? 'bounced mail' : 'policy rejections')).join(' or ')}. A rule that starts failing many mails goes unnoticed, as the municipality's did for six years.`,
  }];
}
