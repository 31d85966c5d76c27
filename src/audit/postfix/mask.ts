// CPR masking of the finished messages the audit keeps (rows and silent items): nothing raw leaves
// memory. Pure, no I/O. Kept apart from the state machine so the worker threads (parallel.ts) load
// no detection code; masking runs once, in the main thread.
import type { MessageFate } from '../types.ts';
import { maskText, decodeHeaderValue } from '../../detect/index.ts';

/** masked forms of recent texts: reported rows repeat the same senders and reasons many times */
const MASKED = new Map<string, string>();

export function mask(s: string): string {
  let out = MASKED.get(s);
  if (out !== undefined) return out;
  out = maskText(s.includes('=?') ? decodeHeaderValue(s) : s);
  if (MASKED.size >= 4096) MASKED.clear(); // bounded: a cache, not a record
  MASKED.set(s, out);
  return out;
}

/** Mask CPR numbers in every text field of a finished message (only done for messages that are kept). */
export function maskMessage(f: MessageFate): MessageFate {
  return {
    ...f,
    from: mask(f.from),
    recipients: f.recipients.map((r) => ({ to: mask(r.to), fate: r.fate, reason: mask(r.reason) })),
    reason: mask(f.reason),
    ...(f.subject !== undefined ? { subject: mask(f.subject) } : {}),
  };
}
