// What each fate means, in words for mail operators (used by the reporters and `audit --help`).
// No I/O. Protects: every report explains "silently dropped" the same way.
import type { Fate } from '../types.ts';

export const FATE_TEXT: Record<Fate, string> = {
  silently_dropped: 'lost, and nobody was told (discarded by a rule or transport, or deleted from the queue)',
  bounced_no_notice: 'refused by the next hop, and no notice went back (e.g. null sender)',
  expired_no_notice: 'gave up after retrying, and no notice went back',
  held_pending: 'still on hold at the end of the logs: someone must release or return it',
  deferred_pending: 'still being retried at the end of the logs',
  unknown: 'the logs stop before a final status: check by hand',
  expired_with_notice: 'gave up after retrying; the sender got a non-delivery notice',
  bounced_with_notice: 'refused; the sender got a non-delivery notice',
  rejected_in_smtp: 'refused during the SMTP session; the sending client was told',
  delivered: 'handed to the next hop or mailbox',
};

/** Fates that need a person to look (the first six, worst first). */
export const REVIEW_FATES: readonly Fate[] = [
  'silently_dropped', 'bounced_no_notice', 'expired_no_notice', 'held_pending', 'deferred_pending', 'unknown',
];
