// Audit of a Postfix configuration directory: main.cf, master.cf overrides, and the check,
// access and transport tables they name. I/O only through the injected `read`, so tests can
// feed text. Reports, with file and line, every setting that loses mail silently or leaks CPR.
import { join, basename, isAbsolute } from 'node:path';
import { parseMainCf, parseMasterCf, expand, splitList, type Setting, type Service } from './cf.ts';
import { parseRegexpTable, type Rule } from './tables.ts';
import { coverage, isSilentAction } from './coverage.ts';
import { settingFindings } from './settings.ts';
import type { ConfigAudit, ConfigFinding, ReadText } from './types.ts';

const CHECK_PARAMS = ['header_checks', 'mime_header_checks', 'nested_header_checks', 'body_checks'] as const;

export class PostfixConfig {
  readonly findings: ConfigFinding[] = [];
  readonly warnings = new Set<string>();
  readonly mainFile: string;
  readonly masterFile: string;
  main = new Map<string, Setting>();
  services: Service[] = [];
  private readonly tableCache = new Map<string, Rule[] | null>();

  constructor(readonly dir: string, private readonly read: ReadText) {
    this.mainFile = join(dir, 'main.cf');
    this.masterFile = join(dir, 'master.cf');
  }

  /** value of a parameter in main.cf (with service overrides on top), `$name` expanded */
  value(name: string, overrides: Setting[] = []): string | undefined {
    const lookup = (n: string): string | undefined =>
      [...overrides].reverse().find((o) => o.name === n)?.value ?? this.main.get(n)?.value ?? DEFAULTS[n];
    const v = lookup(name);
    return v === undefined ? undefined : expand(v, lookup);
  }

  /** a table path as written (/etc/postfix/x) → the copy inside the audited directory */
  resolve(path: string): string[] {
    const confDir = this.value('config_directory') ?? '/etc/postfix';
    const out: string[] = [];
    if (path.startsWith(`${confDir}/`)) out.push(join(this.dir, path.slice(confDir.length + 1)));
    if (!isAbsolute(path)) out.push(join(this.dir, path));
    out.push(path, join(this.dir, basename(path)));
    return [...new Set(out)];
  }

  readTable(spec: string): { file: string; text: string; type: string } | null {
    const m = /^(?:proxy:)?([a-z0-9_]+):(.+)$/.exec(spec);
    if (!m) {
      this.warnings.add(`table "${spec}" is not TYPE:NAME; not inspected`);
      return null;
    }
    const [, type, path] = m;
    if (!['regexp', 'pcre', 'hash', 'texthash', 'btree', 'lmdb', 'cdb', 'dbm'].includes(type)) {
      this.warnings.add(`${type}: table ${path} is not a file Postvagt can read; check its contents by hand`);
      return null;
    }
    for (const p of this.resolve(path)) {
      const text = this.read(p);
      if (text !== null) return { file: p, text, type };
    }
    this.warnings.add(`cannot read table ${spec} (looked in ${this.resolve(path).join(', ')}): its rules were not audited`);
    return null;
  }

  rules(spec: string): Rule[] {
    if (this.tableCache.has(spec)) return this.tableCache.get(spec) ?? [];
    const t = this.readTable(spec);
    let rules: Rule[] | null = null;
    if (t && (t.type === 'regexp' || t.type === 'pcre')) {
      rules = parseRegexpTable(t.type, t.file, t.text, (line, msg) => this.warnings.add(`${t.file}:${line}: ${msg}`));
    } else if (t) this.warnings.add(`${t.file}: a ${t.type}: table for header/body checks matches whole lines exactly; not evaluated`);
    this.tableCache.set(spec, rules);
    return rules ?? [];
  }
}

const DEFAULTS: Record<string, string> = {
  config_directory: '/etc/postfix',
  notify_classes: 'resource, software',
  milter_default_action: 'tempfail',
  soft_bounce: 'no',
  mime_header_checks: '$header_checks',
  nested_header_checks: '$header_checks',
};

