// The daily digest inside `postvagt serve`: at digest.time (Danish time) yesterday's digest goes to
// the central mailbox through the upstream, once per day (a marker file under data_dir remembers the
// day across restarts). I/O: the store, SMTP via the route, one small file. Protects invariant 6's
// escalations and the "unresolved > 24 h" alerts from going unread: a failed send is retried next tick.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname } from 'node:os';
import type { Config } from '../config/schema.ts';
import type { Store } from '../store/types.ts';
import { buildDigest } from '../review/digest.ts';
import { readDigestIncidents } from '../cli/digest.ts';
import { addDays, DANISH_TIME_ZONE, localDay } from '../time/danish.ts';
import type { UpstreamRoute } from './upstream.ts';
import type { GatewayLogger } from './transaction.ts';
import { deliver } from './notices.ts';

const hhmm = new Intl.DateTimeFormat('en-GB', { timeZone: DANISH_TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** is today's digest due at `now`: past digest.time (Danish wall clock) and not sent today */
export function digestDue(now: Date, time: string, lastSentDay: string | null): boolean {
  return hhmm.format(now) >= time && lastSentDay !== localDay(now);
}

export interface DigestScheduler {
  /** one check; returns the day reported when a digest was sent */
  tick(): Promise<string | null>;
  stop(): void;
}

export function startDigestScheduler(p: {
  config: Pick<Config, 'digest' | 'notify' | 'data_dir'>;
  store: Store;
  route: UpstreamRoute;
  logger: GatewayLogger;
  clock: () => Date;
  intervalMs?: number;
}): DigestScheduler {
  const marker = join(p.config.data_dir, 'digest-last-sent');
  let busy = false;
  const tick = async (): Promise<string | null> => {
    const now = p.clock();
    const last = await readFile(marker, 'utf8').then((s) => s.trim(), () => null);
    if (busy || !digestDue(now, p.config.digest.time, last)) return null;
    busy = true;
    try {
      const day = addDays(localDay(now), -1);
      const found = await readDigestIncidents(p.store, day, now);
      const { notify } = p.config;
      const draft = buildDigest({ day, ...found, now, centralMailbox: notify.central_mailbox, postmaster: notify.postmaster, reportingMta: hostname() });
      const r = await deliver(p.route, draft);
      if (!r.ok) throw new Error(r.error);
      await mkdir(p.config.data_dir, { recursive: true });
      await writeFile(marker, `${localDay(now)}\n`);
      p.logger.info({ event: 'notice.sent', kind: 'daily digest', day, incidents: found.incidents.length, unresolved: found.unresolved.length });
      return day;
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => {
    // registered codes only (src/log.ts): the digest is a notice to the central mailbox
    tick().catch((err: unknown) => p.logger.error({ event: 'upstream.fail', kind: 'daily digest', retry: 'next minute', err: (err as Error).message }));
  }, p.intervalMs ?? 60_000);
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}
