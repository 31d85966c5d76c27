// Shared test data for policy/notify tests: findings and incidents as the gateway would build them.
// No I/O. Findings carry masked values only in `masked`; `digits` exists because the type requires it.
import type { HeaderFinding } from '../../src/detect/types.ts';
import type { Incident } from '../../src/store/types.ts';

export const ID = 'PV-20261129-7K3QXD';

export function finding(header: string, masked = 'XXXXXX-XXXX'): HeaderFinding {
  return { header, fieldIndex: 0, start: 0, end: 11, digits: '0101901234', kind: 'cpr', mod11: false, masked, fingerprint: 'f00d' };
}

export function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: ID,
    time: '2026-11-29T09:14:00.000Z',
    direction: 'outbound',
    listener: 'outbound',
    sender: 'hanne.jensen@kommune.dk',
    recipients: ['sagsbehandler@naboby.dk'],
    subjectMasked: 'Partshøring XXXXXX-XXXX – bevilling af hjælpemidler',
    findings: [{ header: 'Subject', masked: 'XXXXXX-XXXX', fingerprint: 'f00d', kind: 'cpr' }],
    action: 'reject',
    reply: `550 5.7.1 Ikke afsendt: emnefeltet indeholder et CPR-nummer (XXXXXX-XXXX). Fjern det og send igen. Sag ${ID} / Not sent: CPR number in subject (XXXXXX-XXXX). Remove it and send again. Case ${ID}`,
    notice: 'queued',
    classification: 'isolated',
    classificationReason: 'Isolated: only this sender hit the Subject rule within 24 h.',
    status: 'new',
    resolution: null,
    ...over,
  };
}
