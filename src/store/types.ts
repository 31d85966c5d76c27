// The one Store interface (DESIGN: SQLite embedded default, PostgreSQL for several instances).
// Types only, no I/O. Nothing here holds a raw CPR number: findings are masked + fingerprinted
// (invariant 2); the only raw content is quarantined mail, which implementations encrypt at rest.
import type { Readable } from 'node:stream';
import type { CprKind } from '../detect/types.ts';
import type { Direction } from '../policy/types.ts';

export interface StoredFinding {
  header: string;
  masked: string;
  fingerprint: string;
  kind: CprKind;
}

/** What happened to one SMTP transaction (invariant 3: one append-only row each). */
export type DecisionAction =
  | 'pass'
  | 'reject'
  | 'quarantine'
  | 'redact'
  | 'tag'
  | 'upstream-fail' // upstream refused / unreachable: the client got the mirrored or a 4xx reply
  | 'tempfail'; // internal fault, store down, timeout: fail closed with 451 4.3.0 (invariant 5)

export interface DecisionRecord {
  /** transaction id, unique */
  id: string;
  time: string; // ISO 8601
  listener: string;
  direction: Direction;
  sender: string; // envelope MAIL FROM ('' for null sender)
  recipients: string[];
  action: DecisionAction;
  /** the SMTP reply given to the client, on the wire form: "550 5.7.1 …" */
  reply: string;
  findings: StoredFinding[];
  /** the incident quoted to the sender, when there is one */
  incidentId: string | null;
  size: number | null;
  /** subject with the numbers masked; used for resend tracking */
  subjectMasked: string;
}

export type IncidentStatus = 'new' | 'reviewed' | 'resolved';
export type Classification = 'isolated' | 'systemic' | 'unclassified';
export type NoticeStatus = 'none' | 'queued' | 'sent' | 'failed' | 'escalated' | 'in-reply';

export interface Incident {
  id: string; // e.g. PV-20261129-7K3QXD
  time: string;
  direction: Direction;
  listener: string;
  sender: string;
  recipients: string[];
  subjectMasked: string;
  findings: StoredFinding[];
  action: DecisionAction;
  reply: string;
  notice: NoticeStatus;
  classification: Classification;
  classificationReason: string;
  status: IncidentStatus;
  resolution: string | null;
}

/** A notice (DSN) waiting to go to a sender, durably queued before we answer 250 (invariant 1). */
export interface NoticeDraft {
  incidentId: string;
  /** envelope sender of the notice: '' (null) for DSNs, RFC 3464 §2 / RFC 5321 §4.5.5 */
  envelopeFrom: string;
  to: string;
  raw: Buffer;
}

export interface QueuedNotice extends NoticeDraft {
  id: number;
  attempts: number;
  status: 'queued' | 'sent' | 'failed';
  lastError: string | null;
}

export interface CapturedMessage {
  id: number;
  time: string;
  sender: string;
  recipients: string[];
  size: number;
}

export interface DecisionFilter {
  since?: string; // ISO, inclusive
  until?: string; // ISO, exclusive
  sender?: string;
  /** default and maximum 100000 */
  limit?: number;
}

/** A dashboard user; the password only as an scrypt hash (`scrypt$N$r$p$salt$hash`, see web/auth.ts). */
export interface DashboardUser {
  name: string;
  passwordHash: string;
  createdAt: string;
  /** 'dashboard' (default): may sign in to the dashboard; 'smtp': may only relay with SMTP AUTH */
  kind?: 'dashboard' | 'smtp';
}

export interface IncidentFilter {
  status?: IncidentStatus;
  classification?: Classification;
  direction?: Direction;
  since?: string; // ISO
  /** default 100, maximum 100000 */
  limit?: number;
}

export type NoticeOutcome = { ok: true } | { ok: false; error: string; final: boolean; escalation?: NoticeDraft };

export interface Store {
  /** throws PvError PV_STORE_UNAVAILABLE when the store cannot serve */
  ping(): Promise<void>;
  /** append the decision for a transaction without an incident (pass) */
  recordDecision(decision: DecisionRecord): Promise<void>;
  /** append decision + incident in one transaction; notice (if any) is queued in the same transaction */
  recordIncident(incident: Incident, decision: DecisionRecord, notice?: NoticeDraft): Promise<void>;
  /**
   * Quarantine: encrypted message + incident + decision + notice, all durable before this resolves.
   * Only after it resolves may the gateway answer 250 (invariant 1).
   */
  quarantine(incident: Incident, decision: DecisionRecord, message: Buffer | Readable, notice?: NoticeDraft): Promise<void>;
  /** decrypt a quarantined message (for release / review) */
  readQuarantined(incidentId: string): Promise<Buffer | null>;
  /**
   * Remove a quarantined message for good (the ciphertext row and any encrypted file), after it was
   * released or an operator chose to delete it; the incident and decision rows stay (invariant 3).
   * False when nothing was quarantined under this id.
   */
  deleteQuarantined(incidentId: string): Promise<boolean>;

  dueNotices(limit: number): Promise<QueuedNotice[]>;
  /**
   * A final failure may carry the escalation to the central mailbox: it is queued in the same
   * transaction (so it is retried like any notice) and the incident's notice becomes 'escalated'.
   */
  markNotice(id: number, outcome: NoticeOutcome): Promise<void>;

  /** embedded capture mailbox (the default upstream in development) */
  capture(message: { sender: string; recipients: string[]; raw: Buffer }): Promise<number>;
  listCaptured(limit: number): Promise<CapturedMessage[]>;
  readCaptured(id: number): Promise<Buffer | null>;

  listIncidents(filter: IncidentFilter): Promise<Incident[]>;
  getIncident(id: string): Promise<Incident | null>;
  updateIncident(
    id: string,
    patch: Partial<Pick<Incident, 'status' | 'resolution' | 'classification' | 'classificationReason' | 'notice'>>,
  ): Promise<void>;

  /** decisions in time order (oldest first); for review (resend tracking, baselines) and audits */
  listDecisions(filter: DecisionFilter): Promise<DecisionRecord[]>;

  /** dashboard users; `replace` resets the password of an existing user, otherwise it is an error */
  addUser(user: DashboardUser, opts?: { replace?: boolean }): Promise<'created' | 'replaced'>;
  getUser(name: string): Promise<DashboardUser | null>;

  close(): Promise<void>;
}
