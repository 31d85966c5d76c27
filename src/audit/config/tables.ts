// Postfix lookup tables as the config audit needs them: regexp:/pcre: rule lists (with `!/…/`
// negation and if/endif blocks, regexp_table(5)) and simple "key value" source files of
// hash:/texthash: tables. Pure: text in, rules with 1-based lines out; bad lines reported.
import { logicalLines } from './cf.ts';
import { translate } from './regex.ts';

export interface Rule {
  file: string;
  line: number;
  /** the text as written, for messages */
  source: string;
  re: RegExp | null;
  negate: boolean;
  /** upper-case first word of the result, e.g. DISCARD; '' for an `if` */
  action: string;
  text: string;
  /** enclosing if-conditions, outermost first */
  guards: { re: RegExp | null; negate: boolean }[];
  problem?: string;
  trap?: string;
}

/** parse a regexp: or pcre: table (either kind; `kind` decides the regex dialect) */
export function parseRegexpTable(kind: 'regexp' | 'pcre', file: string, text: string, warn: (line: number, msg: string) => void): Rule[] {
  const rules: Rule[] = [];
  const guards: { re: RegExp | null; negate: boolean }[] = [];
  for (const { text: l, line } of logicalLines(text)) {
    if (/^endif\b/i.test(l)) {
      if (guards.length === 0) warn(line, 'endif without if');
      guards.pop();
      continue;
    }
    const isIf = /^if\s+/i.test(l);
    const body = isIf ? l.replace(/^if\s+/i, '') : l;
    const m = parsePattern(body);
    if (!m) {
      warn(line, 'not a "/pattern/flags action" line; ignored (Postfix ignores it too, with a warning)');
      continue;
    }
    const t = translate(kind, m.pattern, m.flags);
    if (isIf) {
      guards.push({ re: t.re, negate: m.negate });
      continue;
    }
    const [action = '', ...rest] = m.result.split(/\s+/);
    rules.push({
      file, line, source: l, re: t.re, negate: m.negate, action: action.toUpperCase(), text: rest.join(' '),
      guards: [...guards], problem: t.problem, trap: t.trap,
    });
  }
  if (guards.length > 0) warn(0, `${guards.length} "if" without "endif"`);
  return rules;
}

/** `[!]DpatternD[flags] result` with any delimiter D; `\D` inside the pattern is a literal D */
function parsePattern(s: string): { negate: boolean; pattern: string; flags: string; result: string } | null {
  let i = 0;
  const negate = s[0] === '!';
  if (negate) i++;
  const d = s[i];
  if (d === undefined || /[\sA-Za-z0-9\\]/.test(d)) return null;
  let pattern = '';
  for (i++; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === d) {
      pattern += d;
      i++;
    } else if (s[i] === d) break;
    else if (s[i] === '\\') {
      pattern += s[i] + (s[i + 1] ?? '');
      i++;
    } else pattern += s[i];
  }
  if (i >= s.length) return null;
  const rest = s.slice(i + 1);
  const fm = /^([A-Za-z]*)\s*(.*)$/s.exec(rest)!;
  return { negate, pattern, flags: fm[1], result: fm[2].trim() };
}

function hit(re: RegExp | null, negate: boolean, input: string): boolean | null {
  if (!re) return null;
  return re.test(input) !== negate;
}

/**
 * The first rule that matches `input` (Postfix stops at the first match, across the tables of
 * a list in order). `null` result with `unsure` when a rule we cannot evaluate stands before it.
 */
export function firstMatch(rules: Rule[], input: string): { rule: Rule | null; unsure: Rule | null } {
  let unsure: Rule | null = null;
  for (const r of rules) {
    let inScope = true;
    for (const g of r.guards) {
      const h = hit(g.re, g.negate, input);
      if (h === null) unsure ??= r;
      if (h !== true) inScope = false;
    }
    if (!inScope) continue;
    const h = hit(r.re, r.negate, input);
    if (h === null) unsure ??= r;
    else if (h) return { rule: r, unsure };
  }
  return { rule: null, unsure };
}

/** hash:/texthash:/btree: source text → key, value, line */
export function parseSimpleTable(text: string): { key: string; value: string; line: number }[] {
  const out: { key: string; value: string; line: number }[] = [];
  for (const { text: l, line } of logicalLines(text)) {
    const m = /^(\S+)\s+(.*)$/.exec(l);
    if (m) out.push({ key: m[1], value: m[2].trim(), line });
  }
  return out;
}
