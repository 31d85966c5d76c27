// CPR keywords (`CPR`, `cpr-nr`, `Personnummer`, …) right before a number: they may be glued to
// it (`CPR2512841234`), and they vouch for human-readable variants (`CPR: 140432 - 2464`).
// Pure, no I/O. Protects the keyword exception of the DESIGN "Detection rule".
import { C_DIGIT, C_GLUE, C_INVISIBLE, C_SPACE, classOf, codePointBefore, keywordChar } from './chars.ts';

export function isGlue(k: number): boolean {
  return k === C_GLUE || k >= C_DIGIT;
}

// CPR keywords that may be glued to the number (`CPR2512841234`, `cpr-nr160597-3825`).
// Keywords ending in `.`, `:`, `-` or `#` need no exception: punctuation is a boundary.
const KEYWORDS = ['cpr', 'cprnr', 'cpr-nr', 'cpr.nr', 'personnr', 'person-nr', 'personnummer', 'cprnummer', 'cpr-nummer'];
const KEYWORD_MAX = 12;

/** True when a CPR keyword, itself at a word boundary, ends right before index `end`. */
export function keywordBefore(a: Uint16Array, end: number): boolean {
  let word = '';
  let j = end - 1;
  while (j >= 0 && word.length <= KEYWORD_MAX) {
    const cp = codePointBefore(a, j);
    if (classOf(cp) !== C_INVISIBLE) {
      const ch = keywordChar(cp);
      if (ch === '') break;
      word = ch + word;
    }
    j -= cp > 0xffff ? 2 : 1;
  }
  // the keyword must start at a boundary: `Xcpr1404322464` is a glued word, not a keyword
  for (const kw of KEYWORDS) {
    if (!word.endsWith(kw)) continue;
    if (word.length > kw.length && isGlue(classOf(word.charCodeAt(word.length - kw.length - 1)))) continue;
    if (word.length === kw.length && j >= 0 && isGlue(classOf(codePointBefore(a, j)))) continue;
    return true;
  }
  return false;
}


/** A keyword before `start`, allowing up to four spaces or `:` `.` `#` `-` in between. */
export function keywordNear(a: Uint16Array, start: number): boolean {
  let j = start;
  for (let skipped = 0; j > 0 && skipped <= 4; skipped++) {
    const c = a[j - 1];
    const k = c < 128 ? -1 : classOf(codePointBefore(a, j - 1));
    if (c === 0x3a || c === 0x2e || c === 0x23 || c === 0x2d || c === 0x20 || k === C_SPACE || k === C_INVISIBLE) j--;
    else break;
  }
  return j > 0 && isGlue(classOf(codePointBefore(a, j - 1))) && keywordBefore(a, j);
}
