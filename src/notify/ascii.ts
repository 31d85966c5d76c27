// Turns any text into one printable-ASCII line for SMTP replies (RFC 5321 §4.5.3.1.5, invariant 5):
// Danish letters transliterated (æ→ae, ø→oe, å→aa), accents dropped, controls and line breaks removed.
// Pure, no I/O. Also hides long digit runs in foreign text (upstream replies) so no CPR reaches a reply row.

const TRANSLIT: Record<string, string> = {
  æ: 'ae', ø: 'oe', å: 'aa', Æ: 'AE', Ø: 'OE', Å: 'AA', ß: 'ss', ð: 'd', Ð: 'D', þ: 'th', Þ: 'TH',
  '«': '"', '»': '"', '“': '"', '”': '"', '„': '"', '‘': "'", '’': "'", '…': '...',
};

/** One line of printable ASCII (0x20–0x7E), whitespace collapsed, trimmed. Never throws. */
export function toAsciiLine(text: string): string {
  const translit = String(text).replace(/[æøåÆØÅßðÐþÞ«»“”„‘’…]/g, (c) => TRANSLIT[c] ?? '?');
  const stripped = translit
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // combining accents left by NFKD: é → e
    .replace(/\p{Pd}/gu, '-') // any Unicode dash (en dash, minus sign) → hyphen-minus
    .replace(/[\s\u00a0\u2000-\u200b\u2028\u2029\u202f\u205f\u3000]+/gu, ' ') // CR, LF, TAB, NBSP … → one space
    .replace(/[\x00-\x1f\x7f]/g, '') // NUL and other controls: drop (a CR or LF would end the reply line)
    .replace(/[^\x20-\x7e]/gu, '?'); // one '?' per character, not per UTF-16 unit
  return stripped.replace(/ {2,}/g, ' ').trim();
}

/**
 * Text from outside (an upstream's reply, an exception message) may quote the mail. Replace every run of
 * six or more digits with X: over-masking is harmless in a reply, a leaked CPR number is not (invariant 2).
 */
export function hideDigitRuns(text: string): string {
  return text.replace(/\d{6,}/g, (m) => 'X'.repeat(m.length));
}
