// Postfix main.cf and master.cf readers: logical lines (a line starting with whitespace
// continues the previous one, postconf(5)), `$name` expansion, per-service `-o` overrides.
// Pure: text in, settings with their 1-based physical line out. Never throws on bad input.

export interface Setting {
  name: string;
  value: string;
  line: number;
}

/** main.cf → name → last definition (Postfix uses the last one) */
export function parseMainCf(text: string, warn: (line: number, msg: string) => void): Map<string, Setting> {
  const out = new Map<string, Setting>();
  for (const { text: logical, line } of logicalLines(text)) {
    const m = /^([A-Za-z0-9_.-]+)\s*=\s*(.*)$/s.exec(logical);
    if (!m) {
      warn(line, `not a "name = value" line; ignored`);
      continue;
    }
    let value = m[2].trim();
    // postconf(5): "#" only starts a comment at the beginning of a line; mid-line it is part of
    // the value, which is almost never what the admin meant — say so, and judge the intent.
    const hash = value.indexOf(' #');
    if (hash >= 0) {
      warn(line, `"#" after the value of ${m[1]} is not a comment in main.cf (Postfix reads it as part of the value)`);
      value = value.slice(0, hash).trim();
    }
    out.set(m[1], { name: m[1], value, line });
  }
  return out;
}

/** logical lines with the physical line they start on; comments and blank lines dropped */
export function logicalLines(text: string): { text: string; line: number; lines: { text: string; line: number }[] }[] {
  const out: { text: string; line: number; lines: { text: string; line: number }[] }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (/^\s*(#|$)/.test(raw)) return;
    if (/^\s/.test(raw) && out.length > 0) {
      const cur = out[out.length - 1];
      cur.text += ' ' + raw.trim();
      cur.lines.push({ text: raw, line: i + 1 });
      return;
    }
    out.push({ text: raw.trim(), line: i + 1, lines: [{ text: raw, line: i + 1 }] });
  });
  return out;
}

/** `$name`, `${name}`, `$(name)`, `${name?text}`, `${name:text}` (postconf(5) "parameter expansion") */
export function expand(value: string, lookup: (name: string) => string | undefined, depth = 0): string {
  if (depth > 20) return value; // a loop ($a = $b, $b = $a) must not hang the audit
  return value.replace(/\$(?:\{([A-Za-z0-9_]+)(?:([?:])([^}]*))?\}|\(([A-Za-z0-9_]+)\)|([A-Za-z0-9_]+))/g, (_m, b, op, alt, p, bare) => {
    const name = (b ?? p ?? bare) as string;
    const v = lookup(name);
    const val = v === undefined ? '' : expand(v, lookup, depth + 1);
    if (op === '?') return val !== '' ? expand(alt as string, lookup, depth + 1) : '';
    if (op === ':') return val === '' ? expand(alt as string, lookup, depth + 1) : '';
    return val;
  });
}

export interface Service {
  name: string;
  type: string;
  command: string;
  line: number;
  overrides: Setting[];
}

/** master.cf services with their `-o name=value` and `-o { name = value }` overrides */
export function parseMasterCf(text: string, warn: (line: number, msg: string) => void): Service[] {
  const out: Service[] = [];
  for (const logical of logicalLines(text)) {
    const tokens: { t: string; line: number }[] = [];
    for (const phys of logical.lines) {
      for (const m of phys.text.matchAll(/\{[^}]*\}|\S+/g)) tokens.push({ t: m[0], line: phys.line });
    }
    if (tokens.length < 8) {
      warn(logical.line, 'a master.cf service needs 8 fields (service type private unpriv chroot wakeup maxproc command); ignored');
      continue;
    }
    const svc: Service = { name: tokens[0].t, type: tokens[1].t, command: tokens[7].t, line: logical.line, overrides: [] };
    for (let i = 8; i < tokens.length; i++) {
      if (tokens[i].t !== '-o' || i + 1 >= tokens.length) continue;
      const arg = tokens[++i];
      const body = arg.t.startsWith('{') ? arg.t.slice(1, -1).trim() : arg.t;
      const eq = body.indexOf('=');
      if (eq < 0) {
        warn(arg.line, `-o ${arg.t} is not name=value; ignored`);
        continue;
      }
      svc.overrides.push({ name: body.slice(0, eq).trim(), value: body.slice(eq + 1).trim(), line: arg.line });
    }
    out.push(svc);
  }
  return out;
}

/** Postfix list values: separated by commas and/or whitespace */
export function splitList(v: string): string[] {
  return v.split(/[\s,]+/).filter((s) => s !== '');
}
