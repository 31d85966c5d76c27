// Postfix regexp: (POSIX ERE, glibc) and pcre: patterns → JavaScript RegExp, where the
// meaning carries over. Pure. When it does not, we say so instead of guessing (a wrong
// translation would make the "does any rule catch a CPR" verdict untrustworthy).

export interface Translated {
  re: RegExp | null;
  /** why the pattern could not be evaluated, or a trap in it worth reporting */
  problem?: string;
  trap?: string;
}

const POSIX_CLASSES: Record<string, string> = {
  digit: '0-9', alpha: 'A-Za-z', alnum: 'A-Za-z0-9', upper: 'A-Z', lower: 'a-z', space: ' \\t\\r\\n\\v\\f',
  blank: ' \\t', punct: '!-\\/:-@\\[-`{-~', xdigit: '0-9A-Fa-f', print: ' -~', graph: '!-~', cntrl: '\\x00-\\x1f\\x7f',
};

/**
 * regexp_table(5) and pcre_table(5): both match case-insensitively unless the `i` flag toggles
 * it off. regexp's `x` flag (default on) selects extended syntax, not whitespace-insensitivity.
 */
export function translate(kind: 'regexp' | 'pcre', pattern: string, flags: string): Translated {
  let caseless = true;
  let multiline = false;
  let dotall = false;
  let extended = false;
  for (const f of flags) {
    if (f === 'i') caseless = !caseless;
    else if (f === 'm') multiline = !multiline;
    else if (f === 's' && kind === 'pcre') dotall = !dotall;
    else if (f === 'x' && kind === 'pcre') extended = !extended;
  }
  let src = pattern;
  let trap: string | undefined;
  if (kind === 'regexp') {
    const r = posixToJs(src, caseless);
    src = r.src;
    // glibc ERE has \w \s \b but no \d: case-sensitive it is the letter "d", and under the
    // default case-insensitive flag it matches nothing at all (checked with postmap -q on
    // glibc 2.36). Either way /\d{6}-?\d{4}/ never sees a digit: real configs carry this mistake.
    if (r.backslashD) trap = 'uses \\d, which a POSIX regexp: table does not read as a digit (it never matches one); use [0-9] or a pcre: table';
  } else {
    const inline = /^\(\?([imsx]+)\)/.exec(src);
    if (inline) {
      for (const f of inline[1]) {
        if (f === 'i') caseless = true;
        else if (f === 'm') multiline = true;
        else if (f === 's') dotall = true;
        else if (f === 'x') extended = true;
      }
      src = src.slice(inline[0].length);
    }
    src = src.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\[zZ]/g, '$');
    if (/\(\?>|[*+?}]\+|\(\?[imsx-]+[:)]|\\[QE]|\(\?R\)|\(\?\d/.test(src)) {
      return { re: null, problem: 'uses PCRE syntax JavaScript cannot evaluate (atomic/possessive/inline options/recursion)' };
    }
    if (extended) src = stripExtended(src);
  }
  try {
    return { re: new RegExp(src, `${caseless ? 'i' : ''}${multiline ? 'm' : ''}${dotall ? 's' : ''}`), trap };
  } catch (err) {
    return { re: null, problem: `cannot be evaluated (${(err as Error).message})`, trap };
  }
}

/** PCRE /x: unescaped whitespace outside classes and #-comments are ignored */
function stripExtended(src: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      out += c + (src[i + 1] ?? '');
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (!/\s/.test(c)) out += c;
  }
  return out;
}

/** POSIX ERE → JS: glibc's `\d` (see above), `\<`/`\>` word edges, bracket expressions literal-backslash */
function posixToJs(p: string, caseless: boolean): { src: string; backslashD: boolean } {
  let src = '';
  let backslashD = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      const n = p[++i] ?? '';
      if (n === 'd') backslashD = true;
      src += n === 'd' ? (caseless ? '[]' : 'd') : n === '<' || n === '>' ? '\\b' : `\\${n}`;
    } else if (c === '[') {
      let j = i + 1;
      let cls = '[';
      if (p[j] === '^') cls += p[j++];
      if (p[j] === ']') {
        cls += '\\]';
        j++;
      }
      for (; j < p.length && p[j] !== ']'; j++) {
        const named = /^\[:([a-z]+):\]/.exec(p.slice(j));
        if (named) {
          cls += POSIX_CLASSES[named[1]] ?? '';
          j += named[0].length - 1;
        } else cls += p[j] === '\\' ? '\\\\' : p[j];
      }
      src += cls + ']';
      i = j;
    } else src += c;
  }
  return { src, backslashD };
}
