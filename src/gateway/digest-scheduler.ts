// The daily digest inside `postvagt serve`: at digest.time (Danish time) yesterday's digest goes to
// the central mailbox through the upstream, once per day (a marker file under data_dir remembers the
// day across restarts; its first start sends nothing). I/O: the store, SMTP via the route, one small
// file. Protects invariant 6's escalations and "unresolved > 24 h" alerts: a failed send is retried.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname } from 'node:os';
import type { Config } from '../config/schema.ts';
import type { Store } from '../store/types.ts';
import { buildDigest } from '../review/digest.ts';
import { readDigestIncidents } from '../review/digest-incidents.ts';
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
  config: Pick<Config, 'digest' | 'notify' | 'data_dir'> & { web?: Pick<Config['web'], 'public_url'> };
  store: Store;
  route: UpstreamRoute;
  logger: GatewayLogger;
  clock: () => Date;
  intervalMs?: number;
}): DigestScheduler {
  const marker = join(p.config.data_dir, 'digest-last-sent');
  let busy = false;
  const tick = async (): Promise<string | null> => {
    if (busy) return null;
    busy = true;
    try {
      const now = p.clock();
      const last = await lastSent(marker, p.config.data_dir, now);
      return digestDue(now, p.config.digest.time, last) ? await send(now) : null;
    } finally {
      busy = false;
    }
  };
  const send = async (now: Date): Promise<string> => {
    const day = addDays(localDay(now), -1);
    const found = await readDigestIncidents(p.store, day, now);
    const { notify } = p.config;
    const draft = buildDigest({
      day, ...found, now, centralMailbox: notify.central_mailbox, postmaster: notify.postmaster, reportingMta: hostname(), publicUrl: p.config.web?.public_url,
    });
    const r = await deliver(p.route, draft);
    if (!r.ok) throw new Error(r.error);
    await writeFile(marker, `${localDay(now)}\n`).catch((err: NodeJS.ErrnoException) => {
      throw new MarkerError(`sent, but cannot write ${marker} (${err.code ?? err.message}); it may be sent again`);
    });
    p.logger.info({ event: 'notice.sent', kind: 'daily digest', day, incidents: found.incidents.length, unresolved: found.unresolved.length });
    return day;
  };
  const timer = setInterval(() => {
    // registered codes only (src/log.ts): the digest is a notice to the central mailbox; its marker is local state
    tick().catch((err: unknown) => {
      const where = err instanceof MarkerError ? { event: 'store.fail', where: 'daily digest marker' } : { event: 'upstream.fail', kind: 'daily digest' };
      p.logger.error({ ...where, retry: 'next minute', err: (err as Error).message });
    });
  }, p.intervalMs ?? 60_000);
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}

/**
 * The day the last digest was sent. No marker yet means this data folder's first start: yesterday
 * was not watched, and an empty digest for it would read as "all clear". So today is recorded as
 * sent, without sending; the first digest (tomorrow) covers today, the first day watched.
 */
async function lastSent(marker: string, dataDir: string, now: Date): Promise<string> {
  try {
    return (await readFile(marker, 'utf8')).trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // unreadable is not "never sent": guessing would mail a digest every minute
    if (code !== 'ENOENT') throw new MarkerError(`cannot read ${marker} (${code ?? (err as Error).message}); no digest until it can be read`);
  }
  try {
    await mkdir(dataDir, { recursive: true });
    // 'wx': two gateways starting on one folder must not both decide "first start"
    await writeFile(marker, `${localDay(now)}\n`, { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    return (await readFile(marker, 'utf8')).trim();
  } catch (err) {
    throw new MarkerError(`cannot create ${marker} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** the marker file failed, not the upstream: logged as store.fail */
class MarkerError extends Error {}
