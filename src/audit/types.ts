// The result every mail-log audit produces (Postfix, Exchange), so one set of reporters
// (text, JSON, CSV, HTML) serves both. Types only, no I/O. Contract: DESIGN "audit postfix".

/** Worst first: a message takes its worst recipient's fate (DESIGN). */
export const FATES = [
  'silently_dropped',
  'bounced_no_notice',
  'expired_no_notice',
  'held_pending',
  'deferred_pending',
  'unknown',
  'expired_with_notice',
  'bounced_with_notice',
  'rejected_in_smtp',
  'delivered',
] as const;
export type Fate = (typeof FATES)[number];

export type FateCounts = Record<Fate, number>;

export function emptyCounts(): FateCounts {
  return Object.fromEntries(FATES.map((f) => [f, 0])) as FateCounts;
}

/** the worse of two fates (lower index in FATES) */
export function worseFate(a: Fate, b: Fate): Fate {
  return FATES.indexOf(a) <= FATES.indexOf(b) ? a : b;
}

export interface RecipientFate {
  to: string;
  fate: Fate;
  /** the log's reason: dsn + status text, or the rule; CPR numbers masked */
  reason: string;
}

export interface MessageFate {
  /** Postfix queue id, or for Exchange the internal message id / Message-ID */
  queue_id?: string;
  message_id?: string;
  /** ISO 8601 of the first line seen for the message */
  time: string;
  from: string;
  recipients: RecipientFate[];
  fate: Fate;
  /** subject if the log shows it (header_checks lines do), CPR numbers masked */
  subject?: string;
  /** the rule or event that caused a silent loss (e.g. "header_checks DISCARD", "postsuper -d") */
  reason: string;
}

/** One silently lost message, as in the JSON contract's `silent` list. */
export interface SilentItem {
  queue_id?: string;
  message_id?: string;
  time: string;
  from: string;
  to: string[];
  reason: string;
  subject?: string;
}

export interface AuditResult {
  source: 'postfix' | 'exchange';
  files: string[];
  lines: number;
  messages: FateCounts;
  recipients: FateCounts;
  silent: SilentItem[];
  /** per-message rows for CSV and HTML; a reporter may choose to omit delivered ones */
  rows: MessageFate[];
  /** problems met while reading (unreadable file, garbage lines): reported, never fatal */
  warnings: string[];
}
