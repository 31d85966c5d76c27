// Keeps docs/notices.md true: its sample notices and reply lines are rendered by the real code and
// compared here. I/O: reads docs/notices.md; rewrites the sample blocks only with POSTVAGT_UPDATE_DOCS=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { buildNotice } from '../../src/notify/dsn.ts';
import { escalationText } from '../../src/notify/escalation.ts';
import { noticeRecipient } from '../../src/notify/recipient.ts';
import { digestSubject, digestText } from '../../src/review/digest.ts';
import { noticeText } from '../../src/notify/notice-text.ts';
import { formatReply, quarantinedReply, rejectReply, shuttingDownReply, tempfailReply, upstreamTempfailReply } from '../../src/notify/replies.ts';
import { parseHeaderBlock } from '../../src/detect/index.ts';
import type { Incident, StoredFinding } from '../../src/store/types.ts';
import { ID, finding, incident } from './fixtures.ts';

const DOC = new URL('../../docs/notices.md', import.meta.url);
const contact = 'IT-support på tlf. 4410 2030 eller it-support@kommune.dk';
const arrivalDate = new Date('2026-11-29T09:14:00Z');
const sf = (header: string): StoredFinding => ({ header, masked: 'XXXXXX-XXXX', fingerprint: '9f2c…', kind: 'cpr' });

const SAMPLES: Record<string, Partial<Incident>> = {
  reject: { action: 'reject' },
  quarantine: {
    action: 'quarantine',
    findings: [sf('Subject'), sf('To')],
    reply: formatReply(quarantinedReply(ID)),
  },
  redact: {
    action: 'redact',
    recipients: ['ydelser@naboby.dk'],
    subjectMasked: 'Vedr. XXXXXX-XXXX, ansøgning om boligstøtte',
    reply: '250 2.0.0 Ok: queued as 4ZkQ1x3Yz',
  },
  tag: { action: 'tag', findings: [sf('X-Sagsnummer')], subjectMasked: 'Afgørelse i din sag', reply: '250 2.0.0 Ok: queued as 4ZkQ1x3Yz' },
};

function rendered(name: string): string {
  const inc = incident(SAMPLES[name]);
  const t = noticeText({ incident: inc, contact, arrivalDate });
  return [`From: Postvagt <postmaster@kommune.dk>`, `To: ${inc.sender}`, `Subject: ${t.subject}`, '', t.body].join('\n');
}

function blocks(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(SAMPLES)) out[name] = rendered(name);
  out.replies = [
    formatReply(rejectReply({ incidentId: ID, findings: [finding('Subject')] })),
    formatReply(rejectReply({ incidentId: ID, findings: [finding('To'), finding('Subject')] })),
    formatReply(rejectReply({ incidentId: ID, findings: [finding('From')] })), // own name: the sender cannot fix it
    formatReply(rejectReply({ incidentId: ID, findings: [finding('Subject')], direction: 'inbound' })),
    formatReply(quarantinedReply(ID)),
    formatReply(tempfailReply(ID)),
    formatReply(upstreamTempfailReply(ID, 'connect ECONNREFUSED 10.0.0.25:25')),
    formatReply(upstreamTempfailReply(ID, 'STARTTLS not offered by upstream')),
    formatReply(shuttingDownReply()),
  ].join('\n');
  const target = noticeRecipient('noreply@selvbetjening.kommune.dk', ['^no-?reply@']);
  out.escalation = escalationText({
    incident: incident({ sender: 'noreply@selvbetjening.kommune.dk', action: 'quarantine', reply: formatReply(quarantinedReply(ID)), notice: 'escalated', classificationReason: 'Isolated: only this sender hit the Subject rule within 24 h.' }),
    reason: target.kind === 'escalate' ? target.reason : '',
    centralMailbox: 'fejlpostkasse@kommune.dk',
    postmaster: 'postmaster@kommune.dk',
    reportingMta: 'postvagt.kommune.dk',
    now: new Date('2026-11-29T09:14:01Z'),
    publicUrl: 'https://postvagt.kommune.dk',
  }).trimEnd();
  const dayIncidents = [
    incident({ id: 'PV-20261128-4KQ7ZB', time: '2026-11-28T08:12:00.000Z' }),
    incident({ id: 'PV-20261128-9HX2MD', time: '2026-11-28T13:40:00.000Z', action: 'upstream-fail', findings: [], subjectMasked: 'Referat', classification: 'systemic', classificationReason: "The next mail server refused or could not be reached; not caused by the mail's content." }),
    incident({ id: 'PV-20261128-T3WQ8R', time: '2026-11-28T10:05:00.000Z', direction: 'inbound', action: 'redact', sender: 'jens.hansen@naboby.dk', recipients: ['borgerservice@kommune.dk'], subjectMasked: 'Vedr. XXXXXX-XXXX, boligstøtte', notice: 'none' }),
  ];
  const digest = {
    day: '2026-11-28',
    incidents: dayIncidents,
    unresolved: [incident({ id: 'PV-20261126-B7N1QS', time: '2026-11-26T14:02:00.000Z', subjectMasked: 'Bevilling XXXXXX-XXXX' })],
    centralMailbox: 'fejlpostkasse@kommune.dk',
    postmaster: 'postmaster@kommune.dk',
    reportingMta: 'postvagt.kommune.dk',
    now: new Date('2026-11-29T06:00:00Z'),
    publicUrl: 'https://postvagt.kommune.dk',
  };
  out.digest = `Subject: ${digestSubject(digest)}\n\n${digestText(digest).trimEnd()}`;
  const raw = buildNotice({
    incident: incident(),
    originalHeaders: parseHeaderBlock(
      Buffer.from('From: Hanne Jensen <hanne.jensen@kommune.dk>\r\nTo: sagsbehandler@naboby.dk\r\nSubject: =?UTF-8?Q?Partsh=C3=B8ring_0101901234_=E2=80=93_bevilling_af_hj=C3=A6lpemidler?=\r\nMessage-ID: <20261129101400.77@ws12.kommune.dk>\r\nDate: Sun, 29 Nov 2026 10:14:00 +0100\r\n\r\n'),
    ),
    postmaster: 'postmaster@kommune.dk',
    contact,
    reportingMta: 'postvagt.kommune.dk',
    arrivalDate,
    now: new Date('2026-11-29T09:14:01Z'),
  }).raw;
  out.raw = raw.toString('latin1').replaceAll('\r\n', '\n').trimEnd();
  return out;
}

const MARK = /<!-- sample:([a-z]+) -->\n```text\n([\s\S]*?)\n```\n<!-- \/sample -->/g;

test('docs/notices.md shows exactly what the code sends (POSTVAGT_UPDATE_DOCS=1 rewrites the samples)', () => {
  const want = blocks();
  let doc = readFileSync(DOC, 'utf8');
  if (process.env.POSTVAGT_UPDATE_DOCS === '1') {
    doc = doc.replace(MARK, (_m, name: string) => `<!-- sample:${name} -->\n\`\`\`text\n${want[name] ?? '(unknown sample)'}\n\`\`\`\n<!-- /sample -->`);
    writeFileSync(DOC, doc);
  }
  const found = [...doc.matchAll(MARK)].map((m) => m[1]);
  assert.deepEqual(found.sort(), Object.keys(want).sort(), 'every sample appears once');
  for (const m of doc.matchAll(MARK)) assert.equal(m[2], want[m[1]], `sample '${m[1]}' is out of date`);
});
