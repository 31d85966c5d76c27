// Data in and out of the breach-report draft (GDPR art. 33(3)). Types only, no I/O.
// Nothing here holds a raw CPR number: store rows carry masked values and fingerprints,
// audit outputs carry masked subjects (invariant 2).
import type { DecisionRecord } from '../../store/types.ts';
import type { SilentItem } from '../types.ts';

/** `postvagt audit postfix|exchange --format json` output, as much as the report needs */
export interface AuditInput {
  file: string;
  source: string;
  silent: SilentItem[];
}

export interface BreachInput {
  /** inclusive calendar days, YYYY-MM-DD, in Danish time (Europe/Copenhagen) */
  from: string;
  to: string;
  /** gateway transactions in the period (store.listDecisions); null when no store was read */
  decisions: DecisionRecord[] | null;
  /** the store may cap what one query returns; true when the cap was hit */
  decisionsTruncated: boolean;
  audits: AuditInput[];
  generatedAt: Date;
  /** from the configuration (notify.contact), a hint for the contact field */
  contactHint?: string;
}

export interface Category {
  mails: number;
  /** distinct keyed fingerprints; null when fingerprints were not recorded (no HMAC key) */
  persons: number | null;
  domains: Map<string, number>;
}

export interface BreachFacts {
  input: BreachInput;
  /** outbound mail that left with a CPR in clear headers (pass/tag): the confidentiality breach */
  sentInClear: Category;
  /** inbound mail that arrived with a CPR in clear headers (another organisation's breach) */
  receivedInClear: Category;
  /** outbound mail the gateway stopped or cleaned (reject, quarantine, redact): no breach */
  stopped: Category;
  /** mails lost without notice, from audit outputs: the availability breach */
  lost: { mails: number; withCprInSubject: number; domains: Map<string, number>; reasons: Map<string, number>; bySource: Map<string, number> };
  /** YYYY-MM → [sent in clear, lost without notice] */
  byMonth: Map<string, [number, number]>;
  first: string | null;
  last: string | null;
}

/** A small document model, rendered to Markdown and to HTML from the same content. */
export type Block =
  | { kind: 'h1' | 'h2'; text: string; gloss?: string }
  | { kind: 'p'; text: string }
  | { kind: 'note'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; head: string[]; rows: string[][] };

/** marker for what a person must fill in; rendered highlighted */
export const FILL = (what: string): string => `[UDFYLDES: ${what}]`;