export function auditPostfixConfig(dir: string, read: ReadText): ConfigAudit {
  const c = new PostfixConfig(dir, read);
  const mainText = read(c.mainFile);
  const masterText = read(c.masterFile);
  if (mainText === null && masterText === null) {
    return { findings: [], warnings: [`${dir}: no main.cf or master.cf here; is this a Postfix configuration directory?`] };
  }
  if (mainText !== null) c.main = parseMainCf(mainText, (line, msg) => c.warnings.add(`${c.mainFile}:${line}: ${msg}`));
  else c.warnings.add(`${c.mainFile}: missing; Postfix defaults assumed`);
  if (masterText !== null) c.services = parseMasterCf(masterText, (line, msg) => c.warnings.add(`${c.masterFile}:${line}: ${msg}`));
  c.findings.push(...settingFindings(c));
  checkTables(c, c.main.size > 0 ? [...c.main.values()] : [], c.mainFile, 'main.cf');
  c.findings.push(...scopeCoverage(c, []));
  for (const svc of c.services) {
    checkTables(c, svc.overrides, c.masterFile, `master.cf service ${svc.name}`);
    if (svc.overrides.some((o) => o.name === 'header_checks') && isReceiver(svc)) c.findings.push(...scopeCoverage(c, svc.overrides, svc));
  }
  // the CPR-specific finding says more than the generic "this rule discards" at the same line
  const cprAt = new Set(c.findings.filter((f) => f.rule === 'cpr-silently-dropped').map((f) => `${f.file}:${f.line}`));
  const findings = c.findings.filter((f) => f.rule === 'cpr-silently-dropped' || !/^header-checks-/.test(f.rule) || !cprAt.has(`${f.file}:${f.line}`));
  return { findings, warnings: [...c.warnings] };
}

function isReceiver(svc: Service): boolean {
  return ['smtpd', 'pickup', 'cleanup', 'qmqpd'].includes(svc.command);
}

/** DISCARD/HOLD/REDIRECT/FILTER discard: rules in any header/body check table a setting names */
function checkTables(c: PostfixConfig, settings: Setting[], file: string, label: string): void {
  for (const s of settings) {
    if (!(CHECK_PARAMS as readonly string[]).includes(s.name)) continue;
    const value = expand(s.value, (n) => c.value(n, settings));
    // an empty header_checks override is reported by the coverage check of that service
    if (value === '' && file === c.masterFile && s.name !== 'header_checks') {
      c.findings.push({ file, line: s.line, severity: 'leak', rule: 'checks-disabled', message: `${label}: -o ${s.name}= (empty) turns ${s.name} off for mail arriving through this service` });
    }
    for (const spec of splitList(value)) {
      for (const r of c.rules(spec)) {
        if (r.trap) c.findings.push({ file: r.file, line: r.line, severity: 'warning', rule: 'regexp-backslash-d', message: `${s.name} rule ${r.trap}` });
        if (!isSilentAction(r)) continue;
        c.findings.push({
          file: r.file, line: r.line, severity: 'silent-loss', rule: `${s.name.replaceAll('_', '-')}-${r.action.toLowerCase()}`,
          message: `${s.name} ${r.action}${r.text ? ` ${r.text}` : ''} (used by ${label}): ${SILENT_WHY[r.action] ?? SILENT_WHY.DISCARD}`,
        });
      }
    }
  }
}

const SILENT_WHY: Record<string, string> = {
  DISCARD: 'the sender is told the mail was accepted, then it is thrown away; no one is notified.',
  HOLD: 'the mail waits in the hold queue until someone runs postsuper -H (release) or -d (delete); with no release routine it is lost, and the sender is never told.',
  REDIRECT: 'the mail goes to another address instead of the recipient; neither sender nor recipient is told.',
  FILTER: 'the mail is handed to the discard transport and thrown away; no one is notified.',
};

function scopeCoverage(c: PostfixConfig, overrides: Setting[], svc?: Service): ConfigFinding[] {
  const value = c.value('header_checks', overrides) ?? '';
  const rules = splitList(value).flatMap((spec) => c.rules(spec));
  const setting = svc ? overrides.find((o) => o.name === 'header_checks') : c.main.get('header_checks');
  const milters = c.value('smtpd_milters', overrides) || c.value('non_smtpd_milters', overrides);
  const filter = c.value('content_filter', overrides);
  return coverage(
    {
      label: svc ? `master.cf service ${svc.name}` : 'main.cf',
      rules,
      where: { file: svc ? c.masterFile : c.mainFile, line: setting?.line ?? 0 },
      otherFilter: milters ? `a milter (${milters})` : filter ? `a content_filter (${filter})` : null,
    },
    (msg) => c.warnings.add(msg),
  );
}
