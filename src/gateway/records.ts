// Builds the rows the gateway writes: one decision per transaction, incidents with their
// classification, and the sender notice (or the escalation instead). I/O: store reads for the
// classification counts only. Protects invariants 2, 3 and 6: masked findings only, one row per
// transaction, no notice to a null or unreachable sender.
import { hostname } from 'node:os';
import type { HeaderField, HeaderFinding } from '../detect/types.ts';
import type { Direction } from '../policy/types.ts';
import type { DecisionAction, DecisionRecord, Incident, NoticeDraft, Store, StoredFinding } from '../store/types.ts';
import { classifyNew, ruleOf } from '../review/classify.ts';
import { noticeRecipient } from '../notify/recipient.ts';
import { buildNotice } from '../notify/dsn.ts';
import { buildEscalation } from '../notify/escalation.ts';
import type { Config } from '../config/schema.ts';

/** notify settings plus web.public_url for the escalation's link; unset: no link, never a guessed address */
export type NotifySettings = Config['notify'] & { publicUrl?: string };

export interface TxFacts {
  txId: string;
  time: Date;
  listener: string;
  direction: Direction;
  sender: string;
  recipients: string[];
  size: number | null;
  subjectMasked: string;
}

export function stored(findings: readonly HeaderFinding[]): StoredFinding[] {
  return findings.map((f) => ({ header: f.header, masked: f.masked, fingerprint: f.fingerprint, kind: f.kind }));
}

export function decisionRow(t: TxFacts, action: DecisionAction, reply: string, findings: StoredFinding[], incidentId: string | null): DecisionRecord {
  return {
    id: t.txId,
    time: t.time.toISOString(),
    listener: t.listener,
    direction: t.direction,
    sender: t.sender,
    recipients: t.recipients,
    action,
    reply,
    findings,
    incidentId,
    size: t.size,
    subjectMasked: t.subjectMasked,
  };
}

export function incidentRow(t: TxFacts, id: string, action: DecisionAction, reply: string, findings: StoredFinding[]): Incident {
  return {
    id,
    time: t.time.toISOString(),
    direction: t.direction,
    listener: t.listener,
    sender: t.sender,
    recipients: t.recipients,
    subjectMasked: t.subjectMasked,
    findings,
    action,
    reply,
    notice: 'none',
    classification: 'unclassified',
    classificationReason: '',
    status: 'new',
    resolution: null,
  };
}

const DAY = 86_400_000;
const BASELINE_DAYS = 14;

/** classification with the counts review/classify.ts needs, read from the store (content incidents) */
export async function classify(store: Store, inc: Incident, now: Date): Promise<void> {
  let recentSameRuleSenders = 1;
  let todayCount = 1;
  let baselineDailyMean = 0;
  if (inc.findings.length > 0 && inc.action !== 'upstream-fail' && inc.action !== 'tempfail') {
    const since = new Date(now.getTime() - BASELINE_DAYS * DAY - now.getTime() % DAY);
    const recent = (await store.listIncidents({ since: since.toISOString(), limit: 100_000 })).filter((i) => i.findings.length > 0);
    const rule = ruleOf(inc.findings[0].header);
    const dayStart = now.getTime() - (now.getTime() % DAY);
    const senders = new Set([inc.sender]);
    for (const i of recent) {
      const t = Date.parse(i.time);
      if (t >= now.getTime() - DAY && i.findings.some((f) => ruleOf(f.header) === rule)) senders.add(i.sender);
      if (t >= dayStart) todayCount++;
    }
    recentSameRuleSenders = senders.size;
    baselineDailyMean = recent.filter((i) => Date.parse(i.time) < dayStart).length / BASELINE_DAYS;
  }
  const c = classifyNew({ action: inc.action, findings: inc.findings, sender: inc.sender, recentSameRuleSenders, todayCount, baselineDailyMean });
  inc.classification = c.classification;
  inc.classificationReason = c.reason;
}

/** the notice for a quarantined or redacted mail: to the sender, or (incident marked escalated) to the central mailbox */
export function noticeFor(p: {
  incident: Incident;
  fields: HeaderField[];
  notify: NotifySettings;
  arrival: Date;
  now: Date;
}): NoticeDraft | null {
  const target = noticeRecipient(p.incident.sender, p.notify.unreachable_senders, {
    postmaster: p.notify.postmaster,
    originalHeaders: p.fields,
  });
  if (target.kind === 'escalate') {
    // Invariant 6: the sender cannot be told, so the central mailbox is told at once, through the
    // same durable outbox (queued in the incident's transaction, retried by the notice worker).
    p.incident.notice = 'escalated';
    p.incident.classificationReason = `${p.incident.classificationReason} No notice: ${target.reason}.`.trim();
    return buildEscalation({
      incident: p.incident,
      reason: target.reason,
      centralMailbox: p.notify.central_mailbox,
      postmaster: p.notify.postmaster,
      reportingMta: hostname(),
      now: p.now,
      publicUrl: p.notify.publicUrl,
    });
  }
  p.incident.notice = 'queued';
  return buildNotice({
    incident: p.incident,
    originalHeaders: p.fields,
    postmaster: p.notify.postmaster,
    contact: p.notify.contact,
    reportingMta: hostname(),
    arrivalDate: p.arrival,
    now: p.now,
  });
}

/**
 * A reject's notice is the 550 itself: the sender's own MTA bounces it to them. That fails for a
 * null or unreachable sender (a bounce to <> goes nowhere), so then the central mailbox is told
 * at once instead (invariant 6). Returns the escalation mail, or null when the 550 suffices.
 */
export function rejectNotice(p: { incident: Incident; fields: HeaderField[]; notify: NotifySettings; now: Date }): NoticeDraft | null {
  const target = noticeRecipient(p.incident.sender, p.notify.unreachable_senders, {
    postmaster: p.notify.postmaster,
    originalHeaders: p.fields,
  });
  if (target.kind === 'send') {
    p.incident.notice = 'in-reply';
    return null;
  }
  return noticeFor({ ...p, arrival: p.now });
}
