// The JSON API's shapes: query validation and the incident object exactly as DESIGN's HTTP
// contract (snake_case keys). Pure. Nothing here can hold a raw CPR: it maps stored (masked) data.
import type { Incident, IncidentFilter } from '../store/types.ts';

const ENUMS = {
  status: ['new', 'reviewed', 'resolved'],
  classification: ['isolated', 'systemic', 'unclassified'],
  direction: ['outbound', 'inbound'],
} as const;

export type FilterResult = { ok: true; filter: IncidentFilter } | { ok: false; error: string };

/** `?status=&classification=&direction=&since=` — empty values mean "any"; anything else is a 400. */
export function parseIncidentQuery(q: Record<string, unknown>): FilterResult {
  const filter: IncidentFilter = {};
  for (const key of Object.keys(ENUMS) as (keyof typeof ENUMS)[]) {
    const v = q[key];
    if (v === undefined || v === '') continue;
    if (typeof v !== 'string' || !(ENUMS[key] as readonly string[]).includes(v)) {
      return { ok: false, error: `${key} must be one of ${ENUMS[key].join(', ')}` };
    }
    (filter as Record<string, string>)[key] = v;
  }
  const since = q.since;
  if (since !== undefined && since !== '') {
    const t = typeof since === 'string' && /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(since) ? Date.parse(since) : NaN;
    if (Number.isNaN(t)) return { ok: false, error: 'since must be an ISO 8601 date or time, e.g. 2026-11-29 or 2026-11-29T08:00:00Z' };
    filter.since = new Date(t).toISOString();
  }
  const limit = q.limit;
  if (limit !== undefined && limit !== '') {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) return { ok: false, error: 'limit must be an integer from 1 to 1000' };
    filter.limit = n;
  }
  return { ok: true, filter };
}

export function incidentJson(i: Incident): Record<string, unknown> {
  return {
    id: i.id,
    time: i.time,
    direction: i.direction,
    action: i.action,
    status: i.status,
    classification: i.classification,
    classification_reason: i.classificationReason,
    sender: i.sender,
    recipients: i.recipients,
    subject_masked: i.subjectMasked,
    findings: i.findings.map((f) => ({ header: f.header, masked: f.masked, fingerprint: f.fingerprint, kind: f.kind })),
    reply: i.reply,
    notice: i.notice,
  };
}

/** Resolutions a person can choose in the dashboard (DESIGN "Incidents and review"). */
export const RESOLUTIONS = ['resent', 'false-positive', 'handled-manually', 'released-from-quarantine'] as const;

export type StatusChange =
  | { ok: true; patch: { status: 'reviewed' | 'resolved' | 'new'; resolution: string | null } }
  | { ok: false; error: string };

/** A status change from the incidents page: `resolved` needs a resolution; others clear it. */
export function parseStatusChange(body: Record<string, unknown>): StatusChange {
  const status = body.status;
  if (status !== 'new' && status !== 'reviewed' && status !== 'resolved') return { ok: false, error: 'status must be new, reviewed or resolved' };
  if (status !== 'resolved') return { ok: true, patch: { status, resolution: null } };
  const resolution = body.resolution;
  if (typeof resolution !== 'string' || !(RESOLUTIONS as readonly string[]).includes(resolution)) {
    return { ok: false, error: `resolution must be one of ${RESOLUTIONS.join(', ')}` };
  }
  return { ok: true, patch: { status, resolution } };
}
