// Who may receive a notice: never a null sender, never a system or no-reply address, never ourselves,
// never a mail that was itself automatic. Pure, no I/O. Invariant 6: such incidents are escalated to
// the central mailbox at once instead of looping (RFC 5321 §4.5.5, RFC 3834 §2).
import type { HeaderField } from '../detect/types.ts';

export type NoticeTarget = { kind: 'send'; to: string } | { kind: 'escalate'; reason: string };

export interface RecipientOptions {
  /** our own postmaster (notify.postmaster): a notice to it would go to ourselves */
  postmaster?: string;
  /** the original header block: Auto-Submitted / Precedence / List-Id mark automatic or list mail */
  originalHeaders?: readonly HeaderField[];
}

// Plain ASCII addr-spec, conservatively: anything we would have to quote or encode in a To: header
// is escalated rather than risk a header injection or an SMTPUTF8-only notice.
const SAFE_ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const compiled = new Map<string, RegExp | null>();

export function isSafeAddress(address: string): boolean {
  return SAFE_ADDRESS.test(address);
}

export function noticeRecipient(
  sender: string,
  unreachablePatterns: readonly string[],
  opts: RecipientOptions = {},
): NoticeTarget {
  const address = sender.trim().replace(/^<(.*)>$/, '$1');
  if (address === '') return escalate('null sender (<>): a notice to it is forbidden (RFC 5321 §4.5.5)');
  if (!SAFE_ADDRESS.test(address)) return escalate('the sender address cannot safely be written in a notice');
  const local = address.slice(0, address.lastIndexOf('@')).toLowerCase();
  if (local === 'mailer-daemon') return escalate('the sender is a mailer daemon (a bounce); it must not get a notice');
  if (opts.postmaster && address.toLowerCase() === bareAddress(opts.postmaster).toLowerCase()) {
    return escalate("the sender is Postvagt's own postmaster address: a notice would loop");
  }
  for (const pattern of unreachablePatterns) {
    const re = compile(pattern);
    // A broken pattern is a config bug; escalating is safe (no loop, nobody left uninformed).
    if (re === null) return escalate(`notify.unreachable_senders pattern ${JSON.stringify(pattern)} is not a valid regular expression`);
    if (re.test(address)) return escalate(`the sender matches notify.unreachable_senders ${JSON.stringify(pattern)} (no-reply or system address)`);
  }
  const automatic = automaticMail(opts.originalHeaders ?? []);
  if (automatic) return escalate(automatic);
  return { kind: 'send', to: address };
}

/** RFC 3834 §2 and §3.1.8: do not answer automatic mail; also not list or bulk mail (a notice would go to the list). */
function automaticMail(fields: readonly HeaderField[]): string | null {
  for (const f of fields) {
    const name = f.name.toLowerCase();
    const value = f.decoded.trim().toLowerCase();
    if (name === 'auto-submitted' && value !== '' && !value.startsWith('no')) {
      return `the mail was sent automatically (Auto-Submitted: ${value.slice(0, 40).replace(/[^\x20-\x7e]/g, '?')})`;
    }
    if (name === 'precedence' && /^(bulk|list|junk)\b/.test(value)) return `the mail is bulk or list mail (Precedence: ${value.slice(0, 10)})`;
    if (name === 'list-id') return 'the mail came through a mailing list (List-Id)';
  }
  return null;
}

/** Validate the configured patterns once (for config loading); returns the bad ones. */
export function invalidPatterns(patterns: readonly string[]): string[] {
  return patterns.filter((p) => compile(p) === null);
}

function compile(pattern: string): RegExp | null {
  if (!compiled.has(pattern)) {
    let re: RegExp | null;
    try {
      re = new RegExp(pattern, 'i');
    } catch {
      re = null;
    }
    compiled.set(pattern, re);
  }
  return compiled.get(pattern) ?? null;
}

/** "Postvagt <pv@x.dk>" → "pv@x.dk": the address part of a configured address */
export function bareAddress(a: string): string {
  const m = /<([^<>]*)>\s*$/.exec(a);
  return (m ? m[1] : a).trim();
}

function escalate(reason: string): NoticeTarget {
  return { kind: 'escalate', reason };
}
