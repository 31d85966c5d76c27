// What the daily digest reports, read from the store: one Danish day's incidents and those still
// open after 24 h. I/O: store reads only. Shared by `postvagt digest` and the scheduler in `serve`.
import type { Incident, Store } from '../store/types.ts';
import { dayBounds } from '../time/danish.ts';

/** the store's maximum per query; more than this in one day is reported as a warning, not hidden */
export const DIGEST_QUERY_LIMIT = 100_000;
const DAY_MS = 24 * 3600_000;

/** the day's incidents, and those unresolved for more than 24 h at `now` (any day), oldest first */
export async function readDigestIncidents(store: Store, day: string, now: Date): Promise<{ incidents: Incident[]; unresolved: Incident[]; truncated: boolean }> {
  const LIMIT = DIGEST_QUERY_LIMIT;
  const { since, until } = dayBounds(day);
  // listIncidents has no upper bound: it returns newest first from `since`, cut at `until` here
  const fromDay = await store.listIncidents({ since, limit: LIMIT });
  const incidents = fromDay.filter((i) => i.time < until);
  const cutoff = new Date(now.getTime() - DAY_MS).toISOString();
  const open = [...(await store.listIncidents({ status: 'new', limit: LIMIT })), ...(await store.listIncidents({ status: 'reviewed', limit: LIMIT }))];
  const unresolved = open.filter((i) => i.time <= cutoff);
  const byTime = (a: Incident, b: Incident) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id);
  return { incidents: incidents.sort(byTime), unresolved: unresolved.sort(byTime), truncated: fromDay.length >= LIMIT || open.length >= LIMIT };
}
