// The notice worker: sends queued sender notices (RFC 3464 DSNs, null envelope sender) through the
// upstream, with the store's backoff between attempts. I/O: store outbox + SMTP via the upstream route.
// Protects invariant 4/6: a notice that cannot be delivered becomes a visible, systemic incident, and
// the central mailbox is told at once (the sender still does not know their mail was stopped).
import { hostname } from 'node:os';
import type { NoticeDraft, Store, QueuedNotice } from '../store/types.ts';
import type { UpstreamRoute } from './upstream.ts';
import type { GatewayLogger } from './transaction.ts';
import type { NotifySettings } from './records.ts';
import { classifyNoticeFailure } from '../review/classify.ts';
import { buildEscalation } from '../notify/escalation.ts';
import { bareAddress } from '../notify/recipient.ts';

/** after this many attempts (with the store's backoff, about a day) a 4xx counts as final */
export const MAX_NOTICE_ATTEMPTS = 12;

export interface NoticeWorker {
  /** one pass over the due notices; returns how many were tried */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/** one mail (notice or digest) through the upstream; 5xx counts as permanent */
export async function deliver(route: UpstreamRoute, n: Pick<QueuedNotice, 'envelopeFrom' | 'to' | 'raw'>): Promise<{ ok: true } | { ok: false; error: string; permanent: boolean }> {
  const tx = await route.begin(n.envelopeFrom, { size: n.raw.length, eightBit: true });
  if (tx.mailReply.code >= 300) return { ok: false, error: `MAIL ${tx.mailReply.code} ${tx.mailReply.text}`, permanent: tx.mailReply.code >= 500 };
  const r = await tx.rcpt(n.to);
  if (r.code >= 300) {
    await tx.abort();
    return { ok: false, error: `RCPT ${r.code} ${r.text}`, permanent: r.code >= 500 };
  }
  const end = await tx.data(n.raw, Buffer.alloc(0), (async function* () {})(), async () => undefined);
  if (end.code >= 300) return { ok: false, error: `DATA ${end.code} ${end.text}`, permanent: end.code >= 500 };
  return { ok: true };
}

interface WorkerDeps {
  store: Store;
  route: UpstreamRoute;
  logger: GatewayLogger;
  notify: NotifySettings;
  clock?: () => Date;
  intervalMs?: number;
}

/**
 * The sender's notice failed for good: the central mailbox must be told now, not at the next
 * digest. The escalation is queued with the failure (store.markNotice), so it is retried like any
 * notice. None for a notice to the central mailbox itself: that is where it would go again.
 */
async function escalationFor(p: WorkerDeps, n: QueuedNotice, error: string): Promise<NoticeDraft | undefined> {
  if (n.to.trim().toLowerCase() === bareAddress(p.notify.central_mailbox).toLowerCase()) return undefined;
  const inc = await p.store.getIncident(n.incidentId);
  if (!inc) return undefined;
  return buildEscalation({
    incident: inc,
    reason: `the notice to the sender could not be delivered (${error})`,
    centralMailbox: p.notify.central_mailbox,
    postmaster: p.notify.postmaster,
    reportingMta: hostname(),
    now: (p.clock ?? (() => new Date()))(),
    publicUrl: p.notify.publicUrl,
  });
}

export function startNoticeWorker(p: WorkerDeps): NoticeWorker {
  let running: Promise<number> | null = null;
  let stopped = false;

  const runOnce = async (): Promise<number> => {
    const due = await p.store.dueNotices(20);
    for (const n of due) {
      if (stopped) break;
      let outcome: Awaited<ReturnType<typeof deliver>>;
      try {
        outcome = await deliver(p.route, n);
      } catch (err) {
        outcome = { ok: false, error: (err as Error).message, permanent: false };
      }
      if (outcome.ok) {
        await p.store.markNotice(n.id, { ok: true });
        p.logger.info({ event: 'notice.sent', incident: n.incidentId });
        continue;
      }
      const final = outcome.permanent || n.attempts + 1 >= MAX_NOTICE_ATTEMPTS;
      const escalation = final ? await escalationFor(p, n, outcome.error) : undefined;
      await p.store.markNotice(n.id, { ok: false, error: outcome.error, final, escalation });
      if (final) {
        const c = classifyNoticeFailure();
        await p.store.updateIncident(n.incidentId, { classification: c.classification, classificationReason: c.reason });
        p.logger.error({ event: 'notice.failed', incident: n.incidentId, error: outcome.error });
        if (escalation) p.logger.info({ event: 'notice.escalated', incident: n.incidentId, reason: 'notice undeliverable' });
      }
    }
    return due.length;
  };

  const tick = () => {
    if (stopped || running) return;
    running = runOnce()
      .catch((err: unknown) => {
        p.logger.error({ event: 'store.fail', where: 'notice worker', err: (err as Error).message });
        return 0;
      })
      .finally(() => (running = null));
  };
  const timer = setInterval(tick, p.intervalMs ?? 2000);
  timer.unref();
  tick();
  return {
    runOnce,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
