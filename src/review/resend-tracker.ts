// Resend tracking against the store: passing mails since the last run resolve the stopped mails
// they re-send (findResent, pure, decides). I/O only through the Store passed in; runs off the SMTP
// hot path (serve calls it every minute), so a pass never waits for it. DESIGN "Incidents and review".
import type { Store } from '../store/types.ts';
import { findResent, RESEND_WINDOW_MS } from './resend.ts';

export interface ResendRun {
  /** passing mails looked at */
  checked: number;
  /** incident ids resolved as `resent` */
  resolved: string[];
}

/** Resolve as `resent` every open reject/quarantine incident that a pass in [since, until) re-sent. */
export async function reconcileResends(store: Store, since: Date, until: Date): Promise<ResendRun> {
  const passes = (await store.listDecisions({ since: since.toISOString(), until: until.toISOString() })).filter(
    (d) => d.action === 'pass',
  );
  if (passes.length === 0) return { checked: 0, resolved: [] };
  const windowStart = new Date(since.getTime() - RESEND_WINDOW_MS).toISOString();
  const open = (await store.listIncidents({ since: windowStart, limit: 100_000 })).filter((i) => i.status !== 'resolved');
  const resolved: string[] = [];
  for (const d of passes) {
    const candidates = open.filter((i) => !resolved.includes(i.id));
    for (const inc of findResent({ sender: d.sender, recipients: d.recipients, subjectMasked: d.subjectMasked, direction: d.direction, time: d.time }, candidates)) {
      await store.updateIncident(inc.id, { status: 'resolved', resolution: 'resent' });
      resolved.push(inc.id);
    }
  }
  return { checked: passes.length, resolved };
}

/** Every `intervalMs`, reconcile the passes since the previous run. */
export function startResendTracker(p: {
  store: Store;
  clock?: () => Date;
  intervalMs?: number;
  onRun?: (r: ResendRun) => void;
  onError?: (err: Error) => void;
}): { stop(): void; runOnce(): Promise<ResendRun> } {
  const clock = p.clock ?? (() => new Date());
  // at start, look back one window: incidents stopped before a restart are still resolvable
  let since = new Date(clock().getTime() - RESEND_WINDOW_MS);
  let running: Promise<ResendRun> | null = null;
  const runOnce = (): Promise<ResendRun> => {
    if (running) return running;
    const until = clock();
    running = reconcileResends(p.store, since, until)
      .then((r) => {
        since = until;
        p.onRun?.(r);
        return r;
      })
      .finally(() => (running = null));
    return running;
  };
  const timer = setInterval(() => void runOnce().catch((e: Error) => p.onError?.(e)), p.intervalMs ?? 60_000);
  timer.unref();
  return { stop: () => clearInterval(timer), runOnce };
}
