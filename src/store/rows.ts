// Row ↔ object mapping for the SQL stores: snake_case columns, JSON text for lists.
// Pure. Shared by the SQLite store and (later) the PostgreSQL one, so both read the same shapes.
import type { DecisionRecord, Incident, QueuedNotice, StoredFinding } from './types.ts';
import { maskText } from '../detect/index.ts';

/**
 * Invariant 2 at the last step before disk: envelope addresses, subjects and replies are client
 * text and may hold a CPR number (`2512841234@kommune.dk` is a real pattern), so every text column
 * is masked here, whatever the caller did. Masking is deterministic, so stored values still match
 * each other (resend tracking compares them).
 */
const m = (s: string): string => maskText(s);

export type Row = Record<string, unknown>;

export function decisionToRow(d: DecisionRecord): Row {
  return {
    id: d.id,
    time: d.time,
    listener: d.listener,
    direction: d.direction,
    sender: m(d.sender),
    recipients: JSON.stringify(d.recipients.map(m)),
    action: d.action,
    reply: m(d.reply),
    findings: JSON.stringify(d.findings.map(storedFinding)),
    incident_id: d.incidentId,
    size: d.size,
    subject_masked: m(d.subjectMasked),
  };
}

export function rowToDecision(r: Row): DecisionRecord {
  return {
    id: String(r.id),
    time: String(r.time),
    listener: String(r.listener),
    direction: r.direction as DecisionRecord['direction'],
    sender: String(r.sender),
    recipients: JSON.parse(String(r.recipients)) as string[],
    action: r.action as DecisionRecord['action'],
    reply: String(r.reply),
    findings: JSON.parse(String(r.findings)) as StoredFinding[],
    incidentId: r.incident_id === null ? null : String(r.incident_id),
    size: r.size === null ? null : Number(r.size),
    subjectMasked: String(r.subject_masked),
  };
}

export function incidentToRow(i: Incident): Row {
  return {
    id: i.id,
    time: i.time,
    direction: i.direction,
    listener: i.listener,
    sender: m(i.sender),
    recipients: JSON.stringify(i.recipients.map(m)),
    subject_masked: m(i.subjectMasked),
    action: i.action,
    reply: m(i.reply),
    notice: i.notice,
    classification: i.classification,
    classification_reason: m(i.classificationReason),
    status: i.status,
    resolution: i.resolution,
  };
}

export function rowToIncident(r: Row, findings: StoredFinding[]): Incident {
  return {
    id: String(r.id),
    time: String(r.time),
    direction: r.direction as Incident['direction'],
    listener: String(r.listener),
    sender: String(r.sender),
    recipients: JSON.parse(String(r.recipients)) as string[],
    subjectMasked: String(r.subject_masked),
    findings,
    action: r.action as Incident['action'],
    reply: String(r.reply),
    notice: r.notice as Incident['notice'],
    classification: r.classification as Incident['classification'],
    classificationReason: String(r.classification_reason),
    status: r.status as Incident['status'],
    resolution: r.resolution === null ? null : String(r.resolution),
  };
}

export function rowToNotice(r: Row): QueuedNotice {
  return {
    id: Number(r.id),
    incidentId: String(r.incident_id),
    envelopeFrom: String(r.envelope_from),
    to: String(r.recipient),
    raw: Buffer.from(r.raw as Uint8Array),
    attempts: Number(r.attempts),
    status: r.status as QueuedNotice['status'],
    lastError: r.last_error === null ? null : String(r.last_error),
  };
}

/**
 * Copy only the four stored fields. A HeaderFinding (detect/types.ts) also carries `digits`, the
 * raw number: passing one straight in must not write it to disk (invariant 2).
 */
export function storedFinding(f: StoredFinding): StoredFinding {
  return { header: f.header, masked: f.masked, fingerprint: f.fingerprint, kind: f.kind };
}

/** Notice retry schedule: 1 min, 5 min, 15 min, 1 h, then every 4 h (like an MTA's queue). */
export function backoffMs(attempts: number): number {
  const steps = [60_000, 300_000, 900_000, 3_600_000];
  return attempts <= steps.length ? steps[Math.max(0, attempts - 1)] : 4 * 3_600_000;
}
