// `postvagt audit config PATH…`: Postfix configuration directories and/or Exchange
// transport-rule exports (JSON). I/O: reads the given paths and the tables main.cf names.
// A path that cannot be read is a warning naming it; the other paths are still audited.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { auditPostfixConfig } from './postfix.ts';
import { auditTransportRules, decodeExport } from './exchange-rules.ts';
import type { ConfigAudit, ConfigFinding } from './types.ts';
import { maskText } from '../../detect/index.ts';

export type { ConfigFinding, ConfigAudit, Severity } from './types.ts';
export { formatConfigAudit } from './format.ts';
export { auditPostfixConfig } from './postfix.ts';
export { auditTransportRules } from './exchange-rules.ts';

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export async function auditConfig(paths: string[]): Promise<{ findings: ConfigFinding[]; warnings: string[] }> {
  const all: ConfigAudit = { findings: [], warnings: [] };
  for (const p of paths) {
    const r = auditPath(p);
    all.findings.push(...r.findings);
    all.warnings.push(...r.warnings);
  }
  // Invariant 2, in one place: findings quote rules, rule names and file names, which may hold a
  // CPR number (a rule written for one case); nothing leaves this function unmasked.
  return {
    findings: all.findings.map((f) => ({ ...f, file: maskText(f.file), rule: maskText(f.rule), message: maskText(f.message) })),
    warnings: all.warnings.map((w) => maskText(w)),
  };
}

function auditPath(p: string): ConfigAudit {
  let st;
  try {
    st = statSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { findings: [], warnings: [`${p}: ${code === 'ENOENT' ? 'no such file or directory' : `cannot read (${code})`}`] };
  }
  if (st.isDirectory()) {
    // a folder of transport-rule exports (no Postfix files in it) is audited file by file
    const exports = existsSync(join(p, 'main.cf')) || existsSync(join(p, 'master.cf')) ? [] : jsonFiles(p);
    if (exports.length === 0) return auditPostfixConfig(p, readText);
    const all: ConfigAudit = { findings: [], warnings: [] };
    for (const f of exports) {
      const r = auditPath(f);
      all.findings.push(...r.findings);
      all.warnings.push(...r.warnings);
    }
    return all;
  }
  if (basename(p) === 'main.cf' || basename(p) === 'master.cf') return auditPostfixConfig(dirname(p), readText);
  let buf: Buffer;
  try {
    buf = readFileSync(p);
  } catch (err) {
    return { findings: [], warnings: [`${p}: cannot read (${(err as NodeJS.ErrnoException).code})`] };
  }
  if (buf.length === 0) return { findings: [], warnings: [`${p}: empty file (0 bytes)`] };
  const text = decodeExport(buf);
  if (/^\s*[[{]/.test(text)) return auditTransportRules(p, text);
  return { findings: [], warnings: [`${p}: neither a Postfix configuration directory (or main.cf) nor a JSON transport-rule export`] };
}

function jsonFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => /\.json$/i.test(n)).sort().map((n) => join(dir, n));
  } catch {
    return [];
  }
}
